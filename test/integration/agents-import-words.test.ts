/**
 * Words of `mesh agent import` and `mesh session show` for small and damaged files, as a user
 * meets them: real rollouts under a CODEX_HOME, real `mesh` processes. A line that is not JSON is
 * `[unparsed line]` for every agent; the progress of `--all` over small files says KB or bytes,
 * not `0.0 MB of 0.0 MB`. `mesh resume` of an agent's own session names the command that writes
 * the agent's files (what it prints is for reading; the agent reads its own files).
 * An agent's own id of over 512 characters, or with a control character, was a message id the
 * import refused (the whole file); it is keyed by a hash of it, and written back as it was.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
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

describe('an agent\'s own ids that are no message id (over 512 characters, a control character)', () => {
  it('are imported keyed by a hash of them, the same on a re-import; the file comes back byte for byte', async () => {
    const sid = '46464646-1111-4222-8333-4444555566aa'
    const long = 'u'.repeat(600)
    const line = (o: Record<string, unknown>): string => JSON.stringify({ isSidechain: false, cwd: '/home/alice/src/words', sessionId: sid, version: '2.1.97', timestamp: '2026-12-01T10:00:00.000Z', ...o }) + '\n'
    const text = line({ type: 'user', uuid: long, parentUuid: null, message: { role: 'user', content: 'hello' } }) +
      line({ type: 'assistant', uuid: 'a\n1', parentUuid: long, message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }] } }) +
      line({ type: 'user', uuid: 'u-3', parentUuid: 'a\n1', message: { role: 'user', content: 'bye' } })
    const file = join(h.dir, `${sid}.jsonl`)
    await writeFile(file, text)
    const first = await h.mesh('agent', 'import', 'claude', '--file', file)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('3 new records of 3')
    expect((await h.mesh('agent', 'import', 'claude', '--file', file)).stdout).toContain('0 new records of 3')
    const shown = JSON.parse((await h.mesh('session', 'show', `agent:claude:${sid}`, '--all', '--json')).stdout)
    expect(shown.messages.map((m: { id: string, content: string }) => [m.id, m.content])).toEqual([[expect.stringMatching(/^own:[0-9a-f]{40}$/), 'hello'], [expect.stringMatching(/^own:[0-9a-f]{40}$/), 'hi'], ['u-3', 'bye']])
    const out = join(h.dir, 'back.jsonl')
    expect((await h.mesh('agent', 'export', `agent:claude:${sid}`, '--out', out)).code).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(text)

    // Codex lines have no ids of their own (content ids): a long one in a payload is just text.
    const cid = '0193a7c2-5e4f-7a10-8b2c-0000000c0d0a'
    const cfile = join(h.dir, `rollout-2026-12-01T10-00-00-${cid}.jsonl`)
    await writeFile(cfile, [meta(cid), JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', id: 'm'.repeat(700) + '\n', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })].join('\n') + '\n')
    const cx = await h.mesh('agent', 'import', 'codex', '--file', cfile)
    expect(cx.code, cx.stderr).toBe(0)
    expect(cx.stdout).toContain('2 new records of 2')
  }, 60_000)
})
