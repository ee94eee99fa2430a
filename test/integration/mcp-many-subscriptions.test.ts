/**
 * `mesh mcp` through a running `mesh join`, with an agent that subscribes to thousands of
 * transcript resources at once (the MCP SDK's own client over stdio). Each subscription made
 * anew carried every key so far, and the daemon pinned each again: thousands of subscriptions
 * in flight to the daemon, which then worked for minutes, and `mesh mcp` did not end once its
 * stdin closed. The daemon's control socket is seen through a unix-socket proxy put in its place,
 * which reads the subscriptions `mesh mcp` sends the daemon and the daemon's answers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, rename } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { eventually } from '../helpers/wait.js'

/** As many subscriptions as the finding's repro made. */
const N = 3000
const KEY = 'agent:main:watched'
const URI = `mesh://session/${KEY}`

/** What one connection through the proxy asked of the daemon, and what it was answered. */
interface Seen {
  /** Subscriptions sent and not yet answered (in place, or refused), by id. */
  unanswered: Set<number>
  /** The most that were unanswered at once. */
  maxUnanswered: number
  /** Subscriptions sent and not yet unsubscribed, by id, with the sessions each names. */
  live: Map<number, string[]>
  subscribes: number
}

/** Splits a stream into lines, handing each whole line to `fn`. */
function lines (fn: (line: string) => void): (d: Buffer) => void {
  let rest = ''
  return (d) => {
    const parts = (rest + d.toString('utf8')).split('\n')
    rest = parts.pop() ?? ''
    for (const l of parts) if (l !== '') fn(l)
  }
}

/** Moves the daemon's control socket aside and listens at its path, forwarding each connection to it. */
async function controlProxy (home: string): Promise<{ seen: Seen[], close: () => Promise<void> }> {
  const path = join(home, 'control.sock')
  const aside = join(home, 'd.sock')
  await rename(path, aside)
  const seen: Seen[] = []
  const open = new Set<Socket>()
  const server: Server = createServer((client) => {
    const s: Seen = { unanswered: new Set(), maxUnanswered: 0, live: new Map(), subscribes: 0 }
    seen.push(s)
    const daemon = createConnection(aside)
    open.add(client).add(daemon)
    client.on('data', lines((l) => {
      const m = JSON.parse(l)
      if (m.subscribe !== undefined) {
        s.subscribes++
        s.live.set(m.id, m.subscribe.sessions ?? [])
        s.unanswered.add(m.id)
        s.maxUnanswered = Math.max(s.maxUnanswered, s.unanswered.size)
      }
      if (m.unsubscribe === true) { s.live.delete(m.id); s.unanswered.delete(m.id) }
    }))
    daemon.on('data', lines((l) => {
      const m = JSON.parse(l)
      if (m.subscribed !== undefined || m.error !== undefined) s.unanswered.delete(m.id)
    }))
    client.pipe(daemon)
    daemon.pipe(client)
    const end = (): void => { client.destroy(); daemon.destroy(); open.delete(client); open.delete(daemon) }
    client.on('close', end).on('error', end)
    daemon.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, () => { resolve() }) })
  await chmod(path, 0o600)
  return {
    seen,
    close: async () => {
      for (const s of open) s.destroy()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
      await rename(aside, path).catch(() => undefined)
    }
  }
}

/** Nothing here is timed: a wait is bounded only against a hang. */
const HANG_MS = 60_000

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let home: string
let daemon: Daemon | undefined
let proxy: Awaited<ReturnType<typeof controlProxy>> | undefined

beforeAll(async () => {
  t = await tempDir('mesh-mcpsub-')
  env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  home = join(t.dir, 'h')
  daemon = await startDaemon({ home, wallet, label: 'alpha', env })
  proxy = await controlProxy(home)
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  if (daemon !== undefined) {
    const killer = setTimeout(() => { daemon?.child.kill('SIGKILL') }, 10_000)
    try { await daemon.stop('SIGINT') } finally { clearTimeout(killer) }
  }
  await t?.cleanup()
})

