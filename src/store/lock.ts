/**
 * One process per home. Node has no flock, so the lock is a file whose content names its holder
 * (`pid nonce boot/start-time`), put in place with link(2), which fails when the name exists: of any number of
 * processes, one creates it. A lock whose pid is no longer alive (a process killed with SIGKILL)
 * is taken over, and that is where a naive lock breaks: two racers both read the same stale
 * lock, the first removes it and takes the home, and the second then removes the first one's
 * fresh lock. Here the right to remove one stale lock is itself a lock named after that lock's
 * content (`lock.stale-<hash>`), taken the same way: only its holder removes, and only after
 * reading that the lock is still the one it saw, which nobody else can change meanwhile (its
 * holder is dead, and nobody links over an existing name). A racer that died holding such a
 * marker left a stale marker, taken over by the same rule one level up.
 */
import { createHash, randomBytes } from 'node:crypto'
import { constants, readFileSync } from 'node:fs'
import { link, lstat, open, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { HomeInUseError } from '../errors.js'
import { processRuns, readNoFollow, readOnlyHomeError, writeError } from './files.js'

export interface HomeLock { readonly path: string, release: () => Promise<void> }

const LOCK = 'lock'
/** How often a racer retries while another live process is removing a stale lock. */
const RETRIES = 400
const TMP = /^lock\.(\d+)\.[0-9a-f]+\.tmp$/
const MARKER = /^lock(\.stale-[0-9a-f]{16})+$/

/**
 * Which process this is, beyond its pid: the boot and the process's start time (Linux /proc).
 * After a crash and a reboot, the pid in a lock is often some other process's: with these, that
 * lock is known stale instead of keeping the home "in use" for good. Empty where /proc is not.
 */
function identity (pid: number): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] // field 22, starttime
    return start === undefined ? '' : `${boot}/${start}`
  } catch {
    return '' // no /proc (another OS), or the process just exited: the pid check decides
  }
}

const pidOf = (content: string): number => Number.parseInt(content.trim(), 10)
function holderAlive (content: string): boolean {
  const pid = pidOf(content)
  if (!(Number.isInteger(pid) && pid > 0)) return false
  if (!processRuns(pid)) return false
  // `pid nonce identity`: a live pid with another identity is a reused pid, so the lock is stale.
  const recorded = content.trim().split(' ')[2]
  if (recorded === undefined || recorded === '') return true
  const now = identity(pid)
  return now === '' || now === recorded
}
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The file's content, or undefined if there is none; a symlink there is HOME_UNSAFE. */
async function readLock (path: string): Promise<string | undefined> {
  try {
    return (await readNoFollow(path)).toString('utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

/** A new file holding `content` under a name nobody else uses (pid and a random nonce). */
async function writeUnique (dir: string, content: string): Promise<string> {
  const tmp = join(dir, `${LOCK}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`)
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600)
  try {
    await fh.writeFile(content)
    await fh.sync()
  } finally {
    await fh.close()
  }
  return tmp
}

/**
 * Creates `path` holding `content` if nobody holds it: `undefined` when we now hold it, else
 * the live holder's content. A stale holder's file is removed under a marker (see above).
 */
async function claim (dir: string, path: string, content: string, depth = 0): Promise<string | undefined> {
  if (depth > 8) throw new HomeInUseError(`home ${dir} is in use (its lock has ${depth} levels of abandoned takeovers: remove ${dir}/lock* once no mesh process uses it)`, { home: dir })
  const tmp = await writeUnique(dir, content)
  try {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      try {
        await link(tmp, path)
        return undefined
      } catch (err: any) {
        if (err?.code !== 'EEXIST') throw err
      }
      const seen = await readLock(path)
      if (seen === undefined) continue // released meanwhile: try again
      if (holderAlive(seen)) return seen
      // Stale: whoever holds the marker for exactly this content may remove it.
      const marker = `${path}.stale-${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`
      const remover = await claim(dir, marker, content, depth + 1)
      if (remover !== undefined) {
        await sleep(2 + Math.random() * 10) // a live racer is removing it: look again soon
        continue
      }
      try {
        if (await readLock(path) === seen) await unlink(path)
      } finally {
        await unlink(marker)
      }
    }
    throw new HomeInUseError(`home ${dir} is in use (its lock keeps changing)`, { home: dir })
  } finally {
    await unlink(tmp)
  }
}

export async function readLockPid (home: string): Promise<number | undefined> {
  try {
    const content = await readLock(join(home, LOCK))
    return content !== undefined && holderAlive(content) ? pidOf(content) : undefined
  } catch {
    return undefined // unreadable: reported by whoever opens the home
  }
}

/**
 * When process `pid` started, in ms since the epoch (Linux /proc: boot time, and the start in
 * clock ticks of USER_HZ, 100 on Linux); undefined where that is not known.
 */
function startedAt (pid: number): number | undefined {
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    return btime === undefined || !Number.isFinite(ticks) ? undefined : Number(btime) * 1000 + ticks * 10
  } catch {
    return undefined
  }
}

