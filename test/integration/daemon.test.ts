/**
 * The CLI and the SDK beside a running `mesh join`, as a user types them: everything goes through
 * the daemon's API; the client reads its own stdin and files; `mesh watch` never blocks other
 * commands; the driver lease is enforced between two daemons; `mesh stop` stops the daemon.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DaemonFollower } from '../../src/cli/follow.js'
import { connectMesh, LeaseHeldError, open } from '../../src/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
const cleanups: Array<() => Promise<unknown> | unknown> = []
const mesh = async (args: string[], opts: { input?: string, cwd?: string } = {}): ReturnType<typeof runCli> => await runCli(args, { env, ...opts })
const json = (r: { stdout: string }): any => JSON.parse(r.stdout)

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = cliEnv(dir)
  wallet = join(dir, 'wallet.json')
  expect((await mesh(['wallet', 'new', '--out', wallet])).code).toBe(0)
})
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function daemon (name: string, bootstrap?: string): Promise<Daemon> {
  const d = await startDaemon({ home: join(dir, name), wallet, label: name, env, bootstrap })
  cleanups.push(async () => { await d.stop('SIGKILL') })
  return d
}

describe('commands through a running daemon', () => {
  it('reads stdin and files on the client side, runs the new commands, and stops with mesh stop', async () => {
    const d = await daemon('desk')
    const home = ['--home', d.home]
    expect((await mesh(['session', 'new', 'fix', '--goal', 'stay logged in', ...home])).code).toBe(0)

    // stdin is this client's, not the daemon's (which is not even open).
    const piped = await mesh(['session', 'append', 'fix', '--role', 'assistant', '--stdin', ...home, '--json'], { input: 'cookie has no Max-Age\n' })
    expect(piped.code, piped.stderr).toBe(0)
    // The line end that ends the input (what echo adds) is dropped; inner ones and blank lines stay.
    expect(json(piped).content).toBe('cookie has no Max-Age')
    const lines = await mesh(['session', 'append', 'fix', '--role', 'tool', '--stdin', ...home, '--json'], { input: 'a\n\nb\n\n' })
    expect(json(lines).content).toBe('a\n\nb\n')
    const empty = await mesh(['session', 'append', 'fix', '--role', 'user', '--stdin', ...home], { input: '' })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('empty message')

    // A relative skills path from another directory resolves in the client's cwd.
    const elsewhere = join(dir, 'work', 'skills', 'review')
    await mkdir(elsewhere, { recursive: true })
    await writeFile(join(elsewhere, 'SKILL.md'), '---\nversion: 1.2.0\ndescription: review a diff\n---\nLook for missing tests.\n')
    const added = await mesh(['skills', 'add', 'skills/review/SKILL.md', ...home, '--json'], { cwd: join(dir, 'work') })
    expect(added.code, added.stderr).toBe(0)
    expect(json(added)).toMatchObject({ name: 'review', version: '1.2.0' })
    expect(json(await mesh(['skills', 'list', ...home, '--json'])).map((s: any) => s.name)).toEqual(['review'])
    expect((await mesh(['skills', 'remove', 'review', ...home])).code).toBe(0)
    expect(json(await mesh(['skills', 'list', ...home, '--json']))).toEqual([])
    expect((await mesh(['skills', 'remove', 'review', ...home])).code).toBe(2)

    // Task state from the CLI, shown by resume.
    const t1 = await mesh(['task', 'fix', '--plan', 'set Max-Age, then test', '--todo-add', 'write a test', '--todo-add', 'fix the cookie', '--cwd', '/src/app', '--set', 'branch=fix/cookie', ...home, '--json'])
    expect(t1.code, t1.stderr).toBe(0)
    const todos = json(t1).todos as Array<{ id: string, text: string }>
    expect(todos.map(t => t.text).sort()).toEqual(['fix the cookie', 'write a test'])
    const testTodo = todos.find(t => t.text === 'write a test')?.id as string
    expect((await mesh(['task', 'fix', '--progress', 'test reproduces it', '--todo-done', testTodo, '--set', 'branch=', ...home])).code).toBe(0)
    expect((await mesh(['task', 'fix', '--todo-done', 'nope', ...home])).code).toBe(2)
    expect((await mesh(['task', 'fix', ...home])).code).toBe(2)
    const resumed = json(await mesh(['resume', 'fix', ...home, '--json']))
    expect(resumed.task).toMatchObject({ plan: 'set Max-Age, then test', cwd: '/src/app', fields: {} })
    expect(resumed.task.progress.map((p: any) => p.text)).toEqual(['test reproduces it'])
    expect(resumed.task.todos.find((t: any) => t.id === testTodo).done).toBe(true)
    expect(resumed.leaseTaken).toBe(true)
    expect(resumed.lease).toMatchObject({ label: 'desk', mine: true, expired: false })

    // The lease can be released; session show says nobody drives it.
    expect((await mesh(['lease', 'release', 'fix', ...home])).code).toBe(0)
    const shown = await mesh(['session', 'show', 'fix', ...home])
    expect(shown.stdout).toMatch(/^status:\s+idle$/m)
    expect(shown.stdout).toMatch(/\] assistant \(desk\): cookie has no Max-Age/)

    // Memory: set, search, delete.
    expect((await mesh(['memory', 'set', 'editor', 'vim', '--tag', 'prefs', ...home])).code).toBe(0)
    expect(json(await mesh(['memory', 'search', 'VIM', ...home, '--json'])).map((e: any) => e.key)).toEqual(['editor'])
    expect((await mesh(['memory', 'delete', 'editor', ...home])).code).toBe(0)
    const gone = await mesh(['memory', 'get', 'editor', ...home, '--json'])
    expect(gone.code).toBe(2)
    expect(JSON.parse(gone.stderr).error.code).toBe('NOT_FOUND')

    // Errors cross the API with their stable code.
    const badKey = await mesh(['session', 'show', 'no-such', ...home, '--json'])
    expect(badKey.code).toBe(2)
    expect(JSON.parse(badKey.stderr).error.code).toBe('SESSION_NOT_FOUND')

    // The SDK beside the daemon: open() uses it instead of failing on the home's lock.
    const sdk = await open({ home: d.home })
    expect(sdk.mode).toBe('daemon')
    expect((await sdk.sessions.show({ key: 'fix', tail: 1 })).messages[0]?.content).toBe('a\n\nb\n')
    await sdk.sessions.append({ key: 'fix', role: 'user', content: 'from the SDK' })
    await sdk.close()
    expect(json(await mesh(['session', 'show', 'fix', '--tail', '1', ...home, '--json'])).messages[0].content).toBe('from the SDK')

    const st = json(await mesh(['status', ...home, '--json']))
    expect(st.daemon).toMatchObject({ running: true, pid: d.child.pid })
    // Re-certifying needs the daemon stopped: said at once, not hung on its socket.
    const relabel = await mesh(['init', '--label', 'other', '--wallet', wallet, ...home, '--json'])
    expect(relabel.code).toBe(1)
    expect(JSON.parse(relabel.stderr).error.code).toBe('DAEMON_RUNNING')
    const stop = await mesh(['stop', ...home])
    expect(stop.code, stop.stderr).toBe(0)
    // It says stopped once the process is gone, not when its socket closed.
    expect(() => process.kill(d.child.pid as number, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    expect(await d.exited).toBe(0)
    expect(d.lines.at(-1)).toMatch(/stopped; store flushed/)
    const after = await mesh(['stop', ...home, '--json'])
    expect(after.code).toBe(1)
    expect(JSON.parse(after.stderr).error.code).toBe('DAEMON_NOT_RUNNING')
    expect((await readdir(d.home)).includes('control.sock')).toBe(false)
    expect(json(await mesh(['status', ...home, '--json'])).daemon.running).toBe(false)
  })

  it('mesh watch, with or without a daemon, never blocks other commands', async () => {
    const home = join(dir, 'solo')
    expect((await mesh(['init', '--home', home, '--wallet', wallet, '--label', 'solo'])).code).toBe(0)
    expect((await mesh(['session', 'new', 'w', '--home', home])).code).toBe(0)
    // No daemon: watch never holds the home. Another command appends on its own, and mesh join
    // can start beside the watcher, which then follows the daemon.
    const w1 = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w', '--home', home], env)
    cleanups.push(async () => { await w1.stop('SIGKILL') })
    await w1.waitFor(/no mesh join runs for this home/)
    const a1 = await mesh(['session', 'append', 'w', '--role', 'user', '--text', 'while watched', '--home', home])
    expect(a1.code, a1.stderr).toBe(0)
    await w1.waitFor(/user \(solo\): while watched/)
    expect((await mesh(['status', '--home', home])).code).toBe(0)
    const d1 = await startDaemon({ home, wallet, label: 'solo', env })
    cleanups.push(async () => { await d1.stop('SIGKILL') })
    await w1.waitFor(/mesh join runs now/)
    expect((await mesh(['session', 'append', 'w', '--role', 'assistant', '--text', 'through the daemon', '--home', home])).code).toBe(0)
    await w1.waitFor(/assistant \(solo\): through the daemon/)
    expect((await mesh(['stop', '--home', home])).code).toBe(0)
    expect(await d1.exited).toBe(0)
    await w1.waitFor(/mesh join stopped/)
    expect(await w1.stop('SIGINT')).toBe(0)

    // With a daemon: two watchers and writes at once.
    const d = await daemon('busy')
    expect((await mesh(['session', 'new', 'w', '--home', d.home])).code).toBe(0)
    const w2 = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w', '--home', d.home], env)
    const w3 = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w', '--home', d.home, '--json'], env)
    cleanups.push(async () => { await w2.stop('SIGKILL'); await w3.stop('SIGKILL') })
    await new Promise(resolve => setTimeout(resolve, 1500))
    const writes = await Promise.all([1, 2, 3].map(async i => await mesh(['session', 'append', 'w', '--role', 'user', '--text', `m${i}`, '--home', d.home])))
    for (const r of writes) expect(r.code, r.stderr).toBe(0)
    for (const i of [1, 2, 3]) await w2.waitFor(new RegExp(`user \\(busy\\): m${i}$`))
    for (const i of [1, 2, 3]) await w3.waitFor(new RegExp(`"content":"m${i}"`))
    // A session not here yet is waited for (it may be on its way from a peer), then followed.
    const w4 = spawnIn(undefined, process.execPath, [BIN, 'watch', 'later', '--home', d.home], env)
    cleanups.push(async () => { await w4.stop('SIGKILL') })
    await w4.waitFor(/no session agent:main:later on this device yet: waiting/)
    expect((await mesh(['session', 'new', 'later', '--home', d.home])).code).toBe(0)
    expect((await mesh(['session', 'append', 'later', '--role', 'user', '--text', 'first words', '--home', d.home])).code).toBe(0)
    await w4.waitFor(/user \(busy\): first words$/)
    expect(await w4.stop('SIGINT')).toBe(0)
    expect((await mesh(['stop', '--home', d.home])).code).toBe(0)
    expect(await d.exited).toBe(0)
    expect(await w2.stop('SIGINT')).toBe(0)
    expect(await w3.stop('SIGINT')).toBe(0)
  })

  it('enforces the driver lease between two daemons, with an explicit takeover', async () => {
    const a = await daemon('alpha')
    const b = await daemon('beta', a.addr)
    await a.waitFor(/peer proven\s+beta/)
    const A = ['--home', a.home]
    const B = ['--home', b.home]
    expect((await mesh(['session', 'new', 'handoff', ...A])).code).toBe(0)
    expect((await mesh(['resume', 'handoff', ...A])).code).toBe(0)
    await b.waitFor(/synced\s+agent:main:handoff from alpha/)
    // The list of sessions is shown as a person names it, not by the vault's name for it.
    await b.waitFor(/^synced\s+session list from alpha: /)
    expect(b.lines.filter(l => l.includes('mesh/doc/'))).toEqual([])
    const sdkB = await connectMesh({ home: b.home })
    cleanups.push(async () => { await sdkB.close() })
    const arrived = await sdkB.sessions.find('handoff', { signal: AbortSignal.timeout(20_000) })
    expect(arrived.key).toBe('agent:main:handoff')
    // A subscriber over the socket knows when its subscription is in place: from then on every
    // append, here one made on A and replicated, reaches it. One the daemon refuses says why.
    const heard: string[] = []
    const inPlace = await new Promise<Error | undefined>(resolve => {
      cleanups.push(sdkB.on(r => { if (r.event.type === 'message.appended' && r.event.key === 'agent:main:handoff') heard.push(...r.event.messages.map(m => m.content)) }, { sessions: ['handoff'], ready: resolve }))
    })
    expect(inPlace).toBeUndefined()
    expect((await mesh(['session', 'append', 'handoff', '--role', 'user', '--text', 'after ready', '--home', a.home])).code).toBe(0)
    await expect.poll(() => heard, { timeout: 20_000 }).toEqual(['after ready'])
    expect(() => sdkB.on(() => {}, { sessions: ['agent:bad'] })).toThrow(expect.objectContaining({ code: 'INVALID_SESSION_KEY' }))
    // On the wire the daemon answers a refused subscription with its error alone.
    const raw = createConnection(join(b.home, 'control.sock'))
    cleanups.push(() => { raw.destroy() })
    raw.write(JSON.stringify({ id: 7, subscribe: { sessions: ['agent:bad'] } }) + '\n' + JSON.stringify({ id: 8, method: 'node.status', params: {} }) + '\n')
    let answered = ''
    for await (const chunk of raw) { answered += String(chunk); if (answered.includes('"id":8')) break }
    const lines = answered.trim().split('\n').map(l => JSON.parse(l))
    expect(lines.filter(l => l.id === 7)).toEqual([{ id: 7, error: expect.objectContaining({ code: 'INVALID_SESSION_KEY' }) }])
    // The same through the follower `mesh mcp` and `mesh watch` use: two subscribers at once, the
    // second replacing the daemon subscription the first was waiting for.
    const follower = new DaemonFollower({ home: b.home, json: false })
    cleanups.push(async () => { await follower.close() })
    expect(await follower.start()).toBe(true)
    const followed: string[][] = [[], []]
    const both = await Promise.all(['handoff', 'other'].map(async (k, i) => await new Promise<Error | undefined>(resolve => {
      follower.subscribe(r => { if (r.event.type === 'message.appended' && r.event.key === 'agent:main:handoff') followed[i]?.push(...r.event.messages.map(m => m.content)) }, { sessions: [k], ready: resolve })
    })))
    expect(both).toEqual([undefined, undefined])
    expect((await mesh(['session', 'append', 'handoff', '--role', 'user', '--text', 'followed', '--home', a.home])).code).toBe(0)
    await expect.poll(() => followed, { timeout: 20_000 }).toEqual([['followed'], ['followed']])
    // Wait until B sees A's lease.
    for (;;) {
      const v = await sdkB.sessions.show({ key: 'handoff', tail: 0 })
      if (v.lease?.label === 'alpha') break
      await new Promise(resolve => setTimeout(resolve, 100))
    }

    // B may not write while A drives: the refusal names the holder.
    const refused = await mesh(['session', 'append', 'handoff', '--role', 'user', '--text', 'from beta', ...B, '--json'])
    expect(refused.code).toBe(1)
    const err = JSON.parse(refused.stderr).error
    expect(err.code).toBe('LEASE_HELD')
    expect(err.message).toContain('alpha')
    await expect(sdkB.sessions.append({ key: 'handoff', role: 'user', content: 'sdk from beta' })).rejects.toBeInstanceOf(LeaseHeldError)
    const resumeHeld = await mesh(['resume', 'handoff', ...B])
    expect(resumeHeld.code).toBe(1)
    expect(resumeHeld.stderr).toMatch(/being driven by alpha, last write \d+s ago, online now .*--take/)
    // --json says the same with the holder as fields, for a script to decide whether to --take.
    const resumeHeldJson = await mesh(['resume', 'handoff', ...B, '--json'])
    expect(resumeHeldJson.code).toBe(1)
    expect(JSON.parse(resumeHeldJson.stderr).error).toMatchObject({ code: 'LEASE_HELD', details: { key: 'agent:main:handoff', holder: 'alpha', online: true, expiresAt: expect.any(Number) } })

    // An explicit override writes without taking the lease; a takeover takes it.
    expect((await mesh(['session', 'append', 'handoff', '--role', 'user', '--text', 'forced', '--force', ...B])).code).toBe(0)
    const taken = json(await mesh(['resume', 'handoff', '--take', ...B, '--json']))
    expect(taken.tookOverFrom).toBe('alpha')
    expect(taken.lease).toMatchObject({ label: 'beta', mine: true })
    expect((await mesh(['session', 'append', 'handoff', '--role', 'assistant', '--text', 'beta drives', ...B])).code).toBe(0)

    // Now A is refused until it takes over back.
    for (;;) {
      const v = json(await mesh(['session', 'show', 'handoff', '--tail', '0', ...A, '--json']))
      if (v.lease?.label === 'beta') break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const aRefused = await mesh(['session', 'append', 'handoff', '--role', 'user', '--text', 'alpha again', ...A, '--json'])
    expect(aRefused.code).toBe(1)
    expect(JSON.parse(aRefused.stderr).error.message).toContain('beta')

    // A read-only device cannot take the lease: exit 2 with a clear message.
    const roHome = join(dir, 'ro')
    expect((await mesh(['init', '--home', roHome, '--wallet', wallet, '--read-only', '--label', 'tablet'])).code).toBe(0)
    expect((await mesh(['session', 'new', 'mine', '--home', roHome])).code).toBe(2)
    const ro = await mesh(['lease', 'take', 'handoff', '--home', roHome, '--json'])
    expect(ro.code).toBe(2)
    expect(JSON.parse(ro.stderr).error.code).toBe('READ_ONLY')
    expect(JSON.parse(ro.stderr).error.message).toContain('read-only')
    const roTake = await mesh(['resume', 'handoff', '--take', '--home', roHome, '--json'])
    expect(roTake.code).toBe(2)
    expect(JSON.parse(roTake.stderr).error.code).toBe('READ_ONLY')
  })
})

describe('setting up a home', () => {
  it('init on a set-up home says what would change instead of generating a second wallet', async () => {
    const home = join(dir, 'relabel')
    expect((await mesh(['init', '--home', home, '--wallet', wallet, '--label', 'old'])).code).toBe(0)
    // A lease taken under the old label (its claim keeps it).
    expect((await mesh(['session', 'new', 'named', '--home', home])).code).toBe(0)
    expect((await mesh(['resume', 'named', '--home', home])).code).toBe(0)
    // No --wallet and no default wallet on this machine: nothing is generated, the user is told how.
    const r = await mesh(['init', '--home', home, '--label', 'laptop'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('label old → laptop')
    expect(r.stderr).toContain('--wallet PATH')
    expect((await readdir(join(dir))).includes('.config')).toBe(false)
    const same = await mesh(['init', '--home', home])
    expect(same.stdout).toContain('nothing to change')
    const ok = await mesh(['init', '--home', home, '--label', 'laptop', '--wallet', wallet, '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok)).toMatchObject({ label: 'laptop', changed: { label: { from: 'old', to: 'laptop' } } })
    // The lease is named by the device's label now, as `mesh devices` names it, not the old one.
    expect(json(await mesh(['session', 'show', 'named', '--home', home, '--json'])).lease).toMatchObject({ label: 'laptop', mine: true })
  })

  it('mesh join names a malformed flag and refuses a second daemon', async () => {
    const bad = await mesh(['join', '--home', join(dir, 'x'), '--wallet', wallet, '--listen', 'not-an-addr'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--listen not-an-addr')
    const noPeer = await mesh(['join', '--home', join(dir, 'x'), '--wallet', wallet, '--bootstrap', '/ip4/127.0.0.1/tcp/1'])
    expect(noPeer.code).toBe(2)
    expect(noPeer.stderr).toContain('--bootstrap')
  })
})
