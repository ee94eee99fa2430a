/**
 * Files of the store found damaged on this disk (a flipped bit, a truncation), moved aside into
 * `damaged/` with a note of what they were and why: never read again, kept for a person to look
 * at (`mesh doctor` lists them), and nothing they held counts as held here, so a peer that has it
 * sends it again. Unlike quarantine.ts (a member's bad content, whose slot stays excluded), a copy
 * damaged here says nothing of the data: the same snapshot is taken again from a peer.
 * An entry of the log whose record checks (its checksum was computed over bytes already
 * damaged) but which no longer parses or verifies is copied here the same way (`entry-<h>`).
 * Regions of the log found damaged at open (log.ts, `log.quarantine-*` beside it) are listed too.
 * Notes name documents by their hex id, never by name (a copy of `data/` shows no names).
 */
import { createHash } from 'node:crypto'
import { lstat, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { logger } from '@libp2p/logger'
import { atomicWrite, fsyncDir, mkdirDurable, writeError } from './files.js'

const log = logger('mesh:store')

export interface DamagedFile {
  /** Its name where it lies: what `mesh doctor --drop` takes. */
  readonly id: string
  /** `snapshot`: a snapshot file; `entry`: an entry record of the log; `log`: a region of the record log. */
  readonly kind: 'snapshot' | 'entry' | 'log'
  /** Where it lies now. */
  readonly path: string
  readonly bytes: number
  readonly reason: string
  /** When it was set aside (ms). */
  readonly at: number
  /** The document a snapshot or entry was of (hex), when known. */
  readonly doc?: string
}

/** A snapshot file lies in `snapshots/<document hex>/`. */
const docOf = (path: string): string | undefined => /[/\\]snapshots[/\\]([0-9a-f]+)[/\\][^/\\]+$/.exec(path)?.[1]

const DIR = 'damaged'
const NOTE = '.json'

/** Moves a damaged file of the store (`dataDir`) into `damaged/`, with its note. */
export async function setAsideDamaged (dataDir: string, path: string, kind: DamagedFile['kind'], reason: string): Promise<DamagedFile> {
  const dir = join(dataDir, DIR)
  const at = Date.now()
  const to = join(dir, `${at}-${basename(path)}`)
  try {
    await mkdirDurable(dir)
    const { size } = await stat(path)
    const doc = docOf(path)
    const d: DamagedFile = { id: basename(to), kind, path: to, bytes: size, reason, at, ...(doc !== undefined ? { doc } : {}) }
    await atomicWrite(`${to}${NOTE}`, JSON.stringify({ kind, was: path, bytes: size, reason, at }))
    await rename(path, to)
    await fsyncDir(dir)
    return d
  } catch (err) {
    throw writeError(to, err)
  }
}

/**
 * Copies the bytes of an entry record found damaged in the log into `damaged/`, with its note;
 * the record itself stays in the log (no longer indexed, it goes at the next rewrite). Named by
 * the bytes' hash, so the same damage found at each open until a good copy arrives is kept once.
 */
export async function keepDamagedEntry (dataDir: string, bytes: Uint8Array, doc: string, reason: string): Promise<DamagedFile> {
  const dir = join(dataDir, DIR)
  const to = join(dir, `entry-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`)
  const at = Date.now()
  const d: DamagedFile = { id: basename(to), kind: 'entry', path: to, bytes: bytes.byteLength, reason, at, doc }
  try {
    await mkdirDurable(dir)
    if (await lstat(`${to}${NOTE}`).then(() => true, () => false)) return d
    await atomicWrite(to, bytes)
    await atomicWrite(`${to}${NOTE}`, JSON.stringify({ kind: 'entry', was: join(dataDir, 'log'), doc, bytes: bytes.byteLength, reason, at }))
    return d
  } catch (err) {
    throw writeError(to, err)
  }
}

/**
 * The record log found shorter at open than the last close left it (held-sum.ts: nothing of mesh
 * ran on it since) by more than what its repair cut out (`cut`, copied aside and listed already):
 * what it held past its end is gone from this disk, said in a note (no bytes are left to keep).
 * A note that cannot be written (no room) is logged; the open goes on.
 */
export async function noteShortened (dataDir: string, closedBytes: number | undefined, logBytes: number, cut: ReadonlyArray<{ bytes: number }>): Promise<DamagedFile | undefined> {
  if (closedBytes === undefined) return undefined
  const missing = closedBytes - logBytes - cut.reduce((n, r) => n + r.bytes, 0)
  if (missing <= 0) return undefined
  const at = Date.now()
  const id = `${at}-log-shortened`
  const path = join(dataDir, DIR, id)
  const reason = `the record log was ${logBytes} bytes at open and ${closedBytes} when mesh last closed it, with nothing of mesh run on it since: its last ${missing} bytes were cut on this disk (a restore, a copy, a tool). What they held comes again from a peer that has it; this device's own entries among them are not written again under the same numbers`
  try {
    await mkdirDurable(join(dataDir, DIR))
    await atomicWrite(`${path}${NOTE}`, JSON.stringify({ kind: 'log', was: join(dataDir, 'log'), bytes: missing, reason, at }))
  } catch (err) {
    log.error('could not note the shortened log (%s): %e', reason, err)
  }
  return { id, kind: 'log', path, bytes: missing, reason, at }
}

/** Every damaged file set aside in `dataDir`, and every region its log cut out, oldest first. */
export async function listDamaged (dataDir: string): Promise<DamagedFile[]> {
  const out: DamagedFile[] = []
  const dir = join(dataDir, DIR)
  // No such directory: nothing was set aside (and no log beside it: nothing cut out).
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (!n.endsWith(NOTE)) continue
    try {
      const note = JSON.parse(await readFile(join(dir, n), 'utf8'))
      const doc = typeof note.doc === 'string' ? note.doc : docOf(String(note.was))
      out.push({ id: n.slice(0, -NOTE.length), kind: note.kind === 'log' || note.kind === 'entry' ? note.kind : 'snapshot', path: join(dir, n.slice(0, -NOTE.length)), bytes: Number(note.bytes), reason: String(note.reason), at: Number(note.at), ...(doc !== undefined ? { doc } : {}) })
    } catch {
      // A note cut short by a crash: the file it names is listed without it.
      out.push({ id: n.slice(0, -NOTE.length), kind: 'snapshot', path: join(dir, n.slice(0, -NOTE.length)), bytes: 0, reason: 'set aside as damaged (its note does not read)', at: 0 })
    }
  }
  // log.ts names each region `log.quarantine-<time>-<offset>`.
  for (const n of await readdir(dataDir).catch(() => [] as string[])) {
    const m = /^log\.quarantine-(\d+)-(\d+)$/.exec(n)
    if (m === null) continue
    const { size } = await stat(join(dataDir, n)).catch(() => ({ size: 0 }))
    out.push({ id: n, kind: 'log', path: join(dataDir, n), bytes: size, reason: `a damaged region of the log at offset ${m[2] as string}, copied aside when the log was opened and cut from it (once the disk has room for that); what it held comes again from a peer that has it`, at: Number(m[1]) })
  }
  return out.sort((a, b) => a.at - b.at)
}

/**
 * Deletes a damaged file set aside (and its note), named by its id as listDamaged gives it:
 * nothing of the store reads it, so a person who looked at it lets it go. Undefined when no such
 * file is set aside (only names listDamaged lists are taken: an id is never a path).
 */
export async function dropDamaged (dataDir: string, id: string): Promise<DamagedFile | undefined> {
  const d = (await listDamaged(dataDir)).find(x => x.id === id)
  if (d === undefined) return undefined
  const gone = async (p: string): Promise<void> => { await unlink(p).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw writeError(p, err) }) }
  await gone(d.path)
  // The note last: a crash between the two still lists it (from its note), and a drop again ends it.
  // (A region the log cut out has none; a shortened log's note is all there is.)
  await gone(`${d.path}${NOTE}`)
  await fsyncDir(dirname(d.path))
  return d
}
