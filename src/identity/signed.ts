/**
 * Signed bytes with a domain (libp2p's signed envelope is the model): a signature covers
 * `varint(len(domain)) || domain || payload`, so a signature made for one purpose can never be
 * replayed as another. Verify the received bytes, then decode them; never re-encode to verify.
 */
import { concat, equals, utf8, varint } from './bytes.js'
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

/**
 * Whether `bytes` are the one encoding mesh writes for what a protobuf codec decoded them to:
 * encoded again, the very same bytes. A protobuf decoder skips unknown fields, keeps the last of a
 * field sent twice, takes fields in any order and varints longer than they need be, so a signed
 * record has many encodings that all verify (the signature covers the body, not the envelope, and
 * a body's extra field is as good as absent). A record named or compared by its bytes (a registry
 * operation's id, the tie-break between two certificates) is taken in this one encoding only, so
 * nobody can make a second record out of someone else's. The signature is still checked over the
 * bytes received: this never stands in for it.
 */
export function isCanonical<T> (codec: { encode: (value: T) => Uint8Array }, decoded: T, bytes: Uint8Array): boolean {
  return equals(codec.encode(decoded), bytes)
}

/** Why a record isCanonical refused is refused: `what` names it (a certificate, its body, a registry operation). */
export const notCanonical = (what: string): string => `${what} is not in the one encoding mesh writes (a field unknown, repeated or out of order, or a varint longer than needed)`
