/**
 * What a status says of the disk under a home: whether a write was refused for lack of space,
 * and what the store's probe finds free now, by the store's one rule (store/disk.ts). Asked at
 * each call: a home opened for one command (no daemon) has written nothing yet, so the probe is
 * all it can know, and a disk that filled while nothing ran is said full all the same. Beside it,
 * the documents whose snapshot waits for room (known to the process that tried: a daemon).
 *
 * @example
 * const d = await diskReport(vault.store, await vault.snapshotsWaiting())
 * if (d.full) console.log(`${d.freeBytes} bytes free, ${d.keepFreeBytes} kept`)
 */
import { isShort, KEEP_FREE, type EntryStore } from '../store/index.js'

export interface DiskReport {
  /** Writes are refused or about to be: `refused`, or less than `keepFreeBytes` free. */
  full: boolean
  /** A write was refused for lack of space and none has found room since. */
  refused: boolean
  /** Free bytes for this user; absent when the disk cannot be asked (the writes tell then). */
  freeBytes?: number
  /** The room the store keeps free for appends (KEEP_FREE). */
  keepFreeBytes: number
  /** Documents whose snapshot waits until this many bytes are free at least. */
  snapshotsWaiting: Array<{ doc: string, needsBytes: number }>
  /** A compaction of the log that found no room: owed until this many bytes are free at least. */
  compactionWaiting?: { needsBytes: number }
}

export async function diskReport (store: EntryStore, snapshotsWaiting: DiskReport['snapshotsWaiting'] = []): Promise<DiskReport> {
  const free = await store.freeBytes()
  const refused = store.disk.full
  const owed = store.compactionWaitsFor
  return { full: refused || isShort(free), refused, ...(free !== undefined ? { freeBytes: free } : {}), keepFreeBytes: KEEP_FREE, snapshotsWaiting, ...(owed !== undefined ? { compactionWaiting: { needsBytes: owed } } : {}) }
}
