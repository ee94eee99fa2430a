/**
 * The session document. One Y.Doc per session:
 * - `meta` (Y.Map): key, title, goal, status, createdAt, lastWriter, lease (the resolved lease's
 *   mirror, for readers of the previous version, and their own take)
 * - `leases` (Y.Map device -> claim): each device's claim on the driver lease; the lease is the
 *   claim first by (epoch, device id), see resolveLease and crdt/SPEC.md (The driver lease);
 *   read and written by lease-doc.ts
 * - `transcript` (Y.Array of Y.Array chunks of Y.Map messages): append-only, chunked so a session
 *   of 100k messages is a short list of bounded arrays. Appends use insert(length), which stays
 *   flat where push() walks the list; one Y.Map per message keeps Yjs from merging appended
 *   objects by array concatenation (both measured in ../shared/MACHINE-NOTES.md).
 * - `task` (Y.Map): plan, cwd, `progress` (Y.Array), `todos` (Y.Map id -> todo),
 *   `files` (Y.Map path -> ts), `fields` (Y.Map, free form).
 */
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import { randomUUID } from 'node:crypto'
import { asOneRun, insertedByParent } from './added.js'
import { copyJson, copyOf, fits, isJson, isTime, MAX_TIME, messageProblem, SHAPES } from './validate.js'
import type { Lease, LeaseClaim } from './lease.js'
import { LeaseDoc, type TakeOptions } from './lease-doc.js'
import { stampAfter } from './newest.js'

export { claimBefore, resolveLease, type Lease, type LeaseClaim } from './lease.js'
export { LEASE_SKEW_MS, LEASE_TTL_MS, type TakeOptions } from './lease-doc.js'

export const CHUNK_SIZE = 512
export const ROLES = ['user', 'assistant', 'system', 'tool'] as const
export type Role = typeof ROLES[number]
export type Status = 'running' | 'idle' | 'ended'
import { MAX_CONTENT_BYTES } from './content-limit.js'
export { MAX_CONTENT_BYTES }
/**
 * Most bytes one append may carry (contents and tool fields of all its messages): one change
 * becomes one entry, and an entry is at most 1 MiB (crdt/SPEC.md). Larger appends are refused
 * before they touch the document; split them.
 */
export const MAX_APPEND_BYTES = 960 * 1024
/**
 * What a message costs in its entry beside the text of its fields: the Y.Map of it, its field
 * names, each field's item and its parent's id, its ts. Measured on the encoded update of 1000
 * appended messages: 102 bytes each in a new session, 108 in one whose clock is past a million
 * (its ids take longer varints); rounded up. Counted, 400,000 one-letter messages (13.6 MB of
 * JSON, under the HTTP body cap) were taken as 400 KB, and made an 80 MB entry first.
 */
export const MESSAGE_OVERHEAD_BYTES = 128
/** What a tool call or tool result costs in its entry beside its JSON: its field's item and name. */
const TOOL_FIELD_OVERHEAD_BYTES = 32

/**
 * About how many bytes a message takes in the entry that appends it (at least what it takes;
 * `device`: the id of the device writing it, which each message carries): what MAX_APPEND_BYTES
 * bounds.
 */
export function messageCost (m: Pick<NewMessage, 'role' | 'content' | 'id' | 'toolCall' | 'toolResult'>, device: string): number {
  let n = MESSAGE_OVERHEAD_BYTES + Buffer.byteLength(m.content) + Buffer.byteLength(m.role) + Buffer.byteLength(device) + (m.id !== undefined ? Buffer.byteLength(m.id) : 36)
  if (m.toolCall !== undefined) n += TOOL_FIELD_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(m.toolCall))
  if (m.toolResult !== undefined) n += TOOL_FIELD_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(m.toolResult))
  return n
}
/** lastWriter.ts is exact to this many milliseconds. */
export const LAST_WRITER_RESOLUTION_MS = 1000

