/**
 * The OpenClaw (database era) and Hermes follow sources over stores the real `sqlite3` shell
 * writes while holding them open: what a stream reads after its cursor, across a fresh source (a
 * restarted follower with only the saved cursor), are exactly the records a whole import makes,
 * each once; Hermes's rows rewritten in place come back as new versions of the same row, its
 * per-turn counters make no record; both sessions list for `--since`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { NativeRecord } from '../../crdt/records.js'
import { hermesBundle, hermesDbLine, hermesMemoryCaps, HermesSource, listOpenclawDbSessions, OpenclawSource, readOpenclawDbSession, SqliteFile, type Stream } from '../../src/agents/index.js'
import { hermesMessages, hermesSession, HERMES_SCHEMA, lit, openclawEvent, openclawInsert, openclawWindow, OPENCLAW_SCHEMA } from '../helpers/agent-stores.js'
import { sqlite3 } from '../helpers/sqlite3.js'
import { tempDir } from '../helpers/tmp.js'

const CWD = '/home/alice/src/app'
const OSID = '5b2d7e10-3c4a-4f8b-9d61-0a1b2c3d4e5f'
const HSID = '20261130_100000_c0ffee'

/** Reads a stream to its end from `cursor` as the follower does; returns what it stored and the cursor. */
async function drain (s: Stream, cursor: unknown): Promise<{ records: NativeRecord[], cursor: unknown }> {
  const out: NativeRecord[] = []
  for (;;) {
    const r = await s.read(cursor, undefined)
    if (r === undefined) return { records: out, cursor }
    out.push(...r.records)
    cursor = r.cursor
    if (r.records.length === 0) return { records: out, cursor }
  }
}

async function home (): Promise<string> {
  const t = await tempDir()
  onTestFinished(t.cleanup)
  return t.dir
}

describe('OpenclawSource, database era', () => {
  it('reads transcript_events by seq after the cursor, as the import keys them, each once across a restart', async () => {
    const state = await home()
    const env = { ...process.env, OPENCLAW_STATE_DIR: state, MESH_SQLITE: 'sqljs' }
    const dbDir = join(state, 'agents', 'main', 'agent')
    await mkdir(dbDir, { recursive: true })
    const w = await sqlite3(join(dbDir, 'openclaw-agent.sqlite'))
    onTestFinished(w.kill)
    await w.exec(OPENCLAW_SCHEMA)
    await w.exec(`${openclawWindow(OSID, 'agent:main:main')}; ${openclawInsert(OSID, 0, 5, CWD)}`)

    let src = new OpenclawSource(env)
    let scan = await src.scan()
    expect(scan.problems).toEqual([])
    expect(scan.streams.map(s => s.key)).toEqual([`agent:openclaw:${OSID}`])
    const first = await drain(scan.streams[0] as Stream, undefined)
    expect(first.records.filter(r => r.file === '').length).toBe(5)
    expect(first.records.filter(r => r.file === 'openclaw-index.jsonl').length).toBe(1)

    await w.exec(openclawInsert(OSID, 5, 9, CWD))
    scan = await src.scan()
    const second = await drain(scan.streams[0] as Stream, first.cursor)
    expect(second.records.map(r => r.text)).toEqual((await w.exec(`SELECT event_json FROM transcript_events WHERE seq >= 5 ORDER BY seq`)))

    // A restarted follower: a new source, only the saved cursor.
    await w.exec(openclawInsert(OSID, 9, 12, CWD))
    src = new OpenclawSource(env)
    const third = await drain((await src.scan()).streams[0] as Stream, second.cursor)
    expect(third.records.length).toBe(3)

    const whole = await readOpenclawDbSession((await listOpenclawDbSessions(env))[0] as never, { env })
    expect([...first.records, ...second.records, ...third.records].map(r => r.id).sort()).toEqual(whole.records.map(r => r.id).sort())
    expect(whole).toMatchObject({ sessionId: OSID, cwd: CWD, sessionKey: 'agent:main:main', dir: 'agents/main/sessions', lines: 12 })
  })

  it('a database that is no SQLite file is a problem of the scan, the file-era transcripts go on', async () => {
    const state = await home()
    const env = { ...process.env, OPENCLAW_STATE_DIR: state, MESH_SQLITE: 'sqljs' }
    await mkdir(join(state, 'agents', 'broken', 'agent'), { recursive: true })
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(state, 'agents', 'broken', 'agent', 'openclaw-agent.sqlite'), 'SQLite format 3\0 but not really'.repeat(200))
    await mkdir(join(state, 'agents', 'main', 'sessions'), { recursive: true })
    await writeFile(join(state, 'agents', 'main', 'sessions', `${OSID}.jsonl`), `${openclawEvent(OSID, 0, CWD)}\n`)
    const scan = await new OpenclawSource(env).scan()
    expect(scan.streams.map(s => s.key)).toEqual([`agent:openclaw:${OSID}`])
    expect(scan.problems?.[0]).toMatch(/broken\/agent\/openclaw-agent\.sqlite: SQLite cannot read it: file is not a database/)
  })
})

