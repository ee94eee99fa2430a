/**
 * A transcript whose last line is torn (the agent cut off mid-write: no newline, not JSON), as a
 * user meets it through real `mesh` processes on a home of their own: the line is still held
 * back (the agent may be writing it, and the next import takes it whole), but it is said: `mesh
 * agent import` notes it on stderr and its --json result carries it (`heldBack`), and `mesh agent
 * follow` says it once the file has stayed so (a `held-back` event).
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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
    expect(again).toMatchObject({ key: `agent:claude:${SID}`, records: 2, added: 0, heldBack: [{ file: '', line: 3, bytes: 40 }] })

    // The agent finishes the line: taken whole, nothing held back any more, nothing said.
    await writeFile(f, whole + torn + '\n')
    const done = await mesh('agent', 'import', 'claude', '--file', f, '--json')
    expect(json(done)).toMatchObject({ records: 3, added: 1 })
    expect(json(done).heldBack).toBeUndefined()
    expect(done.stderr).not.toContain('is not whole')
  }, 60_000)

  it('says it for a Codex rollout too, and a file holding only a torn line says why nothing was imported', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const f = join(day, `rollout-2026-12-01T10-00-00-${CODEX_ID}.jsonl`)
    await writeFile(f, codexMeta(CODEX_ID) + '\n' + codexMsg('hi') + '\n' + codexMsg('cut').slice(0, 25))
    expect(json(await mesh('agent', 'import', 'codex', '--file', f, '--json'))).toMatchObject({ key: `agent:codex:${CODEX_ID}`, records: 2, heldBack: [{ file: '', line: 3, bytes: 25 }] })

    const only = join(h.dir, '0c0c0c0c-0000-4000-8000-000000000002.jsonl')
    await writeFile(only, claudeLine('x1', null, 'never finished').slice(0, 30))
    const none = await mesh('agent', 'import', 'claude', '--file', only)
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/holds no records yet \(its one line, 30 bytes, is not whole: the agent is writing it, or stopped mid-write\): nothing was imported/)
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
    const held = JSON.parse(await p.waitFor(/"event":"held-back"/, 30_000))
    expect(held).toMatchObject({ event: 'held-back', key: `agent:codex:${id}`, path: f, bytes: 33 })
    expect(p.lines.some(l => l.includes('"event":"captured"') && l.includes(`agent:codex:${id}`))).toBe(true)
    // A few more passes (one a second) over the unchanged file.
    await new Promise(resolve => setTimeout(resolve, 2500))
    expect(await p.stop('SIGINT')).toBe(0)
    // Said once, not at every pass.
    expect(p.lines.filter(l => l.includes('"event":"held-back"'))).toHaveLength(1)
  }, 60_000)
})
