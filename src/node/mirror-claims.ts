/**
 * What a blind mirror makes of a snapshot's `covers` (protocols/sync/SPEC.md, A blind mirror).
 * Without the key it cannot check that a snapshot's state holds the entries it claims, and any
 * certified writer (a stolen or buggy device) can seal one claiming another device's lane up to
 * any seq. A claim is therefore trusted only on its author's own lanes (a writer answers for what
 * it wrote: a false claim there hides only its own entries); on another device's lane it stands in
 * for no entry the mirror holds (they go beside the snapshot, and the member that takes both
 * drops them as held, or finds the claim false) and raises the mirror's vector only to a seq whose
 * entry, signed by that lane's author, the mirror holds.
 *
 * @example
 * const floorClaims = ownClaims(stored)
 * const vector = mirrorVector(store, doc)
 */
import { equals, parseStreamKey, streamKey, type VectorItem } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'

/**
 * Whether snapshot `a` supersedes `b` of the same author: a later seq, and a claim at least as high
 * on every lane `b` claims. The mirror keeps and offers only the latest of an author's snapshots.
 */
export function supersedes (a: Pick<StoredSnapshot['header'], 'seq' | 'covers'>, b: Pick<StoredSnapshot['header'], 'seq' | 'covers'>): boolean {
  if (a.seq <= b.seq) return false
  const to = new Map<string, bigint>()
  for (const c of a.covers) { const k = streamKey(c); if ((to.get(k) ?? 0n) < c.seq) to.set(k, c.seq) }
  return b.covers.every(c => (to.get(streamKey(c)) ?? 0n) >= c.seq)
}

/** A snapshot's claims on lanes of its own author: the only ones a mirror lets stand in for entries. */
export function ownClaims (s: StoredSnapshot): readonly VectorItem[] {
  return s.header.covers.filter(c => equals(c.author, s.header.author))
}

/**
 * Per lane, the seq a mirror holds a document up to, as it tells peers: a claim on its author's
 * own lane counts, a claim on another's only up to a seq whose entry is held here (a member sends
 * the entry at each lane's tip with its snapshot, so an honest claim after compaction still
 * counts), then each lane's run of held entries. Never past an entry of another device's lane
 * that the mirror lacks on the word of a snapshot: peers holding it would not send it, and the
 * lane's own device would take its lane as written beyond this home (vault-lanes.ts).
 */
export function mirrorVector (store: Pick<EntryStore, 'vector' | 'snapshots' | 'has'>, doc: Uint8Array): Map<string, number> {
  // Every claim counted (the store's vector); recounted below only on a lane a claim raised unvouched.
  const full = store.vector(doc)
  const claimed = new Map<string, number>()
  const vouched = new Map<string, number>()
  const raise = (m: Map<string, number>, k: string, n: number): void => { if ((m.get(k) ?? 0) < n) m.set(k, n) }
  for (const s of store.snapshots(doc)) {
    for (const c of s.header.covers) {
      const k = streamKey(c)
      raise(claimed, k, Number(c.seq))
      if (equals(c.author, s.header.author) || store.has(doc, c.author, c.seq, c.lane ?? 0)) raise(vouched, k, Number(c.seq))
    }
  }
  const out = new Map<string, number>()
  for (const [k, n] of full) {
    const to = claimed.get(k) ?? 0
    let at = vouched.get(k) ?? 0
    if (to <= at) { out.set(k, n); continue }
    // The run of held entries from what is vouched for; once it reaches the claim, it goes on as the store's.
    const { author, lane } = parseStreamKey(k)
    while (at < to && store.has(doc, author, BigInt(at + 1), lane)) at++
    out.set(k, at >= to ? n : at)
  }
  return out
}
