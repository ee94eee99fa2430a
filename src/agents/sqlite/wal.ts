/**
 * A SQLite write-ahead log laid over its database file, in memory, as SQLite's own recovery
 * does it (sqlite.org/fileformat2.html §4): the 32-byte WAL header (magic, version, page size,
 * checkpoint sequence, salts, checksum), then frames of a 24-byte header (page number, database
 * size in pages for a commit frame, salts, cumulative checksum) and one page. A frame counts
 * only while its salts are the header's and the checksum chain holds; of those, only frames up
 * to the last commit frame (a transaction not committed yet, or a frame half written, is not
 * part of the database). The wal-index (`-shm`) is never consulted: this is what a reader that
 * may not create or lock it can do. Pure.
 */

export const WAL_HEADER = 32
export const FRAME_HEADER = 24
const MAGIC_LE = 0x377f0682
const MAGIC_BE = 0x377f0683

export interface WalHeader {
  /** Checksums read as big-endian words (magic 0x377f0683) or little-endian (0x377f0682). */
  bigEndian: boolean
  pageSize: number
  checkpointSeq: number
  salt1: number
  salt2: number
}

/** The WAL's header when it is one SQLite would use (valid magic, page size and checksum). */
export function walHeader (wal: Uint8Array): WalHeader | undefined {
  if (wal.length < WAL_HEADER) return undefined
  const v = view(wal)
  const magic = v.getUint32(0)
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return undefined
  const bigEndian = magic === MAGIC_BE
  const pageSize = v.getUint32(8)
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined
  const [c1, c2] = checksum(wal, 0, 24, bigEndian, 0, 0)
  if (c1 !== v.getUint32(24) || c2 !== v.getUint32(28)) return undefined
  return { bigEndian, pageSize, checkpointSeq: v.getUint32(12), salt1: v.getUint32(16), salt2: v.getUint32(20) }
}

/** Names one generation of the WAL: a checkpoint that restarts it changes the salts. */
export function walGeneration (h: WalHeader | undefined): string {
  return h === undefined ? '-' : `${h.checkpointSeq}:${h.salt1}:${h.salt2}`
}

export interface Committed {
  header: WalHeader
  /** Page number -> offset of that page's newest committed content in the WAL. */
  pages: Map<number, number>
  /** The database's size in pages after the last commit. */
  dbPages: number
  /** Valid frames up to and including the last commit. */
  frames: number
}

/** The committed frames of a WAL, or undefined when it holds none (absent, empty, reset, torn). */
export function committedFrames (wal: Uint8Array): Committed | undefined {
  const header = walHeader(wal)
  if (header === undefined) return undefined
  const v = view(wal)
  const size = FRAME_HEADER + header.pageSize
  let [s1, s2] = [v.getUint32(24), v.getUint32(28)]
  const pending = new Map<number, number>()
  const pages = new Map<number, number>()
  let dbPages = 0
  let frames = 0
  for (let at = WAL_HEADER, n = 1; at + size <= wal.length; at += size, n++) {
    if (v.getUint32(at + 8) !== header.salt1 || v.getUint32(at + 12) !== header.salt2) break
    ;[s1, s2] = checksum(wal, at, 8, header.bigEndian, s1, s2)
    ;[s1, s2] = checksum(wal, at + FRAME_HEADER, header.pageSize, header.bigEndian, s1, s2)
    if (s1 !== v.getUint32(at + 16) || s2 !== v.getUint32(at + 20)) break
    const pgno = v.getUint32(at)
    if (pgno === 0) break
    pending.set(pgno, at + FRAME_HEADER)
    const commit = v.getUint32(at + 4)
    if (commit !== 0) {
      for (const [p, o] of pending) pages.set(p, o)
      pending.clear()
      dbPages = commit
      frames = n
    }
  }
  return frames === 0 ? undefined : { header, pages, dbPages, frames }
}

/**
 * The database as of the WAL's last commit: the file's pages with the WAL's newest committed
 * version of each laid over them, cut or grown to the committed size, its header marked as a
 * rollback-journal database (bytes 18-19 = 1) so an engine opening the bytes looks for no WAL.
 * `inPlace`: `db` is the caller's to change (written into, or cut by a view) unless it must grow.
 */
export function overlay (db: Uint8Array, wal: Uint8Array, opts: { inPlace?: boolean } = {}): { image: Uint8Array, committed?: Committed } {
  const committed = committedFrames(wal)
  let image: Uint8Array
  if (committed === undefined) {
    image = opts.inPlace === true ? db : new Uint8Array(db)
  } else {
    const ps = committed.header.pageSize
    const size = committed.dbPages * ps
    if (opts.inPlace === true && size <= db.length) {
      image = db.subarray(0, size)
    } else {
      image = new Uint8Array(size)
      image.set(db.subarray(0, Math.min(db.length, size)))
    }
    for (const [pgno, off] of committed.pages) {
      if (pgno > committed.dbPages) continue // a page beyond a later commit's size was truncated away
      image.set(wal.subarray(off, off + ps), (pgno - 1) * ps)
    }
  }
  if (image.length >= 100) { image[18] = 1; image[19] = 1 }
  return { image, committed }
}

function view (b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength) }

/** SQLite's WAL checksum over `len` bytes (a multiple of 8) at `at`, from (s1, s2). */
function checksum (b: Uint8Array, at: number, len: number, bigEndian: boolean, s1: number, s2: number): [number, number] {
  const v = view(b)
  const le = !bigEndian
  for (let i = at; i < at + len; i += 8) {
    s1 = (s1 + v.getUint32(i, le) + s2) >>> 0
    s2 = (s2 + v.getUint32(i + 4, le) + s1) >>> 0
  }
  return [s1, s2]
}