/**
 * The live holder of the home's lock, and whether it is known to be that process (`sure`), as a
 * process about to be signalled must be: its start time is the one the lock records, or, for a
 * lock that records only a pid (a mesh from before the start time was kept), it started no later
 * than the lock was written (a pid reused after its holder died started after). Undefined when
 * no live process holds it.
 */
export async function lockHolder (home: string): Promise<{ pid: number, sure: boolean } | undefined> {
  const path = join(home, LOCK)
  let content: string | undefined
  let written: number
  try {
    content = await readLock(path)
    if (content === undefined || !holderAlive(content)) return undefined
    written = (await lstat(path)).mtimeMs
  } catch {
    return undefined // unreadable, or released meanwhile: reported by whoever opens the home
  }
  const pid = pidOf(content)
  const recorded = content.trim().split(' ')[2]
  if (recorded !== undefined && recorded !== '') return { pid, sure: identity(pid) === recorded }
  const started = startedAt(pid)
  // btime is whole seconds: a second of slack.
  return { pid, sure: started !== undefined && started <= written + 1000 }
}

export async function acquireLock (home: string): Promise<HomeLock> {
  const path = join(home, LOCK)
  const mine = `${process.pid} ${randomBytes(8).toString('hex')} ${identity(process.pid)}\n`
  let holder: string | undefined
  try {
    holder = await claim(home, path, mine)
  } catch (err: any) {
    if (err instanceof HomeInUseError) throw err
    // A home that may not be written at all is said as such (HOME_READ_ONLY), not as a failed write.
    throw readOnlyHomeError(home, path, err) ?? writeError(path, err)
  }
  if (holder !== undefined) {
    const pid = pidOf(holder)
    throw new HomeInUseError(`home ${home} is in use by pid ${pid}${pid === process.pid ? ' (this process)' : ''}`, { home, pid })
  }
  await removeAbandonedTemps(home)
  let released = false
  return {
    path,
    release: async () => {
      if (released) return
      released = true
      // Only our own lock: nobody else can replace it while we live, but check rather than trust.
      if (await readLock(path) === mine) await unlink(path)
    }
  }
}

/**
 * Left by racers that died: temp files (named after their pid) and takeover markers whose holder
 * is dead. Removing such a marker once we hold the lock is safe: the lock it was about is gone
 * (ours is there), so whoever takes that marker next finds the lock changed and removes nothing.
 */
async function removeAbandonedTemps (home: string): Promise<void> {
  const gone = (err: any): void => { if (err?.code !== 'ENOENT') throw err }
  for (const name of await readdir(home)) {
    const m = TMP.exec(name)
    if (m !== null && !processRuns(Number(m[1]))) await unlink(join(home, name)).catch(gone)
    if (MARKER.test(name)) {
      const content = await readLock(join(home, name))
      if (content !== undefined && !holderAlive(content)) await unlink(join(home, name)).catch(gone)
    }
  }
}
