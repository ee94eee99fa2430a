/**
 * Epoch keys wrapped per device. Epoch 0 is derived from the wallet's seed signature (keys.ts);
 * every later epoch key is 32 random bytes, wrapped to each remaining reader's own X25519 key and
 * to a recovery key only the wallet can rebuild, never under a key all devices hold: a revoked
 * device then cannot open any epoch made after its revocation (crdt/SPEC.md §Keys).
 *
 * A wrap is ephemeral-static X25519 (an ECIES sealed box, as HPKE's base mode with
 * DHKEM(X25519), without its framing): a fresh ephemeral key E, ss = X25519(e, kem),
 * k = HKDF-SHA256(ss, salt = E || kem, info = "mesh/epoch-wrap/v1" || wallet || u32be(epoch)),
 * ciphertext = ChaCha20-Poly1305(k, nonce = 0^12, epoch key, aad = recipient). Each k is used
 * once, so the zero nonce is safe.
 *
 * A device's X25519 key is derived from its ed25519 seed (HKDF, "mesh/device-kem/v1"), so a home
 * holds no new secret file; a version 1/2 certificate names no KEM key, and wraps to such a device
 * use its ed25519 key in Montgomery form (the same conversion age's ssh-ed25519 recipients use).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DecryptError, InvalidInputError } from '../errors.js'
import { concat, equals, u32be, utf8 } from './bytes.js'
import { isChainCertificate } from './chain.js'
import type { Certificate } from './certificate.js'
import { LABEL } from './domains.js'

/** The recipient field of the wrap to the recovery key. */
export const RECOVERY_RECIPIENT = new Uint8Array(32)

export interface Wrap { recipient: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array }

export interface KemKeyPair { publicKey: Uint8Array, secretKey: Uint8Array }

/** A device's X25519 key pair, from the 32-byte seed of its ed25519 key. */
export function deviceKem (ed25519Seed: Uint8Array): KemKeyPair {
  const secretKey = hkdf(sha256, ed25519Seed, utf8(LABEL.salt), utf8(LABEL.deviceKem), 32)
  return { publicKey: x25519.getPublicKey(secretKey), secretKey }
}

/** The X25519 pair of a device whose certificate names no KEM key (versions 1 and 2): its ed25519 key in Montgomery form. */
export function legacyKem (ed25519Seed: Uint8Array): KemKeyPair {
  const secretKey = ed25519.utils.toMontgomerySecret(ed25519Seed)
  return { publicKey: x25519.getPublicKey(secretKey), secretKey }
}

/** The recovery key pair: only a holder of the wallet's seed signature (the wallet) can compute it. */
export function recoveryKem (seedSignature: Uint8Array): KemKeyPair {
  const secretKey = hkdf(sha256, seedSignature, utf8(LABEL.salt), utf8(LABEL.recoveryKem), 32)
  return { publicKey: x25519.getPublicKey(secretKey), secretKey }
}

/** The X25519 key a certificate's device is wrapped to. */
export function kemPublicOf (cert: Certificate): Uint8Array {
  if (isChainCertificate(cert)) {
    if (cert.kem === undefined) throw new InvalidInputError(`device ${cert.label} reads nothing: it has no KEM key`)
    return cert.kem
  }
  return ed25519.utils.toMontgomery(cert.deviceKey)
}

function wrapKey (ss: Uint8Array, enc: Uint8Array, kem: Uint8Array, wallet: Uint8Array, epoch: number): Uint8Array {
  return hkdf(sha256, ss, concat([enc, kem]), concat([utf8(LABEL.epochWrap), wallet, u32be(epoch)]), 32)
}

const NONCE = new Uint8Array(12)

function seal (key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, nonce = NONCE): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  c.setAAD(aad, { plaintextLength: plaintext.byteLength })
  return concat([c.update(plaintext), c.final(), c.getAuthTag()])
}

