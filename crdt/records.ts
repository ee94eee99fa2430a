/**
 * Native agent records inside a session document: the exact lines an agent wrote (a Claude Code
 * or Codex JSONL line, a side file of the bundle), in the order they were captured, one Y.Map per
 * record in a flat Y.Array appended with insert(length) (push walks the list; plain objects are
 * merged by concatenation: ../shared/MACHINE-NOTES.md). Records are never merged or rewritten:
 * they are the source of truth a same-agent export replays byte for byte.
 *
 * - `records` (Y.Array of Y.Map): {id, file, kind, text, enc?, part?, parts?}
 *   `file` is the record's file inside the bundle ('' the main transcript, 'subagents/agent-x.jsonl',
 *   'tool-results/…'); `id` is unique per file (the agent's own id where it has one);
 *   `kind` the record's own type ('user', 'assistant', 'session_meta', …, 'file' for a whole side
 *   file); `enc` is 'base64' when `text` holds bytes that are not UTF-8.
 * - `agent` (Y.Map): agent, sessionId, cwd, gitRemote, name (the main file's original name),
 *   stuck (JSON of CaptureStuck: the capture on the machine that writes the session stopped at a
 *   line that is not UTF-8, so the records end before it; absent once it goes on), capture (JSON
 *   of CaptureNote: an import there stored part of the file and has not finished; absent once one does).
 *
 * @example
 * const r = new RecordsDoc(doc)
 * r.append([{ id: 'u1', file: '', kind: 'user', text: '{"type":"user",…}' }])
 */
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import { isPathOfNames } from './paths.js'

/**
 * Most parts one record may travel in. An importer splits text every 256 KiB of characters
 * (src/agents/bundle.ts PART_BYTES), so this is a record of 16 Gi characters, far past any
 * agent's line or side file; a reader joining parts walks only the parts it holds.
 */
export const MAX_PARTS = 1 << 16

/** Whether `part` of `parts` are a record's place among its parts: integers, 0 ≤ part < parts ≤ MAX_PARTS. */
export function isPartOf (part: unknown, parts: unknown): boolean {
  return Number.isSafeInteger(part) && Number.isSafeInteger(parts) && (part as number) >= 0 && (part as number) < (parts as number) && (parts as number) <= MAX_PARTS
}

export interface NativeRecord {
  id: string
  file: string
  kind: string
  text: string
  enc?: 'base64'
  /** A record too big for one entry is held in parts 0..parts-1, in order. */
  part?: number
  parts?: number
}

/**
 * Whether `file` names a file of a session bundle: '' (the main transcript), else a path relative
 * to its folder whose every part is a name ('subagents/agent-x.jsonl'): never absolute, empty,
 * `.` or `..`, so a record can never be written outside the folder (a resume refuses it, and an
 * import refuses to store one it could never resume).
 */
export function isBundlePath (file: string): boolean {
  return file === '' || (isPathOfNames(file) && !file.includes('\0') && !file.includes('\\'))
}

/**
 * Where capture of a session stopped at a line that is not UTF-8, as the follower on the machine
 * that writes it saw it: which file on which host, the line and its bytes, and how much of the
 * file from there on (that line included) is not in mesh.
 */
export interface CaptureStuck { host: string, path: string, line: number, from: number, to: number, bytesAfter: number, linesAfter: number, at: number }

/**
 * An import on the machine that writes the session stored part of its file and did not finish
 * (stopped by Ctrl-C: `interrupted`; written before each batch but the last: `unfinished`, what a
 * kill or a lost daemon leaves): the records hold its first `lines` of `linesTotal` lines
 * (`bytes` of `bytesTotal`). Deleted by the import that stores the file whole.
 */
export interface CaptureNote { host: string, path: string, reason: 'interrupted' | 'unfinished', lines: number, linesTotal: number, bytes: number, bytesTotal: number, at: number }

function isCaptureNote (v: unknown): v is CaptureNote {
  const o = v as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && typeof o.host === 'string' && typeof o.path === 'string' && (o.reason === 'interrupted' || o.reason === 'unfinished') &&
    ['lines', 'linesTotal', 'bytes', 'bytesTotal', 'at'].every(k => Number.isSafeInteger(o[k]) && (o[k] as number) >= 0)
}

/**
 * How much more of the session the machine that captures it holds than the records: its capture
 * stuck at a line that is not UTF-8, or an import of it not finished. What every device's
 * resume, `mesh agent list` and `mesh session show` say; undefined when nothing is known missing.
 */
export interface CaptureGap { host: string, path: string, lines: number, linesTotal: number, state: 'partial' | 'stuck', reason: string }

export function captureGap (m: Pick<AgentMeta, 'stuck' | 'capture'> | undefined): CaptureGap | undefined {
  if (m?.stuck !== undefined) {
    const s = m.stuck
    return { host: s.host, path: s.path, lines: s.line - 1, linesTotal: s.line - 1 + s.linesAfter, state: 'stuck', reason: `line ${s.line} is not valid UTF-8` }
  }
  if (m?.capture !== undefined) {
    const c = m.capture
    return { host: c.host, path: c.path, lines: c.lines, linesTotal: c.linesTotal, state: 'partial', reason: c.reason === 'interrupted' ? 'import interrupted' : 'import not finished' }
  }
  return undefined
}

