/**
 * Live capture between two real `mesh join` daemons on loopback. A runs `mesh join --follow
 * claude` over a CLAUDE_CONFIG_DIR; a child process appends to a transcript the way Claude Code
 * does (torn lines, multi-byte characters cut in half); B, another process, gets every line in
 * order: its export of the session is the file, byte for byte (a line lost or stored twice would
 * show). A is killed with SIGKILL while lines are being written and again while the file ends in
 * half a line, and restarted: nothing lost, nothing twice. Claude Code's cleanup deleting the
 * transcript stops nothing; a new session file is picked up. `mesh agent follow codex`, a front-end
 * process of its own, captures a Codex rollout under CODEX_HOME through A's API.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { BIN, ROOT, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const WRITER = join(ROOT, 'dist', 'test', 'helpers', 'claude-writer.js')
const SID = '7e1d2c3b-4a59-4c8d-9e0f-112233445566'
const SID2 = '8f2e3d4c-5b6a-4d9e-8f10-223344556677'
const CWD = '/home/alice/src/live'

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
let cc: string
let a: Daemon
let b: Daemon
const cleanups: Array<() => Promise<unknown> | unknown> = []

/** A writer child and a way to send it a command and wait for its answer. */
function writer (path: string, sid: string, seed: number): { child: ChildProcessWithoutNullStreams, send: (cmd: string, answer: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, [WRITER, path, sid, CWD, String(seed)], { stdio: ['pipe', 'pipe', 'pipe'] })
  cleanups.push(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let buf = ''
  const waiters: Array<{ re: RegExp, resolve: (l: string) => void }> = []
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i)
      buf = buf.slice(i + 1)
      const w = waiters.findIndex(x => x.re.test(l))
      if (w >= 0) waiters.splice(w, 1)[0]?.resolve(l)
    }
  })
  return {
    child,
    send: async (cmd, answer) => await new Promise<string>(resolve => { waiters.push({ re: answer, resolve }); child.stdin.write(cmd + '\n') })
  }
}

/** B's export of the session equals the file as it is now. */
async function bHasFile (key: string, path: string, out: string): Promise<boolean> {
  const r = await runCli(['agent', 'export', key, '--force', '--out', out, '--home', b.home], { env })
  return r.code === 0 && (await readFile(out)).equals(await readFile(path))
}

/** Waits for a line matching re that A prints after `from` lines. */
async function aPrints (re: RegExp, from: number, ms = 30_000): Promise<string> {
  let found: string | undefined
  await poll(String(re), async () => { found = a.lines.slice(from).find(l => re.test(l)); return found !== undefined }, ms)
  return found as string
}