function open (key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string, nonce = NONCE): Uint8Array {
  if (sealed.byteLength < 16) throw new DecryptError(`${what} is too short`)
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  d.setAAD(aad, { plaintextLength: sealed.byteLength - 16 })
  d.setAuthTag(sealed.subarray(sealed.byteLength - 16))
  try {
    return concat([d.update(sealed.subarray(0, sealed.byteLength - 16)), d.final()])
  } catch (err) {
    throw new DecryptError(`${what} does not open with this key`, {}, { cause: err })
  }
}

/**
 * Wraps an epoch key to one recipient: `recipient` is its ed25519 device key (or
 * RECOVERY_RECIPIENT), `kem` its X25519 key. `ephemeral` only for frozen test vectors.
 */
export function wrapEpochKey (epochKey: Uint8Array, to: { recipient: Uint8Array, kem: Uint8Array }, ctx: { wallet: Uint8Array, epoch: number }, ephemeral?: Uint8Array): Wrap {
  if (epochKey.byteLength !== 32) throw new InvalidInputError('an epoch key has 32 bytes')
  const e = ephemeral ?? x25519.utils.randomSecretKey()
  const enc = x25519.getPublicKey(e)
  const ss = x25519.getSharedSecret(e, to.kem)
  return { recipient: to.recipient, enc, ciphertext: seal(wrapKey(ss, enc, to.kem, ctx.wallet, ctx.epoch), epochKey, to.recipient) }
}

/** Opens a wrap with the recipient's X25519 key pair; DecryptError if it was not made for it. */
export function unwrapEpochKey (w: Wrap, me: KemKeyPair, ctx: { wallet: Uint8Array, epoch: number }): Uint8Array {
  if (w.enc.byteLength !== 32) throw new DecryptError('a wrap carries a 32-byte ephemeral key')
  let ss: Uint8Array
  try {
    ss = x25519.getSharedSecret(me.secretKey, w.enc)
  } catch (err) {
    // noble refuses a low-order point (an all-zero shared secret): no key can come out of it.
    throw new DecryptError('a wrap\'s ephemeral key is not a usable X25519 point', {}, { cause: err })
  }
  const k = open(wrapKey(ss, w.enc, me.publicKey, ctx.wallet, ctx.epoch), w.ciphertext, w.recipient, `the wrap of epoch ${ctx.epoch}`)
  if (k.byteLength !== 32) throw new DecryptError('a wrapped epoch key is not 32 bytes')
  return k
}

/** Binds an epoch key to its number: holders check a key they unwrapped is the one the operation announced. */
export function epochCommitment (epochKey: Uint8Array, epoch: number): Uint8Array {
  return new Uint8Array(createHmac('sha256', epochKey).update(concat([utf8(LABEL.epochCommit), u32be(epoch)])).digest())
}

export function checkCommitment (epochKey: Uint8Array, epoch: number, commitment: Uint8Array): boolean {
  return equals(epochCommitment(epochKey, epoch), commitment)
}

/**
 * The earlier epoch keys sealed under a new one (Epoch.previous, Jazz's old-for-new chain): a
 * device given only the newest key (a recovery, a Grant) reads history. Layout of the plaintext:
 * repeated (u32be epoch || 32-byte key). The nonce is zero: the key seals this once.
 */
export function sealPrevious (newKey: Uint8Array, epoch: number, keys: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = []
  for (const [e, k] of [...keys].sort((a, b) => a[0] - b[0])) if (e !== epoch) parts.push(u32be(e), k)
  return seal(newKey, concat(parts), concat([utf8(LABEL.epochPrevious), u32be(epoch)]))
}

export function openPrevious (newKey: Uint8Array, epoch: number, sealed: Uint8Array): Map<number, Uint8Array> {
  const plain = open(newKey, sealed, concat([utf8(LABEL.epochPrevious), u32be(epoch)]), `the earlier keys of epoch ${epoch}`)
  if (plain.byteLength % 36 !== 0) throw new DecryptError('earlier epoch keys are malformed')
  const out = new Map<number, Uint8Array>()
  const v = new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
  for (let i = 0; i < plain.byteLength; i += 36) out.set(v.getUint32(i), plain.slice(i + 4, i + 36))
  return out
}

/** A fresh epoch key. */
export const newEpochKey = (): Uint8Array => new Uint8Array(randomBytes(32))
