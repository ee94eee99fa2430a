/**
 * CPace, a balanced PAKE (draft-irtf-cfrg-cpace), on ristretto255 with SHA-512, for pairing by a
 * short code: both sides derive a generator from the password (the code), a channel identifier
 * and a session id, exchange one point each, and share a key only if they used the same password.
 * A wrong guess teaches the guesser nothing it could test offline: one online try per run.
 *
 * The draft's ristretto255/SHA-512 test vectors are frozen in test/vectors/cpace.json and
 * reproduced byte for byte (generator string, generator, Ya, Yb, K, ISK, the invalid points).
 * Key confirmation follows the draft's recommendation: mac_key = H("CPaceMac" || sid || ISK),
 * each side tags what it sent, Ta = HMAC-SHA512(mac_key, lv_cat(Ya, ADa)).
 *
 * @example
 * const g = cpaceGenerator(utf8('K7QM2XDF'), ci, sid)
 * const a = cpaceShare(g)                          // send a.Y
 * const isk = cpaceIsk(a.scalar, Yb, sid, { Ya: a.Y, ADa, Yb, ADb })   // throws on a bad Yb
 */
import { randomBytes } from 'node:crypto'
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'
import { concat, equals, utf8 } from './bytes.js'

const Point: { fromBytes: (b: Uint8Array) => RistrettoPoint } = ristretto255.Point
export const CPACE_DSI = 'CPaceRistretto255'
/** SHA-512's input block: the generator string is zero-padded so DSI and PRS fill one block. */
export const SHA512_BLOCK = 128
export const POINT_BYTES = 32
/** The public encoding of the identity element, G.I. */
const IDENTITY = new Uint8Array(POINT_BYTES)

/** The part of a ristretto255 point CPace uses (noble's class does not survive declaration emit). */
export interface RistrettoPoint { multiply: (scalar: bigint) => RistrettoPoint, toBytes: () => Uint8Array, is0: () => boolean }

/** The draft's prepend_len: LEB128 length, then the bytes. */
export function prependLen (data: Uint8Array): Uint8Array {
  const len: number[] = []
  let n = data.byteLength
  while (n >= 0x80) { len.push((n & 0x7f) | 0x80); n >>>= 7 }
  len.push(n)
  return concat([Uint8Array.from(len), data])
}

export function lvCat (...parts: Uint8Array[]): Uint8Array {
  return concat(parts.map(prependLen))
}

/** generator_string(DSI, PRS, CI, sid, s_in_bytes) of the draft. */
export function generatorString (dsi: Uint8Array, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array, sInBytes = SHA512_BLOCK): Uint8Array {
  const zpad = Math.max(0, sInBytes - 1 - prependLen(prs).byteLength - prependLen(dsi).byteLength)
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid)
}

/** G.calculate_generator: SHA-512 of the generator string, mapped by RFC 9496 element derivation. */
export function cpaceGenerator (prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): RistrettoPoint {
  const h = sha512(generatorString(utf8(CPACE_DSI), prs, ci, sid))
  return ristretto255_hasher.deriveToCurve!(h) as RistrettoPoint
}

/** A little-endian scalar, as the draft writes them. */
export function scalarFromLE (b: Uint8Array): bigint {
  let x = 0n
  for (let i = b.byteLength - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number)
  return x
}

/**
 * G.sample_scalar as the draft recommends: 32 random bytes with the bits above the group's 252
 * cleared, read little-endian (below the group order; zero is drawn again).
 */
export function sampleScalar (): bigint {
  for (;;) {
    const b = randomBytes(32)
    b[31] = (b[31] as number) & 0x0f
    const s = scalarFromLE(b)
    if (s !== 0n) return s
  }
}

export interface CPaceShare { scalar: bigint, Y: Uint8Array }

/** A party's message: Y = encode(y·g). */
export function cpaceShare (g: RistrettoPoint, scalar = sampleScalar()): CPaceShare {
  return { scalar, Y: g.multiply(scalar).toBytes() }
}

/** G.scalar_mult_vfy: encode(y·decode(X)), or the identity's encoding when X does not decode. */
export function scalarMultVfy (scalar: bigint, X: Uint8Array): Uint8Array {
  let p: RistrettoPoint
  try {
    p = Point.fromBytes(X)
  } catch {
    // The draft: a failed decode yields G.I, which the caller then refuses.
    return IDENTITY.slice()
  }
  if (p.is0()) return IDENTITY.slice()
  return p.multiply(scalar).toBytes()
}

export interface Transcript { Ya: Uint8Array, ADa: Uint8Array, Yb: Uint8Array, ADb: Uint8Array }

/** transcript_ir: the initiator's message, then the responder's. */
export const transcriptIr = (t: Transcript): Uint8Array => concat([lvCat(t.Ya, t.ADa), lvCat(t.Yb, t.ADb)])

/** ISK = H(lv_cat(DSI || "_ISK", sid, K) || transcript_ir). */
export function iskFrom (sid: Uint8Array, K: Uint8Array, t: Transcript): Uint8Array {
  return sha512(concat([lvCat(utf8(CPACE_DSI + '_ISK'), sid, K), transcriptIr(t)]))
}

/**
 * K from the own scalar and the other side's point, then ISK; throws InvalidInputError (and the
 * run must be abandoned) when the other point is invalid or the identity.
 */
export function cpaceIsk (scalar: bigint, other: Uint8Array, sid: Uint8Array, t: Transcript): Uint8Array {
  if (other.byteLength !== POINT_BYTES) throw new InvalidInputError('a CPace share has 32 bytes')
  const K = scalarMultVfy(scalar, other)
  if (equals(K, IDENTITY)) throw new InvalidInputError('the other side\'s CPace share is not a valid point')
  return iskFrom(sid, K, t)
}

/** The draft's key-confirmation key: H("CPaceMac" || sid || ISK). */
export const macKey = (sid: Uint8Array, isk: Uint8Array): Uint8Array => sha512(concat([utf8('CPaceMac'), sid, isk]))

/** A party's confirmation tag over the message it sent: HMAC-SHA512(mac_key, lv_cat(Y, AD)). */
export const confirmTag = (mk: Uint8Array, Y: Uint8Array, AD: Uint8Array): Uint8Array => hmac(sha512, mk, lvCat(Y, AD))