describe('HermesSource', () => {
  it('stores new rows, rows rewritten in place as new versions, the session row only when a lasting column changed', async () => {
    const hh = await home()
    const env = { ...process.env, HERMES_HOME: hh, MESH_SQLITE: 'sqljs' }
    const w = await sqlite3(join(hh, 'state.db'))
    onTestFinished(w.kill)
    await w.exec(HERMES_SCHEMA)
    await w.exec(`${hermesSession(HSID, CWD, 'live session')}; ${hermesMessages(HSID, 0, 6)}`)

    // A named profile keeps a store of its own: followed too.
    await mkdir(join(hh, 'profiles', 'work'), { recursive: true })
    const pw = await sqlite3(join(hh, 'profiles', 'work', 'state.db'))
    onTestFinished(pw.kill)
    await pw.exec(`${HERMES_SCHEMA}; ${hermesSession('20261130_110000_0b0e00', '/home/alice/work', 'work profile')}; ${hermesMessages('20261130_110000_0b0e00', 0, 2)}`)

    const src = new HermesSource(env)
    const scanned = await src.scan()
    expect(scanned.problems).toEqual([])
    expect(scanned.streams.map(s => s.key)).toEqual([`agent:hermes:${HSID}`, 'agent:hermes:20261130_110000_0b0e00'])
    const stream = scanned.streams[0] as Stream
    const a = await drain(stream, undefined)
    expect(a.records.map(r => r.kind)).toEqual(['session', ...Array(6).fill('message')])

    // New turns move the counters: only the new rows.
    await w.exec(hermesMessages(HSID, 6, 9))
    const b = await drain((await src.scan()).streams[0] as Stream, a.cursor)
    expect(b.records.map(r => r.kind)).toEqual(['message', 'message', 'message'])

    // Compaction flips rows in place; a restarted follower (fresh source) with the saved cursor.
    await w.exec(`UPDATE messages SET active = 0, compacted = 1 WHERE id IN (2, 3); UPDATE sessions SET title = 'renamed' WHERE id = '${HSID}'`)
    const c = await drain((await new HermesSource(env).scan()).streams[0] as Stream, b.cursor)
    const stored = new Set([...a.records, ...b.records].map(r => r.id))
    const fresh = c.records.filter(r => !stored.has(r.id))
    expect(fresh.map(r => r.kind).sort()).toEqual(['message', 'message', 'session'])
    expect(fresh.filter(r => r.kind === 'message').map(r => r.id.split(':')[1])).toEqual(['2', '3'])

    // The export line rebuilt from everything stored is the database's session now.
    const f = new SqliteFile(join(hh, 'state.db'), { env })
    const line = await f.read(q => hermesDbLine(q, HSID)) as string
    f.close()
    const all = [...a.records, ...b.records, ...fresh]
    const { hermesLine } = await import('../../src/agents/index.js')
    expect(hermesLine(all)).toBe(line)
    expect(hermesBundle(line).records.every(r => new Set(all.map(x => x.id)).has(r.id))).toBe(true)
  })
})

/** A transcript event compressed by the zstd CLI (a frame with its checksum). */
const ZSTD_EVENT = '{"type":"custom","customType":"note","data":{"n":1},"id":"c0ffee01","parentId":"10000002","timestamp":"2026-11-30T10:00:03.000Z"}'
const ZSTD_HEX = '28b52ffd0458250300b246151980476d1d35243a69e7fedba81a5176c8622373fee986cc19018d05ff07e2f8e3af3871ee0e001d19bd52eea229599bd12fb04a07b96cbeab22c80da38fc4d61c5a9941e7e661b3aea20a735276211846eb2aac99040038c105a1e41c22b3b204269e0e40'

