/**
 * One process per home. The lock file holds the owner's pid; it is created with O_EXCL, and a
 * lock whose pid is no longer alive (a process killed with SIGKILL) is taken over.
 */
import { constants } from 'node:fs'
import { open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { HomeInUseError } from '../errors.js'
import { writeError } from './files.js'

export interface HomeLock { readonly path: string, release: () => Promise<void> }

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err?.code === 'EPERM'
  }
}

export async function readLockPid (home: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(join(home, 'lock'), 'utf8')).trim(), 10)
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

export async function acquireLock (home: string): Promise<HomeLock> {
  const path = join(home, 'lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      try {
        await fh.writeFile(String(process.pid))
        await fh.sync()
      } finally {
        await fh.close()
      }
      let released = false
      return {
        path,
        release: async () => {
          if (released) return
          released = true
          await unlink(path).catch(() => undefined) // already gone is fine
        }
      }
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw writeError(path, err)
    }
    let pid: number | undefined
    try {
      pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10)
    } catch {
      continue // removed between our open and read: try again
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new HomeInUseError(`home ${home} is in use by pid ${pid}`, { home, pid })
    }
    if (pid === process.pid) throw new HomeInUseError(`home ${home} is in use by pid ${pid} (this process)`, { home, pid })
    await unlink(path).catch(() => undefined) // stale lock of a dead process
  }
  throw new HomeInUseError(`home ${home} is in use (its lock keeps changing)`, { home })
}
