/**
 * The shapes of mesh's documents: what each root of each kind of document holds (ROOTS), the
 * plain values' shapes (SHAPES), and the readers' guards over them (fits, copyOf, copyJson). A
 * member's entry can hold valid Yjs of the wrong shape (a lease that is a number, a transcript
 * item that is not a chunk): the readers (session.ts, memory.ts, skills.ts, sessions-index.ts)
 * skip what does not fit these shapes, so they never throw, and the checks (doc-check.ts,
 * validate.ts) refuse it by the same shapes.
 */
import * as Y from 'yjs'
import { DOC_NAMES } from './names.js'
import { isSkillCategory, isSkillFilePath, isSkillName } from './paths.js'
import { isBundlePath, MAX_PARTS } from './records.js'

export type DocKind = 'session' | 'memory' | 'skills' | 'sessions-index' | 'other'

export function docKind (name: string): DocKind {
  if (name === DOC_NAMES.sessionsIndex) return 'sessions-index'
  if (name === DOC_NAMES.memory) return 'memory'
  if (name === DOC_NAMES.skills) return 'skills'
  if (name.startsWith(DOC_NAMES.session('' as never))) return 'session'
  return 'other'
}

/** A value's problem, or undefined when it fits. */
export type Shape = (v: unknown) => string | undefined

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
export const own = <T>(table: Record<string, T>, k: string): T | undefined => Object.hasOwn(table, k) ? table[k] : undefined
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Y.AbstractType) && !(v instanceof Y.Doc)

import { MAX_JSON_DEPTH } from './content-limit.js'
export { MAX_JSON_DEPTH }

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
const skillCategory: Shape = v => typeof v === 'string' && isSkillCategory(v) ? undefined : 'not a category (one folder name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot)'
const skillFile = obj({ path: v => typeof v === 'string' && isSkillFilePath(v) ? undefined : 'not a path of names inside the skill\'s folder', text: str, enc: oneOf('base64'), exec: bool }, ['enc', 'exec'])
const skillFiles: Shape = v => {
  if (!Array.isArray(v)) return 'not a list'
  for (const [i, f] of v.entries()) { const p = skillFile(f); if (p !== undefined) return `${i}: ${p}` }
  return undefined
}
const strings: Shape = v => Array.isArray(v) && v.every(x => typeof x === 'string') ? undefined : 'not a list of strings'

/** Y types in the schema: the node kind decides how a changed type is walked. */
export interface YArrayShape { y: 'array', item: Node }
export interface YMapShape { y: 'map', key: (k: string) => Node | undefined, /** Its keys are data (a session key, a memory key), not the schema's names. */ anyKey?: true }
export type Node = Shape | YArrayShape | YMapShape
const yarray = (item: Node): YArrayShape => ({ y: 'array', item })
/** A Y.Map whose keys each have a shape (unknown keys are left alone: readers never read them). */
const ymapOf = (fields: Record<string, Node>): YMapShape => ({ y: 'map', key: k => own(fields, k) })
/** A Y.Map of any keys, every value of one shape. */
const ymapAll = (value: Node): YMapShape => ({ y: 'map', key: () => value, anyKey: true })

/**
 * A key that is data (a map's of any keys, a plain value's), as a problem's path shows it: quoted
 * as JSON, so that withoutKeys can take it out. Keys the schema names are shown as they are.
 */
export const quoteKey = (k: string): string => JSON.stringify(k)
export const keyPath = (n: YMapShape, path: string, k: string): string => n.anyKey === true ? `${path}[${quoteKey(k)}]` : `${path}.${k}`

/**
 * A problem's reason with every key that is data replaced by `*` (`sessions[*]: key: not a
 * string`): what is kept on disk (quarantine records hold no names, crdt/SPEC.md, Quarantine),
 * while the full reason goes to the log and the live event.
 */
export function withoutKeys (reason: string): string { return reason.replace(/"(?:[^"\\]|\\.)*"/g, '*') }

export const SHAPES = {
  lease: obj({ device: str, epoch: num, expiresAt: time, takenAt: time, label: str }, ['label']),
  /** A device's claim in a session's `leases` (crdt/SPEC.md, The driver lease). */
  leaseClaim: obj({ device: str, epoch: num, expiresAt: time, takenAt: time, label: str, released: bool, auto: bool }, ['label', 'released', 'auto']),
  writer: obj({ device: str, ts: time }),
  toolCall: obj({ id: str, name: str, input: json }, ['id', 'input']),
  toolResult: obj({ callId: str, output: str, isError: bool }, ['isError']),
  progress: obj({ text: str, ts: time, device: str }),
  todo: obj({ id: str, text: str, done: bool, updatedAt: time }),
  memory: obj({ key: str, value: str, tags: strings, updatedAt: time, device: str }),
  // The name, the category and the file paths name where `mesh agent skills sync` writes: a
  // member's `..` in any would write outside the agent's skills directory.
  skill: obj({ name: skillName, version: str, description: str, body: str, source: str, hash: str, updatedAt: time, device: str, text: str, files: skillFiles, category: skillCategory }, ['text', 'files', 'category']),
  skillTombstone: obj({ name: str, hash: str, folder: str, removedAt: time, device: str }),
  summary: obj({ key: str, title: str, createdAt: time })
} as const

/** A transcript message's keys (the message is a Y.Map: its fields are checked one by one). */
export const MESSAGE_FIELDS: Record<string, Shape> = { id: str, role: oneOf('user', 'assistant', 'system', 'tool'), content: str, ts: time, device: str, toolCall: SHAPES.toolCall, toolResult: SHAPES.toolResult }
export const MESSAGE = ymapOf(MESSAGE_FIELDS)
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
export const ROOTS: Record<DocKind, Record<string, YArrayShape | YMapShape>> = {
  session: {
    meta: ymapOf({ key: str, title: str, goal: str, status: oneOf('running', 'idle', 'ended'), createdAt: time, lastWriter: SHAPES.writer, lease: SHAPES.lease }),
    leases: ymapAll(SHAPES.leaseClaim),
    transcript: yarray(yarray(MESSAGE)),
    task: ymapOf({ plan: str, cwd: str, progress: yarray(SHAPES.progress), todos: ymapAll(SHAPES.todo), files: ymapAll(num), fields: ymapAll(json) }),
    records: yarray(RECORD),
    agent: ymapOf({ agent: str, sessionId: str, cwd: str, gitRemote: str, name: str, dir: str, stuck: str, capture: str })
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
