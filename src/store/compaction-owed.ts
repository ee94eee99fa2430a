/**
 * A compaction that failed for lack of room, owed until one is done. It is tried again where the
 * store notices room (a write that succeeds, a full disk's probe finding room again: store.ts),
 * never by a timer, and only once a probe finds its copy's bytes free past the reserve (disk.ts):
 * a disk still short costs a statfs per write, not a copy of the log that fails again.
 */
import { logger } from '@libp2p/logger'
import { freeBytes, isDiskFull, isShort, KEEP_FREE } from './disk.js'

const log = logger('mesh:store:compact')

export class OwedCompaction {
  /** Bytes the failed compaction's copy of the log takes; undefined while none is owed. */
  private needs: number | undefined
  private retry: Promise<void> | undefined

  constructor (private readonly dir: string, private readonly compact: () => Promise<unknown>, private readonly closed: () => boolean) {}

  /** A compaction ended: failed for lack of room (`copy`: its copy's bytes), it is owed; any other end settles it. */
  ended (err: unknown, copy: number): void {
    this.needs = err !== undefined && isDiskFull(err) ? copy : undefined
  }

  /** Free bytes the owed compaction waits for (its copy and the reserve beside it); undefined while none is owed. */
  get waitsFor (): number | undefined { return this.needs === undefined ? undefined : this.needs + KEEP_FREE }

  /** A compaction found too little room for its copy (`copy` bytes) and did not begin it: it is owed. */
  short (copy: number): void { this.needs = copy }

  /** Room may be back: the owed compaction is tried in the background once a probe finds room for it. */
  roomMaybe (): void {
    const room = this.waitsFor
    if (room === undefined || this.retry !== undefined || this.closed()) return
    this.retry = (async () => {
      // An unknown amount free stops nothing (disk.ts): the copy's writes tell.
      if (isShort(await freeBytes(this.dir), room) || this.closed()) return
      log('compaction owed since the disk was full: tried again, %d bytes free needed', room)
      await this.compact()
    })().catch((err: unknown) => { log.error('compaction tried again once room returned failed: %e', err) }).finally(() => { this.retry = undefined })
  }

  /** Resolves once no retry runs (the store's close waits for it). */
  async idle (): Promise<void> { await this.retry }
}
