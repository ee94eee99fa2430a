/**
 * A session bundle on disk, the client's side of an import or an export: the main JSONL file
 * and the files of a side folder (Claude Code's `<sessionId>/subagents/…`, `tool-results/…`),
 * turned into native records and back. Only the files named here are ever opened: never the
 * agent's credentials, nor anything else of its home.
 */
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, readdir, rename } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { recordCost } from '../../crdt/content-limit.js'
import type { NativeRecord } from '../../crdt/records.js'
import { AgentBusyError, InvalidInputError, type Hint } from '../errors.js'
import { heldBackTail, joinJsonl, jsonlBytes, splitJsonl, type HeldBackTail } from './jsonl.js'
import { BACK, remapLines, type FieldMatcher } from './remap.js'
import { isMeshTemp, writeBeside } from './write-beside.js'

/**
 * The hint of a refusal to write over an agent's file that holds lines mesh has not got: `cli`,
 * how a person imports them first or forces; an agent (MCP) imports nothing itself and can only
 * force.
 */
export function importOrForce (cli: string): Hint {
  return { sep: ' ', cli, mcp: '(call agents_resume again with force: true to replace it)' }
}

/** Records of at most this many bytes of text; a longer one travels in parts (one entry is at most 1 MiB). */
export const PART_BYTES = 256 * 1024

export type LineKeyer = (lines: readonly string[]) => Array<{ id: string, kind: string, text: string }>

/** What mesh says of a symbolic link where an agent's file is, after its path. */
export const LINK_WORDS = 'is a symbolic link: mesh does not read or write through links'

/** Why a file cannot be read, in words, for the errors a read refuses as bad input; undefined for any other. */
function unreadable (code: string | undefined): string | undefined {
  if (code === 'ELOOP') return LINK_WORDS
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied'
  if (code === 'EISDIR') return 'is a folder, not a file'
  if (code === 'ENOTFILE') return 'is not a regular file'
  return undefined
}

/**
 * Why a folder of an agent's home cannot be listed, in words, for the errors a listing passes by
 * (naming the entry, the rest listed all the same): a symlink that loops, one it may not read.
 * Undefined for any other (gone, or not a folder: nothing to say; anything else is thrown).
 */
export function unlistable (err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ELOOP') return 'is a symbolic link that loops back on itself'
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)'
  return undefined
}

/** The read's error as bad input (InvalidInputError naming the file and why) when it is one, else as it was. */
export function refusedRead (err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const why = unreadable(code)
  return why === undefined ? err : new InvalidInputError(`${path} ${why}`, { path, errno: code, why }, { cause: err })
}

/** Whether a read was refused because `path` is a symbolic link (readFileNoFollow's refusal keeps the errno in its details). */
export function isLinkRefused (err: unknown): boolean {
  const e = err as { code?: unknown, details?: { errno?: unknown } } | undefined
  return e?.code === 'ELOOP' || e?.details?.errno === 'ELOOP'
}

/**
 * Reads a file without following a symlink at its last component. A symlink, a file that may
 * not be read (EACCES, EPERM), a folder, or anything else not a regular file (a FIFO or a device
 * is no transcript: refused rather than blocked on) is bad input with its reason in words
 * (InvalidInputError, the errno in `details.errno`), so an import of every session passes it
 * by, says why, and goes on. File and skill sync tell a link apart with isLinkRefused.
 */
export async function readFileNoFollow (path: string): Promise<Buffer> {
  let fh
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err) {
    throw refusedRead(err, path)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw refusedRead(Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' }), path)
    return await fh.readFile()
  } catch (err) {
    throw refusedRead(err, path)
  } finally {
    await fh.close()
  }
}

/** The records of one JSONL file of the bundle, with the torn last line it held back (if any). */
export function jsonlRecords (buf: Buffer, file: string, key: LineKeyer): { records: NativeRecord[], lines: string[], heldBack?: HeldBackTail } {
  const split = splitJsonl(buf)
  const heldBack = heldBackTail(split, file)
  return { ...keyedLines(split.lines, file, key), ...(heldBack !== undefined ? { heldBack } : {}) }
}

/** The records of a JSONL file's lines, split already (a caller that read them first splits once). */
export function keyedLines (lines: string[], file: string, key: LineKeyer): { records: NativeRecord[], lines: string[] } {
  return { records: key(lines).map(r => ({ ...r, file })), lines }
}

/** The records of a whole side file (not JSONL): one record, its id the content hash. */
export function fileRecord (buf: Buffer, file: string): NativeRecord {
  const text = buf.toString('utf8')
  const utf8 = Buffer.from(text, 'utf8').equals(buf)
  return { id: `file:${createHash('sha256').update(buf).digest('hex').slice(0, 24)}`, file, kind: 'file', text: utf8 ? text : buf.toString('base64'), ...(utf8 ? {} : { enc: 'base64' as const }) }
}