export interface ToolCall { id?: string, name: string, input?: unknown }
export interface ToolResult { callId: string, output: string, isError?: boolean }

export interface Message {
  id: string
  role: Role
  content: string
  ts: number
  device: string
  toolCall?: ToolCall
  toolResult?: ToolResult
}

export interface NewMessage {
  role: Role
  content: string
  id?: string
  ts?: number
  toolCall?: ToolCall
  toolResult?: ToolResult
}

export interface Writer { device: string, ts: number }

export interface SessionMeta {
  key: string
  title: string
  goal: string
  status: Status
  createdAt: number
  lastWriter?: Writer
  lease?: Lease
}

export interface Todo { id: string, text: string, done: boolean, updatedAt: number }
export interface ProgressNote { text: string, ts: number, device: string }

export interface TaskState {
  plan: string
  cwd: string
  progress: ProgressNote[]
  todos: Todo[]
  files: string[]
  fields: Record<string, unknown>
}

export function validateRole (role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new InvalidInputError(`invalid role "${role}": expected one of ${ROLES.join(', ')}`)
  return role as Role
}

/**
 * Refuses a message appendMessages would refuse on its own (its role, content, ts, id and tool
 * fields), with its words: what a caller checks before it makes anything for the append (an
 * agents.import, its session).
 */
export function checkMessage (m: NewMessage): void {
  validateRole(m.role)
  if (typeof m.content !== 'string') throw new InvalidInputError('message content must be a string')
  if (Buffer.byteLength(m.content) > MAX_CONTENT_BYTES) throw new InvalidInputError(`message content exceeds ${MAX_CONTENT_BYTES} bytes`)
  if (m.ts !== undefined && !isTime(m.ts)) throw new InvalidInputError(`a message's ts is ms since 1970, at most ${MAX_TIME} either way (a Date's range): got ${String(m.ts)}`)
  if (m.id !== undefined && typeof m.id !== 'string') throw new InvalidInputError('a message\'s id is a string')
  if (m.toolCall !== undefined && !fits(SHAPES.toolCall, m.toolCall)) throw new InvalidInputError(`a tool call is {id?, name, input?} of JSON values: ${SHAPES.toolCall(m.toolCall) as string}`)
  if (m.toolResult !== undefined && !fits(SHAPES.toolResult, m.toolResult)) throw new InvalidInputError(`a tool result is {callId, output, isError?}: ${SHAPES.toolResult(m.toolResult) as string}`)
}

