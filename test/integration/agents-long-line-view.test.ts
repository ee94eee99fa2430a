/**
 * A Claude Code transcript whose first prompt is one 2 MB line: the record travels in parts, over
 * several import calls, and its message was shown once per part (4 copies of one message id, a
 * 20 MB line 38). It is shown once, with its last part; the file comes back byte for byte.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
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
