/** Small byte helpers shared by every layer. */
import { base58btc } from 'multiformats/bases/base58'

export function concat (parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.byteLength
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}

export function equals (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let d = 0
  for (let i = 0; i < a.byteLength; i++) d |= (a[i] as number) ^ (b[i] as number)
  return d === 0
}

/** Byte-wise order (as their hex strings would sort), without making the strings. */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b)
/**
 * Buffer's own hex encoder, called on the bytes as they are: document ids, authors and stream keys
 * become map keys several times per received entry, and a Buffer view made for each call was most
 * of that cost (a fresh node's 20,000 entries: ~0.1 s of its loop).
 */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Uint8Array, start: number, end: number) => string }).hexSlice
export const toHex = hexSlice !== undefined
  ? (b: Uint8Array): string => hexSlice.call(b, 0, b.byteLength)
  : (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const toB64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
export const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
export const toBase58 = (b: Uint8Array): string => base58btc.baseEncode(b)
export function fromBase58 (s: string): Uint8Array {
  return base58btc.baseDecode(s)
}

export function u32be (n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n >>> 0, false)
  return b
}

export function u64be (n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n, false)
  return b
}

/** Unsigned LEB128, as protobuf and multiformats write lengths. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}
