/**
 * What a compaction keeps of the log: every entry no snapshot covers, and of those a document's
 * snapshots cover, its newest (the tail, TAIL below), so a peer a little behind is sent those
 * instead of the whole snapshot (protocols/sync/SPEC.md, Catch-up from the tail). The store
 * (store.ts) rewrites its log from the plan and applies the plan's index changes once the new
 * file is the log.
 */
import type { DocIndex, HeldIndex } from './held.js'
import type { RecordRef } from './log.js'

/**
 * What compaction keeps of the entries a document's snapshots cover: the newest, in bytes up to
 * an eighth of its newest snapshot and at most 8 MiB, shared by its lanes, and each lane's entry
 * at the floor whatever its size. A peer that lacks fewer is sent them rather than the snapshot:
 * for a 100 MB session, 8 MiB of its newest messages instead of 100 MB.
 */
export const TAIL = { fraction: 1 / 8, maxBytes: 8 * 1024 * 1024 } as const

export interface CompactionPlan {
  /** Entry records to copy into the new log (not yet sorted; certificates are added by the store). */
  keep: RecordRef[]
  /** Where each kept record's new place is told, by its old offset. */
  moves: Map<number, (r: RecordRef) => void>
  /** Index changes for the dropped entries, made only once the new file is the log. */
  drop: Array<() => void>
  /** Bytes of the dropped entries' records. */
  covered: number
}

export function planCompaction (idx: HeldIndex): CompactionPlan {
  const plan: CompactionPlan = { keep: [], moves: new Map(), drop: [], covered: 0 }
  for (const d of idx.docs.values()) {
    const tails = tailOf(d, (id) => idx.snapshotCovers(d, id))
    for (const [id, a] of d.authors) {
      const floor = idx.snapshotCovers(d, id)
      const tail = tails.get(id) ?? floor + 1
      for (const [seq, ref] of a.seqs) {
        // The signature goes with the entry: a tip is known only where an entry is held (as
        // after a restart, which reads the rewritten log), or the digest would disagree with a
        // peer's that holds the same snapshot (protocols/sync/SPEC.md, Content tips).
        if (seq <= floor && seq < tail) { plan.covered += ref.length; plan.drop.push(() => { a.seqs.delete(seq); a.sigs.delete(seq); idx.digest.changed(d) }); continue }
        if (ref.offset < 0) continue // held back by the rewrite: appended to the new file after it
        plan.keep.push(ref)
        plan.moves.set(ref.offset, (r) => a.seqs.set(seq, r))
      }
    }
  }
  return plan
}

/** Per lane of `d`, the lowest covered seq compaction keeps (each lane's run down from its floor, unbroken). */
function tailOf (d: DocIndex, floorOf: (id: string) => number): Map<string, number> {
  const out = new Map<string, number>()
  const newest = d.snapshots.reduce((n, s) => Math.max(n, Number(s.header.snapshotSize)), 0)
  const lanes = [...d.authors].map(([id, a]) => ({ id, a, floor: floorOf(id) })).filter(l => l.floor > 0)
  if (newest === 0 || lanes.length === 0) return out
  const budget = Math.min(TAIL.maxBytes, newest * TAIL.fraction) / lanes.length
  for (const { id, a, floor } of lanes) {
    let bytes = 0
    let seq = floor
    // The entry at the floor always stays: whatever each node's budget, the lane's tip is then known
    // wherever its entry is held (protocols/sync/SPEC.md, Content tips), and digests keep agreeing.
    for (let ref = a.seqs.get(seq); ref !== undefined && (seq === floor || bytes + ref.length <= budget); ref = a.seqs.get(--seq)) bytes += ref.length
    out.set(id, seq + 1)
  }
  return out
}
