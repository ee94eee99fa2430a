/**
 * The shapes of mesh's documents, checked where Yjs data becomes typed data. A member's entry
 * can hold any Yjs a writer's key signs: bytes Yjs cannot decode (which throw deep inside it),
 * or valid Yjs of the wrong shape (a lease that is a number, a transcript item that is not a
 * chunk). `checkUpdate` decodes an update without applying it (nothing changes when it throws)
 * and checks what it writes under a root; `checkChanges` checks, inside the transaction that
 * applied remote updates, every value they added or changed; `checkDoc` checks a whole document.
 * Each returns why the data is bad, or undefined. The readers (session.ts, memory.ts, skills.ts,
 * sessions-index.ts) use the same shapes and skip what does not fit, so they never throw.
 */
import * as Y from 'yjs'
import { DOC_NAMES } from './names.js'
import { isSkillFilePath, isSkillName } from './paths.js'
import { isBundlePath, MAX_PARTS } from './records.js'
import { scanUpdate, type UpdateExtent } from './update-scan.js'

export type DocKind = 'session' | 'memory' | 'skills' | 'sessions-index' | 'other'

export function docKind (name: string): DocKind {
  if (name === DOC_NAMES.sessionsIndex) return 'sessions-index'
  if (name === DOC_NAMES.memory) return 'memory'
  if (name === DOC_NAMES.skills) return 'skills'
  if (name.startsWith(DOC_NAMES.session('' as never))) return 'session'
  return 'other'
}

/**
 * Bounds on one update, checked on its decoded structs before it is applied. An entry is at
 * most 1 MiB, but a struct's length or a deleted range is a varint: a crafted update can claim
 * billions of clock ticks in a few bytes, which Yjs then walks (yjs issue #687).
 */
export const UPDATE_BOUNDS = { maxClockSpan: 1 << 24, maxStructs: 1 << 20 } as const

/** A value's problem, or undefined when it fits. */
type Shape = (v: unknown) => string | undefined

const str: Shape = v => typeof v === 'string' ? undefined : 'not a string'
const num: Shape = v => typeof v === 'number' && Number.isFinite(v) ? undefined : 'not a number'
/** The farthest time from 1970 a Date holds, in ms: past it `new Date(t)` is invalid and formatting it throws. */
export const MAX_TIME = 8.64e15
/** Whether `v` is a time a Date can show: a finite number of ms, |v| ≤ MAX_TIME. */
export function isTime (v: unknown): v is number { return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_TIME }
const time: Shape = v => isTime(v) ? undefined : `not a time (ms since 1970, at most ${MAX_TIME} either way)`
const bool: Shape = v => typeof v === 'boolean' ? undefined : 'not a boolean'
const oneOf = (...xs: string[]): Shape => v => typeof v === 'string' && xs.includes(v) ? undefined : `not one of ${xs.join(', ')}`
/**
 * A table's own entry: a document's keys and root names are anyone's text, and `fields[k]` would
 * find Object.prototype's `valueOf`, `hasOwnProperty` or `__proto__` for a key of that name.
 */
const own = <T>(table: Record<string, T>, k: string): T | undefined => Object.hasOwn(table, k) ? table[k] : undefined
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Y.AbstractType) && !(v instanceof Y.Doc)

/** Most levels of lists and objects in a plain value. */
export const MAX_JSON_DEPTH = 100

/**
 * Plain JSON: null, a boolean, a string, a finite number, or a list or plain object of them.
 * Yjs also holds bigints, bytes, undefined, subdocuments and objects of another prototype (a
 * `__proto__` key): a reader handing out one of those made JSON.stringify throw where an API
 * result was sent, which took the daemon down.
 */
