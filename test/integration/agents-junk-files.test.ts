/**
 * Files in an agent's folders that hold no session of it, as a user meets them with
 * `mesh join --follow claude,codex`, `mesh agent import` and `mesh agent list`: a Codex rollout
 * and a Claude Code transcript holding only JSON objects no agent writes (`{}`), a binary file,
 * an empty one. None becomes a session (follower or import), the list says what each is, and the
 * follower's note about a file it cannot read names the file, not a session it never makes.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const SID = '4d2e3f50-6a7b-4c8d-9e0f-1a2b3c4d5e6f'
const JUNK_CODEX = '0193a7c2-5e4f-7a10-8b2c-000000000bad'
const REAL_CODEX = '0193a7c2-5e4f-7a10-8b2c-0000000000aa'
const OC_ID = '7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'

let dir: string
let env: NodeJS.ProcessEnv
let a: Daemon
let project: string
let rollout: string
let openclawFile: string
const cleanups: Array<() => Promise<unknown> | unknown> = []

const claudeLine = (uuid: string, text: string, cwd: string, sid: string): string =>
  JSON.stringify({ parentUuid: null, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-11-30T10:00:00.000Z', cwd, sessionId: sid })

async function sessionKeys (): Promise<string[]> {
  const r = await runCli(['sessions', '--json', '--home', a.home], { env })
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as Array<{ key: string }>).map(s => s.key)
}

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  const cc = join(dir, 'claude-config')
  const codex = join(dir, 'codex-home')
  const oc = join(dir, 'openclaw')
  env = { ...cliEnv(dir), CLAUDE_CONFIG_DIR: cc, CODEX_HOME: codex, OPENCLAW_STATE_DIR: oc }
  const wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)

  project = join(cc, 'projects', sanitizePath('/home/alice/src/app'))
  await mkdir(project, { recursive: true })
  await writeFile(join(project, 'objects.jsonl'), '{}\n{"a":1}\n')
  await writeFile(join(project, 'binary.jsonl'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0a, 0xff, 0xfe, 0x00, 0x0a]))
  await writeFile(join(project, 'empty.jsonl'), '')
  await writeFile(join(project, `${SID}.jsonl`), claudeLine('c0000000-0000-4000-8000-000000000001', 'hi', '/home/alice/src/app', SID) + '\n')

  const day = join(codex, 'sessions', '2026', '11', '30')
  await mkdir(day, { recursive: true })
  rollout = join(day, `rollout-2026-11-30T10-00-00-${JUNK_CODEX}.jsonl`)
  await writeFile(rollout, '{}\n')
  // A real rollout, older: a pass reads the rollouts newest first, so it comes after the junk one.
  const real = join(day, `rollout-2026-11-30T09-00-00-${REAL_CODEX}.jsonl`)
  await writeFile(real, JSON.stringify({ timestamp: '2026-11-30T09:00:00.000Z', type: 'session_meta', payload: { id: REAL_CODEX, timestamp: '2026-11-30T09:00:00.000Z', cwd: '/home/alice/src/app', originator: 'codex_cli_rs', cli_version: '0.60.0' } }) + '\n')
  const hourAgo = new Date(Date.now() - 3_600_000)
  await utimes(real, hourAgo, hourAgo)

  const ocSessions = join(oc, 'agents', 'main', 'sessions')
  await mkdir(ocSessions, { recursive: true })
  openclawFile = join(ocSessions, `${OC_ID}.jsonl`)
  await writeFile(openclawFile, '{}\n')

  a = await startDaemon({ home: join(dir, 'a'), wallet, label: 'desk', env, args: ['--follow', 'claude,codex'] })
  cleanups.push(async () => { await a.stop('SIGKILL') })
}, 120_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('files that hold no session of their agent', () => {
  it('the follower makes no session of a rollout or transcript of objects no agent writes, and names a file it cannot read by its path', async () => {
    await poll('the real transcript captured', async () => (await sessionKeys()).includes(`agent:claude:${SID}`))
    // The binary file is said, named by its path: no session agent:claude:binary is made or named.
    const binary = join(project, 'binary.jsonl')
    await a.waitFor(/not valid UTF-8/, 30_000)
    const said = a.lines.filter(l => /not valid UTF-8/.test(l))
    expect(said.length).toBeGreaterThan(0)
    for (const l of said) {
      expect(l).toContain(binary)
      expect(l).not.toContain('agent:claude:binary')
    }
    // The real rollout, read after the junk one, is captured: the junk one was read by then.
    await poll('the real rollout captured', async () => (await sessionKeys()).includes(`agent:codex:${REAL_CODEX}`))
    const keys = await sessionKeys()
    expect(keys).not.toContain(`agent:codex:${JUNK_CODEX}`)
    expect(keys).not.toContain('agent:claude:objects')
    expect(keys).not.toContain('agent:claude:binary')
    expect(keys.filter(k => k.startsWith('agent:')).sort()).toEqual([`agent:claude:${SID}`, `agent:codex:${REAL_CODEX}`])
  }, 120_000)

  it('mesh agent import refuses each, saying why', async () => {
    const refused = async (agent: string, file: string): Promise<string> => {
      const r = await runCli(['agent', 'import', agent, '--file', file, '--home', a.home], { env })
      expect(r.code, r.stdout).toBe(2)
      return r.stderr
    }
    expect(await refused('codex', rollout)).toContain(`${rollout} holds no codex session: its one line is no record codex writes; nothing was imported`)
    expect(await refused('claude', join(project, 'objects.jsonl'))).toContain('holds no claude session: none of its 2 lines is a record claude writes; nothing was imported')
    // OpenClaw's reader asks for its header line first.
    expect(await refused('openclaw', openclawFile)).toContain(`${openclawFile} has no session header line`)
    expect((await sessionKeys()).filter(k => k.startsWith('agent:')).sort()).toEqual([`agent:claude:${SID}`, `agent:codex:${REAL_CODEX}`])
  }, 120_000)

  it('mesh agent list says what each file is, not "not imported", in words and in --json', async () => {
    const r = await runCli(['agent', 'list', '--home', a.home], { env })
    expect(r.code, r.stderr).toBe(0)
    const row = (path: string): string => r.stdout.split('\n').find(l => l.endsWith(`\t${path}`)) ?? `no row for ${path}`
    // As the import does: --all passes a file of text with no session by, and fails over one not UTF-8.
    expect(row(join(project, 'objects.jsonl'))).toContain('no session in this file (none of its 2 lines is a record claude writes): mesh agent import --all passes it by (--file refuses it)')
    expect(row(join(project, 'binary.jsonl'))).toContain('no session in this file (line 1 is not UTF-8 text): mesh agent import refuses it')
    expect(row(join(project, 'empty.jsonl'))).toContain('no records yet')
    expect(row(rollout)).toContain('no session in this file (its one line is no record codex writes)')
    expect(row(openclawFile)).toContain('no session in this file (its one line is no record openclaw writes)')
    expect(r.stdout).not.toContain('not imported')

    const j = await runCli(['agent', 'list', '--json', '--home', a.home], { env })
    expect(j.code, j.stderr).toBe(0)
    const rows = (JSON.parse(j.stdout) as { local: Array<{ path: string, imported: boolean, sync: string, noSession?: string }> }).local
    const of = (path: string): { imported: boolean, sync: string, noSession?: string } | undefined => rows.find(x => x.path === path)
    expect(of(rollout)).toMatchObject({ imported: false, sync: 'no-session', noSession: 'its one line is no record codex writes' })
    expect(of(join(project, 'objects.jsonl'))).toMatchObject({ imported: false, sync: 'no-session' })
    expect(of(join(project, 'binary.jsonl'))).toMatchObject({ imported: false, sync: 'no-session', noSession: 'line 1 is not UTF-8 text' })
    expect(of(join(project, 'empty.jsonl'))).toMatchObject({ imported: false, sync: 'no-records' })
    expect(of(join(project, `${SID}.jsonl`))).toMatchObject({ imported: true })
    expect(of(join(project, `${SID}.jsonl`))?.noSession).toBeUndefined()
  }, 120_000)
})
