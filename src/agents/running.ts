/**
 * Whether an agent may be writing a session file right now, checked before a resume overwrites
 * it: the file changed in the last RECENT_MS (an agent appends at least at every turn), or a
 * process of this machine holds it open (Linux: /proc/<pid>/fd links; elsewhere only the mtime
 * check runs). Claude Code opens its transcript only for each append, so the mtime is the check
 * that usually answers; the fd scan catches a writer caught mid-append.
 */
import { readdir, readlink, stat } from 'node:fs/promises'

export const RECENT_MS = 5_000

export interface BusyReason { why: string }

export async function busy (path: string, now = Date.now()): Promise<BusyReason | undefined> {
  let mtime: number
  try { mtime = (await stat(path)).mtimeMs } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
  if (now - mtime < RECENT_MS) return { why: `it was written ${Math.max(0, Math.round(now - mtime))} ms ago` }
  const holder = await holderPid(path)
  if (holder !== undefined) return { why: `process ${holder} holds it open` }
  return undefined
}

async function holderPid (path: string): Promise<number | undefined> {
  let pids: string[]
  try { pids = (await readdir('/proc')).filter(n => /^\d+$/.test(n)) } catch { return undefined } // no /proc: not Linux
  for (const pid of pids) {
    let fds: string[]
    // Other users' processes cannot be looked into (EACCES), and processes end while we look.
    try { fds = await readdir(`/proc/${pid}/fd`) } catch { continue }
    for (const fd of fds) {
      try { if (await readlink(`/proc/${pid}/fd/${fd}`) === path) return Number(pid) } catch { continue }
    }
  }
  return undefined
}
