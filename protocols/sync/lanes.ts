/**
 * Retired lanes on the wire (SPEC.md, Retired lanes), as pure functions. A device starts a new
 * lane after every crash, and each lane stayed an item of every vector forever. Once the data
 * layer retires an author's lanes below some number (every peer holds their tails), a vector
 * carries them as one `RetiredLanes { author, below, count, digest }` instead; a receiver that
 * holds exactly those lanes (same seqs, same content tips) computes the same digest and expands
 * the item back into its own lanes, so everything downstream (fingerprints, catch-up plans, tips)
 * sees whole vectors. A digest it cannot match is never guessed at: it asks for the vector lane
 * by lane (`unfold`).
 *
 * @example
 * const wire = foldVector(items, [{ author, below: 7 }])   // sender
 * const whole = expandVector(wire, mine)                     // receiver: undefined = unfold
 */
import { createHash } from 'node:crypto'
import { LABEL, equals, toHex } from '../../src/identity/index.js'
import type { AuthorSeq, RetiredBound } from './source.js'

/** One author's retired lanes as a vector carries them (pb/sync.proto RetiredLanes). */
export interface RetiredLanes { author: Uint8Array, below: number, count: number, digest: Uint8Array }

export const RETIRED_DIGEST_BYTES = 16

/**
 * `SHA-256(label || u8 len(author) || author || for each lane below `below` with seq > 0, in
 * ascending lane order: u32 lane || u64 seq || u8 len(tip) || tip)`, first 16 bytes; integers
 * big-endian. Undefined when one of those lanes has no content tip (the sender holds its tail only
 * inside a snapshot): such lanes are not folded, a peer could not tell its content apart.
 */
export function retiredDigest (author: Uint8Array, lanes: readonly AuthorSeq[]): Uint8Array | undefined {
  const sorted = [...lanes].sort((x, y) => x.lane - y.lane)
  const h = createHash('sha256').update(LABEL.retiredLanes)
  h.update(Uint8Array.of(author.byteLength)).update(author)
  for (const l of sorted) {
    if (l.tip === undefined) return undefined
    const b = Buffer.alloc(13)
    b.writeUInt32BE(l.lane, 0)
    b.writeBigUInt64BE(l.seq, 4)
    b.writeUInt8(l.tip.byteLength, 12)
    h.update(b).update(l.tip)
  }
  return new Uint8Array(h.digest().subarray(0, RETIRED_DIGEST_BYTES))
}

/** The lanes of `items` (seq > 0) of this author numbered below `below`. */
function lanesBelow (items: readonly AuthorSeq[], author: string, below: number): AuthorSeq[] {
  return items.filter(i => i.seq > 0n && i.lane < below && toHex(i.author) === author)
}

/**
 * A vector as sent to a peer that reads retired lanes: per retired bound, the author's lanes below
 * it become one digest (when they all have tips and there are at least two: one lane costs no more
 * listed), the others stay items.
 */
export function foldVector (items: readonly AuthorSeq[], retired: readonly RetiredBound[]): { items: AuthorSeq[], retired: RetiredLanes[] } {
  if (retired.length === 0) return { items: [...items], retired: [] }
  const out: RetiredLanes[] = []
  const folded = new Set<AuthorSeq>()
  for (const r of retired) {
    const a = toHex(r.author)
    const lanes = lanesBelow(items, a, r.below)
    if (lanes.length < 2) continue
    const digest = retiredDigest(r.author, lanes)
    if (digest === undefined) continue
    for (const l of lanes) folded.add(l)
    out.push({ author: r.author, below: r.below, count: lanes.length, digest })
  }
  return { items: items.filter(i => !folded.has(i)), retired: out }
}

/**
 * The peer's vector with its retired lanes replaced by ours, when ours match each digest (same
 * lanes, seqs and tips); undefined when one does not (the caller asks for the vector unfolded).
 * `matched`: the bounds that matched (the peer retired them: this side may retire them too).
 */
export function expandVector (theirs: { items: readonly AuthorSeq[], retired?: readonly RetiredLanes[] }, mine: readonly AuthorSeq[]): { items: AuthorSeq[], matched: RetiredBound[] } | undefined {
  const retired = theirs.retired ?? []
  if (retired.length === 0) return { items: [...theirs.items], matched: [] }
  const items = [...theirs.items]
  const matched: RetiredBound[] = []
  for (const r of retired) {
    const lanes = lanesBelow(mine, toHex(r.author), r.below)
    if (lanes.length !== r.count) return undefined
    const digest = retiredDigest(r.author, lanes)
    if (digest === undefined || !equals(digest, r.digest)) return undefined
    // An item the peer also listed below its own bound would be a malformed vector: the digest wins.
    for (let k = items.length - 1; k >= 0; k--) {
      const i = items[k] as AuthorSeq
      if (i.lane < r.below && equals(i.author, r.author)) items.splice(k, 1)
    }
    items.push(...lanes)
    matched.push({ author: r.author, below: r.below })
  }
  return { items, matched }
}
