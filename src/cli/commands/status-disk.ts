/**
 * How the disk under a home reads in `mesh status`: full (a write was refused, or less is free
 * than mesh keeps for writes), with what is free and what to do, each document whose snapshot
 * waits for room, and a compaction that does.
 */
import type { z } from 'zod'
import type { StatusSchema } from '../../api/schema-node.js'
import { megabytes as mb } from '../../node/progress.js'

type Status = Pick<z.infer<typeof StatusSchema>, 'diskFull' | 'disk'>

/** The `disk:`, `snapshot:` and `compaction:` lines of a status, none while the disk has room and nothing waits for it. */
export function diskLines (s: Status): string[] {
  const { refused, freeBytes, keepFreeBytes, snapshotsWaiting, compactionWaiting } = s.disk
  const free = freeBytes !== undefined ? `${mb(freeBytes)} free` : 'free space unknown'
  const out: string[] = []
  if (s.diskFull && refused) out.push(`disk:         full — writes are refused until space is freed (reads go on); ${free}`)
  else if (s.diskFull) out.push(`disk:         full — ${free}, less than the ${mb(keepFreeBytes)} mesh keeps free for writes: free some space before writing (reads go on)`)
  const is = freeBytes !== undefined ? `${mb(freeBytes)} is` : 'how much is cannot be told'
  for (const w of snapshotsWaiting) out.push(`snapshot:     ${w.doc} waits for room: it needs at least ${mb(w.needsBytes)} free (${is}); tried again once there is, at its next close or snapshot, and the log keeps every entry meanwhile`)
  if (compactionWaiting !== undefined) out.push(`compaction:   waits for room: it needs at least ${mb(compactionWaiting.needsBytes)} free (${is}) to copy the log; the next write once there is takes it, and the log keeps what it would drop meanwhile`)
  return out
}
