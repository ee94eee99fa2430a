/**
 * The record log's bytes on disk, shared by the log (log.ts) and its repair at open
 * (log-repair.ts): how a record is framed and parsed, and the one way a new copy of the log
 * takes its place.
 *
 * Record: u32le length of payload | u32le crc32 of payload | payload.
 *
 * @example
 * frame(payload, buf, 0)
 * parseRecord(buf, 0) // payload's view, or undefined when damaged
 */
import { constants } from 'node:fs'
import { open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { logger } from '@libp2p/logger'

const log = logger('mesh:store:log')

export const HEADER = 8
export const MAX_RECORD = 4 * 1024 * 1024
/** Bytes read at once when the log is scanned or copied. */
export const READ_BLOCK = 1024 * 1024
/**
 * Writes to the log are durable when they return (O_DSYNC: the data and the size needed to read
 * it, what fdatasync makes durable), so an append costs one system call on the thread pool
 * instead of a write and then an fdatasync. Where the platform has no O_DSYNC, fdatasync follows.
 */
export const DSYNC: number = constants.O_DSYNC ?? 0

export interface RecordRef { readonly offset: number, readonly length: number }

/** Writes `payload`'s record (header, then payload) into `into` at `at`. */
export function frame (payload: Uint8Array, into: Buffer, at: number): void {
  into.writeUInt32LE(payload.byteLength, at)
  into.writeUInt32LE(crc32(payload), at + 4)
  into.set(payload, at + HEADER)
}

/**
 * The payload of the record at `at` in `buf` (a view), undefined when the record there is
 * damaged, null when `buf` ends before the record does (read more to tell).
 */
export function parseRecord (buf: Buffer, at: number): Buffer | undefined | null {
  if (at < 0 || at + HEADER > buf.byteLength) return null
  const len = buf.readUInt32LE(at)
  if (len === 0 || len > MAX_RECORD) return undefined
  if (at + HEADER + len > buf.byteLength) return null
  const payload = buf.subarray(at + HEADER, at + HEADER + len)
  return crc32(payload) === buf.readUInt32LE(at + 4) ? payload : undefined
}

/** Removes a file that may not exist. */
export async function removeStale (path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') log.error('cannot remove %s: %e', path, err) })
}

/**
 * Writes a new copy of the log at `tmp` (`write` fills it), syncs it and renames it over `path`,
 * so a crash at any moment leaves the old log or the new one (the caller syncs the directory).
 * A copy that fails is removed, or it would hold the room a full disk has left for good; its own
 * error is thrown as it is. `beforeRename`, a test hook, is awaited once the copy is synced.
 */
export async function replaceByCopy (path: string, tmp: string, write: (out: FileHandle) => Promise<void>, beforeRename?: () => Promise<void>): Promise<void> {
  let out: FileHandle | undefined
  try {
    out = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600)
    await write(out)
    await out.sync()
    await out.close()
    out = undefined
    if (beforeRename !== undefined) await beforeRename()
    await rename(tmp, path)
  } catch (err) {
    // A close that fails too adds nothing to the write's error, which is the one thrown.
    await out?.close().catch(() => {})
    await removeStale(tmp)
    throw err
  }
}

/** The log opened again for appends after a copy took its place. */
export const reopen = async (path: string): Promise<FileHandle> => await open(path, constants.O_RDWR | constants.O_NOFOLLOW | DSYNC)
