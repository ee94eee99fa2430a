/**
 * OpenClaw's database era (AGENT-FORMATS.md §2.1): one SQLite store per agent,
 * `agents/<agentId>/agent/openclaw-agent.sqlite`, written by the Gateway alone, read here
 * read-only (sqlite/reader.ts). A transcript is the rows of `transcript_events(session_id, seq,
 * event_json, created_at)` in `seq` order, `event_json` being the very JSONL record the file era
 * wrote: the records, their ids and the view are the file era's (records.ts), so a session reads
 * the same from either era and resumes as the file `openclaw doctor --fix` imports. The routing
 * key comes from `session_windows.session_key`. Only these two tables are queried: never the
 * auth or control-plane tables, nor `state/openclaw.sqlite`.
 *
 * Rows stored compressed (`event_zstd`) are decoded with Node's zstd (22.15+), else with fzstd;
 * a session is read up to a row whose frame does not decode and the rest is reported, never
 * skipped.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as zlib from 'node:zlib'
import { decompress as fzstdDecompress } from 'fzstd'
import type { NativeRecord } from '../../../crdt/records.js'
import { InvalidInputError } from '../../errors.js'
import { contentId } from '../ids.js'
import { remapLines } from '../remap.js'
import type { Query, Row } from '../sqlite/engine.js'
import { SqliteFile } from '../sqlite/reader.js'
import { OPENCLAW_INDEX_FILE, type OpenclawBundle } from './bundle.js'
import { openclawHome } from './home.js'
import { openclawMeta, openclawPathFields, openclawRecords, openclawView } from './records.js'

export const OPENCLAW_DB = 'openclaw-agent.sqlite'

const nodeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync
/** Node's zstd where it has one (22.15+), else fzstd (pure JavaScript): both decode a frame whole. */
const zstdDecompress = (b: Uint8Array): Uint8Array => nodeZstd !== undefined ? nodeZstd(b) : fzstdDecompress(b)
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

export interface OpenclawDbSession {
  agentId: string
  sessionId: string
  /** The agent's database file. */
  db: string
  /** Where a resume writes it for doctor's import: `agents/<agentId>/sessions`, `<sessionId>.jsonl`. */
  dir: string
  name: string
  /** The last event's time (ms). */
  mtimeMs: number
  /** Bytes of its events' text. */
  size: number
  events: number
  lastSeq: number
  sessionKey?: string
  startedAt?: number
}

