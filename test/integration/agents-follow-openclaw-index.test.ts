/**
 * `mesh join --follow openclaw` on a file-era OpenClaw home, as a user meets it: real `mesh`
 * processes, the fixture's transcript and its sessions.json under ~/.openclaw. The follower
 * captures the transcript's routing entry as `mesh agent import` does (and a new version of it
 * when sessions.json changes), so an import after it adds nothing, and a resume elsewhere writes
 * the sessions.json entry and says `openclaw resume <sessionKey>`.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'
import { runCli } from '../helpers/cli.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/openclaw/agents', import.meta.url))
const SID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const KEY = `agent:openclaw:${SID}`
const ROUTE = 'agent:main:telegram:dm:4711'
const h = cliHome()

describe('mesh join --follow openclaw, file era', () => {
  it('captures the sessions.json routing entry as import does, and keeps it current', async () => {
    const agents = join(h.env.HOME as string, '.openclaw', 'agents')
    await cp(FIX, agents, { recursive: true })
    const index = join(agents, 'main', 'sessions', 'sessions.json')

    let f = h.join('--follow', 'openclaw')
    await f.waitFor(new RegExp(`captured\\s+${KEY}: `), 60_000)
    expect(await f.stop('SIGINT')).toBe(0)
    await importAddsNothing()

    // OpenClaw rewrites the entry as the session goes on (updatedAt, token counts): the new version is captured too.
    f = h.join('--follow', 'openclaw')
    await f.waitFor(/following /, 60_000)
    const o = JSON.parse(await readFile(index, 'utf8'))
    o[ROUTE].updatedAt += 60_000
    o[ROUTE].totalTokens += 100
    await writeFile(index, JSON.stringify(o, null, 2))
    await f.waitFor(new RegExp(`captured\\s+${KEY}: \\+1 record\\b`), 30_000)
    expect(await f.stop('SIGINT')).toBe(0)
    await importAddsNothing()

    const state = join(h.dir, 'elsewhere')
    await mkdir(state, { recursive: true })
    const r = await runResume(state)
    expect(r.index).toBe('written')
    expect(r.command).toContain(`openclaw resume '${ROUTE}'`)
    const written = JSON.parse(await readFile(join(state, 'agents', 'main', 'sessions', 'sessions.json'), 'utf8'))
    expect(written[ROUTE]).toMatchObject({ sessionId: SID, totalTokens: o[ROUTE].totalTokens })
  }, 180_000)
})

async function importAddsNothing (): Promise<void> {
  const imp = await h.mesh('agent', 'import', 'openclaw', '--all', '--json')
  expect(imp.code, imp.stderr).toBe(0)
  expect(JSON.parse(imp.stdout)).toMatchObject([{ sessionId: SID, added: 0 }])
}

async function runResume (state: string): Promise<any> {
  const r = await runCli(['agent', 'resume', KEY, '--cwd', h.dir, '--json', '--home', h.home], { env: { ...h.env, OPENCLAW_STATE_DIR: state } })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}
