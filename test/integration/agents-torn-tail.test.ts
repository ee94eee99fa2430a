/**
 * A transcript whose last line is torn (the agent cut off mid-write: no newline, not JSON), as a
 * user meets it through real `mesh` processes on a home of their own: the line is still held
 * back (the agent may be writing it, and the next import takes it whole), but it is said: `mesh
 * agent import` notes it on stderr and its --json result carries it (`heldBack`), and `mesh agent
 * follow` says it once the file has stayed so (a `held-back` event). A Hermes export's torn
 * last line is a whole session left out: said the same way, on each row of its --json list.
 */
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BIN, type RunResult } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { cliHome } from '../helpers/cli-home.js'

const SID = '0c0c0c0c-0000-4000-8000-000000000001'
const CODEX_ID = '0193a7c2-5e4f-7a10-8b2c-00000000000a'
const CWD = '/home/alice/src/torn'

const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))
const { mesh } = h
const json = (r: RunResult): any => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout) }
const claudeLine = (uuid: string, parent: string | null, text: string): string =>
  JSON.stringify({ type: 'user', uuid, parentUuid: parent, sessionId: SID, cwd: CWD, timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: text } })
const codexMeta = (id: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id, timestamp: '2026-12-01T10:00:00.000Z', cwd: CWD, originator: 'codex_cli_rs', cli_version: '0.60.0' } })
const codexMsg = (text: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

describe('mesh agent import: a torn last line', () => {
  it('is held back and said (stderr note, heldBack in --json); once the agent finishes it, the next import takes it', async () => {
    const f = join(h.dir, `${SID}.jsonl`)
    const whole = [claudeLine('u1', null, 'hello'), claudeLine('u2', 'u1', 'and then')].join('\n') + '\n'
    const torn = claudeLine('u3', 'u2', 'cut off in the mid')
    const part = torn.slice(0, 40)
    await writeFile(f, whole + part)

    const text = await mesh('agent', 'import', 'claude', '--file', f)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`agent:claude:${SID}: 2 new records of 2`)
    expect(text.stderr).toContain(`note: the last line of ${f} (line 3, 40 bytes) is not whole (no newline, not JSON): left out for now`)

    const again = json(await mesh('agent', 'import', 'claude', '--file', f, '--json'))
    expect(again).toMatchObject({ key: `agent:claude:${SID}`, records: 2, added: 0, heldBack: [{ file: f, line: 3, bytes: 40 }] })

    // A sub-agent's transcript in the session's folder, torn too: named by its path, as the transcript is.
    const side = join(h.dir, SID, 'subagents', 'agent-a1.jsonl')
    await mkdir(join(h.dir, SID, 'subagents'), { recursive: true })
    await writeFile(side, JSON.stringify({ type: 'user', uuid: 's1', parentUuid: null, isSidechain: true, sessionId: SID, cwd: CWD, message: { role: 'user', content: 'sub' } }) + '\n' + '{"type":"assi')
    const both = json(await mesh('agent', 'import', 'claude', '--file', f, '--json'))
    expect(both.heldBack).toEqual([{ file: f, line: 3, bytes: 40 }, { file: side, line: 2, bytes: 13 }])

    // The agent finishes the line: taken whole, nothing held back any more, nothing said.
    await writeFile(side, JSON.stringify({ type: 'user', uuid: 's1', parentUuid: null, isSidechain: true, sessionId: SID, cwd: CWD, message: { role: 'user', content: 'sub' } }) + '\n')
    await writeFile(f, whole + torn + '\n')
    const done = await mesh('agent', 'import', 'claude', '--file', f, '--json')
    expect(json(done)).toMatchObject({ records: 4, added: 1 })
    expect(json(done).heldBack).toBeUndefined()
    expect(done.stderr).not.toContain('is not whole')
  }, 60_000)

  it('says it for a Codex rollout too, and a file holding only a torn line says why nothing was imported', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const f = join(day, `rollout-2026-12-01T10-00-00-${CODEX_ID}.jsonl`)
    await writeFile(f, codexMeta(CODEX_ID) + '\n' + codexMsg('hi') + '\n' + codexMsg('cut').slice(0, 25))
    expect(json(await mesh('agent', 'import', 'codex', '--file', f, '--json'))).toMatchObject({ key: `agent:codex:${CODEX_ID}`, records: 2, heldBack: [{ file: f, line: 3, bytes: 25 }] })

    const only = join(h.dir, '0c0c0c0c-0000-4000-8000-000000000002.jsonl')
    await writeFile(only, claudeLine('x1', null, 'never finished').slice(0, 30))
    const none = await mesh('agent', 'import', 'claude', '--file', only)
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/holds no records yet \(its one line, 30 bytes, is not whole: the agent is writing it, or stopped mid-write\): nothing was imported/)
  }, 60_000)
})