/**
 * What every device says of a session whose capturing device holds more of it than mesh (an
 * import stopped part-way, capture stuck at a line that is not UTF-8), and what to run there:
 * `mesh agent resume` (refusing without --partial), `mesh agent list`, `mesh session show`.
 */
export function captureGapWords (g: CaptureGap, agent: string, sessionId: string): string {
  const n = (x: number): string => x.toLocaleString('en-US')
  const unit = captureUnit(agent)
  const run = `\`mesh agent import ${agent} --session ${sessionId}\``
  const todo = g.state === 'stuck' ? `fix that line of ${g.path} on ${g.host} (then its follower or ${run} there captures the rest)` : `run ${run} on ${g.host}`
  return `${g.host} holds more of this session than mesh: its capture stopped after ${unit} ${n(g.lines)} of ${n(g.linesTotal)} (${g.reason}) — ${todo}`
}

/**
 * What a capture note's `lines` count: a transcript's lines, or a Hermes session's messages (its
 * export is one line a session, so an import of it notes the messages stored).
 */
export const captureUnit = (agent: string): 'line' | 'message' => agent === 'hermes' ? 'message' : 'line'

function isCaptureStuck (v: unknown): v is CaptureStuck {
  const o = v as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && typeof o.host === 'string' && typeof o.path === 'string' &&
    ['line', 'from', 'to', 'bytesAfter', 'linesAfter', 'at'].every(k => Number.isSafeInteger(o[k]) && (o[k] as number) >= 0)
}

export interface AgentMeta {
  agent: string
  sessionId: string
  cwd?: string
  gitRemote?: string
  /** The main file's original name (Codex rollouts are named by time and id). */
  name?: string
  /** The main file's original directory relative to the agent's home (Codex: sessions/YYYY/MM/DD). */
  dir?: string
  /** Capture stopped at a line that is not UTF-8 on the machine that writes the session. */
  stuck?: CaptureStuck
  /** An import on the machine that writes the session stored part of its file and did not finish. */
  capture?: CaptureNote
}

/** One RecordsDoc per Y.Doc: its id set is built once and kept current by one observer. */
const byDoc = new WeakMap<Y.Doc, RecordsDoc>()

export class RecordsDoc {
  /** The RecordsDoc of this document (made once; a new one per call would rebuild the id set each time). */
  static of (doc: Y.Doc): RecordsDoc {
    let r = byDoc.get(doc)
    if (r === undefined) { r = new RecordsDoc(doc); byDoc.set(doc, r) }
    return r
  }