describe('OpenClaw rows stored zstd-compressed (event_zstd)', () => {
  it('are decoded on every Node (its zstd on 22.15+, fzstd before); a damaged frame stops the read there and the rest is said, never skipped', async () => {
    const state = await home()
    const env = { ...process.env, OPENCLAW_STATE_DIR: state, MESH_SQLITE: 'sqljs' }
    const dbDir = join(state, 'agents', 'main', 'agent')
    await mkdir(dbDir, { recursive: true })
    const w = await sqlite3(join(dbDir, 'openclaw-agent.sqlite'))
    onTestFinished(w.kill)
    await w.exec(`${OPENCLAW_SCHEMA}; ALTER TABLE transcript_events ADD COLUMN event_zstd BLOB; ${openclawInsert(OSID, 0, 3, CWD)}`)
    await w.exec(`INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd) VALUES (${lit(OSID)}, 3, '', 0, X'${ZSTD_HEX}'), (${lit(OSID)}, 4, ${lit(openclawEvent(OSID, 4, CWD))}, 0, NULL)`)
    const stream = (await new OpenclawSource(env).scan()).streams[0] as Stream
    const all = await drain(stream, undefined)
    expect(all.records.filter(r => r.file === '').map(r => r.text)).toEqual([openclawEvent(OSID, 0, CWD), openclawEvent(OSID, 1, CWD), openclawEvent(OSID, 2, CWD), ZSTD_EVENT, openclawEvent(OSID, 4, CWD)])
    // A frame cut short (its checksum gone) at seq 5: read up to seq 4, the rest said.
    await w.exec(`INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd) VALUES (${lit(OSID)}, 5, '', 0, X'${ZSTD_HEX.slice(0, 60)}'), (${lit(OSID)}, 6, ${lit(openclawEvent(OSID, 6, CWD))}, 0, NULL)`)
    const s2 = (await new OpenclawSource(env).scan()).streams[0] as Stream
    const r = await s2.read(undefined, undefined)
    expect(r?.records.filter(x => x.file === '').map(x => x.text).at(-1)).toBe(openclawEvent(OSID, 4, CWD))
    const err = await s2.read(r?.cursor, undefined).catch((e: unknown) => e)
    expect(String(err)).toMatch(/2 events of session .* from seq 5 on are stored zstd-compressed \(event_zstd\) in a frame that does not decode .*: captured up to seq 4/)
    const imp = await readOpenclawDbSession((await listOpenclawDbSessions(env))[0] as never, { env }).catch((e: unknown) => e)
    expect(String(imp)).toMatch(/2 of its events from seq 5 are stored zstd-compressed \(event_zstd\) in a frame that does not decode/)
  })
})

describe('hermesMemoryCaps', () => {
  it('takes memory_char_limit and user_char_limit from config.yaml, block or flow style, else the defaults', async () => {
    const hh = await home()
    const env = { ...process.env, HERMES_HOME: hh }
    expect(await hermesMemoryCaps(env)).toEqual({ MEMORY: 2200, USER: 1375 })
    await writeFile(join(hh, 'config.yaml'), 'model:\n  memory_char_limit: 9\nmemory:\n  provider: x\n  nested:\n    user_char_limit: 5\n  memory_char_limit: 4000 # more room\n  user_char_limit: "900"\nother: 1\n')
    expect(await hermesMemoryCaps(env)).toEqual({ MEMORY: 4000, USER: 900 })
    await writeFile(join(hh, 'config.yaml'), 'memory: {memory_enabled: true, user_char_limit: 700}\n')
    expect(await hermesMemoryCaps(env)).toEqual({ MEMORY: 2200, USER: 700 })
    await writeFile(join(hh, 'config.yaml'), 'memory:\n  memory_char_limit: lots\n  user_char_limit: 0\n')
    expect(await hermesMemoryCaps(env)).toEqual({ MEMORY: 2200, USER: 1375 })
  })
})
