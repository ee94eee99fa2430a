/**
 * Letting go of the leases the follower takes (follower.ts), for the agents that hold a session's
 * file open for as long as they run it (Stream.keepsOpen: Codex). A lease past its end stays live
 * while its holder is online (crdt/lease.ts), so a lease the follower took would hold for as long
 * as this machine follows, though the agent ended long ago, and another device's resume would
 * need --take. It is released once no process holds the file open and the file has not changed
 * for the quiet time; only ever this device's own lease (sessions.releaseLease lets go of nothing
 * else). Claude Code opens its transcript for each append only (running.ts): its lease goes with
 * its SessionEnd hook, never here.
 */
import { stat } from 'node:fs/promises'
import { openAmong } from '../running.js'

/** How long a followed file stays closed and unchanged before the lease taken for it is let go. */
export const RELEASE_QUIET_MS = 2 * 60_000
/** While the file stays open (the agent idle), how often it is looked at again: a look reads every process's open files. */
export const RELEASE_RECHECK_MS = 15_000

/** A lease let go: the file no process holds open, unchanged for quietMs. */
export interface Released { key: string, path: string, quietMs: number }

export class LeaseReleaser {
  private readonly taken = new Map<string, { path: string, epoch: number, checkAt: number }>()

  /**
   * `release`: lets go of this device's lease of a session if it is still the one of `epoch` (the
   * one the follower took); false when it is not (taken over, released, or taken again by hand).
   */
  constructor (private readonly release: (key: string, epoch: number) => Promise<boolean>, readonly quietMs = RELEASE_QUIET_MS) {}

  /**
   * The follower took `key`'s lease (at `epoch`) while the agent wrote `path`, a file it keeps
   * open while it runs the session. Only a lease the follower itself took: one this device held
   * already (`mesh agent resume`, `mesh lease take`) is a person's, and stays.
   */
  took (key: string, path: string, epoch: number): void { this.taken.set(key, { path, epoch, checkAt: 0 }) }

  /**
   * Lets go of the leases whose file is quiet and open in no process; returns them. A lease that
   * was no longer this device's (taken over, released by hand) is forgotten without a word. Where
   * open files cannot be seen (no /proc) nothing is ever released.
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
    if (open === undefined) { for (const [key] of due) this.taken.delete(key); return [] }
    const out: Released[] = []
    for (const [key, path] of due) {
      const t = this.taken.get(key)
      if (t === undefined) continue
      if (open.has(path)) { t.checkAt = now + Math.min(this.quietMs, RELEASE_RECHECK_MS); continue }
      let released: boolean
      try {
        released = await this.release(key, t.epoch)
      } catch {
        // This device cannot write now (revoked, read-only) or the session went: nothing to let go.
        this.taken.delete(key)
        continue
      }
      this.taken.delete(key)
      if (released) out.push({ key, path, quietMs: this.quietMs })
    }
    return out
  }
}
