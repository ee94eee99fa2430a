/**
 * Hermes as a follow source: every session of `$HERMES_HOME/state.db` and of each named
 * profile's (`profiles/<name>/state.db`), read read-only
 * (sqlite/reader.ts), polled by a stat of the database and its WAL. Each session is one export
 * line (hermes/db.ts) cut into records as an import cuts it (hermes/records.ts): a read stores
 * the message rows it has not stored yet, new ones and rows Hermes rewrote in place.
 *
 * The cursor is the highest `messages.id` stored, a hash of the record ids of every row up to
 * it, and a hash of the session row's lasting columns. Rows are never reused, so while that
 * hash holds only rows past the id are new; when it does not (a row rewritten), the rows whose
 * current version this process has not stored are sent (after a restart: every row, which the
 * daemon stores once, by id). The session row is stored again only when a lasting column
 * changed (its counters change with every turn and Hermes's importer recomputes them).
 */
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { hermesBundle } from '../hermes/bundle.js'
import { HERMES_SESSION_ID, hermesDbLine, hermesDbPaths, hermesDbSessions, stableHeadHash, type HermesDbSession } from '../hermes/db.js'
import { hermesHome } from '../hermes/home.js'
import { hermesMeta } from '../hermes/records.js'
import type { SqliteFile } from '../sqlite/reader.js'
import { DbSessions } from './db-sessions.js'
import type { Held, Scan, Source, Stream, StreamRead } from './source.js'

export class HermesSource implements Source {
  readonly agent = 'hermes'
  private readonly streams = new Map<string, HermesDbStream>()
  private readonly dbs: DbSessions<HermesDbSession>

  constructor (private readonly env: NodeJS.ProcessEnv = process.env, private readonly since?: number) {
    this.dbs = new DbSessions(env)
  }

  async scan (): Promise<Scan> {
    const home = hermesHome(this.env)
    const watch = new Set([dirname(home), home, join(home, 'profiles')])
    const streams: Stream[] = []
    const problems: string[] = []
    for (const path of await hermesDbPaths(this.env)) {
      watch.add(dirname(path))
      let db
      try {
        db = await this.dbs.of(path, q => hermesDbSessions(q))
      } catch (err) {
        problems.push(`${path}: ${err instanceof Error ? err.message : String(err)}`)
        continue
      }
      for (const s of db.sessions) {
        if (this.since !== undefined && s.mtimeMs < this.since) continue
        if (!HERMES_SESSION_ID.test(s.sessionId)) { problems.push(`${path}: session id ${JSON.stringify(s.sessionId)} has characters a mesh key cannot hold: not followed`); continue }
        const id = `hermes:${path}#${s.sessionId}`
        let st = this.streams.get(id)
        if (st === undefined) { st = new HermesDbStream(id, db.file, s); this.streams.set(id, st) }
        st.session = s
        streams.push(st)
      }
    }
    return { streams, watch: [...watch], problems }
  }
}

interface HermesCursor { maxId: number, sig: string, head: string }

const h16 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16)

/** A message record's row id: `message:<messages.id>:<hash>`. */
function rowId (r: NativeRecord): number {
  const m = /^message:(\d+):/.exec(r.id)
  return m === null ? Number.NaN : Number(m[1])
}

export class HermesDbStream implements Stream {
  readonly agent = 'hermes'
  readonly sessionId: string
  readonly key: string
  /** The stamp of the last read and the record ids it left stored (this process only). */
  private last: { stamp: string, cursor: string, heldCwd?: string, ids: Set<string> } | undefined

  constructor (readonly id: string, private readonly file: SqliteFile, public session: HermesDbSession) {
    this.sessionId = session.sessionId
    this.key = `agent:hermes:${session.sessionId}`
  }

  async read (cursor: unknown, held: Held | undefined): Promise<StreamRead | undefined> {
    const c = isCursor(cursor) ? cursor : undefined
    const stamp = await this.file.stamp()
    if (stamp === undefined) { this.last = undefined; return undefined }
    const quiet = (cwd?: string): StreamRead => ({ records: [], messages: [], meta: { cwd: held?.cwd ?? cwd }, cursor: c, mtimeMs: this.session.mtimeMs })
    if (this.last !== undefined && this.last.stamp === stamp && this.last.cursor === JSON.stringify(c) && this.last.heldCwd === held?.cwd) return quiet(this.session.cwd)
    const line = await this.file.read(q => hermesDbLine(q, this.sessionId))
    if (line === undefined) return quiet(this.session.cwd) // the session row deleted (hermes sessions delete): what mesh holds stays
    const first = hermesMeta(line)
    const map = held?.cwd !== undefined && first.cwd !== undefined && held.cwd !== first.cwd ? { from: first.cwd, to: held.cwd } : undefined
    const b = hermesBundle(line, map)
    const [head, ...rows] = b.records
    if (head === undefined) return quiet(first.cwd)
    const maxId = rows.reduce((n, r) => Math.max(n, Number.isFinite(rowId(r)) ? rowId(r) : n), 0)
    const next: HermesCursor = { maxId, sig: h16(rows.map(r => r.id).join('\n')), head: head.kind === 'session' ? stableHeadHash(head.text) : head.id }
    let send: NativeRecord[]
    if (c === undefined) send = rows
    else if (h16(rows.filter(r => rowId(r) <= c.maxId).map(r => r.id).join('\n')) === c.sig) send = rows.filter(r => rowId(r) > c.maxId)
    else {
      const known = this.last?.cursor === JSON.stringify(c) ? this.last.ids : undefined
      send = known === undefined ? rows : rows.filter(r => !known.has(r.id))
    }
    if (c?.head !== next.head) send = [head, ...send]
    const ids = new Set(send.map(r => r.id))
    this.last = { stamp, cursor: JSON.stringify(next), heldCwd: held?.cwd, ids: new Set(rows.map(r => r.id)) }
    const atMs = Math.max(this.session.mtimeMs, ...rows.filter(r => ids.has(r.id)).map(r => { try { return Math.round(Number((JSON.parse(r.text) as { timestamp?: unknown }).timestamp) * 1000) || 0 } catch { return 0 } }))
    return {
      records: send,
      messages: b.view.filter(m => ids.has(m.id.replace(/#\d+$/, ''))),
      meta: { cwd: held?.cwd ?? b.cwd, name: undefined, dir: undefined },
      cursor: send.length > 0 || c === undefined ? next : c,
      mtimeMs: atMs
    }
  }
}

function isCursor (c: unknown): c is HermesCursor {
  return typeof c === 'object' && c !== null && typeof (c as HermesCursor).maxId === 'number' && typeof (c as HermesCursor).sig === 'string' && typeof (c as HermesCursor).head === 'string'
}
