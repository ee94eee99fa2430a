/**
 * Whether the disk under a store is full, as writes find it: a write refused with ENOSPC (or
 * EDQUOT) sets it, the next write that succeeds clears it. While full, free space is probed
 * (statfs) so the state clears, and whoever shows it learns, when space returns even if nothing
 * is written meanwhile. A full disk never stops reads: only appends fail, with STORE_WRITE_FAILED.
 */
import { EventEmitter } from 'node:events'
import { statfs } from 'node:fs/promises'
import { logger } from '@libp2p/logger'

const log = logger('mesh:store:disk')
/** Free bytes past which a full disk is taken to have room again (writes then tell for sure). */
const ROOM = 256 * 1024
const PROBE_MS = 1000

/** Free bytes on the disk under `dir` for this user (statfs); Infinity when it cannot be told. */
export async function freeBytes (dir: string): Promise<number> {
  try {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  } catch (err) {
    log('statfs %s failed: %e', dir, err)
    return Infinity
  }
}

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
      statfs(this.dir).then(s => { if (s.bavail * s.bsize >= ROOM) this.set(false) }, (err: unknown) => { log('statfs %s failed: %e', this.dir, err) })
    }, PROBE_MS)
    this.probe.unref()
  }

  private stopProbe (): void {
    if (this.probe !== undefined) clearInterval(this.probe)
    this.probe = undefined
  }

  close (): void { this.stopProbe() }
}
