/**
 * Words of `mesh agent import` and `mesh session show` for small and damaged files, as a user
 * meets them: real rollouts under a CODEX_HOME, real `mesh` processes. A line that is not JSON is
 * `[unparsed line]` for every agent; the progress of `--all` over small files says KB or bytes,
 * not `0.0 MB of 0.0 MB`. `mesh resume` of an agent's own session names the command that writes
 * the agent's files (what it prints is for reading; the agent reads its own files).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const IDS = ['0193a7c2-5e4f-7a10-8b2c-0000000c0d01', '0193a7c2-5e4f-7a10-8b2c-0000000c0d02']
const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))
const meta = (id: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/words', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
const msg = (text: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

describe('mesh agent import codex --all, then mesh session show', () => {
  it('says small sizes in KB or bytes, and a line that is not JSON as [unparsed line], as for Claude Code', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    for (const id of IDS) await writeFile(join(day, `rollout-2026-12-01T10-00-00-${id}.jsonl`), [meta(id), msg('hello'), 'not json {', msg('bye')].join('\n') + '\n')

    const all = await h.mesh('agent', 'import', 'codex', '--all')
    expect(all.code, all.stderr).toBe(0)
    expect(all.stderr).toMatch(/importing codex session 1\/2 \(0 bytes of \d+\.\d KB\)/)
    expect(all.stderr).toMatch(/importing codex session 2\/2 \(\d+ bytes of \d+\.\d KB\)/)
    expect(all.stderr).toMatch(/imported 2 codex sessions \(\d+\.\d KB\)/)
    expect(all.stderr).not.toContain('0.0 MB')
    expect(all.stderr).toContain('(shown as "[unparsed line]")')

    const shown = await h.mesh('session', 'show', `agent:codex:${IDS[0] as string}`)
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('[unparsed line] not json {')
    expect(shown.stdout).not.toContain('[unparsed] ')

    const key = `agent:codex:${IDS[0] as string}`
    const resumed = await h.mesh('resume', key)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toContain(`(a codex session: \`mesh agent resume ${key} --home ${h.home}\` writes its files where codex reads them and prints the command that continues it there)`)
    expect(JSON.parse((await h.mesh('resume', key, '--json')).stdout)).toMatchObject({ key, agent: 'codex' })
    // A session named like an agent's but holding none of its records: nothing to write, not said.
    expect((await h.mesh('session', 'new', 'agent:claude:by-hand')).code).toBe(0)
    const plain = await h.mesh('resume', 'agent:claude:by-hand')
    expect(plain.stdout).not.toContain('mesh agent resume')
    expect(JSON.parse((await h.mesh('resume', 'agent:claude:by-hand', '--json')).stdout).agent).toBeUndefined()
  }, 120_000)
})
