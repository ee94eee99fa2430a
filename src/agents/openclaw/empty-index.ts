/**
 * A resumed session's routing entry added to an OpenClaw `sessions.json` that lists no session
 * yet (`{}`: an install that has not had one). OpenClaw lists a file-era transcript only through
 * that index, so a resume that kept it empty left the session invisible to `openclaw resume`.
 * Done as OpenClaw's own writers do it: under its lock (`sessions.json.lock`, made exclusively,
 * the same wait and staleness rule), the index read again under it, and replaced atomically (a
 * temp file beside it, renamed) only while it still holds no entry and is still the bytes read;
 * what is around the braces (a BOM, the final newline) and the file's mode are kept. An index
 * that lists sessions is the Gateway's and is not edited (bundle.ts).
 */
import { constants } from 'node:fs'
import { open, rename, stat, unlink } from 'node:fs/promises'
import { AgentBusyError } from '../../errors.js'
import { readIfThere } from '../bundle.js'
import { writeBeside } from '../write-beside.js'

/** OpenClaw's session store lock: how long its writers wait for it, and when they take one as abandoned. */
const LOCK_WAIT_MS = 10_000
const LOCK_STALE_MS = 30_000
const LOCK_POLL_MS = 25

/** `{}` as its bytes may hold it: what comes before its `{` and from its `}`, kept as they are. */
const EMPTY = /^(\uFEFF?[ \t\r\n]*\{)[ \t\r\n]*(\}[ \t\r\n]*)$/

/** Whether `bytes` are an index that lists no session. */
export function isEmptyIndex (bytes: Buffer): boolean { return EMPTY.test(bytes.toString('utf8')) }

/**
 * Adds `sessionKey` -> `entry` to the empty index at `indexPath`. Returns false, writing nothing,
 * when it is no longer empty (or gone) once OpenClaw's lock is held, or changes before it is
 * replaced: the index is then another writer's, kept as it is.
 */
export async function addToEmptyIndex (indexPath: string, sessionKey: string, entry: Record<string, unknown>): Promise<boolean> {
  const release = await takeStoreLock(indexPath)
  try {
    const cur = await readIfThere(indexPath)
    const m = cur !== undefined ? EMPTY.exec(cur.toString('utf8')) : null
    if (cur === undefined || m === null) return false
    const mode = (await stat(indexPath)).mode & 0o7777
    const text = `${m[1] as string}${JSON.stringify({ [sessionKey]: entry }, null, 2).slice(1, -1)}${m[2] as string}`
    let placed = false
    await writeBeside(indexPath, text, async (tmp) => {
      // Written meanwhile by one that did not wait for the lock: theirs stays.
      const now = await readIfThere(indexPath)
      if (now === undefined || !now.equals(cur)) return
      await rename(tmp, indexPath)
      placed = true
    }, mode)
    return placed
  } finally {
    await release()
  }
}

/** Takes `<index>.lock` as OpenClaw's session store takes it; resolves to its release. */
async function takeStoreLock (indexPath: string): Promise<() => Promise<void>> {
  const lockPath = `${indexPath}.lock`
  const started = Date.now()
  for (;;) {
    try {
      const fh = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
      try { await fh.writeFile(JSON.stringify({ pid: process.pid, startedAt: Date.now() })) } finally { await fh.close() }
      // A release that fails leaves a lock OpenClaw (and mesh) take over once stale, its writers
      // kept waiting until then: logged (ENOENT: taken over already, nothing to say).
      return async () => {
        await unlink(lockPath).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') (await import('@libp2p/logger')).logger('mesh:agents:openclaw')('could not remove OpenClaw\'s lock %s: its writers wait until it is stale (%d s): %e', lockPath, LOCK_STALE_MS / 1000, err)
        })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    // Left by a writer that died: OpenClaw takes it over after LOCK_STALE_MS, and so does mesh.
    const st = await stat(lockPath).catch(() => undefined)
    if (st !== undefined && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
      // Whoever else removes a stale lock at once makes this unlink fail (ENOENT): the next O_EXCL
      // open decides. One that cannot be removed (a folder there) is said: tried again, it spun for ever.
      const failed = await unlink(lockPath).then(() => undefined, (err: NodeJS.ErrnoException) => err.code === 'ENOENT' ? undefined : err)
      if (failed === undefined) continue
      throw new AgentBusyError(`cannot add the session to ${indexPath}: OpenClaw's lock (${lockPath}) was left by a writer that stopped, and cannot be removed (${failed.code ?? failed.message}). The transcript is in place; remove the lock, then run the resume again`, { path: indexPath, lock: lockPath, errno: failed.code })
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new AgentBusyError(`cannot add the session to ${indexPath}: OpenClaw has held its lock (${lockPath}) for over ${LOCK_WAIT_MS / 1000} s. The transcript is in place; run the resume again once OpenClaw is done`, { path: indexPath })
    }
    await new Promise(resolve => setTimeout(resolve, LOCK_POLL_MS))
  }
}
