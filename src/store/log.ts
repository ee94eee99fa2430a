/**
 * A checksummed, fsynced, append-only record log with group commit.
 *
 * Records are framed with a length and a checksum (log-format.ts). An append is acknowledged
 * only after the batch holding it reached the disk (O_DSYNC): appends that arrive while one
 * batch syncs go together in the next, so many writers share one fsync. On open, a torn or
 * corrupted region is cut out into a quarantine file (log-repair.ts). A rewrite (compaction)
 * writes a copy and renames it into place.
 *
 * @example
 * const { log } = await RecordLog.open(path, (payload, ref) => index(payload, ref), () => index.clear())
 * const ref = await log.append(payload) // resolves once durable
 */
import { type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { logger } from '@libp2p/logger'
import { ClosedError, StoreCorruptError, StoreWriteError } from '../errors.js'
import { atomicWrite, fsyncDir, writeError } from './files.js'
import { DSYNC, frame, HEADER, MAX_RECORD, parseRecord, removeStale, reopen, replaceByCopy, type RecordRef } from './log-format.js'
import { openChecked, type Recovery } from './log-repair.js'

export { MAX_RECORD, type RecordRef } from './log-format.js'
export type { Recovery } from './log-repair.js'

const log = logger('mesh:store:log')

export interface RewriteOptions {
  /** Each kept record's new place, once the new file is the log. */
  onMoved?: (from: RecordRef, to: RecordRef) => void
  /**
   * A record selected that was found damaged (its checksum no longer matches: the disk changed it
   * since it was read), saved to `quarantine` beside the log and left out of it: what it held is
   * gone. Told once the new file is the log, before `onMoved`.
   */
  onDamaged?: (ref: RecordRef, quarantine: string) => void
  /** The new file is the log and every record moved: what the rewrite left out may be forgotten now. */
  onDone?: () => void
}

/** Times a rewrite syncs the log's directory after its rename before it reports the failure. */
const DIR_SYNC_TRIES = 3

/** Where a rewrite writes the log's new copy before renaming it into place. */
const compactTmp = (path: string): string => `${path}.compact.tmp`

/**
 * The most bytes of records that may wait for a later batch (`append`'s `within`) at once: past
 * it an append is written at once, so a writer faster than the disk is held back by it again.
 */
export const MAX_WAITING_BYTES = 1024 * 1024

/** `due`: 0 to be written at once, or the time (performance.now) by which it must be. */
interface Pending { payload: Uint8Array, due: number, resolve: (ref: RecordRef) => void, reject: (err: Error) => void }

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
  /** Set when the log can take no more writes until it is opened again (see swapTo). */
  private failed: Error | undefined
  /** A rewrite's rename is not yet synced into the directory: no append is acknowledged until it is. */
  private dirUnsynced = false
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
   * out into `<path>.quarantine-<time>-<offset>` and reported in `recovered` (log-repair.ts).
   */
  static async open (path: string, onRecord: (payload: Uint8Array, ref: RecordRef) => void, onReset: () => void, opts: { readOnly?: boolean } = {}): Promise<{ log: RecordLog, recovered: Recovery[] }> {
    // A rewrite's copy left by a crash or a full disk before its rename: the log itself is whole.
    if (opts.readOnly !== true) await removeStale(compactTmp(path))
    const { fh, size, recovered } = await openChecked(path, onRecord, onReset, { readOnly: opts.readOnly })
    const l = new RecordLog(path, fh, size)
    // Opened only to read (openChecked's readOnly): its handle takes no writes.
    if (opts.readOnly === true) l.failed = new StoreWriteError(`log ${path} was opened read-only`, { path })
    return { log: l, recovered }
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
    if (this.failed !== undefined) throw this.failed
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
      if (this.failed !== undefined) {
        for (const p of batch) p.reject(this.failed)
        continue
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
        await this.syncDir()
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
    if (this.failed !== undefined) throw this.failed
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
      if (this.failed !== undefined) throw this.failed
      // Chosen only now, with every earlier append on disk and later ones held back.
      const records = select()
      if (records === undefined) return false
      const tmp = compactTmp(this.path)
      const moved: Array<[RecordRef, RecordRef]> = []
      const damaged: Array<[RecordRef, string]> = []
      let size = 0
      try {
        // The old file stays the log until the rename.
        await replaceByCopy(this.path, tmp, async (out) => {
          for (const ref of records) {
            // The record's own bytes, checked: one damaged since the open's scan (a bad sector)
            // framed anew would be taken as intact by every later open.
            const b = Buffer.alloc(HEADER + ref.length)
            const { bytesRead } = await this.fh.read(b, 0, b.byteLength, ref.offset)
            if (bytesRead < b.byteLength || parseRecord(b, 0)?.byteLength !== ref.length) {
              const quarantine = `${this.path}.quarantine-${Date.now()}-${ref.offset}`
              await atomicWrite(quarantine, b.subarray(0, bytesRead))
              damaged.push([ref, quarantine])
              continue
            }
            // A write may take part of the buffer (bytesWritten): the rest follows.
            for (let w = 0; w < b.byteLength;) w += (await out.write(b, w, b.byteLength - w, size + w)).bytesWritten
            moved.push([ref, { offset: size, length: ref.length }])
            size += b.byteLength
          }
        })
      } catch (err) {
        throw writeError(tmp, err)
      }
      await this.swapTo(size)
      // Before the moves: a kept record's new offset may be a left-out one's old offset.
      for (const [ref, quarantine] of damaged) {
        log.error('log %s: record of %d bytes at offset %d found damaged while it was rewritten, copied to %s and left out', this.path, ref.length, ref.offset, quarantine)
        options.onDamaged?.(ref, quarantine)
      }
      for (const [from, to] of moved) options.onMoved?.(from, to)
      options.onDone?.()
      try {
        await this.syncDir()
      } catch (err) {
        throw writeError(dirname(this.path), err)
      }
      return true
    } finally {
      this.paused = false
      this.kick()
    }
  }

  /**
   * The copy was renamed over the log: from here the new file is the log, whatever fails. Its
   * handle is opened before anything else: the old one's file is unlinked, and an append written
   * there would be acknowledged and then lost. One that cannot be opened fails the log for good.
   */
  private async swapTo (size: number): Promise<void> {
    let fh: FileHandle
    try {
      fh = await reopen(this.path)
    } catch (err) {
      const e = writeError(this.path, err)
      this.failed = new StoreWriteError(`log ${this.path} was rewritten but cannot be opened again (${e.message}): it takes no more writes until the node is restarted`, { path: this.path }, { cause: err })
      log.error('%s', this.failed.message)
      throw this.failed
    }
    const old = this.fh
    this.fh = fh
    this.size = size
    this.dirUnsynced = true
    // The old file is no longer the log: a close that fails cannot matter to it.
    await old.close().catch((err: unknown) => { log('closing %s\'s old file failed: %e', this.path, err) })
  }

  /**
   * Syncs the log's directory, so the rename survives a crash; tried again before the next batch
   * is written while it fails (an append is acknowledged only once the name points at its file).
   */
  private async syncDir (): Promise<void> {
    if (!this.dirUnsynced) return
    let last: unknown
    for (let i = 0; i < DIR_SYNC_TRIES; i++) {
      try {
        await fsyncDir(dirname(this.path))
        this.dirUnsynced = false
        return
      } catch (err) {
        last = err
      }
    }
    throw last
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
