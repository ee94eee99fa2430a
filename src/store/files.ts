/**
 * Whole files are written to a temp file, fsynced, renamed over the target, and the directory
 * fsynced. Nothing here follows a symbolic link: a link planted in the home (by another user,
 * before the home's ownership was checked, or by anything else) would make a root process
 * write or read a file outside it. Temp files are created with O_EXCL under a random name, and
 * rename(2) replaces a link at the target instead of following it.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fsyncDir, mkdirDurable } from '../durable-dirs.js'
import { HomeReadOnlyError, HomeUnsafeError, StoreWriteError } from '../errors.js'

/** The error for a symbolic link where mesh expects its own file (open with O_NOFOLLOW: ELOOP). */
export function linkError (path: string, err?: unknown): Error {
  return new HomeUnsafeError(`${path} is a symbolic link: mesh never follows links inside its home; if you did not put it there, remove it (\`rm ${path}\`) and check who else can write to this directory`, { path }, { cause: err })
}

/**
 * A whole file, never through a symbolic link. ENOENT is thrown as is; a folder as EISDIR, and
 * anything else that is no regular file (a FIFO, a socket, a device) as ENOTREG: opened without
 * blocking and refused, where a FIFO in the home's place of config.json kept `mesh join` waiting
 * for a writer forever.
 */
export async function readNoFollow (path: string): Promise<Buffer> {
  let fh: FileHandle
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err: any) {
    if (err?.code === 'ELOOP') throw linkError(path, err)
    throw err
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) {
      const code = st.isDirectory() ? 'EISDIR' : 'ENOTREG'
      throw Object.assign(new Error(`${code}: ${path} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}`), { code, path })
    }
    return await fh.readFile()
  } finally { await fh.close() }
}

export function writeError (what: string, err: any): Error {
  if (err instanceof HomeUnsafeError) return err
  const code = err?.code as string | undefined
  if (code === 'ELOOP') return linkError(what, err)
  const full = code === 'ENOSPC' || code === 'EDQUOT'
  const why = full
    ? (code === 'ENOSPC' ? 'the disk is full' : 'the disk quota is used up')
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the home is not writable' : (code ?? String(err?.message ?? err))
  // What to do, where it is plain: a full disk takes writes again once space is freed.
  const then = full ? ': free some space and write again (nothing needs a restart)' : ''
  return new StoreWriteError(`cannot write ${what}: ${why}; nothing written before this was lost${then}`, { path: what, errno: code }, { cause: err })
}

/** The errors that say a folder cannot be written at all (a read-only mount, no permission), not that a write failed. */
export const NOT_WRITABLE: ReadonlySet<string> = new Set(['EROFS', 'EACCES', 'EPERM'])

/**
 * HOME_READ_ONLY for a home that cannot be written at all (`err` from a write to `path` in it),
 * said of the home and of what still works there; undefined for any other failure.
 */
export function readOnlyHomeError (home: string, path: string, err: any, outcome = 'nothing in it was changed'): HomeReadOnlyError | undefined {
  const code = err?.code as string | undefined
  if (code === undefined || !NOT_WRITABLE.has(code)) return undefined
  const why = code === 'EROFS' ? 'it is on a read-only file system' : `${path} may not be written by this user (${code})`
  return new HomeReadOnlyError(`home ${home} is read-only (${why}): ${outcome}`, { home, path, errno: code }, {
    cause: err,
    hint: { sep: '. ', cli: `Reading it works (mesh status, mesh sessions, mesh session show); to change it, copy it somewhere writable (\`cp -a ${home} NEW\`) and pass --home NEW` }
  })
}

/**
 * HOME_READ_ONLY for a home that is not there and cannot be made (`err` from its mkdir): nothing to
 * read, so no word of reading it; undefined for any other failure.
 */
