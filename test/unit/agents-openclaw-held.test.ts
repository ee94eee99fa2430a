/**
 * An OpenClaw resume on a machine whose Gateway database (database era) holds the session: the
 * database is what OpenClaw continues, so a copy there with events mesh has not got is never
 * put behind a transcript file (refused, nothing written; --force writes it); the same copy
 * needs no file; an older one (mesh has more) gets the file for doctor as before.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listOpenclawDbSessions, readOpenclawDbSession, writeOpenclawSession } from '../../src/agents/index.js'
import { OPENCLAW_SCHEMA, openclawInsert, openclawWindow } from '../helpers/agent-stores.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

const S = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
const sql = (db: string, text: string): void => { execFileSync('sqlite3', ['-batch', db], { input: text }) }

describe('resuming an OpenClaw session its database here holds', () => {
  it('refuses to stand a file in for a database copy that went further; writes none for the same copy', async () => {
    const d = await tmp()
    const state = join(d, 'openclaw')
    await mkdir(join(state, 'agents', 'main', 'agent'), { recursive: true })
    const db = join(state, 'agents', 'main', 'agent', 'openclaw-agent.sqlite')
    const env = { OPENCLAW_STATE_DIR: state, MESH_SQLITE: 'sqljs' }
    const cwd = join(d, 'app')
    await mkdir(cwd)
    sql(db, `${OPENCLAW_SCHEMA};\n${openclawWindow(S, 'agent:main:main')};\n${openclawInsert(S, 0, 4, cwd)};`)
    const records = async (): Promise<Awaited<ReturnType<typeof readOpenclawDbSession>>['records']> => (await readOpenclawDbSession((await listOpenclawDbSessions(env)).find(s => s.sessionId === S) as never, { env })).records
    const four = await records()
    const file = join(state, 'agents', 'main', 'sessions', `${S}.jsonl`)

    const same = await writeOpenclawSession(S, four, { cwd, env })
    expect(same).toMatchObject({ unchanged: true, path: db, command: "openclaw resume 'agent:main:main'" })
    await expect(stat(file)).rejects.toThrow()

    // The Gateway went on here.
    sql(db, `${openclawInsert(S, 4, 6, cwd)};`)
    await expect(writeOpenclawSession(S, four, { cwd, env })).rejects.toThrow(/OpenClaw's database here .* holds session .* with events this session in mesh has not got/)
    await expect(stat(file)).rejects.toThrow()
    await writeOpenclawSession(S, four, { cwd, env, force: true })
    expect((await stat(file)).isFile()).toBe(true)

    // mesh has more than the database: the file, for doctor, as before.
    const six = await records()
    sql(db, 'DELETE FROM transcript_events WHERE seq >= 4;')
    await rm(file)
    const r = await writeOpenclawSession(S, six, { cwd, env })
    expect(r.path).toBe(file)
    expect(r.unchanged).toBeUndefined()
  })
})
