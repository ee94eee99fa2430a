/**
 * An agent session whose recorded session id is no id: `../../../escaped`, or shell words. Resume
 * (`mesh agent resume`, the MCP tool agents_resume) names the file it writes after that id when
 * the session recorded no file name (Codex: `rollout-<date>-<id>.jsonl`, OpenClaw: `<id>.jsonl`)
 * and prints `codex resume <id>` for the agent or the user to run. The id is the session's
 * metadata, which agents.import took as any string (under a key given apart) and which a member
 * writes into the replicated document as it likes. Such an id is refused where it comes in
 * (agents.import) and where it becomes a path or a command (resume): nothing is written outside
 * the agent's home, no lease is taken, no command is made.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { createLocalApi, type LocalApi } from '../../src/api/local.js'
import { resumeAgentSession } from '../../src/agents/resume.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'
import { tree } from '../helpers/tree.js'
import { newVault } from '../helpers/vault.js'

const { cleanups } = stopAfterEach()
const ID = '0193a7c2-5e4f-7a10-8b2c-0000000000e1'

async function setup (): Promise<{ api: LocalApi, user: string, project: string, env: NodeJS.ProcessEnv, setSessionId: (key: string, id: string) => Promise<void> }> {
  const m = await newVault(); cleanups.push(m.cleanup)
  const api = await createLocalApi({ vault: m.vault }); cleanups.push(async () => { await api.close() })
  const t = await tempDir(); cleanups.push(t.cleanup)
  const user = join(t.dir, 'user')
  const project = join(t.dir, 'project')
  await mkdir(user); await mkdir(project)
  const env = { HOME: user, CODEX_HOME: join(user, '.codex'), OPENCLAW_STATE_DIR: join(user, '.openclaw'), MESH_AGENT_MOUNTS: join(t.dir, 'mounts.json') }
  // As a member writes the session's capture metadata: straight into the replicated document.
  const setSessionId = async (key: string, id: string): Promise<void> => {
    await m.vault.withDoc(DOC_NAMES.session(key as SessionKey), async r => { await r.change(() => { r.doc.getMap('agent').set('sessionId', id) }) })
  }
  return { api, user, project, env, setSessionId }
}

const codexRecords = [{ id: 'm1', file: '', kind: 'session_meta', text: JSON.stringify({ timestamp: '2026-12-03T10:00:00.000Z', type: 'session_meta', payload: { id: ID, cwd: '/home/alice/app' } }) }]
const openclawRecords = [{ id: 's1', file: '', kind: 'session', text: JSON.stringify({ type: 'session', id: ID, cwd: '/home/alice/app', timestamp: '2026-12-03T10:00:00.000Z' }) }]

describe('a session id that is no id', () => {
  it('agents.import refuses it under a key given apart', async () => {
    const { api } = await setup()
    for (const sessionId of ['../../../../escaped', 'x; touch owned', '.hidden', '--help']) {
      await expect(api.call('agents.import', { key: 'agent:codex:given', agent: 'codex', sessionId, records: codexRecords })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    }
  })

  for (const [agent, records, home] of [['codex', codexRecords, '.codex'], ['openclaw', openclawRecords, '.openclaw']] as const) {
    it(`${agent}: one a member wrote is refused by resume, nothing written outside ${home}, no lease taken`, async () => {
      const { api, user, project, env, setSessionId } = await setup()
      const key = `agent:${agent}:${ID}`
      await api.call('agents.import', { agent, sessionId: ID, cwd: '/home/alice/app', records: [...records] })
      for (const id of ['../../../../../escaped', '$(touch owned)', '-c']) {
        await setSessionId(key, id)
        await expect(resumeAgentSession(api, key, { cwd: project, env })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
        expect((await api.call('sessions.show', { key })).lease).toBeUndefined()
      }
      expect(await tree(user)).toEqual([])
      expect(await tree(project)).toEqual([])
    })
  }
})
