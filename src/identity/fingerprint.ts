/**
 * Fingerprints of replica state, for set reconciliation (protocols/sync/SPEC.md, Reconciliation).
 * A document's fingerprint hashes its id and its vector; a range's fingerprint hashes the sum
 * (mod 2^128) of its documents' fingerprints and their count. A sum, unlike a hash over a list,
 * can be kept up to date as one document changes (subtract the old, add the new), which is what
 * lets a store hold the whole vault's digest without recomputing it per connection (after
 * Negentropy's additive fingerprints).
 */
import { createHash } from 'node:crypto'
import { LABEL } from './domains.js'

export const FINGERPRINT_BYTES = 16

export interface VectorLane { author: Uint8Array, lane: number, seq: bigint | number, tip?: Uint8Array }

/**
 * `SHA-256(label || u16 len(doc) || doc || for each lane with seq > 0, ordered by author bytes then
 * lane: u8 len(author) || author || u32 lane || u64 seq [|| u8 len(tip) || tip])`, first 16 bytes;
 * all integers big-endian. The tip (the content tip of the entry at seq, protocols/sync/SPEC.md)
 * is there when the lane has one: equal vectors whose entries differ then differ.
 */
export function docFingerprint (doc: Uint8Array, items: Iterable<VectorLane>): Uint8Array {
  const lanes: VectorLane[] = []
  let size = 2 + doc.byteLength
  for (const i of items) if (BigInt(i.seq) > 0n) { lanes.push(i); size += 13 + i.author.byteLength + (i.tip !== undefined ? 1 + i.tip.byteLength : 0) }
  if (lanes.length > 1) lanes.sort(byAuthorThenLane)
  // One buffer, one hash: this runs for every document of a vault when a store opens.
  const b = Buffer.allocUnsafe(size)
  b.writeUInt16BE(doc.byteLength, 0)
  b.set(doc, 2)
  let at = 2 + doc.byteLength
  for (const i of lanes) {
    b.writeUInt8(i.author.byteLength, at)
    b.set(i.author, at + 1)
    at += 1 + i.author.byteLength
    b.writeUInt32BE(i.lane, at)
    b.writeBigUInt64BE(BigInt(i.seq), at + 4)
    at += 12
    if (i.tip !== undefined) {
      b.writeUInt8(i.tip.byteLength, at)
      b.set(i.tip, at + 1)
      at += 1 + i.tip.byteLength
    }
  }
  return new Uint8Array(createHash('sha256').update(LABEL.docFingerprint).update(b).digest().subarray(0, FINGERPRINT_BYTES))
}

function byAuthorThenLane (x: VectorLane, y: VectorLane): number {
  const n = Math.min(x.author.byteLength, y.author.byteLength)
  for (let k = 0; k < n; k++) if (x.author[k] !== y.author[k]) return (x.author[k] as number) - (y.author[k] as number)
  return x.author.byteLength !== y.author.byteLength ? x.author.byteLength - y.author.byteLength : x.lane - y.lane
}

/** A running sum of document fingerprints, each read as a little-endian 128-bit integer. */
export class FingerprintSum {
  private readonly words = new Uint32Array(4)
  count = 0

  add (fp: Uint8Array): void { this.apply(fp, 1); this.count++ }
  sub (fp: Uint8Array): void { this.apply(fp, -1); this.count-- }

  private apply (fp: Uint8Array, sign: 1 | -1): void {
    const v = new DataView(fp.buffer, fp.byteOffset, FINGERPRINT_BYTES)
    let carry = 0
    for (let w = 0; w < 4; w++) {
      const x = this.words[w] as number
      const y = v.getUint32(w * 4, true)
      const r = sign === 1 ? x + y + carry : x - y - carry
      carry = sign === 1 ? (r > 0xffffffff ? 1 : 0) : (r < 0 ? 1 : 0)
      this.words[w] = r >>> 0
    }
  }

  /** `SHA-256(label || sum as 16 bytes little-endian || u32 count)`, first 16 bytes. */
  fingerprint (): Uint8Array {
    const b = Buffer.alloc(20)
    for (let w = 0; w < 4; w++) b.writeUInt32LE(this.words[w] as number, w * 4)
    b.writeUInt32BE(this.count >>> 0, 16)
    return new Uint8Array(createHash('sha256').update(LABEL.rangeFingerprint).update(b).digest().subarray(0, FINGERPRINT_BYTES))
  }
}