describe('mesh agent import hermes --file: a torn last line', () => {
  const FIX = fileURLToPath(new URL('../fixtures/agents/hermes/export.jsonl', import.meta.url))
  const H1 = '20261120_080000_a1b2c3'
  const H2 = '20261120_081500_d4e5f6'

  it('is left out and said (stderr note, heldBack on the rows of --json, a list as before); once the export is whole, its session is imported', async () => {
    const [row1, row2] = (await readFile(FIX, 'utf8')).split('\n') as [string, string]
    const f = join(h.dir, 'hermes-export.jsonl')
    await writeFile(f, row1 + '\n' + row2.slice(0, 50))

    const text = await mesh('agent', 'import', 'hermes', '--file', f)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`agent:hermes:${H1}: `)
    expect(text.stderr).toContain(`note: the last line of ${f} (line 2, 50 bytes) is not whole (no newline, not JSON): left out, so the session on it is not imported`)

    const list = json(await mesh('agent', 'import', 'hermes', '--file', f, '--json'))
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ key: `agent:hermes:${H1}`, added: 0, source: f, heldBack: [{ file: f, line: 2, bytes: 50 }] })

    // The session asked for may be the one cut short: said so, with the line, not only 'not found'.
    const wanted = await mesh('agent', 'import', 'hermes', '--file', f, '--session', H2, '--json')
    expect(wanted.code).toBe(2)
    expect(JSON.parse(wanted.stderr).error).toMatchObject({ code: 'NOT_FOUND', details: { sessionId: H2, heldBack: [{ line: 2, bytes: 50 }] } })

    // A file of one torn line says why nothing was imported.
    const only = join(h.dir, 'hermes-only.jsonl')
    await writeFile(only, row2.slice(0, 30))
    const none = await mesh('agent', 'import', 'hermes', '--file', only, '--json')
    expect(none.code).toBe(2)
    expect(JSON.parse(none.stderr).error).toMatchObject({ code: 'INVALID_INPUT', details: { path: only, heldBack: [{ file: only, line: 1, bytes: 30 }] } })
    expect(JSON.parse(none.stderr).error.message).toContain('its one line, 30 bytes, is not whole (no newline, not JSON)')

    // The export finished: both sessions imported, nothing held back, nothing said.
    await writeFile(f, row1 + '\n' + row2 + '\n')
    const done = await mesh('agent', 'import', 'hermes', '--file', f, '--json')
    const rows = json(done)
    expect(rows.map((r: any) => r.key)).toEqual([`agent:hermes:${H1}`, `agent:hermes:${H2}`])
    expect(rows.every((r: any) => r.heldBack === undefined)).toBe(true)
    expect((await mesh('agent', 'import', 'hermes', '--file', f)).stderr).not.toContain('is not whole')
  }, 60_000)
})

describe('mesh agent follow: a torn last line', () => {
  it('is said once the file has not been written for a while (a held-back event); the whole lines are captured', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '02')
    await mkdir(day, { recursive: true })
    const id = '0193a7c2-5e4f-7a10-8b2c-00000000000b'
    const f = join(day, `rollout-2026-12-02T10-00-00-${id}.jsonl`)
    const part = codexMsg('the agent crashed here').slice(0, 33)
    await writeFile(f, codexMeta(id) + '\n' + codexMsg('hello') + '\n' + part)
    // Written a minute ago: the agent is not writing it any more.
    const past = new Date(Date.now() - 60_000)
    await utimes(f, past, past)

    const p = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'codex', '--json', '--home', h.home], h.env)
    h.procs.push(p)
    // This session's event: the rollout an earlier test left torn may be said too, once it has been quiet as long.
    const held = JSON.parse(await p.waitFor(new RegExp(`"event":"held-back".*"key":"agent:codex:${id}"`), 30_000))
    expect(held).toMatchObject({ event: 'held-back', key: `agent:codex:${id}`, path: f, bytes: 33 })
    expect(p.lines.some(l => l.includes('"event":"captured"') && l.includes(`agent:codex:${id}`))).toBe(true)
    // A few more passes (one a second) over the unchanged file.
    await new Promise(resolve => setTimeout(resolve, 2500))
    expect(await p.stop('SIGINT')).toBe(0)
    // Said once, not at every pass.
    expect(p.lines.filter(l => l.includes('"event":"held-back"') && l.includes(`agent:codex:${id}`))).toHaveLength(1)
  }, 60_000)
})