export class SessionDoc {
  readonly doc: Y.Doc
  private readonly meta: Y.Map<unknown>
  private readonly transcript: Y.Array<Y.Array<Y.Map<unknown>>>
  private readonly task: Y.Map<unknown>
  private readonly leases: Y.Map<unknown>
  private readonly lease: LeaseDoc

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.meta = doc.getMap('meta')
    this.transcript = doc.getArray('transcript')
    this.task = doc.getMap('task')
    this.leases = doc.getMap('leases')
    this.lease = new LeaseDoc(doc, this.meta, this.leases)
  }

  /** Sets the fields of a new session; leaves fields another device already set. */
  init (fields: { key: string, title?: string, goal?: string, createdAt?: number }, device: string): void {
    this.doc.transact(() => {
      if (!this.meta.has('key')) this.meta.set('key', fields.key)
      if (!this.meta.has('createdAt')) this.meta.set('createdAt', fields.createdAt ?? Date.now())
      if (!this.meta.has('status')) this.meta.set('status', 'idle')
      if (fields.title !== undefined) this.meta.set('title', fields.title)
      if (fields.goal !== undefined) this.meta.set('goal', fields.goal)
      this.touch(device)
    })
  }

  /** Fields of the wrong type (a member's bad write that got past quarantine) read as absent. */
  getMeta (): SessionMeta {
    const m = this.meta
    const s = (k: string): string | undefined => { const v = m.get(k); return typeof v === 'string' ? v : undefined }
    const createdAt = m.get('createdAt')
    const status = s('status')
    return {
      key: s('key') ?? '',
      title: s('title') ?? '',
      goal: s('goal') ?? '',
      status: status === 'running' || status === 'ended' ? status : 'idle',
      createdAt: isTime(createdAt) ? createdAt : 0,
      lastWriter: this.lastWriter(),
      lease: this.getLease()
    }
  }

  /** The lease alone, as getMeta() has it (undefined when none or released): what every write's guard reads. */
  getLease (): SessionMeta['lease'] { return this.lease.current() }
  /** Every device's claim on the lease that fits (lease-doc.ts). */
  leaseClaims (): LeaseClaim[] { return this.lease.claims() }
  /** Whether the lease held now is one a follower took on its own, untouched by a person since (LeaseClaim.auto). */
  leaseAuto (): boolean { return this.lease.auto() }

  setMeta (fields: Partial<Pick<SessionMeta, 'title' | 'goal' | 'status'>>, device: string): void {
    if (fields.status !== undefined && !['running', 'idle', 'ended'].includes(fields.status)) {
      throw new InvalidInputError(`invalid status "${fields.status}": expected running, idle or ended`)
    }
    this.doc.transact(() => {
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) this.meta.set(k, v)
      this.touch(device)
    })
  }

  /**
   * Records the last writer of the session itself (its fields, transcript and task; not the
   * lease, so "last write" tells whether a holder is at work). Coalesced to once a second per
   * device: rewriting it on every append would add an item and a tombstone per message to a
   * 100k-message session.
   */
  /** The last writer alone: what every write reads, without resolving the lease as getMeta() does. */
  private lastWriter (): Writer | undefined { return copyOf<Writer>(SHAPES.writer, this.meta.get('lastWriter')) }

  private touch (device: string): void {
    const now = Date.now()
    const cur = this.lastWriter()
    if (cur !== undefined && cur.device === device && now - cur.ts < LAST_WRITER_RESOLUTION_MS) return
    // Past the one it replaces, as every value resolved by time (crdt/newest.ts): concurrent
    // writers resolve to the newest, and a later write is newer even on a clock that is behind.
    this.meta.set('lastWriter', { device, ts: stampAfter(now, cur?.ts) })
  }

  appendMessages (messages: readonly NewMessage[], device: string): Message[] {
    const out: Message[] = []
    let total = 0
    for (const m of messages) {
      checkMessage(m)
      // Each message's whole cost, not its content alone: 60,000 one-byte messages passed as
      // 60 KB and made a 12 MB entry, built (for seconds, in GBs) before it was refused.
      total += messageCost(m, device)
      if (total > MAX_APPEND_BYTES) throw new InvalidInputError(`these ${messages.length} messages take more than ${MAX_APPEND_BYTES} bytes in the entry that would store them (their text and about ${MESSAGE_OVERHEAD_BYTES} bytes for each message): append them in several calls (one append is one entry, at most 1 MiB)`, { messages: messages.length, maxBytes: MAX_APPEND_BYTES })
      const msg: Message = { id: m.id ?? randomUUID(), role: m.role, content: m.content, ts: m.ts ?? Date.now(), device }
      if (m.toolCall !== undefined) msg.toolCall = m.toolCall
      if (m.toolResult !== undefined) msg.toolResult = m.toolResult
      out.push(msg)
    }
    this.doc.transact(() => {
      for (const msg of out) {
        const last: unknown = this.transcript.length > 0 ? this.transcript.get(this.transcript.length - 1) : undefined
        let chunk = last instanceof Y.Array ? last as Y.Array<Y.Map<unknown>> : undefined
        if (chunk === undefined || chunk.length >= CHUNK_SIZE) {
          chunk = new Y.Array<Y.Map<unknown>>()
          this.transcript.insert(this.transcript.length, [chunk])
        }
        const ym = new Y.Map<unknown>()
        for (const [k, v] of Object.entries(msg)) ym.set(k, v)
        chunk.insert(chunk.length, [ym])
      }
      this.touch(device)
    })
    return out
  }

  /** Counts chunk lengths (cheap on a large session): an item that is no message is counted but never shown. */
  messageCount (): number {
    let n = 0
    for (const c of this.transcript.toArray() as unknown[]) if (c instanceof Y.Array) n += c.length
    return n
  }

  /**
   * Calls `fn` after each transaction that changed the lease, other meta fields or the task
   * state, with whether it was local. Returns the unsubscribe.
   */
  onFields (fn: (changed: { lease: boolean, meta: boolean, task: boolean }, local: boolean) => void): () => void {
    // A take writes its claim and the mirror in one transaction: told once, by the claims' observer.
    const onMeta = (ev: Y.YMapEvent<unknown>, tr: Y.Transaction): void => {
      const lease = ev.keysChanged.has('lease') && !tr.changed.has(this.leases as Y.AbstractType<any>)
      const meta = [...ev.keysChanged].some(k => k !== 'lease' && k !== 'lastWriter')
      if (lease || meta) fn({ lease, meta, task: false }, tr.local)
    }
    const onLeases = (_ev: Y.YMapEvent<unknown>, tr: Y.Transaction): void => { fn({ lease: true, meta: false, task: false }, tr.local) }
    const onTask = (_evs: Array<Y.YEvent<any>>, tr: Y.Transaction): void => { fn({ lease: false, meta: false, task: true }, tr.local) }
    this.meta.observe(onMeta)
    this.leases.observe(onLeases)
    this.task.observeDeep(onTask)
    return () => { this.meta.unobserve(onMeta); this.leases.unobserve(onLeases); this.task.unobserveDeep(onTask) }
  }

  /** The index of the message with this id, or -1. */
  indexOf (id: string): number {
    let i = 0
    for (const c of this.transcript as Y.Array<unknown>) {
      if (!(c instanceof Y.Array)) continue
      for (const m of c) {
        if (m instanceof Y.Map && m.get('id') === id) return i
        i++
      }
    }
    return -1
  }

  /** The last message with this id (searched from the end, where a retried append's is), if any. */
  messageById (id: string): Message | undefined {
    const chunks = this.transcript.toArray() as unknown[]
    for (let c = chunks.length - 1; c >= 0; c--) {
      const chunk = chunks[c]
      if (!(chunk instanceof Y.Array)) continue
      const items = chunk.toArray() as unknown[]
      for (let j = items.length - 1; j >= 0; j--) {
        const m = items[j]
        if (m instanceof Y.Map && m.get('id') === id && messageProblem(m) === undefined) return toMessage(m)
      }
    }
    return undefined
  }

  /** The id of every message, in converged order: what messages() gives, without making them. */
  * messageIds (): Generator<string> {
    for (const c of this.transcript as Y.Array<unknown>) {
      if (!(c instanceof Y.Array)) continue
      for (const m of c) if (messageProblem(m) === undefined) yield (m as Y.Map<unknown>).get('id') as string
    }
  }

  /**
   * Messages from index `start` (inclusive) to `end` (exclusive), in converged order. Indices
   * count every item of the transcript (as indexOf and messageCount do); an item that is no
   * message (a faulty member's map with only an id) is skipped, as messages() skips it.
   */
  range (start: number, end = Number.POSITIVE_INFINITY): Message[] {
    const out: Message[] = []
    let i = 0
    for (const c of this.transcript as Y.Array<unknown>) {
      if (!(c instanceof Y.Array)) continue
      if (i + c.length <= start) { i += c.length; continue }
      if (i >= end) break
      const items = c.toArray()
      for (let j = 0; j < items.length; j++, i++) if (i >= start && i < end && messageProblem(items[j]) === undefined) out.push(toMessage(items[j] as Y.Map<unknown>))
    }
    return out
  }

  /**
   * Calls `fn` with the messages each transaction adds to the transcript (new chunks included),
   * in the transcript's order, and whether the transaction was local. Returns the unsubscribe.
   */
  onMessages (fn: (added: Message[], local: boolean) => void): () => void {
    // Messages added without all their fields: a snapshot applied in parts (or an update cut
    // anywhere) can bring a message's map in one transaction and its fields in the next. Told
    // once their fields have come (in the transaction that completes them), never lost.
    const incomplete = new WeakSet<Y.Map<unknown>>()
    const onDeep = (events: Array<Y.YEvent<any>>, tr: Y.Transaction): void => {
      // By chunk: Yjs hands the transcript's own event (new chunks) before its chunks' (messages
      // appended to one already there), so an append that filled a chunk and began the next was
      // told new chunk first (m2 m3 m4 m0 m1 to every watcher).
      const byChunk = new Map<Y.Array<unknown>, Message[]>()
      const into = (chunk: Y.Array<unknown>): Message[] => {
        let list = byChunk.get(chunk)
        if (list === undefined) { list = []; byChunk.set(chunk, list) }
        return list
      }
      let inserted: Map<Y.AbstractType<any>, Y.Item[]> | null | undefined
      // Fields of a message told before without them: first in its chunk, where it stands before
      // whatever this transaction added after it.
      for (const ev of events) {
        const m = ev.target
        if (!(m instanceof Y.Map) || !incomplete.has(m) || !(m.parent instanceof Y.Array)) continue
        if (messageProblem(m) !== undefined) continue
        incomplete.delete(m)
        into(m.parent).push(toMessage(m))
      }
      for (const ev of events) {
        // An array's inserts from the transaction's own structs (crdt/added.ts) unless they
        // outnumber what Yjs's walk visits (a catch-up's transaction); a map's event lists none
        // (its items have keys), and the walk is the fallback.
        let items: Iterable<Y.Item> | undefined
        if (ev.target instanceof Y.Array) {
          if (inserted === undefined) {
            let walked = 0
            for (const e of events) if (e.target instanceof Y.Array) walked += e.target.length
            inserted = insertedByParent(tr, 4 * walked + 64) ?? null
          }
          if (inserted !== null) items = asOneRun(inserted.get(ev.target) ?? [])
        }
        for (const item of items ?? ev.changes.added) {
          for (const c of item.content.getContent()) collectAdded(c, into(c instanceof Y.Array ? c : ev.target as Y.Array<unknown>), incomplete)
        }
      }
      let added: Message[] = []
      if (byChunk.size === 1) added = byChunk.values().next().value as Message[]
      else if (byChunk.size > 1) for (const c of this.transcript) added.push(...(byChunk.get(c as Y.Array<unknown>) ?? []))
      if (added.length > 0) fn(added, tr.local)
    }
    this.transcript.observeDeep(onDeep)
    return () => { this.transcript.unobserveDeep(onDeep) }
  }

  /** The transcript in its converged order; `tail` keeps only the last N (items counted as range() counts them). */
  messages (tail?: number): Message[] {
    return this.range(tail !== undefined ? Math.max(0, this.messageCount() - tail) : 0)
  }

  getTask (): TaskState {
    const t = this.task
    const y = <T>(k: string, kind: new () => T): T | undefined => { const v = t.get(k); return v instanceof kind ? v : undefined }
    const progress = y('progress', Y.Array<unknown>)
    const todos = y('todos', Y.Map<unknown>)
    const files = y('files', Y.Map<unknown>)
    const fields = y('fields', Y.Map<unknown>)
    const plan = t.get('plan')
    const cwd = t.get('cwd')
    return {
      plan: typeof plan === 'string' ? plan : '',
      cwd: typeof cwd === 'string' ? cwd : '',
      progress: (progress?.toArray() ?? []).flatMap(p => copyOf<ProgressNote>(SHAPES.progress, p) ?? []),
      todos: [...(todos?.values() ?? [])].flatMap(x => copyOf<Todo>(SHAPES.todo, x) ?? []).sort((a, b) => a.id.localeCompare(b.id)),
      files: files !== undefined ? [...files.keys()].sort() : [],
      fields: fieldsOf(fields)
    }
  }

  private sub<T extends Y.AbstractType<any>>(name: string, make: () => T): T {
    const cur = this.task.get(name)
    const made = make()
    // A value of the wrong kind (written by a faulty member) is replaced rather than written into.
    if (cur instanceof Y.AbstractType && cur.constructor === made.constructor) return cur as T
    this.task.set(name, made)
    return made
  }

  updateTask (update: TaskUpdate, device: string): void {
    for (const [k, v] of Object.entries(update.fields ?? {})) {
      if (v !== undefined && v !== null && !isJson(v)) throw new InvalidInputError(`task field "${k}" is not a JSON value (a bigint, bytes or another object's instance): peers refuse it`)
    }
    this.doc.transact(() => {
      if (update.plan !== undefined) this.task.set('plan', update.plan)
      if (update.cwd !== undefined) this.task.set('cwd', update.cwd)
      if (update.progress !== undefined) {
        const p = this.sub('progress', () => new Y.Array<ProgressNote>())
        p.insert(p.length, [{ text: update.progress, ts: Date.now(), device }])
      }
      for (const todo of update.todos ?? []) {
        const m = this.sub('todos', () => new Y.Map<Todo>())
        m.set(todo.id, { id: todo.id, text: todo.text, done: todo.done ?? false, updatedAt: Date.now() })
      }
      for (const f of update.filesTouched ?? []) this.sub('files', () => new Y.Map<number>()).set(f, Date.now())
      for (const [k, v] of Object.entries(update.fields ?? {})) {
        const m = this.sub('fields', () => new Y.Map<unknown>())
        if (v === undefined || v === null) m.delete(k)
        else m.set(k, v)
      }
      this.touch(device)
    })
  }


  /** Takes (or renews) the driver lease: lease-doc.ts take. */
  takeLease (device: string, opts: TakeOptions = {}): Lease { return this.lease.take(device, opts) }
  /** Lets the lease go when this device holds it: lease-doc.ts release. */
  releaseLease (device: string, now = Date.now()): boolean { return this.lease.release(device, now) }
}

