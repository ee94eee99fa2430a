/**
 * Content tips a peer holds no entry of (protocols/sync/SPEC.md, Content tips), one rule for a
 * member's source and the blind mirror's: the entry at a lane's tip goes with a snapshot that ends
 * the lane there, and to a peer whose vector reaches this node's seq without a tip. A tip is known
 * only where an entry is held, so without these two nodes in sync disagree on the digest for good
 * and every reconnect narrows ranges down instead of ending at the hello. Both sides work from
 * signed entries alone: the mirror, which holds no key, follows the rule as a member does.
 */
import type { AuthorSeq, SnapshotOffer } from '../../protocols/sync/index.js'
import { streamKey, type Entry } from '../identity/index.js'
import type { EntryStore } from '../store/index.js'

export interface TipRef { author: Uint8Array, lane: number, seq: bigint }

/** The lane tips to send a peer whose vector is `theirs`, besides `snapshots` (planned for it). */
export function tipsFor (store: EntryStore, doc: Uint8Array, theirs: AuthorSeq[], snapshots: SnapshotOffer[], serves?: (key: string, seq: number) => boolean): TipRef[] {
  const ours = store.vector(doc)
  const out = new Map<string, TipRef>()
  const want = (c: { author: Uint8Array, lane?: number, seq: bigint }): void => {
    const key = streamKey(c)
    if (serves !== undefined && !serves(key, Number(c.seq))) return
    if (ours.get(key) === Number(c.seq) && store.tip(doc, key, Number(c.seq)) !== undefined) out.set(key, { author: c.author, lane: c.lane ?? 0, seq: c.seq })
  }
  const have = new Map(theirs.map(i => [streamKey(i), i]))
  for (const s of snapshots) for (const c of s.covers) if (Number(have.get(streamKey(c))?.seq ?? 0n) < Number(c.seq)) want(c)
  for (const i of theirs) if (i.tip === undefined) want(i)
  return [...out.values()]
}

/** The bytes of the entries at `tips`, read one by one (an entry quarantined meanwhile is skipped). */
export async function * tipEntries (store: EntryStore, doc: Uint8Array, tips: TipRef[]): AsyncGenerator<Uint8Array> {
  for (const t of tips) {
    const b = await store.read(doc, t.author, t.seq, t.lane)
    if (b !== undefined) yield b
  }
}

/**
 * A verified entry at its lane's tip here that no entry of this node holds (a snapshot covers
 * it): stored although its update is in the snapshot's state, since the digest holds its signature.
 */
export const isUncoveredTip = (store: EntryStore, e: Entry): boolean =>
  !store.has(e.doc, e.author, e.seq, e.lane) && store.vector(e.doc).get(streamKey(e)) === Number(e.seq)
