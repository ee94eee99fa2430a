/**
 * What a newcomer's walk found in `mesh join --follow claude,codex`, driven as a user meets it:
 * real files under a CLAUDE_CONFIG_DIR and a CODEX_HOME, a real daemon, a real process holding a
 * rollout open as Codex does while it runs a session.
 *
 * - A file with no JSON object line (`nojson.jsonl`, `array.jsonl`: what `mesh agent import`
 *   refuses as "holds no claude session") makes no session, while a real transcript beside them
 *   is captured; once such a file gains a record line it is taken whole, as an import takes it.
 * - The lease the follower takes of a live Codex session is let go once no process holds the
 *   rollout open and it has not changed for the quiet time (MESH_FOLLOW_RELEASE_MS here), not
 *   while Codex holds it open; taken again when Codex appends again. A Claude session's lease is
 *   never let go so (Claude Code opens its transcript per append: its SessionEnd hook releases it).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const SID = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f'
const CODEX_ID = '0193a7c2-5e4f-7a10-8b2c-ffeeddccbbaa'
const QUIET_MS = 1000

let dir: string
let env: NodeJS.ProcessEnv
let a: Daemon
let junkDir: string
let rollout: string
let holder: ChildProcess
const cleanups: Array<() => Promise<unknown> | unknown> = []

const claudeLine = (uuid: string, parent: string | null, text: string, cwd: string, sid: string): string =>
  JSON.stringify({ parentUuid: parent, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-11-30T10:00:00.000Z', cwd, sessionId: sid })

const codexLine = (text: string): string =>
  JSON.stringify({ timestamp: '2026-11-30T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

/** A process that opens `path` for appending and keeps it open, as Codex's rollout writer does while it runs the session. */
function hold (path: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'require("fs").openSync(process.argv[1], "a"); console.log("open"); setInterval(() => {}, 1e6)', path], { stdio: ['ignore', 'pipe', 'inherit'] })
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return child
}

async function opened (child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => { child.stdout?.once('data', () => { resolve() }); child.once('exit', () => { reject(new Error('the holder ended')) }) })
}

async function sessionKeys (): Promise<string[]> {
  const r = await runCli(['sessions', '--json', '--home', a.home], { env })
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as Array<{ key: string }>).map(s => s.key)
}

