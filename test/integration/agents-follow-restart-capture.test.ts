/**
 * `mesh agent list` after `mesh join --follow codex` restarts, as a user meets it: real `mesh`
 * processes, a real rollout under CODEX_HOME. A session captured before the restart still says
 * when it was last captured (kept beside its cursor in the home), not `last capture -`.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'
import type { Proc } from '../helpers/netns.js'
import { poll } from '../helpers/wait.js'

const ID = '0193a7c2-5e4f-7a10-8b2c-0000000ca901'
const KEY = `agent:codex:${ID}`
const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))

const follow = (): Proc => h.join('--follow', 'codex')

async function listed (): Promise<any> {
  const r = await h.mesh('agent', 'list', 'codex', '--json')
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout).local as any[]).find(s => s.key === KEY)
}

describe('mesh join --follow codex, restarted', () => {
  it('keeps the last capture time of a session captured before the restart', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const f = join(day, `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/again', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    const msg = JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    await writeFile(f, `${meta}\n${msg}\n`)
    const size = (await stat(f)).size

    const first = follow()
    let captured: any
    await poll('captured', async () => { captured = await listed(); return captured?.captured === size && typeof captured.capturedAt === 'number' })
    expect(await first.stop('SIGINT')).toBe(0)

    const again = follow()
    let row: any
    await poll('followed again', async () => { row = await listed(); return row?.following === true })
    expect(row.capturedAt).toBe(captured.capturedAt)
    const text = await h.mesh('agent', 'list', 'codex')
    expect(text.stdout).toMatch(/live \(pid \d+, last capture [^-)][^)]*\)/)
    expect(text.stdout).not.toContain('last capture -')
    await again.stop('SIGINT')
  }, 120_000)
})