describe('mesh mcp with thousands of subscriptions', () => {
  it('sends the daemon one subscription at a time, each key once, still notifies, and ends once stdin closes', async () => {
    expect((await runCli(['session', 'new', KEY, '--home', home, '--goal', 'watched among thousands'], { env })).code).toBe(0)
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home], env: env as Record<string, string>, stderr: 'pipe' })
    let stderr = ''
    transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    const client = new Client({ name: 'mesh-test', version: '0' })
    const updated: string[] = []
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri) })
    const before = proxy?.seen.length ?? 0
    await client.connect(transport)
    // The SDK's transport ends stdin only in close(), and then kills the process after 2 s: ended here by hand.
    const child = (transport as unknown as { _process?: ChildProcess })._process
    expect(child?.stdin, 'the SDK transport\'s child process').toBeTruthy()
    const exited = new Promise<number | null>(resolve => { child?.once('exit', (code) => { resolve(code) }) })
    try {
      expect(stderr).toMatch(/through its running `mesh join`/)
      // Thousands of requests written at once: the SDK's transport waits for its stdin's drain once per message.
      child?.stdin?.setMaxListeners(N + 10)
      const keys = Array.from({ length: N }, (_, i) => `agent:main:k${i + 1}`)
      keys.splice(N / 2, 0, KEY)
      // All at once, as a host restoring its subscriptions would.
      await Promise.all(keys.map(async k => await client.subscribeResource({ uri: `mesh://session/${k}` })))

      // The server's connection to the daemon (the one that subscribed).
      const conn = await eventually(() => proxy?.seen.slice(before).find(s => s.subscribes > 0), 'mesh mcp to subscribe through the proxy', HANG_MS)
      // Once the daemon holds every key: one live subscription names them all, each once.
      const held = await eventually(() => {
        if (conn.unanswered.size > 0) return undefined
        const named = [...conn.live.values()].flat()
        return named.length >= keys.length ? named : undefined
      }, 'the daemon to hold every subscribed session', HANG_MS)
      expect(held.length).toBe(keys.length)
      expect(new Set(held)).toEqual(new Set(keys))
      // Never a subscription sent while the one before it was not yet in place.
      expect(conn.maxUnanswered).toBe(1)

      // A change to one of them is still told, under its URI, and only that one.
      expect((await runCli(['session', 'append', KEY, '--home', home, '--role', 'user', '--text', 'among thousands'], { env })).code).toBe(0)
      await eventually(() => updated.includes(URI) ? true : undefined, 'notifications/resources/updated for the appended session', HANG_MS)
      expect(new Set(updated)).toEqual(new Set([URI]))
      const text = (await client.readResource({ uri: URI })).contents.map(c => 'text' in c ? c.text : '').join('\n')
      expect(text).toContain('among thousands')

      // The host goes away: stdin closes, and the server ends with nothing left to do.
      child?.stdin?.end()
      const code = await Promise.race([exited, new Promise<'running'>(resolve => { setTimeout(() => { resolve('running') }, 60_000).unref() })])
      expect(code, stderr).toBe(0)
      expect(stderr).not.toMatch(/MaxListenersExceededWarning|Error:/)
      // The daemon answers at once, with nothing of it left behind.
      expect((await runCli(['status', '--home', home], { env })).code).toBe(0)
    } finally {
      await client.close()
    }
  }, 300_000)

  it('a host that reads its answers late: every one comes, with no MaxListenersExceededWarning', async () => {
    // By hand over its stdio: the test decides when stdout is read.
    const child = spawn(process.execPath, [BIN, 'mcp', '--home', home], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    const answered = new Set<unknown>()
    const stdout = lines((l) => { const m = JSON.parse(l); if ('result' in m || 'error' in m) answered.add(m.id) })
    const send = (m: unknown): void => { child.stdin.write(JSON.stringify(m) + '\n') }
    try {
      send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      // Far more answers than a pipe holds, none read yet.
      child.stdout.pause()
      for (let i = 0; i < N; i++) send({ jsonrpc: '2.0', id: i, method: 'ping' })
      // Handled in the order sent: once this session exists, every ping before it was answered (or waits for stdout).
      send({ jsonrpc: '2.0', id: 'marker', method: 'tools/call', params: { name: 'sessions_create', arguments: { key: 'agent:main:marker' } } })
      await eventually(async () => (await runCli(['session', 'show', 'agent:main:marker', '--home', home], { env })).code === 0 ? true : undefined, 'the call sent after the pings to be made', HANG_MS)
      child.stdout.on('data', stdout)
      child.stdout.resume()
      await eventually(() => answered.size === N + 2 ? true : undefined, 'every answer', HANG_MS).catch((err: Error) => { throw new Error(`${err.message}: ${answered.size} of ${N + 2}; stderr:\n${stderr}`) })
      child.stdin.end()
      expect(await exited, stderr).toBe(0)
      expect(stderr).not.toMatch(/MaxListenersExceededWarning|Error:/)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 120_000)

  it('ends once stdin closes while its daemon is suspended (the connection to it is dropped, not waited on)', async () => {
    // Straight to the daemon from here on: the proxy would end the connection in its place.
    await proxy?.close()
    proxy = undefined
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home], env: env as Record<string, string>, stderr: 'pipe' })
    let stderr = ''
    transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    const child = (transport as unknown as { _process?: ChildProcess })._process
    expect(child?.stdin, 'the SDK transport\'s child process').toBeTruthy()
    const exited = new Promise<number | null>(resolve => { child?.once('exit', (code) => { resolve(code) }) })
    const pid = daemon?.child.pid
    expect(pid).toBeDefined()
    try {
      expect(stderr).toMatch(/through its running `mesh join`/)
      await client.subscribeResource({ uri: URI })
      // Ctrl-Z on `mesh join`: it holds its connections and reads nothing.
      process.kill(pid as number, 'SIGSTOP')
      child?.stdin?.end()
      const code = await Promise.race([exited, new Promise<'running'>(resolve => { setTimeout(() => { resolve('running') }, 60_000).unref() })])
      expect(code, stderr).toBe(0)
    } finally {
      process.kill(pid as number, 'SIGCONT')
      await client.close()
    }
  }, 120_000)
})