/** What listFiles passed by, when asked (`leftOut`): a name `skip` refused (a folder's path ends in /), a symlink, a FIFO or socket. */
export interface LeftOut { path: string, why: 'skipped' | 'symlink' | 'not a regular file' }

/**
 * Every regular file under dir, relative to it ('/' separated), symlinks not followed. None when
 * dir is missing or not a directory (a transcript not named *.jsonl is its own "side folder").
 * mesh's own temp files (a write killed midway leaves one, torn) are no file of the session's.
 */
export async function listFiles (dir: string, opts: { skip?: (name: string) => boolean, leftOut?: LeftOut[] } = {}): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    let names: string[]
    try { names = await readdir(d) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return; throw err }
    for (const n of names.sort()) {
      const p = join(d, n)
      const rel = relative(dir, p).split(sep).join('/')
      if (opts.skip?.(n) === true) {
        if (opts.leftOut !== undefined) opts.leftOut.push({ path: (await lstat(p)).isDirectory() ? `${rel}/` : rel, why: 'skipped' })
        continue
      }
      const st = await lstat(p)
      if (st.isDirectory()) await walk(p)
      else if (st.isFile() && !isMeshTemp(n)) out.push(rel)
      else if (!st.isFile()) opts.leftOut?.push({ path: rel, why: st.isSymbolicLink() ? 'symlink' : 'not a regular file' })
    }
  }
  await walk(dir)
  return out
}

/**
 * Splits records whose text is over PART_BYTES characters into parts, never between the two
 * halves of a surrogate pair (a lone half would not survive UTF-8 on the way).
 */
export function toParts (records: readonly NativeRecord[]): NativeRecord[] {
  const out: NativeRecord[] = []
  for (const r of records) {
    if (r.text.length <= PART_BYTES) { out.push(r); continue }
    const pieces: string[] = []
    for (let at = 0; at < r.text.length;) {
      let end = Math.min(r.text.length, at + PART_BYTES)
      const c = r.text.charCodeAt(end - 1)
      if (end < r.text.length && c >= 0xd800 && c <= 0xdbff) end--
      pieces.push(r.text.slice(at, end))
      at = end
    }
    pieces.forEach((text, i) => out.push({ ...r, text, part: i, parts: pieces.length }))
  }
  return out
}

/**
 * Joins parts back (at the position of a record's first part); incomplete records are dropped,
 * and so are parts that are no place among their parts (not integers with 0 ≤ part < parts, or
 * parts that disagree). Parts are kept by number, not as an array indexed by `part`: a member's
 * lone part 1 of 2 left a hole at 0 (which threw), and part 2^32-2 of 2^32-1 a sparse array
 * walked for minutes.
 */
export function fromParts (records: readonly NativeRecord[]): NativeRecord[] {
  const groups = new Map<string, { parts: number, held: Map<number, NativeRecord> }>()
  const order: Array<NativeRecord | string> = []
  for (const r of records) {
    if (r.parts === undefined) { order.push(r); continue }
    const part = r.part ?? 0
    if (!Number.isSafeInteger(part) || !Number.isSafeInteger(r.parts) || part < 0 || part >= r.parts) continue
    const k = `${r.file}\0${r.id}`
    let g = groups.get(k)
    if (g === undefined) { g = { parts: r.parts, held: new Map() }; groups.set(k, g); order.push(k) }
    if (g.parts === r.parts) g.held.set(part, r)
  }
  const out: NativeRecord[] = []
  for (const o of order) {
    if (typeof o !== 'string') { out.push(o); continue }
    const g = groups.get(o) as { parts: number, held: Map<number, NativeRecord> }
    if (g.held.size !== g.parts) continue // else every part 0..parts-1 is held: each key is below parts
    const texts: string[] = []
    for (let i = 0; i < g.parts; i++) texts.push((g.held.get(i) as NativeRecord).text)
    const { part: _p, parts: _n, ...first } = g.held.get(0) as NativeRecord
    out.push({ ...first, text: texts.join('') })
  }
  return out
}

