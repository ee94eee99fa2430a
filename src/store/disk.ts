/**
 * Whether the disk under a store is full, as writes find it: a write refused with ENOSPC (or
 * EDQUOT) sets it, the next write that succeeds clears it. While full, free space is probed
 * (statfs) so the state clears, and whoever shows it learns, when space returns even if nothing
 * is written meanwhile. A full disk never stops reads: only appends fail, with STORE_WRITE_FAILED.
 *
 * One probe (freeBytes) and one rule for everything that asks the disk (this state, a snapshot's
 * room, a status): less than KEEP_FREE free is short of room; a disk that cannot be asked (statfs
 * failed) tells nothing, so nothing changes on its word (a full disk stays full, a snapshot is
 * tried, a status says only what writes said): the writes tell.
 */
import { EventEmitter } from 'node:events'
import { statfs } from 'node:fs/promises'
import { logger } from '@libp2p/logger'

const log = logger('mesh:store:disk')
const PROBE_MS = 1000

/**
 * Free bytes the store keeps for the log's appends: a snapshot is an optimisation (failing to take
 * one loses nothing), the appends beside it are not, so a snapshot never takes them. A disk with
 * less free is short of room: a full one is not taken to have room again until this much is free.
 */
export const KEEP_FREE = 1024 * 1024

/** Free bytes on the disk under `dir` for this user (statfs); undefined when it cannot be told. */
export async function freeBytes (dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  } catch (err) {
    log('statfs %s failed: %e', dir, err)
    return undefined
  }
}

/** Whether a probe found less than `bytes` free (KEEP_FREE by default); an unknown amount never is. */
export const isShort = (free: number | undefined, bytes = KEEP_FREE): boolean => free !== undefined && free < bytes

export const isDiskFull = (err: any): boolean => {
  const code = err?.details?.errno ?? err?.code ?? err?.cause?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

export class DiskState extends EventEmitter<{ change: [boolean] }> {
  private isFull = false
  private probe: ReturnType<typeof setInterval> | undefined

  constructor (private readonly dir: string) { super() }

  get full (): boolean { return this.isFull }

  /** Called with each write's outcome: undefined when it succeeded. */
  report (err?: unknown): void {
    if (err === undefined) { this.set(false); return }
    if (isDiskFull(err)) this.set(true)
  }

  private set (full: boolean): void {
    if (full === this.isFull) return
    this.isFull = full
    log(full ? 'disk under %s is full: writes are refused, reads go on' : 'disk under %s has room again', this.dir)
    if (full) this.startProbe()
    else this.stopProbe()
    this.emit('change', full)
  }

  private startProbe (): void {
    if (this.probe !== undefined) return
    this.probe = setInterval(() => {
      void freeBytes(this.dir).then(free => { if (free !== undefined && free >= KEEP_FREE && this.probe !== undefined) this.set(false) })
    }, PROBE_MS)
    this.probe.unref()
  }

  private stopProbe (): void {
    if (this.probe !== undefined) clearInterval(this.probe)
    this.probe = undefined
  }

  close (): void { this.stopProbe() }
}
