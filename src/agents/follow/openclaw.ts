/**
 * OpenClaw as a follow source, both eras: file-era transcripts
 * (`agents/<agentId>/sessions/<sessionId>.jsonl`) tailed as JSONL with their routing entry in
 * `sessions.json` (openclaw-route.ts), and database-era sessions
 * (`agents/<agentId>/agent/openclaw-agent.sqlite`, `transcript_events`) read read-only by `seq`.
 * Each database is polled by a stat of it and its WAL; its session list and image are read
 * again only when they changed. A database that cannot be read is a problem of the scan (said
 * once, tried again each pass); the others go on.
 */
import { dirname, join } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { InvalidInputError } from '../../errors.js'
import { IdCounter } from '../ids.js'
import { BACK, remapLines } from '../remap.js'
import { listOpenclawSessions, openclawHome } from '../openclaw/home.js'
import { dbEvents, dbIndexRecord, dbSessions, openclawDbPaths, type OpenclawDbSession } from '../openclaw/db.js'
import { openclawLineKey, openclawMeta, openclawPathFields, openclawView } from '../openclaw/records.js'
import type { SqliteFile } from '../sqlite/reader.js'
import { JsonlStream } from './jsonl-stream.js'
import { DbSessions } from './db-sessions.js'
import { OpenclawFileStream, OpenclawIndexes } from './openclaw-route.js'
import type { Held, Scan, Source, Stream, StreamRead } from './source.js'

export class OpenclawSource implements Source {
  readonly agent = 'openclaw'
  private readonly streams = new Map<string, Stream>()
  private readonly dbs: DbSessions<OpenclawDbSession>
  private readonly indexes = new OpenclawIndexes()

  constructor (private readonly env: NodeJS.ProcessEnv = process.env, private readonly since?: number) {
    this.dbs = new DbSessions(env)
  }

  async scan (): Promise<Scan> {
    const home = openclawHome(this.env)
    const watch = new Set([home, join(home, 'agents')])
    const streams: Stream[] = []
    const problems: string[] = []
    const inDb = new Set<string>()
    for (const { agentId, path } of await openclawDbPaths(this.env)) {
      watch.add(dirname(path))
      let db
      try {
        db = await this.dbs.of(path, q => dbSessions(q, path, agentId))
      } catch (err) {
        problems.push(`${path}: ${err instanceof Error ? err.message : String(err)}`)
        continue
      }
      for (const session of db.sessions) {
        inDb.add(session.sessionId)
        if (this.since !== undefined && session.mtimeMs < this.since) continue
        const id = `openclaw:${path}#${session.sessionId}`
        let s = this.streams.get(id) as OpenclawDbStream | undefined
        if (s === undefined) { s = new OpenclawDbStream(id, db.file, session); this.streams.set(id, s) }
        s.session = session
        streams.push(s)
      }
    }
    for (const r of await listOpenclawSessions(this.env)) {
      // A transcript `openclaw doctor --fix` migrated into a database and left behind is that session again.
      if (inDb.has(r.sessionId) || (this.since !== undefined && r.mtimeMs < this.since)) continue
      watch.add(dirname(r.path))
      const id = `openclaw:${r.path}`
      let s = this.streams.get(id)
      if (s === undefined) {
        // With its routing entry in sessions.json, as an import takes it.
        s = new OpenclawFileStream(new JsonlStream({ id, agent: 'openclaw', sessionId: r.sessionId, key: `agent:openclaw:${r.sessionId}`, path: r.path, file: '', lineKey: openclawLineKey, view: openclawView, pathFields: openclawPathFields, cwdOf: l => openclawMeta(l).cwd, meta: { name: r.name, dir: r.dir } }), this.indexes)
        this.streams.set(id, s)
      }
      streams.push(s)
    }
    return { streams, watch: [...watch], problems }
  }
}

/** Where a database session was read up to: its last stored `seq`, and whether its routing entry went too. */
interface DbCursor { seq: number, index: boolean }

interface State { seq: number, counter: IdCounter, stamp?: string, fileCwd?: string, heldCwd?: string, blocked?: Error }

