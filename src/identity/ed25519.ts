/**
 * Ed25519 on the hot path. node:crypto signs in ~0.05 ms and verifies in ~0.1 ms here, where
 * tweetnacl takes ~5 ms to verify (../shared/MACHINE-NOTES.md, and `npm run bench`); all produce
 * the same RFC 8032 signatures, which test/vectors/ checks. Key objects are cached per key.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')

const publicCache = new Map<string, KeyObject>()
const MAX_CACHE = 4096

function publicKeyObject (pub: Uint8Array): KeyObject {
  const id = b64url(pub)
  let k = publicCache.get(id)
  if (k === undefined) {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' })
    if (publicCache.size >= MAX_CACHE) publicCache.clear()
    publicCache.set(id, k)
  }
  return k
}

export interface Ed25519Signer {
  readonly publicKey: Uint8Array
  sign: (message: Uint8Array) => Uint8Array
}

/** A signer over a 32-byte seed and its 32-byte public key. */
export function signerFromSeed (seed: Uint8Array, publicKey: Uint8Array): Ed25519Signer {
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey), d: b64url(seed) }, format: 'jwk' })
  return {
    publicKey,
    sign: (message) => new Uint8Array(nodeSign(null, message, key))
  }
}

/** PKCS#8's wrapping of a 32-byte Ed25519 seed (RFC 8410), before the seed. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

/** The public key a 32-byte seed gives (RFC 8032). */
export function publicKeyOfSeed (seed: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
  return new Uint8Array(Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url'))
}

export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey), signature)
  } catch {
    // node:crypto throws on a public key that is not a curve point: that is an invalid signature.
    return false
  }
}