const json: Shape = v => jsonProblem(v, 0)
function jsonProblem (v: unknown, depth: number): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'not a finite number'
  if (typeof v !== 'object') return `not JSON (a ${typeof v})`
  if (depth >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH}`
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const p = jsonProblem(v[i], depth + 1); if (p !== undefined) return `${i}: ${p}` }
    return undefined
  }
  const proto: unknown = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return 'not JSON (not a plain object)'
  // A member whose value is undefined is absent, as JSON.stringify leaves it out: views build one
  // (a tool call with no arguments has `input: undefined`), and Yjs keeps it as written.
  for (const [k, x] of Object.entries(v)) { if (x === undefined) continue; const p = jsonProblem(x, depth + 1); if (p !== undefined) return `${quoteKey(k)}: ${p}` }
  return undefined
}

/** An object shape: the fields it checks (and readers copy), those that may be absent. */
interface ObjShape { (v: unknown): string | undefined, fields: Record<string, Shape>, optional: readonly string[] }
/** A plain JSON object with these fields (those named in `optional` may be absent); other fields must be JSON too. */
const obj = (fields: Record<string, Shape>, optional: string[] = []): ObjShape => Object.assign((v: unknown): string | undefined => {
  if (!isPlain(v)) return 'not an object'
  for (const [k, f] of Object.entries(fields)) {
    const x = own(v, k)
    if (x === undefined && optional.includes(k)) continue
    const p = f(x)
    if (p !== undefined) return `${k}: ${p}`
  }
  return json(v)
}, { fields, optional })
const skillName: Shape = v => typeof v === 'string' && isSkillName(v) ? undefined : 'not a skill name (1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot)'
const skillFile = obj({ path: v => typeof v === 'string' && isSkillFilePath(v) ? undefined : 'not a path of names inside the skill\'s folder', text: str, enc: oneOf('base64'), exec: bool }, ['enc', 'exec'])
const skillFiles: Shape = v => {
  if (!Array.isArray(v)) return 'not a list'
  for (const [i, f] of v.entries()) { const p = skillFile(f); if (p !== undefined) return `${i}: ${p}` }
  return undefined
}
const strings: Shape = v => Array.isArray(v) && v.every(x => typeof x === 'string') ? undefined : 'not a list of strings'

/** Y types in the schema: the node kind decides how a changed type is walked. */
interface YArrayShape { y: 'array', item: Node }
interface YMapShape { y: 'map', key: (k: string) => Node | undefined, /** Its keys are data (a session key, a memory key), not the schema's names. */ anyKey?: true }
type Node = Shape | YArrayShape | YMapShape
const yarray = (item: Node): YArrayShape => ({ y: 'array', item })
/** A Y.Map whose keys each have a shape (unknown keys are left alone: readers never read them). */
const ymapOf = (fields: Record<string, Node>): YMapShape => ({ y: 'map', key: k => own(fields, k) })
/** A Y.Map of any keys, every value of one shape. */
const ymapAll = (value: Node): YMapShape => ({ y: 'map', key: () => value, anyKey: true })

/**
 * A key that is data (a map's of any keys, a plain value's), as a problem's path shows it: quoted
 * as JSON, so that withoutKeys can take it out. Keys the schema names are shown as they are.
 */
const quoteKey = (k: string): string => JSON.stringify(k)
const keyPath = (n: YMapShape, path: string, k: string): string => n.anyKey === true ? `${path}[${quoteKey(k)}]` : `${path}.${k}`

/**
 * A problem's reason with every key that is data replaced by `*` (`sessions[*]: key: not a
 * string`): what is kept on disk (quarantine records hold no names, crdt/SPEC.md, Quarantine),
 * while the full reason goes to the log and the live event.
 */
export function withoutKeys (reason: string): string { return reason.replace(/"(?:[^"\\]|\\.)*"/g, '*') }

export const SHAPES = {
  lease: obj({ device: str, epoch: num, expiresAt: time, takenAt: time, label: str }, ['label']),
  /** A device's claim in a session's `leases` (crdt/SPEC.md, The driver lease). */
  leaseClaim: obj({ device: str, epoch: num, expiresAt: time, takenAt: time, label: str, released: bool }, ['label', 'released']),
  writer: obj({ device: str, ts: time }),
  toolCall: obj({ id: str, name: str, input: json }, ['id', 'input']),
  toolResult: obj({ callId: str, output: str, isError: bool }, ['isError']),
  progress: obj({ text: str, ts: time, device: str }),
  todo: obj({ id: str, text: str, done: bool, updatedAt: time }),
  memory: obj({ key: str, value: str, tags: strings, updatedAt: time, device: str }),
  // The name and the file paths name where `mesh agent skills sync` writes: a member's `..` in
  // either would write outside the agent's skills directory.
  skill: obj({ name: skillName, version: str, description: str, body: str, source: str, hash: str, updatedAt: time, device: str, text: str, files: skillFiles }, ['text', 'files']),
  skillTombstone: obj({ name: str, hash: str, folder: str, removedAt: time, device: str }),
  summary: obj({ key: str, title: str, createdAt: time })
} as const

/** A transcript message's keys (the message is a Y.Map: its fields are checked one by one). */
export const MESSAGE_FIELDS: Record<string, Shape> = { id: str, role: oneOf('user', 'assistant', 'system', 'tool'), content: str, ts: time, device: str, toolCall: SHAPES.toolCall, toolResult: SHAPES.toolResult }
const MESSAGE = ymapOf(MESSAGE_FIELDS)
const int = (min: number, max: number): Shape => v => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `not an integer from ${min} to ${max}`
/** A native agent record (records.ts); that its part is below its parts is the readers' to check. */
const RECORD = ymapOf({
  id: str,
  file: v => typeof v === 'string' && isBundlePath(v) ? undefined : 'not a file of a session bundle (\'\' or a relative path of names)',
  kind: str,
  text: str,
  enc: oneOf('base64'),
  part: int(0, MAX_PARTS - 1),
  parts: int(1, MAX_PARTS)
})
const ROOTS: Record<DocKind, Record<string, YArrayShape | YMapShape>> = {
  session: {
    meta: ymapOf({ key: str, title: str, goal: str, status: oneOf('running', 'idle', 'ended'), createdAt: time, lastWriter: SHAPES.writer, lease: SHAPES.lease }),
    leases: ymapAll(SHAPES.leaseClaim),
    transcript: yarray(yarray(MESSAGE)),
    task: ymapOf({ plan: str, cwd: str, progress: yarray(SHAPES.progress), todos: ymapAll(SHAPES.todo), files: ymapAll(num), fields: ymapAll(json) }),
    records: yarray(RECORD),
    agent: ymapOf({ agent: str, sessionId: str, cwd: str, gitRemote: str, name: str, dir: str })
  },
  memory: { entries: ymapAll(SHAPES.memory) },
  skills: { skills: ymapAll(SHAPES.skill), removed: ymapAll(SHAPES.skillTombstone) },
  'sessions-index': { sessions: ymapAll(SHAPES.summary) },
  other: {}
}

/** Whether a plain value fits a shape (the readers' guard). */
export function fits (shape: Shape, v: unknown): boolean { return shape(v) === undefined }

/** Whether a value is plain JSON (a free-form value: task fields, a tool call's input). */
export function isJson (v: unknown): boolean { return json(v) === undefined }

/**
 * What a reader hands out of a plain value that fits `shape`: a copy of its known fields only
 * (an object's other fields, and the stored value itself, never leave the document), or
 * undefined when it does not fit.
 */
export function copyOf<T> (shape: Shape, v: unknown): T | undefined {
  return shape(v) === undefined ? copy(shape, v) as T : undefined
}

function copy (shape: Shape, v: unknown): unknown {
  if (!('fields' in shape)) return typeof v === 'object' && v !== null ? structuredClone(v) : v
  const { fields } = shape as ObjShape
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(fields)) {
    const x = own(v as Record<string, unknown>, k)
    if (x !== undefined) out[k] = copy(fields[k] as Shape, x)
  }
  return out
}

/** A free-form value's copy (task fields): JSON only, an own `__proto__` key kept as data. */
export function copyJson (v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map(copyJson)
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: copyJson(x), enumerable: true, writable: true, configurable: true })
  return out
}

/** Why data does not fit, and the Yjs id of the item that holds it (to find the entry that wrote it). */
export interface Problem { reason: string, at?: { client: number, clock: number } }

/** A message map's fields, or undefined when it does not fit. */
export function messageProblem (m: unknown): string | undefined {
  if (m instanceof Y.Map) for (const k of ['id', 'role', 'content', 'ts', 'device']) if (!m.has(k)) return `message: no ${k}`
  return check(MESSAGE, m, 'message')?.reason
}

const problem = (reason: string, item: Y.Item | undefined): Problem => item === undefined ? { reason } : { reason, at: { client: item.id.client, clock: item.id.clock } }

function check (n: Node, v: unknown, path: string, item?: Y.Item): Problem | undefined {
  if (typeof n === 'function') {
    const p = n(v)
    return p === undefined ? undefined : problem(`${path}: ${p}`, item)
  }
  if (n.y === 'array') {
    if (!(v instanceof Y.Array)) return problem(`${path}: not a Y.Array`, item)
    return checkItems(n.item, items(v), path)
  }
  if (!(v instanceof Y.Map)) return problem(`${path}: not a Y.Map`, item)
  return checkKeys(n, v, [...mapKeys(v)], path)
}

/** The whole document (after a load). Root types Yjs holds as placeholders are read through. */
export function checkDoc (kind: DocKind, doc: Y.Doc): Problem | undefined {
  for (const [name, n] of Object.entries(ROOTS[kind])) {
    const t = doc.share.get(name)
    if (t === undefined) continue
    const p = n.y === 'array' ? checkItems(n.item, items(t), name) : checkKeys(n, t, [...mapKeys(t)], name)
    if (p !== undefined) return p
  }
  return undefined
}

/**
 * What a transaction of remote updates added or changed, before it ends: for every type it
 * changed (`tr.changed`; types created in it are reached through their parent), the items it
 * inserted into an array and the keys it set in a map, each checked deeply.
 */
export function checkChanges (kind: DocKind, tr: Y.Transaction): Problem | undefined {
  const roots = ROOTS[kind]
  if (Object.keys(roots).length === 0) return undefined
  for (const [type, keys] of tr.changed) {
    const at = locate(roots, tr.doc, type)
    if (at === undefined) continue
    const [n, path] = at
    let p: Problem | undefined
    if (typeof n === 'function') p = problem(`${path}: not a plain value`, type._item ?? undefined)
    else if (n.y === 'array') p = checkItems(n.item, items(type, tr.beforeState), path)
    else p = checkKeys(n, type, [...keys].filter((k): k is string => k !== null), path)
    if (p !== undefined) return p
  }
  return undefined
}

function checkItems (n: Node, list: Iterable<[unknown, Y.Item]>, path: string): Problem | undefined {
  for (const [x, item] of list) {
    const p = check(n, x, `${path}[]`, item)
    if (p !== undefined) return p
  }
  return undefined
}

function checkKeys (n: YMapShape, t: Y.AbstractType<any>, keys: string[], path: string): Problem | undefined {
  for (const k of keys) {
    const s = n.key(k)
    if (s === undefined) continue
    const item = t._map.get(k)
    if (item === undefined || item.deleted) continue
    const c = item.content.getContent()
    const p = check(s, c[c.length - 1], keyPath(n, path, k), item)
    if (p !== undefined) return p
  }
  return undefined
}

/** The schema node of a type and its path, walking up to its root; undefined outside the schema. */
function locate (roots: Record<string, YArrayShape | YMapShape>, doc: Y.Doc, type: Y.AbstractType<any>): [Node, string] | undefined {
  const item = type._item
  if (item === null) {
    for (const [name, t] of doc.share) {
      if (t !== type) continue
      const n = own(roots, name)
      return n === undefined ? undefined : [n, name]
    }
    return undefined
  }
  const parent = item.parent
  if (!(parent instanceof Y.AbstractType)) return undefined
  const up = locate(roots, doc, parent)
  if (up === undefined) return undefined
  const [pn, path] = up
  if (typeof pn === 'function') return [pn, path]
  if (pn.y === 'array') return [pn.item, `${path}[]`]
  const sub = item.parentSub
  if (sub === null) return undefined // an array-style item in a map: no reader sees it
  const s = pn.key(sub)
  return s === undefined ? undefined : [s, keyPath(pn, path, sub)]
}

/** A type's live array values with their items (placeholders included), or only those inserted since `before`. */
function * items (t: Y.AbstractType<any>, before?: Map<number, number>): Generator<[unknown, Y.Item]> {
  for (let n = t._start; n !== null; n = n.right) {
    if (n.deleted || !n.countable) continue
    if (before !== undefined && n.id.clock < (before.get(n.id.client) ?? 0)) continue
    for (const x of n.content.getContent()) yield [x, n]
  }
}

function * mapKeys (t: Y.AbstractType<any>): Generator<string> {
  for (const [k, item] of t._map) if (!item.deleted) yield k
}

/** Whether an update writes the struct with this id (the culprit of a Problem). */
export function updateWrites (update: Uint8Array, at: { client: number, clock: number }): boolean {
  let structs: Array<{ id: { client: number, clock: number }, length: number }>
  try { structs = Y.decodeUpdate(update).structs } catch { return false }
  return structs.some(s => s.id.client === at.client && s.id.clock <= at.clock && at.clock < s.id.clock + s.length)
}

/**
 * Decodes an update without applying it and checks it: it must decode whole, stay within
 * UPDATE_BOUNDS, and what it writes straight under a root of this kind of document must fit
 * (a lease that is a number is caught here, before the entry is stored or forwarded; deeper
 * items need the document and are checked by checkChanges). Returns the problem or undefined.
 */
export function checkUpdate (kind: DocKind, update: Uint8Array, bounds: { maxClockSpan: number, maxStructs: number } = UPDATE_BOUNDS): string | undefined {
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>, ds: { clients: Map<number, Array<{ clock: number, len: number }>> } }
  try {
    decoded = Y.decodeUpdate(update) as any
  } catch (err: any) {
    return `the update does not decode: ${String(err?.message ?? err)}`
  }
  const out = bounded(decoded, bounds)
  if (out !== undefined) return out
  const roots = ROOTS[kind]
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item) || typeof s.parent !== 'string') continue
    const n = own(roots, s.parent)
    if (n === undefined) continue
    const values = s.content.getContent()
    let p: string | undefined
    if (n.y === 'array') {
      // Types written under a root are new: they are empty here, their content follows as items of their own.
      if (s.parentSub === null) for (const v of values) { p = checkShallow(n.item, v, `${s.parent}[]`); if (p !== undefined) break }
    } else if (s.parentSub !== null) {
      const f = n.key(s.parentSub)
      if (f !== undefined && values.length > 0) p = checkShallow(f, values[values.length - 1], keyPath(n, s.parent, s.parentSub))
    }
    if (p !== undefined) return p
  }
  return undefined
}

/**
 * The bounds of UPDATE_BOUNDS (or others) alone, read off the update's bytes without decoding
 * it (update-scan.ts): for a snapshot's parts, which are then applied to a scratch document
 * whose changes checkChanges checks for the shapes. Returns the problem or undefined.
 */
export function checkBounds (update: Uint8Array, bounds: { maxClockSpan: number, maxStructs: number } = UPDATE_BOUNDS): string | undefined {
  let x: UpdateExtent
  try {
    x = scanUpdate(update)
  } catch (err: any) {
    return `the update does not decode: ${String(err?.message ?? err)}`
  }
  if (x.structs > bounds.maxStructs) return OUT_OF_BOUNDS.structs(x.structs)
  if (x.maxSpan > bounds.maxClockSpan) return OUT_OF_BOUNDS.span(x.maxSpan)
  if (x.maxDeleted > bounds.maxClockSpan) return OUT_OF_BOUNDS.deleted(x.maxDeleted)
  return undefined
}

/** Why an update is out of bounds, said one way whether it was decoded (bounded) or scanned (checkBounds). */
const OUT_OF_BOUNDS = {
  structs: (n: number) => `the update holds ${n} structs`,
  span: (n: number) => `a struct of the update spans ${n} clock ticks`,
  deleted: (n: number) => `the update deletes a range of ${n}`
}

function bounded (decoded: { structs: Array<{ length: number }>, ds: { clients: Map<number, Array<{ len: number }>> } }, bounds: { maxClockSpan: number, maxStructs: number }): string | undefined {
  if (decoded.structs.length > bounds.maxStructs) return OUT_OF_BOUNDS.structs(decoded.structs.length)
  for (const s of decoded.structs) {
    if (!(s.length >= 0 && s.length <= bounds.maxClockSpan)) return OUT_OF_BOUNDS.span(s.length)
  }
  for (const ranges of decoded.ds.clients.values()) {
    for (const r of ranges) if (!(r.len >= 0 && r.len <= bounds.maxClockSpan)) return OUT_OF_BOUNDS.deleted(r.len)
  }
  return undefined
}

/** A value's own kind against a node, without its content (a new type has none yet). */
function checkShallow (n: Node, v: unknown, path: string): string | undefined {
  if (typeof n === 'function') return v instanceof Y.AbstractType ? `${path}: not a plain value` : check(n, v, path)?.reason
  if (n.y === 'array') return v instanceof Y.Array ? undefined : `${path}: not a Y.Array`
  return v instanceof Y.Map ? undefined : `${path}: not a Y.Map`
}

/** Where a new item would go: its parent type's schema node, and the key it sets (null in an array). */
type Place = { node: Node | undefined, sub: string | null } | 'unknown' | string

/**
 * Checks an update against the document it is about to be applied to, before anything changes:
 * every item's parent (named, or taken from its neighbour, in the document or in the update)
 * must be a type, and what it writes must fit the schema there (types by kind; their content
 * follows as items of their own, checked the same way). Items whose neighbours are missing
 * (Yjs would hold them back) are left to checkChanges when they integrate. Applying is not
 * transactional, so this is what keeps a bad entry from touching an open document at all.
 */
export function checkAgainst (kind: DocKind, doc: Y.Doc, update: Uint8Array): string | undefined {
  return checkAgainstDoc(kind, doc, update).problem
}

/**
 * As checkAgainst, and whether every item was placed: when all were (and nothing waited in Yjs
 * before), applying the update integrates exactly what was checked, and checkChanges may be skipped.
 */
export function checkAgainstDoc (kind: DocKind, doc: Y.Doc, update: Uint8Array): { problem?: string, complete: boolean } {
  const roots = ROOTS[kind]
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>, ds: { clients: Map<number, Array<{ clock: number, len: number }>> } }
  try { decoded = Y.decodeUpdate(update) as any } catch (err: any) { return { problem: `the update does not decode: ${String(err?.message ?? err)}`, complete: false } }
  const out = bounded(decoded, UPDATE_BOUNDS)
  if (out !== undefined) return { problem: out, complete: false }
  const structs = decoded.structs
  let complete = true
  // The update's items by client, in clock order: a lookup is a binary search. (A linear find per
  // lookup, times the walks below, made an append of 800 messages take ~2 s to check against an
  // open document: the event loop blocked, the sync session starved.)
  const mine = new Map<number, Y.Item[]>()
  for (const s of structs) if (s instanceof Y.Item) { const l = mine.get(s.id.client) ?? []; l.push(s); mine.set(s.id.client, l) }
  for (const l of mine.values()) l.sort((a, b) => a.id.clock - b.id.clock)
  const inUpdate = (id: { client: number, clock: number }): Y.Item | undefined => {
    const l = mine.get(id.client)
    if (l === undefined) return undefined
    let lo = 0
    let hi = l.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const i = l[mid] as Y.Item
      if (id.clock < i.id.clock) hi = mid - 1
      else if (id.clock >= i.id.clock + i.length) lo = mid + 1
      else return i
    }
    return undefined
  }
  // Where each item of the update goes, once found: an array's appended items each reach their
  // parent through their left neighbour, and a map's keys through the map, so without this every
  // item walked its neighbours again (up to 64 deep, then counted as unknown). Only what was found
  // is kept: an 'unknown' may come from the depth bound, and another walk may get further.
  const placed = new Map<Y.Item, Place>()
  const inDoc = (id: { client: number, clock: number }): Y.Item | Y.GC | undefined => {
    const have = doc.store.clients.get(id.client)
    const last = have?.[have.length - 1]
    if (last === undefined || id.clock >= last.id.clock + last.length) return undefined
    try { return Y.getItem(doc.store, Y.createID(id.client, id.clock)) as Y.Item | Y.GC } catch { return undefined }
  }
  const placeOfType = (item: Y.Item, depth: number): Place => {
    // The node of the type an existing or new ContentType item holds.
    if (!(item.content instanceof Y.ContentType)) return 'its parent is not a type'
    if (item.parent instanceof Y.AbstractType) {
      const at = locate(roots, doc, item.content.type)
      return { node: at?.[0], sub: null }
    }
    const up = placeOf(item, depth + 1)
    if (typeof up === 'string') return up
    return { node: childNode(up.node, up.sub), sub: null }
  }
  const placeOf = (item: Y.Item, depth: number): Place => {
    const known = placed.get(item)
    if (known !== undefined) return known
    const at = walk(item, depth)
    if (at !== 'unknown') placed.set(item, at)
    return at
  }
  const walk = (item: Y.Item, depth: number): Place => {
    if (depth > 64) return 'unknown'
    if (typeof item.parent === 'string') return { node: own(roots, item.parent), sub: item.parentSub }
    if (item.parent instanceof Y.AbstractType) { // an item of the document
      const at = locate(roots, doc, item.parent)
      return { node: at?.[0], sub: item.parentSub }
    }
    if (item.parent !== null) {
      const pid = item.parent as unknown as { client: number, clock: number }
      const p = inUpdate(pid) ?? inDoc(pid)
      if (p === undefined) return 'unknown'
      // Deleted (a GC, or an item whose content was dropped): Yjs discards what goes into it.
      if (p instanceof Y.GC || p.deleted || p.content instanceof Y.ContentDeleted) return 'unknown'
      const t = placeOfType(p, depth)
      return typeof t === 'string' ? t : { node: t.node, sub: item.parentSub }
    }
    const nid = item.origin ?? item.rightOrigin
    if (nid === null) return 'unknown'
    const n = inUpdate(nid) ?? inDoc(nid)
    if (n === undefined || n instanceof Y.GC) return 'unknown'
    if (n.parent === null && n.content instanceof Y.ContentDeleted && !(typeof n.parent === 'string')) return 'unknown'
    return placeOf(n, depth + 1)
  }
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue
    const at = placeOf(s, 0)
    if (at === 'unknown') { complete = false; continue }
    if (typeof at === 'string') return { problem: at, complete }
    if (at.node === undefined) continue
    const values = s.content.getContent()
    if (values.length === 0) continue
    const n = childNode(at.node, at.sub)
    if (n === undefined) continue
    if (at.sub === null && typeof at.node !== 'function' && at.node.y === 'array') {
      for (const v of values) { const p = checkShallow(n, v, 'item'); if (p !== undefined) return { problem: p, complete } }
    } else {
      const p = checkShallow(n, values[values.length - 1], at.sub === null ? 'item' : typeof at.node !== 'function' && at.node.y === 'map' && at.node.anyKey !== true ? at.sub : quoteKey(at.sub))
      if (p !== undefined) return { problem: p, complete }
    }
  }
  return { complete }
}

/** The node of a child of `n` at key `sub` (null: an array element). */
function childNode (n: Node | undefined, sub: string | null): Node | undefined {
  if (n === undefined) return undefined
  if (typeof n === 'function') return () => 'not a plain value'
  if (n.y === 'array') return sub === null ? n.item : undefined
  return sub === null ? undefined : n.key(sub)
}
