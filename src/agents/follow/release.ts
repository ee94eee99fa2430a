/**
 * Letting go of the leases the follower takes (follower.ts), for the agents that hold a session's
 * file open for as long as they run it (Stream.keepsOpen: Codex). A lease past its end stays live
 * while its holder is online (crdt/lease.ts), so a lease the follower took would hold for as long
 * as this machine follows, though the agent ended long ago, and another device's resume would
 * need --take. It is released once no process holds the file open and the file has not changed
 * for the quiet time; only ever this device's own lease (sessions.releaseLease lets go of nothing
 * else). Claude Code opens its transcript for each append only (running.ts): its lease goes with
 * its SessionEnd hook, never here.
 *
 * Which leases the follower took is kept in the home beside its cursors (`agent-follow/leases/`,
 * one small file per session), so a follower restarted (`mesh join` again) still lets them go,
 * by the same rules: only while still this device's lease of that epoch, and still the
 * follower's own (taken with `auto`: a person who took or renewed it since made it theirs). The
 * API checks both, in the release itself.
 */
import { stat } from 'node:fs/promises'
import { isMeshError } from '../../errors.js'
import { openAmong } from '../running.js'
import type { CursorStore } from './cursors.js'

/** How long a followed file stays closed and unchanged before the lease taken for it is let go. */
export const RELEASE_QUIET_MS = 2 * 60_000
/** While the file stays open (the agent idle), how often it is looked at again: a look reads every process's open files. */
export const RELEASE_RECHECK_MS = 15_000

/**
 * A release refused for good: this device cannot write (read-only, revoked) or the session went.
 * Any other failure (the home held by another command past the wait, the daemon restarting, a
 * store write that failed) is tried again later: forgotten, the lease would never be let go.
 */
const FINAL = new Set(['READ_ONLY', 'DEVICE_REVOKED', 'MISSING_CAPABILITY', 'SESSION_NOT_FOUND', 'NOT_FOUND', 'INVALID_SESSION_KEY', 'INVALID_INPUT'])

/**
 * A lease the follower took: the file it follows, the lease's epoch, whether it was taken marked
 * `auto` (a record of an earlier version was not: released by its epoch alone), and when to look
 * at it next.
 */
interface Taken { path: string, epoch: number, auto: boolean, checkAt: number }

/** A lease let go: the file no process holds open, unchanged for quietMs. */
export interface Released { key: string, path: string, quietMs: number }

export class LeaseReleaser {
  private readonly taken = new Map<string, Taken>()
  private loaded = false

  /**
   * `release`: lets go of this device's lease of a session if it is still the one of `epoch` (the
   * one the follower took), and still the follower's own; false when it is not (taken over,
   * released, taken again or renewed by hand).
   * `store`: where the leases taken are kept across runs (none: this run's only).
   */
  constructor (private readonly release: (key: string, epoch: number, auto: boolean) => Promise<boolean>, readonly quietMs = RELEASE_QUIET_MS, private readonly store?: CursorStore) {}

  /** The leases an earlier run took and did not let go (once; a lease this run took since stays as it is). */
  async load (): Promise<void> {
    if (this.loaded || this.store === undefined) return
    for (const key of await this.store.ids()) {
      if (this.taken.has(key)) continue
      const v = await this.store.get(key) as { path?: unknown, epoch?: unknown, auto?: unknown } | undefined
      if (typeof v?.path === 'string' && typeof v.epoch === 'number') this.taken.set(key, { path: v.path, epoch: v.epoch, auto: v.auto === true, checkAt: 0 })
      else await this.store.delete(key)
    }
    this.loaded = true
  }

  /**
   * The follower took `key`'s lease (at `epoch`) while the agent wrote `path`, a file it keeps
   * open while it runs the session. Only a lease the follower itself took: one this device held
   * already (`mesh agent resume`, `mesh lease take`) is a person's, and stays.
   */
  async took (key: string, path: string, epoch: number): Promise<void> {
    this.taken.set(key, { path, epoch, auto: true, checkAt: 0 })
    await this.store?.set(key, { path, epoch, auto: true })
  }

  private async forget (key: string): Promise<void> {
    this.taken.delete(key)
    await this.store?.delete(key)
  }

  /**
   * Lets go of the leases whose file is quiet and open in no process; returns them. A lease that
   * was no longer this device's (taken over, released by hand) is forgotten without a word. Where
   * open files cannot be seen (no /proc) nothing is ever released. A release that failed for now
   * is kept and tried again after RELEASE_RECHECK_MS; its error is thrown when nothing else was
   * let go in this check (the caller says it).
   */
  async check (now = Date.now()): Promise<Released[]> {
    const due: Array<[string, string]> = []
    for (const [key, t] of this.taken) {
      if (now < t.checkAt) continue
      let mtime: number
      try {
        mtime = (await stat(t.path)).mtimeMs
      } catch (err: any) {
        // Gone: nothing appends to it there. Not readable now: looked at again later, the others go on.
        if (err?.code !== 'ENOENT') { t.checkAt = now + RELEASE_RECHECK_MS; continue }
        mtime = -Infinity
      }
      if (now - mtime < this.quietMs) { t.checkAt = mtime + this.quietMs; continue }
      due.push([key, t.path])
    }
    if (due.length === 0) return []
    const open = await openAmong(due.map(([, p]) => p), process.pid)
    if (open === undefined) { for (const [key] of due) await this.forget(key); return [] }
    const out: Released[] = []
    let failed: unknown
    for (const [key, path] of due) {
      const t = this.taken.get(key)
      if (t === undefined) continue
      if (open.has(path)) { t.checkAt = now + Math.min(this.quietMs, RELEASE_RECHECK_MS); continue }
      let released: boolean
      try {
        released = await this.release(key, t.epoch, t.auto)
      } catch (err) {
        // This device cannot write now (revoked, read-only) or the session went: nothing to let go.
        if (isMeshError(err) && FINAL.has(err.code)) { await this.forget(key); continue }
        t.checkAt = now + RELEASE_RECHECK_MS
        failed ??= err
        continue
      }
      await this.forget(key)
      if (released) out.push({ key, path, quietMs: this.quietMs })
    }
    if (failed !== undefined && out.length === 0) throw failed
    return out
  }
}
