/**
 * Record ids: the agent's own id where a line has one (Claude Code `uuid`), else a stable id
 * from the line's type, its session and a hash of its text. An id seen again in the same file
 * (an agent that logged one uuid twice, or two identical metadata lines) gets `~2`, `~3`… by
 * order of appearance, so re-importing a file that only grew yields the same ids and adds only
 * the new lines.
 */
import { createHash } from 'node:crypto'
import { withoutBom } from './jsonl.js'

/** A session id of Claude Code and Codex (a UUID), as regular-expression text, and the whole-string test. */
export const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
export const UUID = new RegExp(`^${UUID_TEXT}$`, 'i')

/**
 * The most characters of an agent's own id kept as the record's id. A record's id is its view
 * messages' id, and a message id is one line of at most 512 characters (api/schema-text.ts
 * MAX_MESSAGE_ID): this leaves room for what an id may get around it (Hermes `message:…:<hash>`,
 * `~n`, `#n`).
 */
export const MAX_OWN_ID = 400

/** A control character (a newline, a tab, an escape, a line separator) or half a surrogate pair. */
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029\p{Cs}]/u

/**
 * An agent's own id (a Claude line's uuid, an OpenClaw entry's id, a Hermes message's id) as a
 * record's id: itself, or when longer than MAX_OWN_ID or not one line of text, `own:` and a
 * hash of it, the same on every machine and every import (so a re-import adds nothing twice).
 * The agent's id itself stays in the record's text, which is what a resume or export writes.
 */
export function ownId (id: string): string {
  if (id.length <= MAX_OWN_ID && !NOT_ONE_LINE.test(id)) return id
  return `own:${createHash('sha256').update(id).digest('hex').slice(0, 40)}`
}

export function contentId (type: string, sessionId: string, text: string): string {
  const h = createHash('sha256').update(text).digest('hex').slice(0, 20)
  return `${type}:${sessionId}:${h}`
}

/** Numbers repeated ids by occurrence: ['a','b','a'] -> ['a','b','a~2']. */
export function disambiguate (ids: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return ids.map(id => {
    const n = (seen.get(id) ?? 0) + 1
    seen.set(id, n)
    return n === 1 ? id : `${id}~${n}`
  })
}

/**
 * disambiguate() across reads: a follower keys a file's lines a few at a time, and numbers a
 * repeated id exactly as a whole-file import would.
 */
export class IdCounter {
  private readonly seen = new Map<string, number>()
  next (id: string): string {
    const n = (this.seen.get(id) ?? 0) + 1
    this.seen.set(id, n)
    return n === 1 ? id : `${id}~${n}`
  }
}

/** A parsed line's object, or undefined when it is not a JSON object. */
export function parseObject (line: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(withoutBom(line)))
  } catch {
    return undefined
  }
}

/**
 * A JSON value as an object, or undefined for anything else (null, an array, a string): a
 * reader skips a field of a shape it does not know rather than fail the line, and with it the
 * whole file (AGENT-FORMATS.md §1.3, §7).
 */
export function asObject (v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined
}

/** The objects of a JSON array (none for a value that is not one); its other items skipped. */
export function objectsIn (v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => asObject(x) !== undefined) : []
}
