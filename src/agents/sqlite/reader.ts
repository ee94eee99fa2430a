/**
 * A SQLite database another program writes (OpenClaw's Gateway, Hermes's gateway), read without
 * ever writing, locking or creating a file beside it. Two ways:
 *
 * - Node 22.5+ with the agent running (its `-wal` and `-shm` exist): `node:sqlite` opens the file
 *   read-only for the time of one read, then closes it. Only then: a read-only connection to a
 *   WAL database whose `-shm` is absent would create it.
 * - Otherwise (Node 20, or the agent stopped): the file and its `-wal` are read as bytes, the
 *   WAL's committed frames laid over the pages (wal.ts), and the image opened by sql.js in memory.
 *   A writer may checkpoint or restart the WAL between those reads; the WAL header's generation
 *   (checkpoint sequence and salts) is read before the database file and again after the WAL,
 *   and the read is retried when it moved: the pages a checkpoint copied into the file are then
 *   all in the WAL read after it, whose newest committed versions win. A rollback-journal database
 *   (no WAL) is retried while its size or time changed during the read or a `-journal` exists.
 *   While the WAL keeps its generation, its frames are only appended, and the pages a checkpoint
 *   copies into the file are among them: a change then re-reads the WAL alone and lays it over
 *   the image held, without reading the database file again.
 *
 * Polling is cheap: `stamp()` is two stats, and the image is rebuilt only when it changed.
 *
 * @example
 * const f = new SqliteFile(join(hermesHome(), 'state.db'))
 * const rows = await f.read(q => q.all('SELECT id FROM sessions')) // undefined: no such file
 */
import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { InvalidInputError } from '../../errors.js'
import { readFileNoFollow } from '../bundle.js'
import { builtinSqlite, openImage, withBuiltin, type Query } from './engine.js'
import { overlay, WAL_HEADER, walGeneration, walHeader } from './wal.js'

export interface SqliteFileOptions {
  env?: NodeJS.ProcessEnv
  /** Attempts at a consistent read while a writer moves the WAL on (default 50). */
  attempts?: number
  /** Tests: runs between reading the database file and reading its WAL. */
  betweenReads?: () => Promise<void>
}

interface AbortOptions { signal?: AbortSignal }

type Image = Query & { close: () => void }

export class SqliteFile {
  private image: { stamp: string, q: Image } | undefined
  /** The last image's bytes and the WAL generation they were made in. */
  private base: { gen: string, bytes: Uint8Array } | undefined
  /** Reads of the whole database file (the others read only its WAL). */
  fullReads = 0
  /** How many reads had to start again because the files moved under them (for tests and diagnostics). */
  retries = 0
  /** The last try of a read was turned back by a rollback journal beside the file. */
  private journal = false
  /** Which engine the last read used. */
  engine: 'node:sqlite' | 'sql.js' | undefined

  constructor (readonly path: string, private readonly o: SqliteFileOptions = {}) {}

  /** Size, time and inode of the database and its WAL; undefined when the database is gone. */
  async stamp (): Promise<string | undefined> {
    const db = await statOf(this.path)
    if (db === undefined) return undefined
    return `${db}|${await statOf(`${this.path}-wal`) ?? '-'}`
  }

  /** `fn` over the database as of its last commit; undefined when there is no such file. */
  async read<T> (fn: (q: Query) => T, options: AbortOptions = {}): Promise<T | undefined> {
    const builtin = await builtinSqlite(this.o.env)
    if (builtin !== null && await statOf(`${this.path}-shm`) !== undefined && await statOf(`${this.path}-wal`) !== undefined) {
      this.close()
      this.engine = 'node:sqlite'
      return withBuiltin(builtin, this.path, fn)
    }
    const attempts = this.o.attempts ?? 50
    for (let i = 0; i < attempts; i++) {
      this.journal = false
      options.signal?.throwIfAborted()
      const stamp = await this.stamp()
      if (stamp === undefined) { this.close(); return undefined }
      if (this.image?.stamp === stamp) return fn(this.image.q)
      const bytes = await this.snapshot(stamp)
      if (bytes === undefined) {
        this.retries++
        await new Promise(resolve => setTimeout(resolve, Math.min(5 * (i + 1), 100)))
        continue
      }
      if (bytes === 'gone') { this.close(); return undefined }
      const q = await openImage(bytes, this.path)
      this.drop()
      // Keyed by the stamp taken before reading: a change during the read is read next time.
      this.image = { stamp, q }
      this.engine = 'sql.js'
      return fn(q)
    }
    // A rollback journal beside the file at the last try: a writer mid-transaction, or one that
    // crashed and left a hot journal only a writer (the agent) rolls back.
    if (this.journal) throw new InvalidInputError(`${this.path}: a rollback journal (${this.path}-journal) was there still after ${attempts} tries: its writer is in the middle of a change, or stopped in one and left it (start the agent once, and it rolls the change back): not read this time`, { path: this.path })
    throw new InvalidInputError(`${this.path}: changed under every one of ${attempts} reads: not read this time`, { path: this.path })
  }

  /** The image's bytes, undefined when a writer moved the files during the read (try again). */
  private async snapshot (stamp: string): Promise<Uint8Array | undefined | 'gone'> {
    const wal = `${this.path}-wal`
    const before = walGeneration(walHeader(await readHead(wal)))
    if (this.base !== undefined && before !== '-' && this.base.gen === before) {
      let log: Buffer
      try { log = await readFileNoFollow(wal) } catch (err: any) { if (err?.code !== 'ENOENT') throw err; return undefined }
      if (walGeneration(walHeader(log)) !== before || walGeneration(walHeader(await readHead(wal))) !== before) return undefined
      this.base.bytes = overlay(this.base.bytes, log, { inPlace: true }).image
      return this.base.bytes
    }
    this.base = undefined
    this.fullReads++
    let db: Buffer
    try { db = await readFileNoFollow(this.path) } catch (err: any) { if (err?.code === 'ENOENT') return 'gone'; throw err }
    await this.o.betweenReads?.()
    let log: Buffer
    try { log = await readFileNoFollow(wal) } catch (err: any) { if (err?.code !== 'ENOENT') throw err; log = Buffer.alloc(0) }
    const header = walHeader(log)
    if (walGeneration(header) !== before || walGeneration(walHeader(await readHead(wal))) !== before) return undefined
    if (header === undefined) {
      // No WAL in use: the file alone is the database, unless a writer was changing it meanwhile.
      if (await statOf(`${this.path}-journal`) !== undefined) { this.journal = true; return undefined }
      if ((await this.stamp())?.split('|')[0] !== stamp.split('|')[0]) return undefined
    }
    const image = overlay(db, log, { inPlace: true }).image
    this.base = header === undefined ? undefined : { gen: before, bytes: image }
    return image
  }

  private drop (): void {
    this.image?.q.close()
    this.image = undefined
  }

  /** Frees the in-memory image. */
  close (): void { this.drop(); this.base = undefined }
}

async function statOf (path: string): Promise<string | undefined> {
  try {
    const s = await stat(path)
    return `${s.size}:${s.mtimeMs}:${s.ino}`
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

/** The first bytes of a file (the WAL header); empty when there is no file. */
async function readHead (path: string): Promise<Uint8Array> {
  let fh
  try { fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) } catch (err: any) { if (err?.code === 'ENOENT') return new Uint8Array(0); throw err }
  try {
    const buf = Buffer.alloc(WAL_HEADER)
    const { bytesRead } = await fh.read(buf, 0, WAL_HEADER, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}