/** One database-era session: its events after the cursor's `seq`, keyed as an import keys them. */
export class OpenclawDbStream implements Stream {
  readonly agent = 'openclaw'
  readonly sessionId: string
  readonly key: string
  private state: State | undefined

  constructor (readonly id: string, private readonly file: SqliteFile, public session: OpenclawDbSession) {
    this.sessionId = session.sessionId
    this.key = `agent:openclaw:${session.sessionId}`
  }

  async read (cursor: unknown, held: Held | undefined): Promise<StreamRead | undefined> {
    const c = isDbCursor(cursor) ? cursor : undefined
    const after = c?.seq ?? -Infinity
    const meta = { name: this.session.name, dir: this.session.dir }
    const stamp = await this.file.stamp()
    if (stamp === undefined) { this.state = undefined; return undefined }
    const st0 = this.state
    if (st0 !== undefined && st0.stamp === stamp && st0.seq === after && st0.heldCwd === held?.cwd) {
      if (st0.blocked !== undefined) throw st0.blocked
      return { records: [], messages: [], meta: { cwd: held?.cwd ?? st0.fileCwd, ...meta }, cursor: c, mtimeMs: this.session.mtimeMs }
    }
    const r = await this.file.read(q => {
      // The numbering of repeated ids and the cwd of what was read before the cursor (after a restart).
      const prime = st0 === undefined || st0.seq !== after || st0.heldCwd !== held?.cwd ? (Number.isFinite(after) ? dbEvents(q, this.sessionId, -Infinity, after) : { events: [] }) : undefined
      return { prime, next: dbEvents(q, this.sessionId, after) }
    })
    if (r === undefined) { this.state = undefined; return undefined }
    let st = st0 as State
    if (r.prime !== undefined) {
      st = { seq: after, counter: new IdCounter(), heldCwd: held?.cwd }
      const lines = r.prime.events.map(e => e.text)
      st.fileCwd = openclawMeta(lines).cwd
      const map = mapBack(st.fileCwd, held)
      for (const text of map !== undefined ? remapLines(lines, openclawPathFields, map, BACK).lines : lines) st.counter.next(openclawLineKey(text, this.sessionId).id)
    }
    const events = r.next.events
    const texts = events.map(e => e.text)
    if (st.fileCwd === undefined) st.fileCwd = openclawMeta(texts).cwd
    const map = mapBack(st.fileCwd, held)
    const lines = map !== undefined ? remapLines(texts, openclawPathFields, map, BACK).lines : texts
    const keyed = lines.map(text => { const k = openclawLineKey(text, this.sessionId); return { ...k, id: st.counter.next(k.id) } })
    const records: NativeRecord[] = keyed.map(k => ({ ...k, file: '' }))
    const index = c?.index === true ? undefined : dbIndexRecord(this.session)
    if (index !== undefined && records.length > 0) records.push(index)
    const last = events.at(-1)
    st.seq = last?.seq ?? after
    st.stamp = stamp
    const b = r.next.blocked
    st.blocked = b === undefined ? undefined : new InvalidInputError(`${this.session.db}: ${b.rows} event${b.rows === 1 ? '' : 's'} of session ${this.sessionId} from seq ${b.seq} on are ${b.why}: captured up to seq ${String(st.seq)}, the rest waits`, { path: this.session.db })
    this.state = st
    // What came before the row that cannot be read is stored first; the next read says why it stops there.
    if (records.length === 0 && st.blocked !== undefined) throw st.blocked
    const next: DbCursor | undefined = last === undefined ? c : { seq: last.seq, index: c?.index === true || index !== undefined }
    return { records, messages: openclawView(keyed), meta: { cwd: held?.cwd ?? st.fileCwd, ...meta }, cursor: next, mtimeMs: last?.at ?? this.session.mtimeMs }
  }
}

function mapBack (fileCwd: string | undefined, held: Held | undefined): { from: string, to: string } | undefined {
  return held?.cwd !== undefined && fileCwd !== undefined && held.cwd !== fileCwd ? { from: fileCwd, to: held.cwd } : undefined
}

function isDbCursor (c: unknown): c is DbCursor {
  return typeof c === 'object' && c !== null && typeof (c as DbCursor).seq === 'number'
}
