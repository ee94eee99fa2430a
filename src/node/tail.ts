/**
 * Catch-up from the tail (protocols/sync/SPEC.md): whether a peer a little behind may be sent the
 * entries a document's snapshots stand for instead of the snapshots, a question of the store alone
 * (a member's plan and a blind mirror's ask it).
 */
import { parseStreamKey, streamKey } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'

/**
 * True when the peer holds part of the document (`have`, its vector, is not empty) and every
 * entry the snapshots `offers` cover beyond `have` is held here (none missing, none set aside),
 * weighing less than the snapshots, and none is by an author whose stored entries the registry
 * may hold back (`restricts`: revoked, or with a cutoff): one held back would leave the peer a
 * gap that no snapshot fills.
 */
export function tailServes (store: Pick<EntryStore, 'heldRun'>, doc: Uint8Array, offers: readonly StoredSnapshot[], have: ReadonlyMap<string, number>, restricts: (author: Uint8Array) => boolean): boolean {
  if (offers.length === 0 || have.size === 0) return false
  const run = coveredRuns(store, doc, offers, have, restricts)
  return run.held && run.bytes < offers.reduce((n, s) => n + Number(s.header.snapshotSize), 0)
}

/**
 * Whether every entry the snapshots `covering` cover beyond `from` is held here, each lane's an
 * unbroken run (none missing, none set aside), and none is by an author `restricts` names; with
 * those entries' bytes. A snapshot the registry holds back from a peer is served this way or not
 * at all: an entry past a gap would never count as held there (SPEC.md, Catch-up from the tail).
 */
export function coveredRuns (store: Pick<EntryStore, 'heldRun'>, doc: Uint8Array, covering: readonly StoredSnapshot[], from: ReadonlyMap<string, number>, restricts: (author: Uint8Array) => boolean = () => false): { held: boolean, bytes: number } {
  const upTo = new Map<string, number>()
  for (const s of covering) for (const c of s.header.covers) upTo.set(streamKey(c), Math.max(upTo.get(streamKey(c)) ?? 0, Number(c.seq)))
  let bytes = 0
  for (const [key, to] of upTo) {
    const after = from.get(key) ?? 0
    if (to <= after) continue
    if (restricts(parseStreamKey(key).author)) return { held: false, bytes }
    const run = store.heldRun(doc, key, after, to)
    if (!run.held) return { held: false, bytes }
    bytes += run.bytes
  }
  return { held: true, bytes }
}