export interface TaskUpdate {
  plan?: string
  cwd?: string
  progress?: string
  todos?: Array<{ id: string, text: string, done?: boolean }>
  filesTouched?: string[]
  fields?: Record<string, unknown>
}

/** A message added to the transcript, or each message of a chunk added with it. */
/** The messages of an added item (a message, or a chunk of them); those that lack fields go to `incomplete`. */
function collectAdded (c: unknown, out: Message[], incomplete: WeakSet<Y.Map<unknown>>): void {
  if (c instanceof Y.Map) {
    if (messageProblem(c) === undefined) out.push(toMessage(c))
    else incomplete.add(c as Y.Map<unknown>)
  } else if (c instanceof Y.Array) {
    for (const m of c.toArray()) collectAdded(m, out, incomplete)
  }
}

function toMessage (m: Y.Map<unknown>): Message {
  const msg: Message = {
    id: m.get('id') as string,
    role: m.get('role') as Role,
    content: m.get('content') as string,
    ts: m.get('ts') as number,
    device: m.get('device') as string
  }
  const tc = copyOf<ToolCall>(SHAPES.toolCall, m.get('toolCall'))
  if (tc !== undefined) msg.toolCall = tc
  const tr = copyOf<ToolResult>(SHAPES.toolResult, m.get('toolResult'))
  if (tr !== undefined) msg.toolResult = tr
  return msg
}

/** The task's free-form fields, each a copy; a value that is not JSON (a faulty member's write) reads as absent. */
function fieldsOf (fields: Y.Map<unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of fields?.entries() ?? []) {
    if (isJson(v)) Object.defineProperty(out, k, { value: copyJson(v), enumerable: true, writable: true, configurable: true })
  }
  return out
}