export function unmadeHomeError (home: string, err: any): HomeReadOnlyError | undefined {
  const code = err?.code as string | undefined
  if (code === undefined || !NOT_WRITABLE.has(code)) return undefined
  const why = code === 'EROFS' ? 'its folder is on a read-only file system' : `this user may not make it there (${code})`
  return new HomeReadOnlyError(`home ${home} cannot be made (${why}): nothing was written`, { home, path: home, errno: code }, {
    cause: err,
    hint: { sep: '. ', cli: 'Use a home in a folder this user can write (--home DIR or MESH_HOME=DIR)' }
  })
}

/** The store's files are made in folders that survive a crash (durable-dirs.ts). */
export { fsyncDir, mkdirDurable }

/**
 * Writes a file whole (stageFile, then commit). `makeDir: false` for a file written into a folder
 * that must already be there (a home's, as it closes): one removed meanwhile is not made again
 * for a stray file, the write fails (ENOENT).
 */
export async function atomicWrite (path: string, data: Uint8Array | string, mode = 0o600, opts: { makeDir?: boolean } = {}): Promise<void> {
  const f = stageFile(path, mode, opts)
  f.write(typeof data === 'string' ? Buffer.from(data) : data)
  await f.commit()
}

/** A file being written under a temp name: `commit()` puts it in place, `discard()` removes it. */
export interface StagedFile {
  /**
   * Queues bytes after those written so far. Returns a promise when more than 8 MiB wait for the
   * disk: a caller fed from the network waits for it before taking more (a failed write is
   * reported by commit(), and releases every wait).
   */
  write: (data: Uint8Array) => Promise<void> | undefined
  /** Once every write is done: fsync, rename over the target, fsync the directory. */
  commit: () => Promise<void>
  /** Removes the temp file once pending writes settled. */
  discard: () => Promise<void>
}

/** A long staged write syncs as it goes, so the fsync at commit has little left to do. */
const SYNC_EVERY = 2 * 1024 * 1024
/** Bytes queued for the disk past which write() asks its caller to wait (until half that). */
const HIGH_WATER = 8 * 1024 * 1024

/**
 * Starts writing a file under a temp name beside `path`: the caller hands bytes over as it gets
 * them (a snapshot while it arrives) and decides at the end whether the file is kept. Nothing is
 * at `path` until `commit()`; a temp file left by a crash ends in `.tmp` and is removed by
 * whoever owns the directory (removeStagedTemps, as the vault opens).
 */
export function stageFile (path: string, mode = 0o600, opts: { makeDir?: boolean } = {}): StagedFile {
  const dir = dirname(path)
  // Random, so nobody can plant anything at the name beforehand; O_EXCL | O_NOFOLLOW in case.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const opened = (async () => {
    if (opts.makeDir !== false) await mkdirDurable(dir)
    const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode)
    try {
      await fh.chmod(mode) // the mode asked for, whatever the umask
    } catch (err) {
      await fh.close()
      throw err
    }
    return fh
  })()
  const q = writeQueue(opened)
  return {
    write: (data) => q.write(data, null),
    commit: async () => {
      const last = q.pending()
      const fh = await q.settle()
      try {
        await last // a failed open or write throws here
        await (fh as FileHandle).sync()
        await (fh as FileHandle).close()
        await rename(tmp, path)
        await fsyncDir(dir)
      } catch (err) {
        await fh?.close().catch(() => undefined)
        await unlink(tmp).catch(() => undefined) // best effort: the temp file may not exist
        throw writeError(path, err)
      }
    },
    discard: async () => {
      const fh = await q.settle()
      await fh?.close().catch(() => undefined)
      await unlink(tmp).catch(() => undefined)
    }
  }
}

/** A stageFile temp's name: `<name>.<pid>.<12 hex>.tmp`; the pid is group 1. */
const STAGED = /^.+\.(\d{1,10})\.[0-9a-f]{12}\.tmp$/

/** Whether process `pid` runs here (this one does; one of another user's answers EPERM: it runs). */
export function processRuns (pid: number): boolean {
  if (pid === process.pid) return true
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code !== 'ESRCH' }
}

