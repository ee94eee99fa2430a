/**
 * Snapshot files: `snapshots/<doc>/<author>-<seq>-<header hash>.snap` holding
 * "MSNP" | u32be version | u32be header length | signed header entry | sealed chunks.
 * Written under a temp name and put in place whole (fsync, rename); a received one is written
 * while it arrives and is verified. The store keeps per document only snapshots no other
 * snapshot dominates.
 */
import { createHash, randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { StoreCorruptError } from '../errors.js'
import { concat, parseTrustedEntry, toHex, u32be, utf8, type Entry } from '../identity/index.js'
import { fsyncDir, mkdirDurable, stageFile, writeError, writeQueue } from './files.js'

const log = logger('mesh:store:snapshots')
const MAGIC = 'MSNP'
const VERSION = 1

export interface StoredSnapshot {
  readonly header: Entry
  readonly path: string
  readonly dataOffset: number
}

/**
 * `<author>-<seq>-<header hash>.snap`: two different snapshots an author signed at one seq (a
 * snapshot taken again at the seq of one it set aside, a member's fork) are two files, neither
 * renamed over the other. Files named `<author>-<seq>.snap` by earlier versions load as they are.
 */
export function snapshotFileName (header: Entry): string {
  const id = createHash('sha256').update(header.bytes).digest('hex').slice(0, 16)
  return `${toHex(header.author)}-${header.seq.toString()}-${id}.snap`
}

/** A snapshot's file being written: the ciphertext as it comes, then commit() or discard(). */
export interface StagedSnapshot {
  /** As StagedFile.write: a promise when the caller should wait for the disk. */
  write: (ciphertext: Uint8Array) => Promise<void> | undefined
  commit: () => Promise<StoredSnapshot>
  discard: () => Promise<void>
}

/** Starts writing a snapshot's file under a temp name (see stageFile). */
export function stageSnapshotFile (dir: string, header: Entry): StagedSnapshot {
  const path = join(dir, toHex(header.doc), snapshotFileName(header))
  const prefix = concat([utf8(MAGIC), u32be(VERSION), u32be(header.bytes.byteLength), header.bytes])
  const staged = stageFile(path)
  staged.write(prefix)
  return {
    write: staged.write,
    commit: async () => {
      await staged.commit()
      return { header, path, dataOffset: prefix.byteLength }
    },
    discard: staged.discard
  }
}

/**
 * A snapshot's ciphertext held on disk while it is taken, until its header is known: the header
 * comes first in the snapshot's file and signs the digest of every chunk. Held in memory, a
 * 100,000-message session's 111 MB of chunks made V8 count that much new external memory, and
 * the full collection it started ended in an atomic pause of ~200 ms (`--trace-gc`). A `.tmp`
 * name in the document's directory: the next open removes it if the process dies first.
 */
export interface SnapshotScratch {
  /** Appends; a promise when more than 8 MiB wait for the disk (the caller waits for it). A failed write is reported by `pieces()`. */
  write: (ciphertext: Uint8Array) => Promise<void> | undefined
  /** Everything written, in pieces of `pieceBytes`, once the writes are done. */
  pieces: (pieceBytes: number) => AsyncGenerator<Uint8Array>
  /** Closes and removes the file. */
  discard: () => Promise<void>
}

export function snapshotScratch (dir: string, doc: Uint8Array): SnapshotScratch {
  const path = join(dir, toHex(doc), `scratch.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const opened = (async () => {
    // The document's folder, where its snapshot is committed: made durably (files.ts), as the commit's own would be.
    await mkdirDurable(join(dir, toHex(doc)))
    return await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW, 0o600)
  })()
  // Never kept, so never synced.
  const q = writeQueue(opened, undefined, Infinity)
  let size = 0
  return {
    write: (ciphertext) => {
      size += ciphertext.byteLength
      return q.write(ciphertext, null)
    },
    pieces: async function * (pieceBytes) {
      try { await q.pending() } catch (err) { throw writeError(path, err) }
      yield * readPieces(await opened, 0, size, pieceBytes, path)
    },
    discard: async () => {
      const fh = await q.settle()
      await fh?.close().catch(() => undefined) // being removed: a failed close loses nothing
      await unlink(path).catch(() => undefined) // best effort: the next open removes a .tmp left
    }
  }
}

async function readHeader (path: string): Promise<StoredSnapshot> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(12)
    await fh.read(head, 0, 12, 0)
    if (head.subarray(0, 4).toString() !== MAGIC || head.readUInt32BE(4) !== VERSION) throw new StoreCorruptError(`${path} is not a snapshot file`)
    const len = head.readUInt32BE(8)
    if (len > 1024 * 1024) throw new StoreCorruptError(`${path} has an oversized header`)
    const hb = Buffer.alloc(len)
    await fh.read(hb, 0, len, 12)
    const header = parseTrustedEntry(new Uint8Array(hb))
    const { size } = await fh.stat()
    if (BigInt(size - 12 - len) !== header.snapshotSize) throw new StoreCorruptError(`${path} is truncated`)
    return { header, path, dataOffset: 12 + len }
  } finally {
    await fh.close()
  }
}

/**
 * The snapshot's ciphertext in pieces of `pieceBytes`, read as they are taken (a peer is sent a
 * large snapshot without holding it in memory), from byte `from` on (a resumed transfer). One
 * open file: a snapshot replaced while it is read is still read whole. With `reuse`, every piece
 * is read into one buffer, the next overwriting the last: for a reader done with each piece
 * before it takes the next (a load hashing or decrypting it), to which a new buffer per piece
 * was 111 MB of new external memory per pass over a large snapshot, and V8 answered with full
 * collections.
 */
export async function * readSnapshotPieces (s: StoredSnapshot, pieceBytes: number, from = 0, opts: { reuse?: boolean } = {}): AsyncGenerator<Uint8Array> {
  const fh = await open(s.path, 'r')
  try {
    yield * readPieces(fh, s.dataOffset, Number(s.header.snapshotSize), pieceBytes, s.path, from, opts.reuse === true)
  } finally {
    await fh.close()
  }
}

/** A stored snapshot's file held open, its ciphertext read as often as wanted. */
export interface OpenSnapshotFile {
  /** The ciphertext from its start, as readSnapshotPieces reads it. */
  pieces: (pieceBytes: number, opts?: { reuse?: boolean }) => AsyncGenerator<Uint8Array>
  close: () => Promise<void>
}

/**
 * Opens a stored snapshot's file for several reads (a load checks it, then decrypts it, and
 * again after setting something aside): every read is of the same file, whole, even when the
 * snapshot is replaced and its path removed meanwhile. Close it.
 */
export async function openSnapshotFile (s: StoredSnapshot): Promise<OpenSnapshotFile> {
  const fh = await open(s.path, 'r')
  const size = Number(s.header.snapshotSize)
  return {
    pieces: (pieceBytes, opts = {}) => readPieces(fh, s.dataOffset, size, pieceBytes, s.path, 0, opts.reuse === true),
    close: async () => { await fh.close() }
  }
}

/** The `size` bytes of an open file that begin at `start`, from byte `from` of them on, in pieces of `pieceBytes` (with `reuse`, all in one buffer). */
async function * readPieces (fh: FileHandle, start: number, size: number, pieceBytes: number, path: string, from = 0, reuse = false): AsyncGenerator<Uint8Array> {
  const one = reuse ? Buffer.allocUnsafe(Math.min(pieceBytes, Math.max(0, size - from))) : undefined
  for (let at = from; at < size; at += pieceBytes) {
    const n = Math.min(pieceBytes, size - at)
    const b = one === undefined ? Buffer.allocUnsafe(n) : one.subarray(0, n)
    await readExactly(fh, b, start + at, path)
    yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  }
}

async function readExactly (fh: FileHandle, into: Buffer, position: number, path: string): Promise<void> {
  for (let got = 0; got < into.byteLength;) {
    const { bytesRead } = await fh.read(into, got, into.byteLength - got, position + got)
    if (bytesRead === 0) throw new StoreCorruptError(`${path} is truncated`)
    got += bytesRead
  }
}

/**
 * Loads every snapshot header; damaged files are reported (the store sets them aside), never fatal.
 * `readOnly`: nothing made or removed (a temp file a write never renamed is left, and skipped).
 */
export async function loadSnapshots (dir: string, opts: { readOnly?: boolean } = {}): Promise<{ snapshots: StoredSnapshot[], damaged: Array<{ path: string, reason: string }> }> {
  const snapshots: StoredSnapshot[] = []
  const damaged: Array<{ path: string, reason: string }> = []
  let docs: string[]
  if (opts.readOnly !== true) {
    await mkdirDurable(dir)
    docs = await readdir(dir)
  } else {
    try { docs = await readdir(dir) } catch (err: any) { if (err?.code !== 'ENOENT') throw err; docs = [] }
  }
  for (const d of docs) {
    const docDir = join(dir, d)
    let names: string[]
    try { names = await readdir(docDir) } catch { continue }
    for (const n of names) {
      const p = join(docDir, n)
      if (n.endsWith('.tmp')) { if (opts.readOnly !== true) await unlink(p).catch(() => undefined); continue } // a write that never renamed
      if (!n.endsWith('.snap')) continue
      try {
        snapshots.push(await readHeader(p))
      } catch (err) {
        log.error('snapshot %s is damaged and is set aside: %e', p, err)
        damaged.push({ path: p, reason: `its header does not read: ${(err as Error)?.message ?? String(err)}` })
      }
    }
  }
  return { snapshots, damaged }
}

export async function removeSnapshot (s: StoredSnapshot): Promise<void> {
  await unlink(s.path)
  await fsyncDir(join(s.path, '..'))
}
