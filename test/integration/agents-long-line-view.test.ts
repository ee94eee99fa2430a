/**
 * A Claude Code transcript whose first prompt is one 2 MB line: the record travels in parts, over
 * several import calls, and its message was shown once per part (4 copies of one message id, a
 * 20 MB line 38). It is shown once, with its last part; the file comes back byte for byte.
 * A 2 MB tool call's input (a Hermes state.db row, any agent's) or Codex message text went into
 * the view whole, and the append refused it: the import failed. Shown cut, as other text is.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HERMES_SCHEMA, hermesSession, lit } from '../helpers/agent-stores.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome(d => ({ HERMES_HOME: join(d, 'hermes'), CODEX_HOME: join(d, 'codex') }))
const SID = '46464646-1111-4222-8333-444455556666'

const rec = (o: Record<string, unknown>): string => JSON.stringify({ parentUuid: null, isSidechain: false, userType: 'external', cwd: '/home/alice/src/app', sessionId: SID, version: '2.1.97', gitBranch: 'main', timestamp: '2026-11-20T09:00:00.100Z', ...o }) + '\n'

describe('a transcript line of 2 MB', () => {
  it('is one message in the readable view, however many parts it travels in', async () => {
    const file = join(h.dir, `${SID}.jsonl`)
    const big = 'x'.repeat(2 * 1024 * 1024)
    const text = rec({ type: 'user', uuid: 'u-1', message: { role: 'user', content: big } }) +
      rec({ type: 'assistant', uuid: 'a-1', parentUuid: 'u-1', message: { role: 'assistant', content: [{ type: 'text', text: 'done' }] } }) +
      rec({ type: 'user', uuid: 'u-2', parentUuid: 'a-1', message: { role: 'user', content: 'thanks' } })
    await writeFile(file, text)
    const imp = await h.mesh('agent', 'import', 'claude', '--file', file, '--json')
    expect(imp.code, imp.stderr).toBe(0)
    const shown = JSON.parse((await h.mesh('session', 'show', `agent:claude:${SID}`, '--all', '--json')).stdout)
    const ids = shown.messages.map((m: { id: string }) => m.id)
    expect(ids).toEqual(['u-1', 'a-1', 'u-2'])
    expect(shown.messageCount).toBe(3)
    const out = join(h.dir, 'back.jsonl')
    const back = await h.mesh('agent', 'export', `agent:claude:${SID}`, '--out', out)
    expect(back.code, back.stderr).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(text)
  }, 120_000)
})

describe('a 2 MB tool call in a Hermes state.db, a 2 MB Codex message', () => {
  it('is imported, its record whole and its view cut, not a failed run', async () => {
    const hs = '20261130_100000_big001'
    const big = 'x'.repeat(2 * 1024 * 1024)
    await mkdir(join(h.dir, 'hermes'), { recursive: true })
    const calls = JSON.stringify([{ id: 'c1', type: 'function', function: { name: 'write_file', arguments: JSON.stringify({ path: 'a', content: big }) } }])
    execFileSync('sqlite3', ['-batch', join(h.dir, 'hermes', 'state.db')], { input: `${HERMES_SCHEMA};\n${hermesSession(hs, '/w', 'big call')};\nINSERT INTO messages (session_id, role, content, tool_calls, timestamp) VALUES (${lit(hs)}, 'assistant', '', ${lit(calls)}, 1796000001);` })
    const imp = await h.mesh('agent', 'import', 'hermes', '--session', hs)
    expect(imp.code, imp.stderr).toBe(0)
    const shown = JSON.parse((await h.mesh('session', 'show', `agent:hermes:${hs}`, '--all', '--json')).stdout)
    const call = shown.messages.find((m: { toolCall?: unknown }) => m.toolCall !== undefined)
    expect(call.toolCall.input).toMatch(/^\{"path":"a","content":"x+…$/)
    expect(call.toolCall.input.length).toBeLessThan(20_000)

    const cid = '0193a7c2-5e4f-7a10-8b2c-0000000c0dbb'
    const file = join(h.dir, `rollout-2026-12-01T10-00-00-${cid}.jsonl`)
    await writeFile(file, [{ type: 'session_meta', payload: { id: cid, cwd: '/w' } }, { type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: big }] } }].map(o => JSON.stringify(o)).join('\n') + '\n')
    const cx = await h.mesh('agent', 'import', 'codex', '--file', file)
    expect(cx.code, cx.stderr).toBe(0)
    expect(cx.stdout).toContain('2 new records of 2')
  }, 120_000)
})
