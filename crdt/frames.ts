/**
 * The one framing two formats share: pieces each prefixed with its u32be length, back to back
 * (an `updates` entry's plaintext, crdt/seal.ts; a snapshot's parts after their magic,
 * crdt/parts.ts). Written with `u32be` and `concat`; read here.
 */
import { InvalidEntryError } from '../src/errors.js'

/**
 * The pieces of `bytes` from offset `from` on, as views into it. A length cut short, an empty
 * piece or one running past the end is refused with the caller's words for it.
 */
export function splitFrames (bytes: Uint8Array, from: number, errors: { cut: string, bad: string }): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Uint8Array[] = []
  for (let at = from; at < bytes.byteLength;) {
    if (at + 4 > bytes.byteLength) throw new InvalidEntryError(errors.cut)
    const n = dv.getUint32(at)
    at += 4
    if (n === 0 || at + n > bytes.byteLength) throw new InvalidEntryError(errors.bad)
    out.push(bytes.subarray(at, at + n))
    at += n
  }
  return out
}
