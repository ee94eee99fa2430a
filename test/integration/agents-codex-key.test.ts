/**
 * A Codex rollout whose file name and session_meta id differ (copied, renamed, or named by
 * another tool), as a user meets it through real `mesh` processes on a home of their own: `mesh
 * agent follow codex` and `mesh agent import codex --file` store it under the same session, the
 * one `codex resume <id>` takes (the session_meta id), and `mesh agent list` and `--session`
 * know it by that id too.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, type RunResult } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { cliHome } from '../helpers/cli-home.js'

const META_ID = '0193a7c2-5e4f-7a10-8b2c-0000000000c1'
const NAME_ID = '0193a7c2-5e4f-7a10-8b2c-0000000000ff'
const CWD = '/home/alice/src/renamed'

const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))
const { mesh } = h
const json = (r: RunResult): any => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout) }

describe('a Codex rollout whose name and session_meta id differ', () => {
  it('is one session, keyed by its session_meta id, whether followed or imported with --file', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '03')
    await mkdir(day, { recursive: true })
    const path = join(day, `rollout-2026-12-03T10-00-00-${NAME_ID}.jsonl`)
    const lines = [
      { timestamp: '2026-12-03T10:00:00.000Z', type: 'session_meta', payload: { id: META_ID, timestamp: '2026-12-03T10:00:00.000Z', cwd: CWD, originator: 'codex_cli_rs', cli_version: '0.60.0' } },
      { timestamp: '2026-12-03T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'which key am I?' }] } }
    ].map(l => JSON.stringify(l))
    await writeFile(path, lines.join('\n') + '\n')

    // The follower, a process of its own (no daemon: each capture opens the home).
    const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'codex', '--json', '--home', h.home], h.env)
    h.procs.push(f)
    const captured = JSON.parse(await f.waitFor(/"event":"captured"/, 30_000))
    expect(await f.stop('SIGINT')).toBe(0)
    expect(captured).toMatchObject({ key: `agent:codex:${META_ID}`, records: 2, added: 2 })

    // The import of the same file: the same session, and nothing new in it.
    const imported = json(await mesh('agent', 'import', 'codex', '--file', path, '--json'))
    expect(imported).toMatchObject({ key: captured.key, sessionId: META_ID, records: 2, added: 0 })
    const sessions = json(await mesh('sessions', '--json'))
    expect(sessions.map((s: { key: string }) => s.key).filter((k: string) => k.startsWith('agent:codex:'))).toEqual([`agent:codex:${META_ID}`])

    // The listing knows it by that id too, as imported; --session takes that id.
    const listed = json(await mesh('agent', 'list', 'codex', '--json'))
    expect(listed.local).toMatchObject([{ agent: 'codex', sessionId: META_ID, imported: true }])
    expect(json(await mesh('agent', 'import', 'codex', '--session', META_ID, '--json'))).toMatchObject({ key: `agent:codex:${META_ID}`, added: 0 })
  }, 90_000)
})