/** Every agent's database under the state dir. */
export async function openclawDbPaths (env: NodeJS.ProcessEnv = process.env): Promise<Array<{ agentId: string, path: string }>> {
  const root = join(openclawHome(env), 'agents')
  let agents: string[]
  try { agents = await readdir(root) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return []; throw err }
  const out: Array<{ agentId: string, path: string }> = []
  for (const agentId of agents.sort()) {
    const dir = join(root, agentId, 'agent')
    let names: string[]
    try { names = await readdir(dir) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') continue; throw err }
    if (names.includes(OPENCLAW_DB)) out.push({ agentId, path: join(dir, OPENCLAW_DB) })
  }
  return out
}

/** Seconds or milliseconds since the epoch, as ms. */
export function epochMs (v: unknown): number {
  const n = Number(v)
  if (!Number.isFinite(n)) return 0
  return n < 1e11 ? Math.round(n * 1000) : n
}

function tables (q: Query): { events: boolean, windows: boolean, zstd: boolean } {
  const names = new Set(q.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('transcript_events', 'session_windows')").map(r => String(r.name)))
  const zstd = names.has('transcript_events') && q.all("SELECT name FROM pragma_table_info('transcript_events') WHERE name = 'event_zstd'").length > 0
  return { events: names.has('transcript_events'), windows: names.has('session_windows'), zstd }
}

/** The sessions of one agent's database (none while its Gateway has not made the table). */
export function dbSessions (q: Query, db: string, agentId: string): OpenclawDbSession[] {
  const t = tables(q)
  if (!t.events) return []
  const rows = q.all(`SELECT e.session_id AS id, count(*) AS n, max(e.seq) AS last, max(e.created_at) AS at, sum(length(e.event_json)) AS bytes${t.windows ? ', w.session_key AS skey, w.created_at AS started' : ''}
    FROM transcript_events e${t.windows ? ' LEFT JOIN session_windows w ON w.session_id = e.session_id' : ''} GROUP BY e.session_id`)
  return rows.map(r => ({
    agentId,
    sessionId: String(r.id),
    db,
    dir: `agents/${agentId}/sessions`,
    name: `${String(r.id)}.jsonl`,
    mtimeMs: epochMs(r.at),
    size: Number(r.bytes ?? 0),
    events: Number(r.n),
    lastSeq: Number(r.last),
    sessionKey: typeof r.skey === 'string' ? r.skey : undefined,
    startedAt: r.started !== undefined && r.started !== null ? epochMs(r.started) : undefined
  }))
}

export interface DbEvents {
  events: Array<{ seq: number, text: string, at: number }>
  /** Rows from the first one that could not be read (compressed, no decoder here) to the end. */
  blocked?: { seq: number, rows: number, why: string }
}

/** A session's events after `afterSeq` (and up to `uptoSeq`), in order. */
export function dbEvents (q: Query, sessionId: string, afterSeq = -Infinity, uptoSeq = Infinity): DbEvents {
  const t = tables(q)
  if (!t.events) return { events: [] }
  const rows = q.all(`SELECT seq, created_at, event_json${t.zstd ? ', event_zstd' : ''} FROM transcript_events WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
    [sessionId, Number.isFinite(afterSeq) ? afterSeq : -9e15, Number.isFinite(uptoSeq) ? uptoSeq : 9e15])
  const events: DbEvents['events'] = []
  for (const [i, r] of rows.entries()) {
    const text = eventText(r)
    if (typeof text !== 'string') return { events, blocked: { seq: Number(r.seq), rows: rows.length - i, why: text.why } }
    events.push({ seq: Number(r.seq), text, at: epochMs(r.created_at) })
  }
  return { events }
}

function eventText (r: Row): string | { why: string } {
  if (typeof r.event_json === 'string' && r.event_json !== '') return r.event_json
  const z = r.event_zstd
  if (z instanceof Uint8Array) {
    try {
      return utf8Strict.decode(zstdDecompress(z))
    } catch (err) {
      // A damaged frame is said and the session read up to it, like any row that cannot be read.
      return { why: `stored zstd-compressed (event_zstd) in a frame that does not decode (${(err as Error).message})` }
    }
  }
  return { why: 'the row holds no event (event_json empty, no event_zstd)' }
}

/** The routing entry of a database-era session, as the file era's side file carries it. */
export function dbIndexRecord (s: OpenclawDbSession): NativeRecord | undefined {
  if (s.sessionKey === undefined) return undefined
  const text = JSON.stringify({ sessionKey: s.sessionKey, entry: { sessionId: s.sessionId, ...(s.startedAt !== undefined ? { sessionStartedAt: s.startedAt } : {}) } })
  return { id: contentId('session_entry', s.sessionId, text), file: OPENCLAW_INDEX_FILE, kind: 'session_entry', text }
}

/**
 * Every database-era session of the state dir. A database that cannot be read is handed to
 * `onProblem` (and the others listed), or, without it, thrown.
 */
export async function listOpenclawDbSessions (env: NodeJS.ProcessEnv = process.env, onProblem?: (err: Error) => void): Promise<OpenclawDbSession[]> {
  const out: OpenclawDbSession[] = []
  for (const { agentId, path } of await openclawDbPaths(env)) {
    const f = new SqliteFile(path, { env })
    try {
      out.push(...(await f.read(q => dbSessions(q, path, agentId)) ?? []))
    } catch (err) {
      if (onProblem === undefined || !(err instanceof Error)) throw err
      onProblem(err)
    } finally {
      f.close()
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs)
}

/** A database-era session as an import reads it (the file era's bundle). */
export async function readOpenclawDbSession (s: OpenclawDbSession, opts: { env?: NodeJS.ProcessEnv, map?: { from: string, to: string } } = {}): Promise<OpenclawBundle> {
  const f = new SqliteFile(s.db, { env: opts.env })
  let read: DbEvents | undefined
  try { read = await f.read(q => dbEvents(q, s.sessionId)) } finally { f.close() }
  if (read === undefined) throw new InvalidInputError(`${s.db} is gone`, { path: s.db })
  if (read.blocked !== undefined) throw new InvalidInputError(`${s.db}: session ${s.sessionId}: ${read.blocked.rows} of its events from seq ${read.blocked.seq} are ${read.blocked.why}: not imported`, { path: s.db })
  const split = read.events.map(e => e.text)
  const lines = opts.map !== undefined ? remapLines(split, openclawPathFields, opts.map).lines : split
  const records: NativeRecord[] = openclawRecords(lines, s.sessionId).map(r => ({ ...r, file: '' }))
  const index = dbIndexRecord(s)
  if (index !== undefined) records.push(index)
  return { sessionId: s.sessionId, cwd: openclawMeta(lines).cwd, name: s.name, dir: s.dir, sessionKey: s.sessionKey, records, view: openclawView(records.filter(r => r.file === '')), lines: lines.length }
}