/** The lease of a session as `mesh agent list --json` shows it on this device. */
async function leaseOf (agent: string, key: string): Promise<{ mine: boolean, expired: boolean } | undefined> {
  const r = await runCli(['agent', 'list', agent, '--json', '--home', a.home], { env })
  expect(r.code, r.stderr).toBe(0)
  const row = (JSON.parse(r.stdout) as { local: Array<{ key: string, lease?: { mine: boolean, expired: boolean } }> }).local.find(s => s.key === key)
  return row?.lease
}

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  const cc = join(dir, 'claude-config')
  // CODEX_HOME reached through a symlink (a home folder on another disk, say): the kernel names the
  // rollout a process holds open by its real path, and an open one must still be seen as open.
  const codex = join(dir, 'codex-link')
  await mkdir(join(dir, 'codex-home'))
  await symlink(join(dir, 'codex-home'), codex)
  env = { ...cliEnv(dir), CLAUDE_CONFIG_DIR: cc, CODEX_HOME: codex, MESH_FOLLOW_RELEASE_MS: String(QUIET_MS) }
  const wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)

  // Claude: two files that are no session, in a project listed before the real one's (a pass
  // reads them first).
  junkDir = join(cc, 'projects', sanitizePath('/home/alice/src/app'))
  await mkdir(junkDir, { recursive: true })
  await writeFile(join(junkDir, 'nojson.jsonl'), 'hello world\nnot json either\n')
  await writeFile(join(junkDir, 'array.jsonl'), '[1,2,3]\n["a","b"]\n')
  const real = join(cc, 'projects', sanitizePath('/home/alice/src/zed'))
  await mkdir(real, { recursive: true })
  await writeFile(join(real, `${SID}.jsonl`), [
    claudeLine('a0000000-0000-4000-8000-000000000001', null, 'hi', '/home/alice/src/zed', SID),
    claudeLine('a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'more', '/home/alice/src/zed', SID)
  ].join('\n') + '\n')

  // Codex: a rollout written now, held open by a process as Codex's rollout writer holds it.
  const day = join(codex, 'sessions', '2026', '11', '30')
  await mkdir(day, { recursive: true })
  rollout = join(day, `rollout-2026-11-30T10-00-00-${CODEX_ID}.jsonl`)
  const meta = JSON.stringify({ timestamp: '2026-11-30T10:00:00.000Z', type: 'session_meta', payload: { id: CODEX_ID, timestamp: '2026-11-30T10:00:00.000Z', cwd: '/home/alice/src/zed', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
  await writeFile(rollout, [meta, codexLine('hi')].join('\n') + '\n')
  holder = hold(rollout)
  await opened(holder)

  a = await startDaemon({ home: join(dir, 'a'), wallet, label: 'desk', env, args: ['--follow', 'claude,codex'] })
  cleanups.push(async () => { await a.stop('SIGKILL') })
}, 120_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join --follow claude: files import refuses', () => {
  it('no session is made of a file with no JSON object line; a real transcript beside them is captured, and a junk file that gains a record is taken whole', async () => {
    const key = `agent:claude:${SID}`
    await poll('the real transcript captured', async () => (await sessionKeys()).includes(key))
    // The same pass read the junk files first (their project is listed before).
    const keys = await sessionKeys()
    expect(keys).not.toContain('agent:claude:nojson')
    expect(keys).not.toContain('agent:claude:array')
    expect(a.lines.filter(l => /nojson|array/.test(l))).toEqual([])

    // A record line at last: the file is the session import would take, every line of it.
    const path = join(junkDir, 'nojson.jsonl')
    await appendFile(path, claudeLine('b0000000-0000-4000-8000-000000000001', null, 'now a session', '/home/alice/src/app', 'nojson') + '\n')
    await poll('nojson taken once it holds a record', async () => (await sessionKeys()).includes('agent:claude:nojson'))
    const out = join(dir, 'nojson-out.jsonl')
    await poll('every line of it stored', async () => {
      const r = await runCli(['agent', 'export', 'agent:claude:nojson', '--force', '--out', out, '--home', a.home], { env })
      return r.code === 0 && (await readFile(out)).equals(await readFile(path))
    })
    expect(await sessionKeys()).not.toContain('agent:claude:array')
  }, 120_000)
})

describe('mesh join --follow codex: the lease taken is let go once Codex is done', () => {
  it('kept while a process holds the rollout open, let go once it closed and stayed quiet, taken again on a new line; a Claude lease is kept', async () => {
    const key = `agent:codex:${CODEX_ID}`
    const claudeKey = `agent:claude:${SID}`
    await poll('the rollout captured and its lease taken', async () => (await leaseOf('codex', key))?.mine === true)
    await poll('the claude lease taken', async () => (await leaseOf('claude', claudeKey))?.mine === true)

    // Held open: quiet for several times the quiet time, the lease stays.
    const written = (await stat(rollout)).mtimeMs
    await poll('the rollout quiet a while', async () => Date.now() - written > 5 * QUIET_MS)
    expect((await leaseOf('codex', key))?.mine).toBe(true)
    expect(a.lines.filter(l => /lease let go/.test(l))).toEqual([])

    // Codex ends: the file closes, and the lease goes.
    holder.kill('SIGKILL')
    await a.waitFor(/^follow\s+agent:codex:.*lease let go/, 30_000)
    await poll('the codex lease let go', async () => (await leaseOf('codex', key)) === undefined)
    // Claude Code's transcript, closed and quiet as well, keeps its lease (its SessionEnd hook lets it go).
    expect((await leaseOf('claude', claudeKey))?.mine).toBe(true)

    // `codex resume` here opens the rollout and appends again: the lease is taken again, kept while
    // the file is open, and let go again once Codex ends.
    holder = hold(rollout)
    await opened(holder)
    await appendFile(rollout, codexLine('back again') + '\n')
    await poll('the lease taken again', async () => (await leaseOf('codex', key))?.mine === true)
    holder.kill('SIGKILL')
    await poll('let go again', async () => a.lines.filter(l => /lease let go/.test(l)).length === 2)

    // A person takes the lease here by hand; Codex then runs the session and ends: the lease is the
    // person's, which the follower only renewed, and it stays.
    const mesh = async (...args: string[]): Promise<void> => { const r = await runCli([...args, '--home', a.home], { env }); expect(r.code, r.stderr).toBe(0) }
    await mesh('lease', 'take', key)
    holder = hold(rollout)
    await opened(holder)
    await appendFile(rollout, codexLine('by hand') + '\n')
    await poll('the line captured', async () => {
      const r = await runCli(['session', 'show', key, '--json', '--home', a.home], { env })
      return r.code === 0 && (JSON.parse(r.stdout).messages as Array<{ content: string }>).some(m => m.content.includes('by hand'))
    })
    holder.kill('SIGKILL')
    const quietFrom = (await stat(rollout)).mtimeMs
    await poll('the rollout closed and quiet a while', async () => Date.now() - quietFrom > 5 * QUIET_MS)
    expect((await leaseOf('codex', key))?.mine).toBe(true)
    expect(a.lines.filter(l => /lease let go/.test(l))).toHaveLength(2)
  }, 120_000)
})
