/** Whole files are written to a temp file, fsynced, renamed over the target, and the directory fsynced. */
import { constants } from 'node:fs'
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { StoreWriteError } from '../errors.js'

let counter = 0

export function writeError (what: string, err: any): Error {
  const code = err?.code as string | undefined
  const why = code === 'ENOSPC'
    ? 'the disk is full'
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the home is not writable' : (code ?? String(err?.message ?? err))
  return new StoreWriteError(`cannot write ${what}: ${why}; nothing written before this was lost`, { path: what, errno: code }, { cause: err })
}

export async function fsyncDir (dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY)
  try { await fh.sync() } finally { await fh.close() }
}

export async function atomicWrite (path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const f = stageFile(path, mode)
  f.write(typeof data === 'string' ? Buffer.from(data) : data)
  await f.commit()
}

/** A file being written under a temp name: `commit()` puts it in place, `discard()` removes it. */
export interface StagedFile {
  /** Queues bytes after those written so far (a failed write is reported by commit()). */
  write: (data: Uint8Array) => void
  /** Once every write is done: fsync, rename over the target, fsync the directory. */
  commit: () => Promise<void>
  /** Removes the temp file once pending writes settled. */
  discard: () => Promise<void>
}

/** A long staged write syncs as it goes, so the fsync at commit has little left to do. */
const SYNC_EVERY = 2 * 1024 * 1024

/**
 * Starts writing a file under a temp name beside `path`: the caller hands bytes over as it gets
 * them (a snapshot while it arrives) and decides at the end whether the file is kept. Nothing is
 * at `path` until `commit()`; a temp file left by a crash ends in `.tmp` and is removed by
 * whoever owns the directory.
 */
export function stageFile (path: string, mode = 0o600): StagedFile {
  const dir = dirname(path)
  const tmp = `${path}.${process.pid}.${++counter}.tmp`
  const opened = (async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    return await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, mode)
  })()
  let chain: Promise<unknown> = opened
  let unsynced = 0
  let done = false
  const queue = (step: (fh: FileHandle) => Promise<unknown>): void => {
    chain = chain.then(async () => await step(await opened))
    chain.catch(() => undefined) // observed by commit() or discard()
  }
  const settle = async (): Promise<FileHandle | undefined> => {
    done = true
    await chain.catch(() => undefined)
    return await opened.catch(() => undefined)
  }
  return {
    write: (data) => {
      if (done) throw new Error('write after commit or discard')
      queue(async fh => { for (let at = 0; at < data.byteLength;) at += (await fh.write(data, at, data.byteLength - at, null)).bytesWritten })
      unsynced += data.byteLength
      if (unsynced >= SYNC_EVERY) { unsynced = 0; queue(async fh => { await fh.datasync() }) }
    },
    commit: async () => {
      const last = chain
      const fh = await settle()
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
      const fh = await settle()
      await fh?.close().catch(() => undefined)
      await unlink(tmp).catch(() => undefined)
    }
  }
}
