/**
 * The record log's check and repair at open: every intact record is read in order, and a torn
 * or corrupted region (a process killed mid-write, a bad sector) is saved to a quarantine file
 * beside the log and cut out of it. A damaged record followed by good ones is skipped and
 * reported, never fatal. The log itself (log.ts) opens through `openChecked`.
 *
 * @example
 * const { fh, size, recovered } = await openChecked(path, (payload, ref) => index(payload, ref), () => index.clear())
 */
import { constants } from 'node:fs'
import { open, readdir, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { logger } from '@libp2p/logger'
import { StoreCorruptError } from '../errors.js'
import { isDiskFull } from './disk.js'
import { atomicWrite, fsyncDir, linkError, readNoFollow, writeError } from './files.js'
import { DSYNC, HEADER, parseRecord, READ_BLOCK, removeStale, reopen, replaceByCopy, type RecordRef } from './log-format.js'

const log = logger('mesh:store:log')

export interface Recovery {
  readonly kind: 'torn-tail' | 'corrupt-record'
  readonly offset: number
  readonly bytes: number
  readonly quarantine: string
}

/**
 * The steps of a repair a test may hold it at: every damaged region saved to quarantine
 * ('saved'); a block of the copy without them written, not yet synced ('copying', once per
 * block); the copy synced, not yet renamed ('copied'); the copy renamed over the log, the
 * directory not yet synced ('renamed').
 */
export type RepairStep = 'saved' | 'copying' | 'copied' | 'renamed'

export interface RepairOptions {
  /**
   * Opened only to read (a home that cannot be written, or one another process may be writing):
   * nothing is created, removed or cut out. A damaged region is skipped and not reported (what
   * looks torn may be a record being appended elsewhere); the log ends where its intact records do.
   */
  readOnly?: boolean
  /**
   * Test hook, never set outside tests: awaited at each step of a repair, so a test can hold the
   * repair exactly there and kill the process (test/integration/log-repair-crash.test.ts).
   */
  atStep?: (step: RepairStep) => Promise<void>
}

/** Where the repair at open writes the log's copy without its damaged regions. */
const repairTmp = (path: string): string => `${path}.repair.tmp`

/**
 * Opens (creating) the log file and calls `onRecord` for each intact record in order, with a
 * view of its bytes that is valid only during the call (copy what is kept). Damaged regions are
 * cut out into `<path>.quarantine-<time>-<offset>` and reported in `recovered`; when records
 * moved, `onReset` is called and every record is told again at its new offset. Returns the
 * handle, opened for appends, and the log's size.
 */
export async function openChecked (path: string, onRecord: (payload: Uint8Array, ref: RecordRef) => void, onReset: () => void, options: RepairOptions = {}): Promise<{ fh: FileHandle, size: number, recovered: Recovery[] }> {
  if (options.readOnly === true) return await openToRead(path, onRecord)
  // A repair's copy left by a crash or a full disk before its rename: the log itself is whole.
  await removeStale(repairTmp(path))
  let fh: FileHandle
  try {
    fh = await open(path, constants.O_CREAT | constants.O_RDWR | constants.O_NOFOLLOW | DSYNC, 0o600)
  } catch (err) {
    throw writeError(path, err)
  }
  const recovered: Recovery[] = []
  try {
    const { size: fileSize } = await fh.stat()
    let good = await scan(fh, fileSize, onRecord, recovered, path)
    if (recovered.length > 0) {
      const repaired = await cutOut(fh, path, fileSize, recovered, options.atStep)
      fh = repaired.fh
      for (const r of recovered) log.error('store %s: %s of %d bytes at offset %d copied to %s%s', path, r.kind, r.bytes, r.offset, r.quarantine, repaired.copied || r.kind === 'torn-tail' ? ' and cut out' : ', left in place (no room to rewrite the log)')
      if (repaired.copied) {
        // Records after a cut region moved: index them again at their new offsets.
        onReset()
        const again: Recovery[] = []
        good = await scan(fh, (await fh.stat()).size, onRecord, again, path)
        if (again.length > 0) throw new StoreCorruptError(`log ${path} is still damaged after recovery`)
      }
    }
    const { size } = await fh.stat()
    if (size !== good) throw new StoreCorruptError(`log ${path} changed while it was opened`)
    return { fh, size, recovered }
  } catch (err) {
    await fh.close()
    throw err
  }
}

/** openChecked's `readOnly`: the intact records told, nothing written; the size is where they end. */
async function openToRead (path: string, onRecord: (payload: Uint8Array, ref: RecordRef) => void): Promise<{ fh: FileHandle, size: number, recovered: Recovery[] }> {
  let fh: FileHandle
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err: any) {
    if (err?.code === 'ELOOP') throw linkError(path, err)
    if (err?.code === 'ENOENT') throw new StoreCorruptError(`log ${path} is missing: this home holds no store to read`, { path })
    throw err
  }
  try {
    const skipped: Recovery[] = []
    const size = await scan(fh, (await fh.stat()).size, onRecord, skipped, path)
    for (const r of skipped) log('store %s opened read-only: %s of %d bytes at offset %d skipped, left as it is', path, r.kind, r.bytes, r.offset)
    return { fh, size, recovered: [] }
  } catch (err) {
    await fh.close()
    throw err
  }
}

