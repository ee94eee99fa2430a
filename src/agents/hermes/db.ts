/**
 * Hermes's `state.db` (AGENT-FORMATS.md §3.2, SCHEMA_VERSION 30), read read-only
 * (sqlite/reader.ts): a session is its `sessions` row and the rows of `messages` with its id, in
 * `messages.id` order, put together as one line of Hermes's native export (every column of the
 * row plus `messages`, the message rows with every column), so a session reads the same whether
 * it came from `hermes sessions export` or from the database, and goes back through Hermes's
 * importer. Columns are taken as the table has them (`SELECT *`): a later schema's new columns
 * travel too. BLOB values become base64 strings; integers past 2^53 their decimal text.
 *
 * Hermes rewrites message rows in place (compaction flips `active`, a retry rewrites content):
 * `messages.id` is never reused, and a changed row is a new record of the same row (records.ts
 * keys a row by its id and a hash of its text), its older versions kept. Only `sessions` and
 * `messages` are queried (and `schema_version`); never another table.
 */
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidInputError } from '../../errors.js'
import type { Query, Row, SqlValue } from '../sqlite/engine.js'
import { hermesHome } from './home.js'

/** The schema this reader was written against; a newer one is read column by column as it comes. */
export const HERMES_SCHEMA_VERSION = 30

export function hermesDbPath (env: NodeJS.ProcessEnv = process.env): string { return join(hermesHome(env), 'state.db') }

/**
 * The home's `state.db` and each named profile's (`profiles/<name>/state.db`, a store of its
 * own), whether they exist yet or not: the caller reads what is there.
 */
export async function hermesDbPaths (env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const root = join(hermesHome(env), 'profiles')
  let names: string[]
  try { names = await readdir(root) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') names = []; else throw err }
  return [hermesDbPath(env), ...names.sort().map(n => join(root, n, 'state.db'))]
}

/** Session ids a mesh key can hold (Hermes's are `YYYYMMDD_HHMMSS_<hex>`). */
export const HERMES_SESSION_ID = /^[A-Za-z0-9._-]{1,200}$/

export interface HermesDbSession {
  sessionId: string
  /** The newest of its start, end and messages' times (ms). */
  mtimeMs: number
  messages: number
  lastId: number
  title?: string
  cwd?: string
}

function check (q: Query): void {
  const names = new Set(q.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('sessions', 'messages')").map(r => String(r.name)))
  if (!names.has('sessions') || !names.has('messages')) throw new InvalidInputError('not a Hermes state.db: it has no sessions and messages tables')
}

const sec = (v: SqlValue | undefined): number => typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) : 0

/** Every session of the database with what polling needs to know of it. */
export function hermesDbSessions (q: Query): HermesDbSession[] {
  check(q)
  const stats = new Map<string, Row>()
  for (const r of q.all('SELECT session_id AS sid, count(*) AS n, max(id) AS last, max(timestamp) AS at FROM messages GROUP BY session_id')) stats.set(String(r.sid), r)
  return q.all('SELECT * FROM sessions').map(s => {
    const id = String(s.id)
    const m = stats.get(id)
    const str = (v: SqlValue | undefined): string | undefined => typeof v === 'string' && v !== '' ? v : undefined
    return {
      sessionId: id,
      mtimeMs: Math.max(sec(s.started_at), sec(s.ended_at), sec(s.last_activity_at), sec(m?.at)),
      messages: Number(m?.n ?? 0),
      lastId: Number(m?.last ?? 0),
      title: str(s.title),
      cwd: str(s.cwd)
    }
  }).sort((a, b) => b.mtimeMs - a.mtimeMs)
}

/** A session as one line of Hermes's native export; undefined when there is no such session. */
export function hermesDbLine (q: Query, sessionId: string): string | undefined {
  check(q)
  const row = q.all('SELECT * FROM sessions WHERE id = ?', [sessionId])[0]
  if (row === undefined) return undefined
  const messages = q.all('SELECT * FROM messages WHERE session_id = ? ORDER BY id', [sessionId]).map(jsonRow)
  return JSON.stringify({ ...jsonRow(row), messages })
}

/** The schema version the database says it has (schema_version), when it says. */
export function hermesSchemaVersion (q: Query): number | undefined {
  const has = q.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").length > 0
  if (!has) return undefined
  const v = q.all('SELECT * FROM schema_version')[0]
  const n = v === undefined ? Number.NaN : Number(Object.values(v)[0])
  return Number.isFinite(n) ? n : undefined
}

function jsonRow (r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(r)) {
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v
  }
  return out
}

/**
 * Columns of a sessions row that change with every turn (counts, tokens, costs, activity):
 * Hermes's importer recomputes or resets them, so a change in them alone makes no new record
 * of the row while following. Anything else that changes (title, end, model…) does.
 */
const VOLATILE = /(^|_)(count|tokens)$|_cost_usd$|^cost_|^last_activity|^last_read_at$|^handoff_|^pricing_version$/

/** A hash of the row's columns that are not VOLATILE. */
export function stableHeadHash (head: string): string {
  const o = JSON.parse(head) as Record<string, unknown>
  const kept = Object.entries(o).filter(([k]) => !VOLATILE.test(k) && k !== 'messages')
  return createHash('sha256').update(JSON.stringify(kept)).digest('hex').slice(0, 16)
}
