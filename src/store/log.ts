/**
 * A checksummed, fsynced, append-only record log with group commit.
 *
 * Record: u32le length of payload | u32le crc32 of payload | payload. An append is acknowledged
 * only after the batch holding it reached the disk (O_DSYNC): appends that arrive while one
 * batch syncs go together in the next, so many writers share one fsync. On open, a torn or
 * corrupted tail (a process killed mid-write) is detected, reported, moved to a quarantine file
 * and cut off; a damaged record followed by good ones is skipped and reported, never fatal.
 */
import { constants } from 'node:fs'
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { logger } from '@libp2p/logger'
import { ClosedError, StoreCorruptError } from '../errors.js'
import { isDiskFull } from './disk.js'
import { atomicWrite, fsyncDir, readNoFollow, writeError } from './files.js'
import { basename, dirname, join } from 'node:path'

const log = logger('mesh:store:log')
const HEADER = 8
export const MAX_RECORD = 4 * 1024 * 1024
const READ_BLOCK = 1024 * 1024
/**
 * Writes to the log are durable when they return (O_DSYNC: the data and the size needed to read
 * it, what fdatasync makes durable), so an append costs one system call on the thread pool
 * instead of a write and then an fdatasync. Where the platform has no O_DSYNC, fdatasync follows.
 */
const DSYNC: number = constants.O_DSYNC ?? 0

export interface RecordRef { readonly offset: number, readonly length: number }

export interface RewriteOptions {
  /** Each kept record's new place, once the new file is the log. */
  onMoved?: (from: RecordRef, to: RecordRef) => void
  /** The new file is the log and every record moved: what the rewrite left out may be forgotten now. */
  onDone?: () => void
}

/** Where a rewrite writes the log's new copy before renaming it into place. */
const compactTmp = (path: string): string => `${path}.compact.tmp`
/** Where the repair at open writes the log's copy without its damaged regions. */
const repairTmp = (path: string): string => `${path}.repair.tmp`

/** Removes a file that may not exist. */
async function removeStale (path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') log.error('cannot remove %s: %e', path, err) })
}

/**
 * Writes a new copy of the log at `tmp` (`write` fills it), syncs it and renames it over `path`,
 * so a crash at any moment leaves the old log or the new one (the caller syncs the directory).
 * A copy that fails is removed, or it would hold the room a full disk has left for good; its own
 * error is thrown as it is.
 */
async function replaceByCopy (path: string, tmp: string, write: (out: FileHandle) => Promise<void>): Promise<void> {
  let out: FileHandle | undefined
  try {
    out = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600)
    await write(out)
    await out.sync()
    await out.close()
    out = undefined
    await rename(tmp, path)
  } catch (err) {
    // A close that fails too adds nothing to the write's error, which is the one thrown.
    await out?.close().catch(() => {})
    await removeStale(tmp)
    throw err
  }
}

/** The log opened again for appends after a copy took its place. */
const reopen = async (path: string): Promise<FileHandle> => await open(path, constants.O_RDWR | constants.O_NOFOLLOW | DSYNC)

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

export interface Recovery {
  readonly kind: 'torn-tail' | 'corrupt-record'
  readonly offset: number
  readonly bytes: number
  readonly quarantine: string
}

/**
 * The most bytes of records that may wait for a later batch (`append`'s `within`) at once: past
 * it an append is written at once, so a writer faster than the disk is held back by it again.
 */
export const MAX_WAITING_BYTES = 1024 * 1024

/** `due`: 0 to be written at once, or the time (performance.now) by which it must be. */
interface Pending { payload: Uint8Array, due: number, resolve: (ref: RecordRef) => void, reject: (err: Error) => void }

function frame (payload: Uint8Array, into: Buffer, at: number): void {
  into.writeUInt32LE(payload.byteLength, at)
  into.writeUInt32LE(crc32(payload), at + 4)
  into.set(payload, at + HEADER)
}

export class RecordLog {
  readonly path: string
  private fh: FileHandle
  private size: number
  private pending: Pending[] = []
  private flushing: Promise<void> | undefined
  /** Bytes of pending records allowed to wait (`within`), and the timer that writes them when due. */
  private waitingBytes = 0
  private dueTimer: ReturnType<typeof setTimeout> | undefined
  private paused = false
  private closed = false
  /** Set while a rewrite swaps the file: readers wait, so they never read old offsets from the new file. */
  private rewriting: Promise<unknown> | undefined
  private readers = 0
  private readersIdle: Array<() => void> = []
  /** Told the outcome of every batch written: undefined, or the error (a full disk, say). */
  onWrite: ((err?: Error) => void) | undefined

