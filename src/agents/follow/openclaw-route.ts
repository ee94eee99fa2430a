/**
 * A file-era OpenClaw transcript's routing entry (its sessionKey and SessionEntry in the
 * `sessions.json` beside it), followed with the transcript: the record `mesh agent import` stores
 * for it (openclawRouteRecord), stored again whenever sessions.json holds another version of it,
 * so that an import after following adds nothing and a resume elsewhere gets the entry (and says
 * `openclaw resume <sessionKey>`). The last version stored is the one the cursor names (`entry`).
 *
 * sessions.json is read again only when its stat changed (OpenClaw replaces it by rename as each
 * turn updates its entries); one read serves every transcript of its folder.
 */
import { lstat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { openclawRouteRecord } from '../openclaw/bundle.js'
import { entryFor, readIndex } from '../openclaw/home.js'
import type { ListWarn } from '../claude/home.js'
import type { JsonlStream } from './jsonl-stream.js'
import type { Held, Stream, StreamRead } from './source.js'

type Index = Record<string, Record<string, unknown>>

/** An index mesh may not read is said by the scan's listing (listOpenclawSessions), each pass, and taken as none here. */
const saidByTheListing: ListWarn = () => undefined

/** The sessions.json of each sessions folder, as last read. */
export class OpenclawIndexes {
  private readonly seen = new Map<string, { stamp: string, index: Index }>()

  async of (dir: string): Promise<Index> {
    let stamp = 'absent'
    try {
      const st = await lstat(join(dir, 'sessions.json'))
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
    } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    const cur = this.seen.get(dir)
    if (cur?.stamp === stamp) return cur.index
    const index = stamp === 'absent' ? {} : await readIndex(dir, saidByTheListing)
    this.seen.set(dir, { stamp, index })
    return index
  }
}

/** The transcript's cursor, and the id of the routing entry's version last stored. */
type Cursor = Record<string, unknown> & { entry?: string }

/** A transcript's stream with its routing entry: the entry goes with the transcript's records (or on its own once mesh holds the session). */
export class OpenclawFileStream implements Stream {
  readonly agent = 'openclaw'
  readonly id: string
  readonly sessionId: string
  readonly key: string
  readonly path: string

  constructor (private readonly inner: JsonlStream, private readonly indexes: OpenclawIndexes) {
    this.id = inner.id
    this.sessionId = inner.sessionId
    this.key = inner.key
    this.path = inner.path
  }

  async read (cursor: unknown, held: Held | undefined): Promise<StreamRead | undefined> {
    const r = await this.inner.read(cursor, held)
    if (r === undefined) return undefined
    const was = typeof cursor === 'object' && cursor !== null && typeof (cursor as Cursor).entry === 'string' ? (cursor as Cursor).entry : undefined
    let entry = was
    const records: NativeRecord[] = r.records
    // Only with the transcript: a file with no record of a session yet is no session of mesh's.
    if (records.length > 0 || held !== undefined) {
      const route = openclawRouteRecord(entryFor(await this.indexes.of(dirname(this.path)), this.sessionId), this.sessionId, [basename(this.path)])
      if (route !== undefined && route.id !== was) { records.push(route); entry = route.id }
    }
    const next = typeof r.cursor === 'object' && r.cursor !== null ? { ...(r.cursor as Cursor) } : undefined
    if (next !== undefined) { delete next.entry; if (entry !== undefined) next.entry = entry }
    return { ...r, records, cursor: next ?? r.cursor }
  }
}
