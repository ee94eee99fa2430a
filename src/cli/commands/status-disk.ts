/**
 * How the disk under a home reads in `mesh status`: full (a write was refused, or less is free
 * than mesh keeps for writes), with what is free and what to do.
 */
import type { z } from 'zod'
import type { StatusSchema } from '../../api/schema-node.js'
import { megabytes as mb } from '../../node/progress.js'

type Status = Pick<z.infer<typeof StatusSchema>, 'diskFull' | 'disk'>

/** The `disk:` lines of a status, none while the disk has room. */
export function diskLines (s: Status): string[] {
  const { refused, freeBytes, keepFreeBytes } = s.disk
  if (!s.diskFull) return []
  const free = freeBytes !== undefined ? `${mb(freeBytes)} free` : 'free space unknown'
  if (refused) return [`disk:         full — writes are refused until space is freed (reads go on); ${free}`]
  return [`disk:         full — ${free}, less than the ${mb(keepFreeBytes)} mesh keeps free for writes: free some space before writing (reads go on)`]
}