/**
 * Reads the log's records in order up to `fileSize`, telling `onRecord` each intact one and
 * adding each damaged region to `recovered`. Returns where the intact records end.
 */
async function scan (fh: FileHandle, fileSize: number, onRecord: (payload: Uint8Array, ref: RecordRef) => void, recovered: Recovery[], path: string): Promise<number> {
  let cacheStart = 0
  let cache = Buffer.alloc(0)
  // One read block for the whole scan (grown for a record larger than it): a fresh megabyte per
  // block pays its page faults again each time, most of a scan where they are dear (a VM).
  let block = Buffer.alloc(0)
  // Reads the block from `off` (READ_BLOCK bytes, or `len` if more, to the file's end); false
  // when the file does not hold `len` bytes from `off`.
  const load = async (off: number, len: number): Promise<boolean> => {
    if (off + len > fileSize) return false
    const want = Math.min(Math.max(READ_BLOCK, len), fileSize - off)
    if (block.byteLength < want) block = Buffer.alloc(want)
    const b = block.subarray(0, want)
    let got = 0
    while (got < b.byteLength) {
      const { bytesRead } = await fh.read(b, got, b.byteLength - got, off + got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    cacheStart = off
    cache = b.subarray(0, got)
    return got >= len
  }
  // The record at `at` when the read block holds all of it (no await: a log of 20,000 small
  // records is read in ~20 blocks); null when the block must be read first.
  const inBlock = (at: number): Buffer | undefined | null => parseRecord(cache, at - cacheStart)
  // The record at `at` if it is intact, the block read from `at` when it does not hold it:
  // enough for the length first, then the whole record.
  const validAt = async (at: number): Promise<Buffer | undefined> => {
    const held = inBlock(at)
    if (held !== null) return held
    if (!(await load(at, HEADER))) return undefined
    const first = inBlock(at)
    if (first !== null) return first
    return (await load(at, HEADER + cache.readUInt32LE(0))) ? inBlock(at) ?? undefined : undefined
  }
  let pos = 0
  while (pos < fileSize) {
    // Without an await when the block holds the record, as it mostly does.
    const held = inBlock(pos)
    const payload = held === null ? await validAt(pos) : held
    if (payload !== undefined) {
      // A view into the read block, valid during the call: onRecord copies what it keeps. A
      // plain Uint8Array, whose slice() copies (a Buffer's would be another view of the block).
      onRecord(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), { offset: pos, length: payload.byteLength })
      pos += HEADER + payload.byteLength
      continue
    }
    // Damaged at pos: look for the next intact record; none means a torn tail.
    let next = -1
    for (let at = pos + 1; at + HEADER <= fileSize; at++) {
      if ((await validAt(at)) !== undefined) { next = at; break }
    }
    const end = next === -1 ? fileSize : next
    recovered.push({ kind: next === -1 ? 'torn-tail' : 'corrupt-record', offset: pos, bytes: end - pos, quarantine: `${path}.quarantine-${Date.now()}-${pos}` })
    if (next === -1) return pos
    pos = next
  }
  return pos
}

/** A quarantine file beside the log that holds exactly `bytes` from `offset`, if there is one. */
async function savedBefore (path: string, names: readonly string[], offset: number, bytes: Buffer): Promise<string | undefined> {
  const prefix = `${basename(path)}.quarantine-`
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(`-${offset}`)) continue
    const at = join(dirname(path), n)
    // One that cannot be read (or is a link, never followed) is not that copy.
    const held = await readNoFollow(at).catch(() => undefined)
    if (held?.equals(bytes) === true) return at
  }
  return undefined
}