  private constructor (path: string, fh: FileHandle, size: number) {
    this.path = path
    this.fh = fh
    this.size = size
  }

  /**
   * Opens (creating) the log and calls `onRecord` for each intact record in order, with a view
   * of its bytes that is valid only during the call (copy what is kept). Damaged regions are cut
   * out into `<path>.quarantine-<time>` and reported in `recovered`.
   */
  static async open (path: string, onRecord: (payload: Uint8Array, ref: RecordRef) => void, onReset: () => void): Promise<{ log: RecordLog, recovered: Recovery[] }> {
    // A rewrite's copy left by a crash or a full disk before its rename: the log itself is whole.
    await removeStale(compactTmp(path))
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
      let good = await RecordLog.scan(fh, fileSize, onRecord, recovered, path)
      if (recovered.length > 0) {
        const repaired = await RecordLog.cutOut(fh, path, fileSize, recovered)
        fh = repaired.fh
        for (const r of recovered) log.error('store %s: %s of %d bytes at offset %d copied to %s%s', path, r.kind, r.bytes, r.offset, r.quarantine, repaired.copied || r.kind === 'torn-tail' ? ' and cut out' : ', left in place (no room to rewrite the log)')
        if (repaired.copied) {
          // Records after a cut region moved: index them again at their new offsets.
          onReset()
          const again: Recovery[] = []
          good = await RecordLog.scan(fh, (await fh.stat()).size, onRecord, again, path)
          if (again.length > 0) throw new StoreCorruptError(`log ${path} is still damaged after recovery`)
        }
      }
      const { size } = await fh.stat()
      if (size !== good) throw new StoreCorruptError(`log ${path} changed while it was opened`)
      return { log: new RecordLog(path, fh, size), recovered }
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  private static async scan (fh: FileHandle, fileSize: number, onRecord: (payload: Uint8Array, ref: RecordRef) => void, recovered: Recovery[], path: string): Promise<number> {
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
    const inBlock = (at: number): Buffer | undefined | null => {
      const from = at - cacheStart
      if (from < 0 || from + HEADER > cache.byteLength) return null
      const len = cache.readUInt32LE(from)
      if (len === 0 || len > MAX_RECORD) return undefined
      if (from + HEADER + len > cache.byteLength) return null
      const payload = cache.subarray(from + HEADER, from + HEADER + len)
      return crc32(payload) === cache.readUInt32LE(from + 4) ? payload : undefined
    }
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
  private static async cutOut (fh: FileHandle, path: string, fileSize: number, cut: Recovery[]): Promise<{ fh: FileHandle, copied: boolean }> {
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
    const regions = [...cut].sort((a, b) => a.offset - b.offset)
    const tail = regions.at(-1)?.kind === 'torn-tail' ? regions.at(-1) : undefined
    const end = tail?.offset ?? fileSize
    const middle = regions.filter(r => r.kind === 'corrupt-record')
    if (middle.length > 0) {
      const copied = await RecordLog.copyWithout(fh, path, end, middle).then(() => true, (err: unknown) => {
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
  private static async copyWithout (fh: FileHandle, path: string, end: number, regions: readonly Recovery[]): Promise<void> {
    await replaceByCopy(path, repairTmp(path), async (out) => {
      const block = Buffer.alloc(READ_BLOCK)
      let written = 0
      const copy = async (from: number, to: number): Promise<void> => {
        for (let at = from; at < to;) {
          const { bytesRead } = await fh.read(block, 0, Math.min(READ_BLOCK, to - at), at)
          if (bytesRead === 0) throw new StoreCorruptError(`log ${path} ended at ${at} while it was repaired`)
          await out.write(block, 0, bytesRead, written)
          at += bytesRead
          written += bytesRead
        }
      }
      let read = 0
      for (const r of regions) {
        await copy(read, r.offset)
        read = r.offset + r.bytes
      }
      await copy(read, end)
    })
    await fsyncDir(dirname(path))
  }

  get bytes (): number { return this.size }

  /**
   * Resolves once the record is on disk (O_DSYNC, or fdatasync without it), with where it lies.
   * `withinMs`: the record may wait up to that long to share the write of a later batch (one
   * system call and one disk flush for many), and goes with the next append that may not wait,
   * a drain or the close if one comes first; unless MAX_WAITING_BYTES already wait.
   */
  async append (payload: Uint8Array, withinMs = 0): Promise<RecordRef> {
    if (this.closed) throw new ClosedError(`log ${this.path} is closed`)
    if (payload.byteLength === 0 || payload.byteLength > MAX_RECORD) throw new StoreCorruptError(`record of ${payload.byteLength} bytes is out of range`)
    let due = 0
    if (withinMs > 0 && this.mayWait(payload.byteLength)) {
      due = performance.now() + withinMs
      this.waitingBytes += payload.byteLength
    }
    const p = new Promise<RecordRef>((resolve, reject) => { this.pending.push({ payload, due, resolve, reject }) })
    this.kick()
    return await p
  }

  /** Whether a record of this size may wait now (`append`'s `withinMs`), or would be written at once. */
  mayWait (bytes: number): boolean { return this.waitingBytes + bytes <= MAX_WAITING_BYTES }

  private stopDue (): void {
    if (this.dueTimer !== undefined) clearTimeout(this.dueTimer)
    this.dueTimer = undefined
  }

  /** Starts writing what is pending, unless all of it may still wait (then when the first is due) or `now`. */
  private kick (now = false): void {
    if (this.pending.length === 0) this.stopDue()
    if (this.flushing !== undefined || this.paused || this.pending.length === 0) return
    if (!now) {
      let first = Infinity
      for (const p of this.pending) {
        if (p.due === 0) { first = 0; break }
        first = Math.min(first, p.due)
      }
      const wait = first - performance.now()
      if (wait > 0) {
        if (this.dueTimer === undefined) this.dueTimer = setTimeout(() => { this.dueTimer = undefined; this.kick(true) }, Math.ceil(wait))
        return
      }
    }
    this.stopDue()
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined
      this.kick()
    })
  }

  private async flushLoop (): Promise<void> {
    while (this.pending.length > 0 && !this.paused) {
      const batch = this.pending.splice(0)
      let total = 0
      for (const p of batch) {
        total += HEADER + p.payload.byteLength
        if (p.due !== 0) this.waitingBytes -= p.payload.byteLength
      }
      const buf = Buffer.allocUnsafe(total)
      const start = this.size
      let at = 0
      const refs: RecordRef[] = []
      for (const p of batch) {
        frame(p.payload, buf, at)
        refs.push({ offset: start + at, length: p.payload.byteLength })
        at += HEADER + p.payload.byteLength
      }
      try {
        let written = 0
        while (written < total) {
          const { bytesWritten } = await this.fh.write(buf, written, total - written, start + written)
          written += bytesWritten
        }
        if (DSYNC === 0) await this.fh.datasync()
        this.size = start + total
        this.onWrite?.()
        batch.forEach((p, i) => p.resolve(refs[i] as RecordRef))
      } catch (err) {
        // Cut off whatever part of the batch reached the file, so the next batch follows intact records.
        await this.fh.truncate(start).catch((e: unknown) => { log.error('cannot truncate %s after a failed write: %e', this.path, e) })
        const e = writeError(this.path, err)
        this.onWrite?.(e)
        for (const p of batch) p.reject(e)
      }
    }
  }

  /** Waits until every append issued so far is settled (records allowed to wait are written now). */
  async drain (): Promise<void> {
    this.kick(true)
    while (this.flushing !== undefined) await this.flushing
  }

  /**
   * Reads one record's payload. Pass a function when the reference may change under a rewrite:
   * it is resolved once no rewrite is running, and the rewrite waits for this read.
   */
  async read (ref: RecordRef | (() => RecordRef | undefined)): Promise<Uint8Array | undefined> {
    while (this.rewriting !== undefined) await this.rewriting
    const r = typeof ref === 'function' ? ref() : ref
    if (r === undefined) return undefined
    this.readers++
    try {
      const b = Buffer.allocUnsafe(r.length)
      await this.fh.read(b, 0, r.length, r.offset + HEADER)
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    } finally {
      if (--this.readers === 0) for (const wake of this.readersIdle.splice(0)) wake()
    }
  }

  /**
   * Reads several records' payloads with one read per run of nearby records (gaps under 64 KiB):
   * a catch-up of thousands of small entries otherwise pays a thread-pool round trip per entry.
   * The references are resolved like `read`'s; an unresolved one reads as undefined.
   */
  async readMany (refs: () => ReadonlyArray<RecordRef | undefined>): Promise<Array<Uint8Array | undefined>> {
    while (this.rewriting !== undefined) await this.rewriting
    const rs = refs()
    const out: Array<Uint8Array | undefined> = new Array(rs.length).fill(undefined)
    const order = rs.map((r, i) => ({ r, i })).filter((x): x is { r: RecordRef, i: number } => x.r !== undefined).sort((x, y) => x.r.offset - y.r.offset)
    this.readers++
    try {
      for (let k = 0; k < order.length;) {
        const first = (order[k] as { r: RecordRef }).r
        let end = first.offset + HEADER + first.length
        let j = k + 1
        while (j < order.length) {
          const r = (order[j] as { r: RecordRef }).r
          if (r.offset - end > 64 * 1024 || r.offset + HEADER + r.length - first.offset > 1024 * 1024) break
          end = Math.max(end, r.offset + HEADER + r.length)
          j++
        }
        const b = Buffer.allocUnsafe(end - first.offset)
        await this.fh.read(b, 0, b.byteLength, first.offset)
        for (; k < j; k++) {
          const { r, i } = order[k] as { r: RecordRef, i: number }
          const at = r.offset + HEADER - first.offset
          out[i] = new Uint8Array(b.buffer, b.byteOffset + at, r.length)
        }
      }
      return out
    } finally {
      if (--this.readers === 0) for (const wake of this.readersIdle.splice(0)) wake()
    }
  }

  private async readersDone (): Promise<void> {
    while (this.readers > 0) await new Promise<void>(resolve => this.readersIdle.push(resolve))
  }

  /**
   * Rewrites the log keeping only the records `keep` selects (temp file, fsync, rename) and
   * returns their new places. Appends wait meanwhile.
   */
  async rewrite (select: () => Iterable<RecordRef> | undefined, options: RewriteOptions = {}): Promise<boolean> {
    if (this.closed) throw new ClosedError(`log ${this.path} is closed`)
    while (this.rewriting !== undefined) await this.rewriting
    const p = this.rewriteNow(select, options)
    // What waits on it only waits: the caller hears a failure (a full disk) from `p`, and the
    // log keeps its old file. Unhandled, that rejection ended the process.
    this.rewriting = p.then(() => {}, () => {}).then(() => { this.rewriting = undefined })
    return await p
  }

  private async rewriteNow (select: () => Iterable<RecordRef> | undefined, options: RewriteOptions): Promise<boolean> {
    this.paused = true
    try {
      await this.drain()
      await this.readersDone()
      // Chosen only now, with every earlier append on disk and later ones held back.
      const records = select()
      if (records === undefined) return false
      const tmp = compactTmp(this.path)
      const moved: Array<[RecordRef, RecordRef]> = []
      try {
        // The old file stays the log until the rename.
        await replaceByCopy(this.path, tmp, async (out) => {
          let at = 0
          for (const ref of records) {
            const payload = Buffer.allocUnsafe(ref.length)
            await this.fh.read(payload, 0, ref.length, ref.offset + HEADER)
            const b = Buffer.allocUnsafe(HEADER + payload.byteLength)
            frame(payload, b, 0)
            await out.write(b, 0, b.byteLength, at)
            moved.push([ref, { offset: at, length: ref.length }])
            at += b.byteLength
          }
        })
      } catch (err) {
        throw writeError(tmp, err)
      }
      await fsyncDir(dirname(this.path))
      await this.fh.close()
      this.fh = await reopen(this.path)
      this.size = (await stat(this.path)).size
      for (const [from, to] of moved) options.onMoved?.(from, to)
      options.onDone?.()
      return true
    } finally {
      this.paused = false
      this.kick()
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    while (this.rewriting !== undefined) await this.rewriting
    await this.drain()
    this.closed = true
    for (const p of this.pending.splice(0)) p.reject(new ClosedError(`log ${this.path} is closed`))
    await this.fh.close()
  }
}