  readonly doc: Y.Doc
  private readonly records: Y.Array<Y.Map<unknown>>
  private readonly meta: Y.Map<unknown>
  /** file\0id of every record, built lazily: appends skip ids already held. */
  private seen?: Set<string>
  private stale = false
  private observing = false

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.records = doc.getArray('records')
    this.meta = doc.getMap('agent')
  }

  private ids (): Set<string> {
    if (this.seen === undefined || this.stale) {
      const s = new Set<string>()
      for (const m of this.records) { const k = keyOf(m); if (k !== undefined) s.add(k) }
      this.seen = s
      this.stale = false
      if (!this.observing) {
        this.observing = true
        // Records from peers (or anything not appended here) make the set stale; it is rebuilt
        // at the next append. Cheaper than reading each transaction's changes.
        this.records.observe((_ev, tr) => { if (tr.origin !== this) this.stale = true })
      }
    }
    return this.seen
  }

  /** Of `list`, the records whose (file, id) is not held yet: what append() would add (nothing is written). */
  fresh (list: readonly NativeRecord[]): NativeRecord[] {
    const ids = this.ids()
    return list.filter(r => !ids.has(`${r.file}\0${r.id}\0${r.part ?? 0}`))
  }

  /** Appends the records whose (file, id) is not held yet; returns those appended. */
  append (list: readonly NativeRecord[]): NativeRecord[] {
    const ids = this.ids()
    const fresh: NativeRecord[] = []
    const batch = new Set<string>()
    for (const r of list) {
      // What peers would refuse (and readers skip) is refused here, before anything is written.
      if (r.parts !== undefined && !isPartOf(r.part ?? 0, r.parts)) throw new InvalidInputError(`record ${r.id}: part ${String(r.part)} of ${String(r.parts)} is not an integer below its parts (at most ${MAX_PARTS})`, { id: r.id })
      if (r.enc !== undefined && r.enc !== 'base64') throw new InvalidInputError(`record ${r.id}: enc is 'base64' or absent`, { id: r.id })
      const k = `${r.file}\0${r.id}\0${r.part ?? 0}`
      if (ids.has(k) || batch.has(k)) continue
      batch.add(k)
      fresh.push(r)
    }
    if (fresh.length === 0) return fresh
    this.doc.transact(() => {
      for (const r of fresh) {
        ids.add(`${r.file}\0${r.id}\0${r.part ?? 0}`)
        const m = new Y.Map<unknown>()
        m.set('id', r.id)
        m.set('file', r.file)
        m.set('kind', r.kind)
        m.set('text', r.text)
        if (r.enc !== undefined) m.set('enc', r.enc)
        if (r.parts !== undefined) { m.set('part', r.part ?? 0); m.set('parts', r.parts) }
        this.records.insert(this.records.length, [m])
      }
    }, this)
    return fresh
  }

  get length (): number { return this.records.length }

  /** Records from index `start`, at most `limit` of them, in converged order. */
  slice (start = 0, limit = Number.POSITIVE_INFINITY): NativeRecord[] {
    const out: NativeRecord[] = []
    for (const r of this.from(start)) {
      if (out.length >= limit) break
      out.push(r)
    }
    return out
  }

  /**
   * Records from index `start` on, in converged order, each made when it is asked for: a reader
   * that stops at a byte budget (a page of agents.records) makes only what it takes, not every
   * record after `start`.
   */
  * from (start = 0): Generator<NativeRecord> {
    for (const [, r] of this.at(start)) yield r
  }

  /** The same, each with its index (an item that is no record is skipped, its index too): where a page ends. */
  * at (start = 0): Generator<[number, NativeRecord]> {
    for (let i = start; i < this.records.length; i++) {
      const r = toRecord(this.records.get(i))
      if (r !== undefined) yield [i, r]
    }
  }

  setMeta (m: AgentMeta): void {
    this.doc.transact(() => {
      for (const [k, v] of Object.entries(m)) if (k !== 'stuck' && k !== 'capture' && v !== undefined && this.meta.get(k) !== v) this.meta.set(k, v)
    })
  }

  /** Where capture is stuck (null: it is not, any more); nothing changes when it is so already. */
  setStuck (s: CaptureStuck | null): void {
    const text = s === null ? undefined : JSON.stringify(s)
    if (this.meta.get('stuck') === text) return
    if (text === undefined) this.meta.delete('stuck')
    else this.meta.set('stuck', text)
  }

  /** An import not finished (null: none is, any more); nothing changes when it is so already. */
  setCapture (c: CaptureNote | null): void {
    const text = c === null ? undefined : JSON.stringify(c)
    if (this.meta.get('capture') === text) return
    if (text === undefined) this.meta.delete('capture')
    else this.meta.set('capture', text)
  }

  getMeta (): AgentMeta | undefined {
    const agent = this.meta.get('agent')
    if (typeof agent !== 'string') return undefined
    const str = (k: string): string | undefined => { const v = this.meta.get(k); return typeof v === 'string' ? v : undefined }
    let stuck: CaptureStuck | undefined
    // A `stuck` that is no JSON of its shape (a peer's bug, a newer writer's form) is ignored, as
    // crdt/SPEC.md says readers do: the session reads as not cut short, nothing else is lost.
    try { const v: unknown = JSON.parse(str('stuck') ?? 'null'); if (isCaptureStuck(v)) stuck = v } catch { stuck = undefined }
    let capture: CaptureNote | undefined
    try { const v: unknown = JSON.parse(str('capture') ?? 'null'); if (isCaptureNote(v)) capture = v } catch { capture = undefined }
    return { agent, sessionId: str('sessionId') ?? '', cwd: str('cwd'), gitRemote: str('gitRemote'), name: str('name'), dir: str('dir'), ...(stuck !== undefined ? { stuck } : {}), ...(capture !== undefined ? { capture } : {}) }
  }
}

/**
 * A record as stored, or undefined for an item that is none (a faulty member's write: not a
 * Y.Map, a field of the wrong type, a part outside its parts); readers skip it, as they skip a
 * message that does not fit.
 */
function toRecord (m: unknown): NativeRecord | undefined {
  if (!(m instanceof Y.Map)) return undefined
  const id = m.get('id')
  const file = m.get('file')
  const kind = m.get('kind')
  const text = m.get('text')
  if (typeof id !== 'string' || typeof file !== 'string' || typeof kind !== 'string' || typeof text !== 'string') return undefined
  const r: NativeRecord = { id, file, kind, text }
  const enc = m.get('enc')
  if (enc === 'base64') r.enc = 'base64'
  else if (enc !== undefined) return undefined
  const parts = m.get('parts')
  if (parts !== undefined) {
    const part = m.get('part') ?? 0
    if (!isPartOf(part, parts)) return undefined
    r.parts = parts as number
    r.part = part as number
  }
  return r
}

/** The (file, id, part) an append compares, or undefined for an item that is no record. */
function keyOf (m: unknown): string | undefined {
  const r = toRecord(m)
  return r === undefined ? undefined : `${r.file}\0${r.id}\0${r.part ?? 0}`
}
