/**
 * Reading what an agent appended to a JSONL file since a cursor: a byte offset, with the bytes
 * just before it and at the start of the file to notice a file that was replaced or cut (then
 * reading starts again at 0, which costs time and nothing else: records are keyed by id, so a
 * line sent twice is stored once).
 *
 * Only whole lines are taken. A last line without its '\n' is taken only when it is a complete
 * JSON object (a prefix of a line that parses as an object is the whole line: nothing follows a
 * top-level '}' but the newline), and the cursor then remembers to skip the '\n' that follows,
 * so the lines are exactly those a whole-file import (jsonl.ts) would find. A torn line, or a
 * multi-byte character cut in half, waits for the rest of its bytes.
 *
 * A whole line that is not UTF-8 cannot be kept byte for byte (records hold text): the lines
 * before it are taken, the cursor stays at its start, and the read names its bytes (`bad`).
 * Nothing after it is taken while it stays so (the records must restore the file as it is).
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { splitUntilBad } from '../jsonl.js'

export interface TailCursor {
  /** Bytes of the file already taken. */
  offset: number
  /** base64 of the file's first bytes (up to CHECK_BYTES, never past offset). */
  head: string
  /** base64 of the CHECK_BYTES bytes before offset. */
  tail: string
  /** The last line taken had no '\n': a '\n' at offset belongs to it. */
  skipNl?: boolean
}

export interface TailRead {
  lines: string[]
  cursor: TailCursor
  /** The cursor no longer matched the file (replaced, cut): this read started at 0. */
  reset: boolean
  size: number
  mtimeMs: number
  /** Bytes remain after this read's (one read takes at most TAIL_READ_BYTES): read again. */
  more: boolean
  /** The whole line at the cursor is not UTF-8: its bytes [from, to) in the file (to: its '\n'). */
  bad?: { from: number, to: number }
}

const CHECK_BYTES = 64
/** One read takes at most this much (more when a single line is longer). */
export const TAIL_READ_BYTES = 8 * 1024 * 1024

export const EMPTY_CURSOR: TailCursor = { offset: 0, head: '', tail: '' }

/** New whole lines of `path` after `cursor`; undefined when the file is gone. */
export async function readTail (path: string, cursor: TailCursor | undefined, opts: { maxBytes?: number } = {}): Promise<TailRead | undefined> {
  let fh: FileHandle
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' })
    const size = st.size
    let start = 0
    let skipNl = false
    let reset = false
    if (cursor !== undefined && cursor.offset > 0) {
      if (await matches(fh, size, cursor)) { start = cursor.offset; skipNl = cursor.skipNl === true } else reset = true
    }
    if (start === size) return { lines: [], cursor: start === 0 ? EMPTY_CURSOR : { ...(cursor as TailCursor), skipNl }, reset, size, mtimeMs: st.mtimeMs, more: false }
    const max = opts.maxBytes ?? TAIL_READ_BYTES
    let buf = await readAt(fh, start, Math.min(size - start, max))
    // A line longer than one read: read on until its end (or the end of the file).
    while (buf.lastIndexOf(0x0a) < 0 && start + buf.length < size) {
      buf = Buffer.concat([buf, await readAt(fh, start + buf.length, Math.min(size - start - buf.length, max))])
    }
    let at = 0
    if (skipNl && buf.length > 0) { if (buf[0] === 0x0a) at = 1; skipNl = false }
    const lastNl = buf.lastIndexOf(0x0a)
    const lines: string[] = []
    let end = at
    let bad: TailRead['bad']
    if (lastNl >= at) {
      const split = splitUntilBad(buf.subarray(at, lastNl + 1))
      lines.push(...split.lines)
      end = at + split.taken
      if (split.bad !== undefined) bad = { from: start + at + split.bad.from, to: start + at + split.bad.to }
    }
    if (bad !== undefined) return { lines, cursor: await cursorAt(fh, start + end, false), reset, size, mtimeMs: st.mtimeMs, more: false, bad }
    if (end < buf.length && start + buf.length === size) {
      const rest = buf.subarray(end)
      const text = rest.toString('utf8')
      if (Buffer.from(text, 'utf8').equals(rest) && isWholeObject(text)) {
        lines.push(text)
        end = buf.length
        skipNl = true
      }
    }
    const offset = start + end
    return { lines, cursor: await cursorAt(fh, offset, skipNl), reset, size, mtimeMs: st.mtimeMs, more: start + buf.length < size }
  } finally {
    await fh.close()
  }
}

/**
 * A cursor at `offset` of the file at `path` (an import records with it how much of the file mesh
 * holds: stored-bytes.ts); undefined when the file is gone or shorter.
 */
export async function cursorFor (path: string, offset: number, skipNl: boolean): Promise<TailCursor | undefined> {
  const fh = await openFile(path)
  if (fh === undefined) return undefined
  try { return (await fh.stat()).size >= offset ? await cursorAt(fh, offset, skipNl) : undefined } finally { await fh.close() }
}

/** Whether `cursor` still matches the file (same first bytes, same bytes before its offset), and the file's size and mtime. */
export async function cursorHolds (path: string, cursor: TailCursor): Promise<{ holds: boolean, size: number, mtimeMs: number } | undefined> {
  const fh = await openFile(path)
  if (fh === undefined) return undefined
  try { const st = await fh.stat(); return { holds: await matches(fh, st.size, cursor), size: st.size, mtimeMs: st.mtimeMs } } finally { await fh.close() }
}

async function openFile (path: string): Promise<FileHandle | undefined> {
  try { return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
}

function isWholeObject (text: string): boolean {
  if (!text.startsWith('{') || !text.endsWith('}')) return false
  try { JSON.parse(text); return true } catch { return false }
}

async function readAt (fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let n = 0
  while (n < length) {
    const { bytesRead } = await fh.read(buf, n, length - n, position + n)
    if (bytesRead === 0) break
    n += bytesRead
  }
  return buf.subarray(0, n)
}

async function matches (fh: FileHandle, size: number, c: TailCursor): Promise<boolean> {
  if (c.offset > size) return false
  const head = Buffer.from(c.head, 'base64')
  const tail = Buffer.from(c.tail, 'base64')
  if (!(await readAt(fh, 0, head.length)).equals(head)) return false
  return (await readAt(fh, c.offset - tail.length, tail.length)).equals(tail)
}

async function cursorAt (fh: FileHandle, offset: number, skipNl: boolean): Promise<TailCursor> {
  const head = await readAt(fh, 0, Math.min(CHECK_BYTES, offset))
  const from = Math.max(0, offset - CHECK_BYTES)
  const tail = await readAt(fh, from, offset - from)
  return { offset, head: head.toString('base64'), tail: tail.toString('base64'), ...(skipNl ? { skipNl: true } : {}) }
}