/** Batches records under a byte budget per call. */
export function batches (records: readonly NativeRecord[], max = 768 * 1024): NativeRecord[][] {
  const out: NativeRecord[][] = []
  let cur: NativeRecord[] = []
  let n = 0
  for (const r of records) {
    const b = recordCost(r)
    if (cur.length > 0 && n + b > max) { out.push(cur); cur = []; n = 0 }
    cur.push(r)
    n += b
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/** Files of the bundle from records: JSONL files' lines in order; whole files by their last version. */
export function filesOf (records: readonly NativeRecord[]): Map<string, { lines?: string[], bytes?: Buffer }> {
  const files = new Map<string, { lines?: string[], bytes?: Buffer }>()
  for (const r of fromParts(records)) {
    let f = files.get(r.file)
    if (f === undefined) { f = {}; files.set(r.file, f) }
    if (r.kind === 'file') { f.bytes = r.enc === 'base64' ? Buffer.from(r.text, 'base64') : Buffer.from(r.text, 'utf8'); continue }
    ;(f.lines ??= []).push(r.text)
  }
  return files
}

/** Writes a file whole (write-beside.ts: temp, fsync, rename, folder synced), mode 0600, its folder made (0700, durably). */
/**
 * `still`: the file must still hold `bytes` (be absent when undefined) when its new bytes are put
 * in place; an agent that wrote to it since the caller's checks keeps what it wrote, and the
 * write is refused as AgentBusyError naming `agent`.
 */
export async function writeFileAtomic (path: string, data: string | Buffer, still?: { bytes: Buffer | undefined, agent: string }): Promise<void> {
  await mkdirDurable(dirname(path))
  await writeBeside(path, data, async (tmp) => {
    if (still !== undefined) {
      const now = await readIfThere(path)
      if (now === undefined ? still.bytes !== undefined : still.bytes === undefined || !now.equals(still.bytes)) throw AgentBusyError.forFile(still.agent, path, 'it changed while mesh was writing it')
    }
    await rename(tmp, path)
  })
}

export { joinJsonl, jsonlBytes }

/** Whether `cur`'s complete lines are the first lines of `next`. */
function startsWithLines (next: Buffer, cur: Buffer): boolean {
  const { taken } = splitJsonl(cur)
  return taken <= next.length && next.subarray(0, taken).equals(cur.subarray(0, taken))
}

/**
 * Whether writing `next` over `cur` loses none of `cur`'s lines: `cur` is how `next` begins (the
 * usual case: the agent's file, then what mesh added), or every line of `cur` is among `next`'s
 * (both sides added lines and the file's were imported since: mesh orders them differently),
 * each as many times as `cur` holds it.
 * A file whose lines cannot be read as text keeps what it holds (false).
 */
export function keepsLinesOf (next: Buffer, cur: Buffer): boolean {
  try {
    if (startsWithLines(next, cur)) return true
    // As many times as `cur` holds each (the same line twice is two records).
    const have = new Map<string, number>()
    for (const l of splitJsonl(next).lines) have.set(l, (have.get(l) ?? 0) + 1)
    for (const l of splitJsonl(cur).lines) {
      const n = have.get(l) ?? 0
      if (n === 0) return false
      have.set(l, n - 1)
    }
    return true
  } catch {
    return false
  }
}

/**
 * Whether writing `next` over `cur` (the file there now) loses nothing: the file's lines are in
 * `next` (keepsLinesOf), read as written for `next`'s directory. `cwdOf` says which directory a
 * file's lines were written for (its header's); a file that mesh wrote for another directory of
 * this machine holds the same lines with other paths, not lines mesh lacks.
 */
export function onlyOursThere (cur: Buffer, next: Buffer, fields: FieldMatcher, cwdOf: (lines: readonly string[]) => string | undefined, cwd: string | undefined): boolean {
  if (keepsLinesOf(next, cur)) return true
  const { lines } = splitJsonl(cur)
  const was = cwdOf(lines)
  if (was === undefined || cwd === undefined || was === cwd) return false
  return keepsLinesOf(next, jsonlBytes(remapLines(lines, fields, { from: was, to: cwd }, BACK).lines))
}

/** The file at `path` as it is now; undefined when there is none; a symlink there is refused in words (InvalidInputError). */
export async function readIfThere (path: string): Promise<Buffer | undefined> {
  try {
    return await readFileNoFollow(path)
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    // A symlink where the agent's file goes is not written through: readFileNoFollow says it in
    // words (resume reads every target before it takes the lease, so nothing is taken or written).
    throw err
  }
}

/**
 * Whether the file at `path` holds exactly `bytes` already (a resume run twice): nothing to
 * write, so nothing to refuse either. Unreadable counts as not the same: the write replaces it.
 */
export async function sameThere (path: string, bytes: Buffer): Promise<boolean> {
  try {
    // A file of another size is not read (an export's old copy may be large).
    const st = await lstat(path)
    return st.isFile() && st.size === bytes.length && (await readFileNoFollow(path)).equals(bytes)
  } catch {
    return false
  }
}
