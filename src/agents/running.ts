/**
 * Whether an agent may be writing a session file right now, checked before a resume overwrites
 * it: the file changed in the last RECENT_MS (an agent appends at least at every turn), or a
 * process of this machine holds it open (Linux: /proc/<pid>/fd links; elsewhere only the mtime
 * check runs). Claude Code opens its transcript only for each append, so the mtime is the check
 * that usually answers; the fd scan catches a writer caught mid-append.
 *
 * Per agent, what "no process holds it open" tells: Codex's rollout writer keeps its rollout
 * open for as long as Codex runs the session (from its session_meta line until the session
 * ends), so a rollout no process holds open is one Codex is done with; Claude Code and OpenClaw's
 * file era (pi's SessionManager) open the file for each append only, and OpenClaw's and Hermes's
 * SQLite stores are held open by their gateway for every session at once, so for those it tells
 * nothing.
 */
import { readdir, readlink, realpath, stat } from 'node:fs/promises'
import { resolve } from 'node:path'

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
  const real = await asKernelSees(path)
  let found: number | undefined
  await eachOpenFile((pid, target) => { if (target === real) { found = pid; return true } return false })
  return found
}

/**
 * A path as /proc/<pid>/fd names the file: absolute, every symlink resolved (a CODEX_HOME or a
 * home folder reached through a link, a relative one). Compared as given, a rollout Codex holds
 * open there looked closed, and its lease was let go while Codex ran.
 */
async function asKernelSees (path: string): Promise<string> {
  return await realpath(path).catch(() => resolve(path))
}

/**
 * Which of `paths` a process of this machine holds open, in one look over every process;
 * undefined where that cannot be told (no /proc: not Linux). `except`: a process left out (the
 * caller, which opens the files it reads). Other users' processes cannot be looked into.
 */
export async function openAmong (paths: readonly string[], except?: number): Promise<Set<string> | undefined> {
  // By the name the kernel gives each (asKernelSees), answered by the name given.
  const wanted = new Map<string, string>()
  for (const p of paths) wanted.set(await asKernelSees(p), p)
  const open = new Set<string>()
  const told = await eachOpenFile((pid, target) => {
    const given = wanted.get(target)
    if (pid !== except && given !== undefined) open.add(given)
    return open.size === wanted.size
  })
  return told ? open : undefined
}

/** Calls `visit` with each open file of each process until it returns true; false when there is no /proc. */
async function eachOpenFile (visit: (pid: number, target: string) => boolean): Promise<boolean> {
  let pids: string[]
  try { pids = (await readdir('/proc')).filter(n => /^\d+$/.test(n)) } catch { return false } // no /proc: not Linux
  for (const pid of pids) {
    let fds: string[]
    // Other users' processes cannot be looked into (EACCES), and processes end while we look.
    try { fds = await readdir(`/proc/${pid}/fd`) } catch { continue }
    for (const fd of fds) {
      let target: string
      try { target = await readlink(`/proc/${pid}/fd/${fd}`) } catch { continue }
      if (visit(Number(pid), target)) return true
    }
  }
  return true
}
