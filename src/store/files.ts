/** Whole files are written to a temp file, fsynced, renamed over the target, and the directory fsynced. */
import { constants } from 'node:fs'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
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
  const dir = dirname(path)
  const tmp = `${path}.${process.pid}.${++counter}.tmp`
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const fh = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, mode)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
    await fsyncDir(dir)
  } catch (err) {
    await unlink(tmp).catch(() => undefined) // best effort: the temp file may not exist
    throw writeError(path, err)
  }
}