async function startA (bootstrap?: string): Promise<Daemon> {
  const d = await startDaemon({ home: join(dir, 'a'), wallet, label: 'desk', env, bootstrap, args: ['--follow', 'claude'] })
  cleanups.push(async () => { await d.stop('SIGKILL') })
  await d.waitFor(/^following\s+claude/, 30_000)
  return d
}

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  cc = join(dir, 'claude-config')
  env = { ...cliEnv(dir), CLAUDE_CONFIG_DIR: cc }
  wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  a = await startA()
  b = await startDaemon({ home: join(dir, 'b'), wallet, label: 'laptop', env: { ...env, CLAUDE_CONFIG_DIR: join(dir, 'laptop-claude') }, bootstrap: a.addr })
  cleanups.push(async () => { await b.stop('SIGKILL') })
  await b.waitFor(/peer proven\s+desk/, 30_000)
}, 120_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join --follow claude', () => {
  it('every line written on A reaches B in order, across SIGKILLs of the follower mid-line, the file\'s deletion and a new session', async () => {
    const project = join(cc, 'projects', sanitizePath(CWD))
    await mkdir(project, { recursive: true })
    const path = join(project, `${SID}.jsonl`)
    const key = `agent:claude:${SID}`
    const out = join(dir, 'out.jsonl')
    const w = writer(path, SID, 7)

    await w.send('lines 15', /^wrote 15$/)
    await poll('15 lines on B', async () => await bHasFile(key, path, out))

    // Killed while lines are being written and captured.
    const mark = a.lines.length
    const writing = w.send('lines 40', /^wrote 55$/)
    await aPrints(/^captured\s+agent:claude:/, mark)
    await a.stop('SIGKILL')
    await writing
    // And down while the file ends in half a line (a character cut in two).
    await w.send('half', /^half$/)
    a = await startA(b.addr)
    await a.waitFor(/peer proven\s+laptop/, 30_000)
    await w.send('rest', /^wrote 56$/)
    await w.send('lines 4', /^wrote 60$/)
    await poll('60 lines on B', async () => await bHasFile(key, path, out))

    // Killed while the file ends in half a line, that line finished while it is down.
    await w.send('half', /^half$/)
    await poll('59 whole lines captured', async () => {
      const r = await runCli(['agent', 'export', key, '--force', '--out', out, '--home', a.home], { env })
      return r.code === 0 && (await readFile(out, 'utf8')).split('\n').length === 61
    })
    await a.stop('SIGKILL')
    await w.send('rest', /^wrote 61$/)
    a = await startA(b.addr)
    await a.waitFor(/peer proven\s+laptop/, 30_000)
    await w.send('lines 3', /^wrote 64$/)
    await poll('64 lines on B', async () => await bHasFile(key, path, out))
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n')
    expect(lines.length).toBe(64)
    expect(new Set(lines.map(l => JSON.parse(l).uuid)).size).toBe(64)
    // The view follows too: B shows the conversation.
    const shown = await runCli(['session', 'show', key, '--home', b.home, '--all'], { env })
    expect(shown.stdout).toContain('turn 63:')

    // Claude Code's 30-day cleanup deletes the transcript; mesh keeps it, the follower goes on.
    w.child.stdin.end()
    const kept = await readFile(path)
    await rm(path)
    const path2 = join(project, `${SID2}.jsonl`)
    const w2 = writer(path2, SID2, 8)
    await w2.send('lines 6', /^wrote 6$/)
    await poll('the new session on B', async () => await bHasFile(`agent:claude:${SID2}`, path2, out))
    w2.child.stdin.end()
    expect((await runCli(['agent', 'export', key, '--force', '--out', out, '--home', b.home], { env })).code).toBe(0)
    expect((await readFile(out)).equals(kept)).toBe(true)
    expect(a.lines.filter(l => /retrying/.test(l))).toEqual([])
  }, 240_000)
})

describe('mesh agent follow codex', () => {
  it('a front-end process of its own captures a Codex rollout under CODEX_HOME through the daemon', async () => {
    const codex = join(dir, 'codex-home')
    const id = '0193a7c2-5e4f-7a10-8b2c-aabbccddeeff'
    const day = join(codex, 'sessions', '2026', '11', '30')
    await mkdir(day, { recursive: true })
    const path = join(day, `rollout-2026-11-30T10-00-00-${id}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-11-30T10:00:00.000Z', type: 'session_meta', payload: { id, timestamp: '2026-11-30T10:00:00.000Z', cwd: CWD, originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    await writeFile(path, meta + '\n')
    // On B, whose daemon follows nothing: A's `mesh join --follow claude` is this home's one
    // follower, and a second there is refused (FOLLOWER_RUNNING, agent-follow-stopped.test.ts).
    const f: Proc = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'codex', '--home', b.home], { ...env, CODEX_HOME: codex })
    cleanups.push(async () => { await f.stop('SIGKILL') })
    await f.waitFor(/^following codex/, 30_000)
    const msg = (role: string, text: string): string => JSON.stringify({ timestamp: '2026-11-30T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role, content: [{ type: role === 'user' ? 'input_text' : 'output_text', text }] } })
    // The same line twice (content-hash ids numbered by occurrence): both are kept.
    await writeFile(path, [meta, msg('user', 'hi'), msg('assistant', 'hello'), msg('user', 'hi')].join('\n') + '\n')
    const out = join(dir, 'codex-out.jsonl')
    await poll('the rollout on B', async () => await bHasFile(`agent:codex:${id}`, path, out))
    expect(await f.stop('SIGINT')).toBe(0)
  }, 90_000)
})