/**
 * Removes from `dirs` the regular files whose name `pattern` matches, its group 1 the pid of the
 * process that wrote them, once that process is gone: temp files a write killed before its rename
 * left for good. `only`: of those, the names to remove (the rest stay). A folder that is not there
 * is skipped. Returns the paths removed.
 */
export async function removeTempsOfGone (dirs: Iterable<string>, pattern: RegExp, opts: { only?: (name: string) => boolean } = {}): Promise<string[]> {
  const removed: string[] = []
  for (const dir of new Set(dirs)) {
    let names: string[]
    try { names = await readdir(dir) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') continue; throw err }
    for (const n of names) {
      const m = pattern.exec(n)
      if (m === null || processRuns(Number(m[1])) || opts.only?.(n) === false) continue
      const p = join(dir, n)
      if ((await lstat(p).catch(() => undefined))?.isFile() !== true) continue
      await unlink(p).then(() => removed.push(p), (e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e })
    }
  }
  return removed
}

/**
 * The temp files of staged writes (stageFile) whose process is gone (a copy of vault.keys among
 * them), removed from `dirs`: for the owner of those folders (the home's lock held).
 */
export async function removeStagedTemps (dirs: readonly string[]): Promise<string[]> {
  return await removeTempsOfGone(dirs, STAGED)
}

export interface WriteQueue {
  /**
   * Queues bytes for the file, at `position` (null: where the file's offset is); returns a
   * promise when more than the high water mark waits for the disk (resolved at half of it), so
   * a writer faster than the disk is held back. Throws once the queue was settled.
   */
  write: (data: Uint8Array, position: number | null) => Promise<void> | undefined
  /** What was queued so far: rejects with the first failed open or write. */
  pending: () => Promise<unknown>
  /** Takes no more writes; resolves once everything queued settled, with the handle (undefined when it never opened). */
  settle: () => Promise<FileHandle | undefined>
}

/**
 * The writes of a file being received, one after another on the thread pool, with a datasync
 * every `syncEvery` bytes so the one at its end has little left to do (Infinity: a scratch file
 * that is never kept). Errors are reported by `pending()`; after one, writes no longer wait.
 */
export function writeQueue (opened: Promise<FileHandle>, highWater = HIGH_WATER, syncEvery = SYNC_EVERY): WriteQueue {
  // A failed open is reported by pending() and settle(), like a failed write; it must not go
  // unhandled until then (a snapshot being received or sealed writes its first bytes later).
  opened.catch(() => undefined)
  let chain: Promise<unknown> = opened
  let unsynced = 0
  let queued = 0
  let failed = false
  let done = false
  const waiters: Array<() => void> = []
  const wake = (): void => { for (const w of waiters.splice(0)) w() }
  const queue = (step: (fh: FileHandle) => Promise<unknown>, bytes = 0): void => {
    queued += bytes
    chain = chain.then(async () => {
      try {
        await step(await opened)
      } finally {
        queued -= bytes
        if (queued <= highWater / 2) wake()
      }
    })
    chain.catch(() => { failed = true; wake() }) // the error itself is reported by pending()
  }
  return {
    write: (data, position) => {
      if (done) throw new Error('write after the file was committed, kept or discarded')
      queue(async fh => {
        for (let at = 0; at < data.byteLength;) at += (await fh.write(data, at, data.byteLength - at, position === null ? null : position + at)).bytesWritten
      }, data.byteLength)
      unsynced += data.byteLength
      if (unsynced >= syncEvery) { unsynced = 0; queue(async fh => { await fh.datasync() }) }
      if (failed || queued <= highWater) return undefined
      return new Promise<void>(resolve => waiters.push(resolve))
    },
    pending: () => chain,
    settle: async () => {
      done = true
      wake()
      await chain.catch(() => undefined)
      return await opened.catch(() => undefined)
    }
  }
}
