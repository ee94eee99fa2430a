/**
 * `mesh mcp` with no daemon, driven by the MCP SDK's own client: every call opens the home in the
 * server's process, and the README promises `mesh join` can start beside it at any time.
 *
 * A sessions_wait for a session not there yet must not hold the home while it waits: a status
 * call from the same server, a `mesh sessions` from another process and a `mesh join` all get
 * in, and the wait ends through that daemon once the session is made there. And a burst of
 * overlapping calls takes its turns at the home in the order sent: none fails with HOME_IN_USE
 * against its own process, and a create sent first is seen by a show sent after it.
 */
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let wallet: string

const textOf = (r: any): string => (r.content as Array<{ type: string, text?: string }>).map(c => c.text ?? '').join('\n')

/** SIGINT first (the daemon flushes its store), SIGKILL if it lingers: this daemon only, by its pid. */
async function stopDaemon (p: Proc): Promise<void> {
  const killer = setTimeout(() => { p.child.kill('SIGKILL') }, 10_000)
  try { await p.stop('SIGINT') } finally { clearTimeout(killer) }
}

async function home (label: string): Promise<string> {
  const dir = join(t.dir, label)
  expect((await runCli(['init', '--home', dir, '--wallet', wallet, '--label', label], { env })).code).toBe(0)
  return dir
}

function agent (dir: string): { client: Client, transport: StdioClientTransport, stderr: () => string } {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', dir], env: env as Record<string, string>, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  return { client: new Client({ name: 'mesh-test', version: '0' }), transport, stderr: () => stderr }
}

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
})
afterAll(async () => {
  await t.cleanup()
})

describe('mesh mcp without a daemon', () => {
  it('a tool that takes no arguments, called with one, says it takes none, not "(it takes )"', async () => {
    const { client, transport } = agent(await home('no-args'))
    await client.connect(transport)
    try {
      const r = await client.callTool({ name: 'status', arguments: { verbose: true } })
      expect(r.isError).toBe(true)
      expect(textOf(r)).toBe('INVALID_INPUT: node.status: unknown field "verbose" (it takes none)')
    } finally { await client.close() }
  }, 30_000)

  it('a sessions_wait holds no home: status, mesh sessions and mesh join get in, and the wait ends through that daemon', async () => {
    const dir = await home('waiter')
    const { client, transport, stderr } = agent(dir)
    const key = 'agent:main:later'
    let daemon: Proc | undefined
    try {
      await client.connect(transport)
      expect(stderr()).toMatch(/no `mesh join` runs for/)
      let settled = false
      const waited = client.callTool({ name: 'sessions_wait', arguments: { key } }, undefined, { timeout: 100_000 })
      void waited.then(() => { settled = true }, () => { settled = true })
      // The wait has started (and looked at least once) before anything else asks.
      await new Promise(resolve => setTimeout(resolve, 1500))

      // (a) The same server answers another call while the wait goes on: calls are not queued
      // behind it (one that were would not be answered before the wait ends, below).
      const status = await client.callTool({ name: 'status', arguments: {} })
      expect(status.isError, textOf(status)).not.toBe(true)
      expect(settled).toBe(false)
      // Another process opens the home too: a wait that held the home would make it give up
      // (HOME_IN_USE, exit 1) once its own wait for the home ran out.
      const listed = await runCli(['sessions', '--home', dir], { env })
      expect(listed.code, listed.stderr).toBe(0)
      expect(settled).toBe(false)

      // (b) The daemon starts beside the waiting server, and the session made through it ends the wait.
      daemon = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', dir, '--wallet', wallet, '--label', 'waiter', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], env)
      await daemon.waitFor(/^running/)
      expect(settled).toBe(false)
      const made = await runCli(['session', 'new', key, '--home', dir, '--goal', 'made through the daemon'], { env })
      expect(made.code, made.stderr).toBe(0)
      const r = await waited
      expect(r.isError, textOf(r)).not.toBe(true)
      expect((r.structuredContent as any).key).toBe(key)
      expect(daemon.child.exitCode).toBe(null)
      expect(stderr()).not.toMatch(/HOME_IN_USE/)
    } finally {
      await client.close()
      if (daemon !== undefined) await stopDaemon(daemon)
    }
  })

  it('a burst of 200 overlapping calls all succeed, in the order sent: a create sent first is seen by a show sent after it', async () => {
    const dir = await home('burst')
    const { client, transport, stderr } = agent(dir)
    const key = 'agent:main:burst'
    try {
      await client.connect(transport)
      expect(stderr()).toMatch(/no `mesh join` runs for/)
      const calls: Array<{ name: string, arguments: Record<string, unknown> }> = [
        { name: 'sessions_create', arguments: { key, goal: 'sent first' } },
        { name: 'sessions_show', arguments: { key } }
      ]
      for (let i = 0; calls.length < 200; i++) {
        calls.push(i % 10 === 0 ? { name: 'sessions_show', arguments: { key } } : i % 2 === 0 ? { name: 'status', arguments: {} } : { name: 'sessions_list', arguments: {} })
      }
      // All sent before the first is answered (the client writes each request as it is made).
      const results = await Promise.all(calls.map(async c => await client.callTool(c, undefined, { timeout: 100_000 })))
      const failed = results.flatMap((r, i) => r.isError === true ? [`${calls[i]?.name ?? '?'}: ${textOf(r)}`] : [])
      expect(failed.slice(0, 5)).toEqual([])
      const shown = results[1]?.structuredContent as any
      expect(shown.key).toBe(key)
      expect(shown.goal).toBe('sent first')
      expect(stderr()).not.toMatch(/HOME_IN_USE/)
    } finally {
      await client.close()
    }
  })
})
