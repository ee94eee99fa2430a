/**
 * `mesh agent resume ID` with a bare session id (the one the agent showed) names agent:main:ID;
 * the session is agent:claude:ID. The message says "did you mean `agent:claude:ID`?" as
 * `mesh session show ID` does, then that an agent's key names its agent (not "create it").
 * Real `mesh` processes on a home of their own, no daemon.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
const ID = 'c0ffee00-1111-4222-8333-444455556666'

describe('an agent command given a bare session id', () => {
  it('says the key it may mean, in text as in --json', async () => {
    const file = join(h.dir, `${ID}.jsonl`)
    await writeFile(file, JSON.stringify({ type: 'user', uuid: 'u1', parentUuid: null, sessionId: ID, timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: 'hello' } }) + '\n')
    const imp = await h.mesh('agent', 'import', 'claude', '--file', file)
    expect(imp.code, imp.stderr).toBe(0)

    const show = await h.mesh('session', 'show', ID)
    expect(show.stderr).toContain(`(did you mean \`agent:claude:${ID}\`? \`mesh sessions\` lists them.`)
    for (const args of [['resume', ID], ['export', ID, '--out', join(h.dir, 'x.jsonl')]]) {
      const r = await h.mesh('agent', ...args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(`mesh: no session agent:main:${ID} (did you mean \`agent:claude:${ID}\`? \`mesh sessions\` lists them. If not: an agent's session key names its agent, agent:claude|codex|openclaw|hermes:ID; \`mesh agent list\` shows those here)\n`)
      const j = await h.mesh('agent', ...args, '--json')
      expect(j.code).toBe(2)
      const e = JSON.parse(j.stderr).error
      expect(e.code).toBe('SESSION_NOT_FOUND')
      expect(e.details.near).toBe(`agent:claude:${ID}`)
      expect(e.message).toContain(`did you mean \`agent:claude:${ID}\`?`)
    }
    // A key near nothing held keeps the words it had.
    const none = await h.mesh('agent', 'resume', 'fix-nothing')
    expect(none.stderr).toBe('mesh: no session agent:main:fix-nothing (an agent\'s session key names its agent, agent:claude|codex|openclaw|hermes:ID; `mesh agent list` shows those here)\n')
  }, 120_000)
})