/**
 * Saves each damaged region to its quarantine file (durably), then cuts the regions out of the
 * log. A torn tail alone is cut off in place (a truncate). Damaged regions with intact records
 * after them are left out of a copy of the log that is then renamed over it, so a crash at any
 * moment leaves the old log (repaired again at the next open) or the new one. (Shifting the
 * records down in place, as this did before, could destroy a record a crash caught mid-move:
 * its new copy unfinished, its old one already overwritten.) A disk with no room for the copy
 * leaves those regions in the log, where every scan skips them, and cuts only a torn tail.
 * Returns the log's handle (a new one after a copy) and whether records moved.
 */
async function cutOut (fh: FileHandle, path: string, fileSize: number, cut: Recovery[], atStep?: RepairOptions['atStep']): Promise<{ fh: FileHandle, copied: boolean }> {
  try {
    const names = await readdir(dirname(path))
    for (const [i, r] of cut.entries()) {
      const b = Buffer.alloc(r.bytes)
      await fh.read(b, 0, r.bytes, r.offset)
      // The same region saved by an earlier open that could not cut it (no room, or a crash):
      // named again, not copied again.
      const saved = await savedBefore(path, names, r.offset, b)
      if (saved !== undefined) cut[i] = { ...r, quarantine: saved }
      else await atomicWrite(r.quarantine, b)
    }
  } catch (err) {
    throw writeError(path, err)
  }
  if (atStep !== undefined) await atStep('saved')
  const regions = [...cut].sort((a, b) => a.offset - b.offset)
  const tail = regions.at(-1)?.kind === 'torn-tail' ? regions.at(-1) : undefined
  const end = tail?.offset ?? fileSize
  const middle = regions.filter(r => r.kind === 'corrupt-record')
  if (middle.length > 0) {
    const copied = await copyWithout(fh, path, end, middle, atStep).then(() => true, (err: unknown) => {
      if (!isDiskFull(err)) throw writeError(path, err)
      log.error('store %s: no room to rewrite it without its damaged regions; they stay in it, skipped, until an open with room', path)
      return false
    })
    if (copied) {
      // The old handle's file is no longer the log; a close that fails cannot matter to it.
      await fh.close().catch(() => {})
      try {
        return { fh: await reopen(path), copied: true }
      } catch (err) {
        throw writeError(path, err)
      }
    }
  }
  if (tail !== undefined) {
    try {
      await fh.truncate(tail.offset)
      await fh.sync()
    } catch (err) {
      throw writeError(path, err)
    }
  }
  return { fh, copied: false }
}

/** Writes [0, end) of the log less `regions` to a temp file and renames it over the log. */
async function copyWithout (fh: FileHandle, path: string, end: number, regions: readonly Recovery[], atStep?: RepairOptions['atStep']): Promise<void> {
  await replaceByCopy(path, repairTmp(path), async (out) => {
    const block = Buffer.alloc(READ_BLOCK)
    let written = 0
    const copy = async (from: number, to: number): Promise<void> => {
      for (let at = from; at < to;) {
        const { bytesRead } = await fh.read(block, 0, Math.min(READ_BLOCK, to - at), at)
        if (bytesRead === 0) throw new StoreCorruptError(`log ${path} ended at ${at} while it was repaired`)
        // A write may take part of the block (bytesWritten): the rest follows.
        for (let w = 0; w < bytesRead;) w += (await out.write(block, w, bytesRead - w, written + w)).bytesWritten
        at += bytesRead
        written += bytesRead
        if (atStep !== undefined) await atStep('copying')
      }
    }
    let read = 0
    for (const r of regions) {
      await copy(read, r.offset)
      read = r.offset + r.bytes
    }
    await copy(read, end)
  }, atStep === undefined ? undefined : async () => { await atStep('copied') })
  if (atStep !== undefined) await atStep('renamed')
  await fsyncDir(dirname(path))
}
