/**
 * Signed bytes with a domain (libp2p's signed envelope is the model): a signature covers
 * `varint(len(domain)) || domain || payload`, so a signature made for one purpose can never be
 * replayed as another. Verify the received bytes, then decode them; never re-encode to verify.
 */
import { concat, utf8, varint } from './bytes.js'
import { verify, type Ed25519Signer } from './ed25519.js'

export function signingInput (domain: string, payload: Uint8Array): Uint8Array {
  const d = utf8(domain)
  return concat([varint(d.byteLength), d, payload])
}

export function signWithDomain (signer: { sign: (m: Uint8Array) => Uint8Array } | Ed25519Signer, domain: string, payload: Uint8Array): Uint8Array {
  return signer.sign(signingInput(domain, payload))
}

export function verifyWithDomain (publicKey: Uint8Array, domain: string, payload: Uint8Array, signature: Uint8Array): boolean {
  return verify(publicKey, signingInput(domain, payload), signature)
}
