/**
 * A JSONL file of an agent as a Stream: its new whole lines (tail.ts), keyed as a whole-file
 * import keys them (the agent's id, or type, session and content hash; a repeated id numbered
 * by occurrence from the start of the file), so following a file and importing it give the
 * same records. The numbering is rebuilt from the file's bytes before the cursor when this
 * process first reads it (after a restart, or when another process moved the cursor on).
 *
 * A file resumed here from another machine names this machine's paths: its lines are mapped
 * back to the cwd the mesh session recorded before they are keyed, as `mesh agent import` does.
 *
 * A whole line that is not UTF-8 stops the stream there (tail.ts): its lines before it are read,
 * and every read says where it is stuck (`stuck`, the line's number and bytes) until it changes.
 */
import { stat } from 'node:fs/promises'
import type { NativeRecord } from '../../../crdt/records.js'
import { readFileNoFollow } from '../bundle.js'
import { IdCounter } from '../ids.js'
import { splitJsonl } from '../jsonl.js'
import { BACK, remapLines, type FieldMatcher } from '../remap.js'
import type { PathMap } from '../paths.js'
import type { LineRecord } from '../claude/records.js'
import type { ViewMessage } from '../claude/view.js'
import type { AgentName } from '../names.js'
import type { Held, Stream, StreamRead, Stuck } from './source.js'
import { readTail, type TailCursor } from './tail.js'

export interface JsonlStreamOptions {
  id: string
  agent: AgentName
  sessionId: string
  key: string
  path: string
  /** The file's name inside the bundle ('' the main transcript). */
  file: string
  lineKey: (text: string, sessionId: string) => LineRecord
  /** The view of main-file records. */
  view: (records: readonly LineRecord[]) => ViewMessage[]
  pathFields: FieldMatcher
  /** The cwd the lines name (the first one found). */
  cwdOf: (lines: readonly string[]) => string | undefined
  meta?: { name?: string, dir?: string }
  /** The agent holds the file open while it runs the session (source.ts Stream.keepsOpen). */
  keepsOpen?: boolean
}

/** `lines`: whole lines before `offset`; `stuck`: the line at `offset` is not UTF-8 (StreamRead.stuck). */
interface State { offset: number, counter: IdCounter, lines: number, fileCwd?: string, heldCwd?: string, size?: number, mtimeMs?: number, stuck?: Stuck }

export class JsonlStream implements Stream {
  readonly id: string
  readonly agent: AgentName
  readonly sessionId: string
  readonly key: string
  readonly path: string
  readonly keepsOpen: boolean
  private state: State | undefined

  constructor (private readonly o: JsonlStreamOptions) {
    this.id = o.id
    this.agent = o.agent
    this.sessionId = o.sessionId
    this.key = o.key
    this.path = o.path
    this.keepsOpen = o.keepsOpen === true
  }

  async read (cursor: unknown, held: Held | undefined): Promise<StreamRead | undefined> {
    const c = isTailCursor(cursor) ? cursor : undefined
    // Most files did not change since the last read: a stat says so without opening them.
    const seen = this.state
    if (seen?.size !== undefined && c !== undefined && seen.offset === c.offset && seen.heldCwd === held?.cwd) {
      let st
      try { st = await stat(this.path) } catch (err: any) { if (err?.code === 'ENOENT') { this.state = undefined; return undefined } throw err }
      if (st.size === seen.size && st.mtimeMs === seen.mtimeMs) return { records: [], messages: [], meta: { cwd: held?.cwd ?? seen.fileCwd, ...this.o.meta }, cursor: c, mtimeMs: st.mtimeMs, ...(seen.stuck !== undefined ? { stuck: seen.stuck } : heldBack(st.size - c.offset)) }
    }
    const r = await readTail(this.path, c)
    if (r === undefined) { this.state = undefined; return undefined }
    const from = r.reset || c === undefined ? 0 : c.offset
    if (this.state === undefined || this.state.offset !== from || this.state.heldCwd !== held?.cwd) {
      this.state = await this.prime(from, c?.skipNl === true && !r.reset, held)
    }
    const st = this.state
    if (st.fileCwd === undefined) st.fileCwd = this.o.cwdOf(r.lines)
    const map = mapBack(st.fileCwd, held)
    const lines = map !== undefined ? remapLines(r.lines, this.o.pathFields, map, BACK).lines : r.lines
    const keyed = lines.map(text => { const k = this.o.lineKey(text, this.sessionId); return { ...k, id: st.counter.next(k.id) } })
    st.offset = r.cursor.offset
    st.size = r.more ? undefined : r.size
    st.mtimeMs = r.mtimeMs
    st.lines += r.lines.length
    st.stuck = r.bad !== undefined ? { line: st.lines + 1, from: r.bad.from, to: r.bad.to, before: st.lines } : undefined
    const records: NativeRecord[] = keyed.map(k => ({ ...k, file: this.o.file }))
    const messages = this.o.file === '' && keyed.length > 0 ? this.o.view(keyed) : []
    return { records, messages, meta: { cwd: held?.cwd ?? st.fileCwd, ...this.o.meta }, cursor: r.cursor, mtimeMs: r.mtimeMs, ...(st.stuck !== undefined ? { stuck: st.stuck } : heldBack(r.more ? 0 : r.size - r.cursor.offset)) }
  }

  /** The numbering and cwd of the file's lines before `offset`. */
  private async prime (offset: number, unterminated: boolean, held: Held | undefined): Promise<State> {
    const st: State = { offset, counter: new IdCounter(), lines: 0, heldCwd: held?.cwd }
    if (offset === 0) return st
    const buf = (await readFileNoFollow(this.path)).subarray(0, offset)
    const { lines } = splitJsonl(unterminated ? buf : buf.subarray(0, buf.lastIndexOf(0x0a) + 1))
    st.fileCwd = this.o.cwdOf(lines)
    const map = mapBack(st.fileCwd, held)
    const keyed = map !== undefined ? remapLines(lines, this.o.pathFields, map, BACK).lines : lines
    for (const text of keyed) st.counter.next(this.o.lineKey(text, this.sessionId).id)
    st.lines = lines.length
    return st
  }
}

/** Bytes after the cursor at the end of the file: a line not finished (readTail takes every whole one). */
const heldBack = (bytes: number): { heldBack?: number } => bytes > 0 ? { heldBack: bytes } : {}

function mapBack (fileCwd: string | undefined, held: Held | undefined): PathMap | undefined {
  return held?.cwd !== undefined && fileCwd !== undefined && held.cwd !== fileCwd ? { from: fileCwd, to: held.cwd } : undefined
}

function isTailCursor (c: unknown): c is TailCursor {
  return typeof c === 'object' && c !== null && typeof (c as TailCursor).offset === 'number' && typeof (c as TailCursor).head === 'string' && typeof (c as TailCursor).tail === 'string'
}
