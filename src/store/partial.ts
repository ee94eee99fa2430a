/**
 * Snapshots being received, kept across interruptions so a transfer resumes where it broke off.
 * A received snapshot is written to `snapshots/<doc>/<author>-<seq>.part` (the same layout as a
 * `.snap` file: magic, version, header, then the ciphertext as it arrived) and renamed to `.snap`
 * once verified. A dropped connection, a peer that left or a restart of this node leaves the
 * `.part` file; the next session tells the sender how much of it is held, and the sender goes on
 * from there. The name is fixed by the snapshot (its author and seq), so a restarted node finds
 * it. What is held is only ever trusted after the whole snapshot's signed digest matched: a resumed
 * transfer re-reads the held bytes to recompute the digest and the decryption (see the vault).
 */
import { constants } from 'node:fs'
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { concat, parseTrustedEntry, toHex, u32be, utf8, type Entry } from '../identity/index.js'
import { fsyncDir, mkdirDurable, writeError, writeQueue } from './files.js'
import { snapshotFileName, type StoredSnapshot } from './snapshots.js'

const log = logger('mesh:store:partial')
const MAGIC = 'MSNP'
const VERSION = 1
/**
 * Bytes queued for the disk past which write() asks its caller to wait (until half that). Small:
 * the receiver grants the sender more only once it is not waiting, so what a killed process
 * loses of a transfer (queued, never written) stays within this and the grant window.
 */
const HIGH_WATER = 1024 * 1024

/** A snapshot received in part: which one, and how many ciphertext bytes of it are held. */
export interface PartialSnapshot {
  readonly header: Entry
  readonly path: string
  readonly dataOffset: number
  /** Ciphertext bytes held (never more than the header's size). */
  readonly held: number
}

/** A partial snapshot's file being written from `offset` on. */
export interface PartialWriter {
  /** Queues ciphertext after what is held; a promise when the caller should wait for the disk. */
  write: (ciphertext: Uint8Array) => Promise<void> | undefined
  /** Once complete and verified: fsync, rename to the `.snap` name, fsync the directory. */
  commit: () => Promise<StoredSnapshot>
  /** The transfer broke off: what was written is synced and kept for a resume. */
  keep: () => Promise<void>
  /** Refused: the file is removed. */
  discard: () => Promise<void>
}

export function partialPath (dir: string, header: Entry): string {
  return join(dir, toHex(header.doc), snapshotFileName(header).replace(/\.snap$/, '.part'))
}

function prefixOf (header: Entry): Uint8Array {
  return concat([utf8(MAGIC), u32be(VERSION), u32be(header.bytes.byteLength), header.bytes])
}

/**
 * Opens the partial file of `header` to write its ciphertext from `offset` (0: a new file, any
 * older partial of the same snapshot replaced). Bytes past `offset` are cut off first.
 */
export function writePartial (dir: string, header: Entry, offset: number): PartialWriter {
  const path = partialPath(dir, header)
  const prefix = prefixOf(header)
  let position = prefix.byteLength + offset
  const opened = (async () => {
    await mkdirDurable(join(path, '..'))
    // Never through a link planted at the name (see home.ts).
    const fh = await open(path, constants.O_CREAT | constants.O_WRONLY | constants.O_NOFOLLOW | (offset === 0 ? constants.O_TRUNC : 0), 0o600)
    if (offset === 0) await write(fh, prefix, 0)
    else await fh.truncate(position)
    return fh
  })()
  const q = writeQueue(opened, HIGH_WATER)
  return {
    write: (data) => {
      const at = position
      position += data.byteLength
      return q.write(data, at)
    },
    commit: async () => {
      const last = q.pending()
      const fh = await q.settle()
      const target = path.replace(/\.part$/, '.snap')
      try {
        await last
        await (fh as FileHandle).sync()
        await (fh as FileHandle).close()
        await rename(path, target)
        await fsyncDir(join(path, '..'))
      } catch (err) {
        await fh?.close().catch(() => undefined)
        await unlink(path).catch(() => undefined) // best effort: a failed write leaves nothing to resume
        throw writeError(target, err)
      }
      return { header, path: target, dataOffset: prefix.byteLength }
    },
    keep: async () => {
      const fh = await q.settle()
      try {
        await fh?.datasync()
      } finally {
        await fh?.close()
      }
    },
    discard: async () => {
      const fh = await q.settle()
      await fh?.close().catch(() => undefined)
      await unlink(path).catch(() => undefined) // it may never have been created
    }
  }
}

async function write (fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < data.byteLength;) at += (await fh.write(data, at, data.byteLength - at, position + at)).bytesWritten
}

/** Every partial snapshot under `dir` (`snapshots/`); an unreadable one is removed. */
export async function listPartials (dir: string): Promise<PartialSnapshot[]> {
  const out: PartialSnapshot[] = []
  let docs: string[]
  try { docs = await readdir(dir) } catch { return out }
  for (const d of docs) {
    let names: string[]
    try { names = await readdir(join(dir, d)) } catch { continue }
    for (const n of names) {
      if (!n.endsWith('.part')) continue
      const p = join(dir, d, n)
      try {
        out.push(await readPartial(p))
      } catch (err) {
        log.error('partial snapshot %s is unreadable and is removed: %e', p, err)
        await unlink(p).catch(() => undefined)
      }
    }
  }
  return out
}

export async function readPartial (path: string): Promise<PartialSnapshot> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(12)
    await fh.read(head, 0, 12, 0)
    if (head.subarray(0, 4).toString() !== MAGIC || head.readUInt32BE(4) !== VERSION) throw new Error('not a snapshot file')
    const len = head.readUInt32BE(8)
    if (len > 1024 * 1024) throw new Error('oversized header')
    const hb = Buffer.alloc(len)
    const { bytesRead } = await fh.read(hb, 0, len, 12)
    if (bytesRead !== len) throw new Error('truncated header')
    const header = parseTrustedEntry(new Uint8Array(hb))
    const { size } = await fh.stat()
    const held = Math.min(Math.max(0, size - 12 - len), Number(header.snapshotSize))
    return { header, path, dataOffset: 12 + len, held }
  } finally {
    await fh.close()
  }
}

/** The first `upTo` ciphertext bytes held, in pieces: a resume recomputes digest and plaintext from them. */
export async function * readPartialPrefix (p: PartialSnapshot, upTo: number, pieceBytes: number): AsyncGenerator<Uint8Array> {
  const fh = await open(p.path, 'r')
  try {
    for (let at = 0; at < upTo; at += pieceBytes) {
      const b = Buffer.allocUnsafe(Math.min(pieceBytes, upTo - at))
      for (let got = 0; got < b.byteLength;) {
        const { bytesRead } = await fh.read(b, got, b.byteLength - got, p.dataOffset + at + got)
        if (bytesRead === 0) throw new Error(`${p.path} holds fewer bytes than announced`)
        got += bytesRead
      }
      yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    }
  } finally {
    await fh.close()
  }
}

export async function removePartial (p: { path: string }): Promise<void> {
  await unlink(p.path).catch((err: any) => { if (err?.code !== 'ENOENT') throw err })
}

