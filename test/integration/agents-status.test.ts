/**
 * `mesh agent list` shows, per session, what this device knows: whether a follower here captures
 * it live (and up to which byte), when it last captured a record, who holds the lease, and the
 * sync state. Two real daemons; A runs `mesh join --follow claude`; a separate `mesh agent
 * follow claude` process on B reports through B's daemon and is killed with SIGKILL, after which
 * B's daemon stops reporting it as followed.
 */
import { appendFile, mkdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { BIN, cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const CWD = '/home/alice/src/app'
const SID = '6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b'
const SID2 = '7b2a1d3f-4c5e-4f60-9bac-1d2e3f4a5b6c'
const SID3 = '9d4c3f5b-6e70-4b82-9dce-3f4a5b6c7d8e'

let dir: string
let env: NodeJS.ProcessEnv
let a: Daemon
let b: Daemon
const cleanups: Array<() => Promise<unknown> | unknown> = []
const json = (r: RunResult): any => JSON.parse(r.stdout)

async function poll<T> (what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  while (Date.now() < end) {
    try { const v = await fn(); if (v !== undefined) return v } catch (err) { last = err }
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`)
}

let n = 0
let parent: string | null = null
function line (sid: string): string {
  const uuid = `6a1f0c2e-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`
  const o = { parentUuid: parent, isSidechain: false, userType: 'external', cwd: CWD, sessionId: sid, version: '2.1.97', gitBranch: 'main', type: 'user', message: { role: 'user', content: `line ${n}` }, uuid, timestamp: new Date().toISOString() }
  parent = uuid
  return JSON.stringify(o) + '\n'
}

const deskClaude = (): string => join(dir, 'desk-claude')
const laptopClaude = (): string => join(dir, 'laptop-claude')

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = cliEnv(dir)
  const wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  a = await startDaemon({ home: join(dir, 'a'), wallet, label: 'desk', env: { ...env, CLAUDE_CONFIG_DIR: deskClaude() }, args: ['--follow', 'claude'] })
  cleanups.push(async () => { await a.stop('SIGKILL') })
  await a.waitFor(/^following\s+claude/, 30_000)
  b = await startDaemon({ home: join(dir, 'b'), wallet, label: 'laptop', env: { ...env, CLAUDE_CONFIG_DIR: laptopClaude() }, bootstrap: a.addr })
  cleanups.push(async () => { await b.stop('SIGKILL') })
  await b.waitFor(/peer proven\s+desk/, 30_000)
}, 90_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const list = async (d: Daemon, claude: string): Promise<any> => {
  const r = await runCli(['agent', 'list', 'claude', '--json', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: claude } })
  if (r.code !== 0) throw new Error(r.stderr)
  return json(r)
}

describe('mesh agent list', () => {
  it('shows live following, the last capture, the bytes stored, the lease holder and the sync state, here and on the other machine', async () => {
    const project = join(deskClaude(), 'projects', sanitizePath(CWD))
    await mkdir(project, { recursive: true })
    const path = join(project, `${SID}.jsonl`)
    await writeFile(path, line(SID) + line(SID))
    const key = `agent:claude:${SID}`

    const row = await poll('the session followed live on A', async () => {
      const r = (await list(a, deskClaude())).local.find((x: any) => x.key === key)
      return r?.sync === 'live' ? r : undefined
    })
    const size = (await stat(path)).size
    expect(row).toMatchObject({ imported: true, following: true, captured: size, lease: { holder: 'desk', mine: true, expired: false }, lastWriter: { label: 'desk' } })
    expect(typeof row.capturedAt).toBe('number')
    const s = await runCli(['agent', 'list', 'claude', '--home', a.home], { env: { ...env, CLAUDE_CONFIG_DIR: deskClaude() } })
    expect(s.stdout.split('\n')[0]).toBe('AGENT\tSESSION\tMODIFIED\tIN MESH\tSYNC\tPATH')
    expect(s.stdout).toMatch(new RegExp(`${SID}.*in mesh as ${key}\\tlive \\(pid \\d+, last capture 20\\d\\d-.*\\), lease: this device`))

    // Half a line written (Claude Code mid-append): the follower stores up to the last whole line.
    await appendFile(path, line(SID).slice(0, 40))
    const behind = await poll('the torn tail seen as not stored yet', async () => {
      const r = (await list(a, deskClaude())).local.find((x: any) => x.key === key)
      return r?.sync === 'catching-up' ? r : undefined
    })
    expect(behind.captured).toBe(size)
    expect((await stat(path)).size).toBeGreaterThan(size)

    // On the laptop: in mesh only, driven by the desk, followed nowhere here.
    const remote = await poll('the session on B', async () => (await list(b, laptopClaude())).sessions.find((x: any) => x.key === key))
    expect(remote).toMatchObject({ following: false, sync: 'remote-only', lease: { holder: 'desk', mine: false } })
    const shown = await runCli(['agent', 'list', 'claude', '--home', b.home], { env: { ...env, CLAUDE_CONFIG_DIR: laptopClaude() } })
    expect(shown.stdout.split('\n')[0]).toBe('AGENT\tSESSION\tMODIFIED\tIN MESH\tSYNC\tPATH')
    expect(shown.stdout).toMatch(new RegExp(`${SID}\\t-\\tin mesh, not among this machine's claude sessions .*remote-only, lease: desk, last written by desk`))
  }, 180_000)

  it('says a last line held back (the agent cut off mid-write) through the daemon, and judges each file by its own bytes stored', async () => {
    const project = join(deskClaude(), 'projects', sanitizePath(CWD))
    await mkdir(project, { recursive: true })
    const path = join(project, `${SID3}.jsonl`)
    const key = `agent:claude:${SID3}`
    parent = null
    const whole = line(SID3) + line(SID3) + line(SID3)
    const last = line(SID3)
    await writeFile(path, whole + last.slice(0, 40))
    // Written a minute ago: the agent is not writing that line any more (a crash cut it off).
    // (A time with a part of a millisecond, as a file written by a program has.)
    const past = new Date(Date.now() - 60_000)
    await utimes(path, past.getTime() / 1000 + 0.0004567, past.getTime() / 1000 + 0.0004567)

    const held = await poll('the held-back line in the daemon\'s list', async () => {
      const r = (await list(a, deskClaude())).local.find((x: any) => x.key === key)
      return r?.heldBack !== undefined ? r : undefined
    })
    // Every whole line is stored: live, and the torn line said, with its bytes and since when.
    expect(held).toMatchObject({ following: true, sync: 'live', captured: Buffer.byteLength(whole), heldBack: [{ path, bytes: 40 }] })
    expect(Math.abs(held.heldBack[0].since - past.getTime())).toBeLessThan(1000)
    expect(Number.isInteger(held.heldBack[0].since)).toBe(true) // ms since the epoch, as every time of the API
    const shown = await runCli(['agent', 'list', 'claude', '--home', a.home], { env: { ...env, CLAUDE_CONFIG_DIR: deskClaude() } })
    const row = shown.stdout.split('\n').find(l => l.includes(SID3)) ?? ''
    expect(row).toMatch(/\tlive \(pid \d+, last capture [^)]*\), last line of /)
    expect(row).toContain(`last line of ${path} not whole since `)
    expect(row).toContain('(40 bytes, held back), lease: this device')

    // The agent finishes the line: taken, nothing held back any more.
    await appendFile(path, last.slice(40))
    const size = (await stat(path)).size
    const done = await poll('the line taken whole', async () => {
      const r = (await list(a, deskClaude())).local.find((x: any) => x.key === key)
      return r?.captured === size && r.heldBack === undefined ? r : undefined
    })
    expect(done.sync).toBe('live')

    // A sub-agent's transcript (shorter than the session's own) captured last: still live, as
    // every byte of the session's file is stored; its own file's offset is not the session's.
    const side = join(project, SID3, 'subagents', 'agent-d1e2f3.jsonl')
    await mkdir(join(project, SID3, 'subagents'), { recursive: true })
    await writeFile(side, line(SID3))
    const sideSize = (await stat(side)).size
    expect(sideSize).toBeLessThan(size)
    const after = await poll('the sub-agent file captured', async () => {
      const r = (await list(a, deskClaude())).local.find((x: any) => x.key === key)
      return r?.files?.some((f: any) => f.path === side && f.offset === sideSize) === true ? r : undefined
    })
    // `captured` is the session's own file's, each file's own in `files`.
    expect(after).toMatchObject({ following: true, sync: 'live', captured: size })
  }, 120_000)

  it('a follower process of its own is shown with its pid while it runs, and no longer once it is killed', async () => {
    const project = join(laptopClaude(), 'projects', sanitizePath(CWD))
    await mkdir(project, { recursive: true })
    parent = null
    await writeFile(join(project, `${SID2}.jsonl`), line(SID2))
    const key = `agent:claude:${SID2}`
    const f: Proc = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'claude', '--home', b.home], { ...env, CLAUDE_CONFIG_DIR: laptopClaude() })
    cleanups.push(async () => { await f.stop('SIGKILL') })
    await f.waitFor(/^following claude/, 30_000)
    const pid = f.child.pid as number
    const live = await poll('B following its own session', async () => {
      const j = await list(b, laptopClaude())
      const r = j.local.find((x: any) => x.key === key)
      return r?.sync === 'live' ? { r, followers: j.followers } : undefined
    })
    expect(live.r).toMatchObject({ following: true, lease: { holder: 'laptop', mine: true } })
    expect(live.followers).toMatchObject([{ pid, agents: ['claude'] }])
    await f.stop('SIGKILL')
    // Killed, it says nothing more: B's daemon forgets it once it has been silent for 15 s.
    const after = await poll('the follower forgotten', async () => {
      const j = await list(b, laptopClaude())
      const r = j.local.find((x: any) => x.key === key)
      return r?.following === false ? { r, followers: j.followers } : undefined
    })
    expect(after.r).toMatchObject({ sync: 'stored', imported: true })
    expect(after.followers).toEqual([])
  }, 120_000)

  it('a captured batch is one entry: records and their view in one durable write', async () => {
    // A vault of its own, nothing else writing to it: its store's entry count moves only with the imports.
    const wallet = join(dir, 'wallet-c.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const c = await startDaemon({ home: join(dir, 'c'), wallet, label: 'solo', env })
    cleanups.push(async () => { await c.stop('SIGKILL') })
    const sid = '8c3b2e4a-5d6f-4a71-8cbd-2e3f4a5b6c7d'
    const file = join(dir, `${sid}.jsonl`)
    parent = null
    await writeFile(file, line(sid) + line(sid))
    const entries = async (): Promise<number> => JSON.parse((await runCli(['status', '--home', c.home, '--json'], { env })).stdout).store.entries
    const imp = async (): Promise<any> => { const r = await runCli(['agent', 'import', 'claude', '--file', file, '--json', '--home', c.home], { env }); expect(r.code, r.stderr).toBe(0); return json(r) }
    expect(await imp()).toMatchObject({ added: 2 })
    const before = await entries()
    await appendFile(file, line(sid) + line(sid) + line(sid))
    expect(await imp()).toMatchObject({ added: 3, messages: 3 })
    expect(await entries()).toBe(before + 1)
    const shown = await runCli(['session', 'show', `agent:claude:${sid}`, '--json', '--home', c.home], { env })
    expect(JSON.parse(shown.stdout).messageCount).toBe(5)
  }, 90_000)
})
