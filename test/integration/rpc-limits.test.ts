/**
 * The control socket's line limit and `mesh mcp`'s end, met through a real `mesh join` (loopback,
 * no mDNS, no DHT, no HTTP) as the SDK and an MCP client meet them:
 *
 * - a request line over the daemon's limit (then 8 MiB, under the 10 MiB `mesh mcp` reads) made
 *   the daemon drop the connection, so a 9 MiB memory.set through the SDK or MCP failed with a
 *   false DAEMON_NOT_RUNNING, and every call and subscription on that connection with it. Now the
 *   limit is above MCP's, a longer line is answered INVALID_INPUT (by its id, naming the limit)
 *   and the connection goes on, and the client refuses a longer request before sending it;
 * - a request cancelled with notifications/cancelled is never answered by the MCP SDK, and the
 *   transport waited for that answer: `mesh mcp` stayed 60 s once its stdin closed.
 */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTROL_LINE_MAX } from '../../src/api/line-reader.js'
import { InvalidInputError, type MeshError } from '../../src/errors.js'
import { open } from '../../src/sdk/index.js'
import { socketClient } from '../helpers/socket-client.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const MiB = 1024 * 1024

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let daemon: Daemon

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  daemon = await startDaemon({ home: join(t.dir, 'desk'), wallet, label: 'desk', env })
})
afterAll(async () => {
  await daemon?.stop('SIGINT')
  await t.cleanup()
})

const textOf = (r: any): string => (r.content as Array<{ type: string, text?: string }>).map(c => c.text ?? '').join('\n')

/** `mesh mcp` for the daemon's home, driven by the MCP SDK's own client; its process, to end its stdin by hand. */
async function mcp (): Promise<{ client: Client, transport: StdioClientTransport, child: ChildProcess, stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', daemon.home], env: env as Record<string, string>, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const client = new Client({ name: 'rpc-limits', version: '0' })
  await client.connect(transport)
  const child = (transport as unknown as { _process: ChildProcess })._process
  return { client, transport, child, stderr: () => stderr }
}

describe('a request longer than the control socket reads', () => {
  it('through the SDK: a 9 MiB memory.set is refused INVALID_INPUT, not DAEMON_NOT_RUNNING, and a call waiting beside it, a subscription and the next call go on', async () => {
    const mesh = await open({ home: daemon.home })
    try {
      expect(mesh.mode).toBe('daemon')
      const key = 'agent:main:late'
      const ended: unknown[] = []
      const events: string[] = []
      let ready!: () => void
      const subscribed = new Promise<void>(resolve => { ready = resolve })
      const off = mesh.on(({ event }) => { events.push(event.type) }, { sessions: [key], ready: () => { ready() }, onError: (e) => { ended.push(e) } })
      await subscribed
      // Waits until the session exists (no timeout: it is ended below by creating the session).
      const waited = mesh.sessions.wait({ key }).then(s => s, (e: unknown) => e)

      const err = await mesh.memory.set({ key: 'big', value: 'z'.repeat(9 * MiB) }).catch((e: unknown) => e) as MeshError
      expect(err, String(err)).toBeInstanceOf(InvalidInputError)
      expect(err.code).toBe('INVALID_INPUT')
      // Over what the daemon reads: refused by the client, before a byte is sent.
      const over = await mesh.memory.set({ key: 'big', value: 'z'.repeat(CONTROL_LINE_MAX) }).catch((e: unknown) => e) as MeshError
      expect(over, String(over)).toBeInstanceOf(InvalidInputError)
      expect(over.details).toMatchObject({ method: 'memory.set', limit: CONTROL_LINE_MAX })
      expect(over.message).toMatch(/at most 16777216 bytes per request/)

      // The same connection goes on: the next call, the call that waited, the subscription.
      expect((await mesh.node.status({})).label).toBe('desk')
      await mesh.sessions.create({ key })
      expect(await waited).toMatchObject({ key })
      await until(() => events.includes('session.created'), 'the subscription told of the session')
      expect(ended).toEqual([])
      off()
    } finally {
      await mesh.close()
    }
  })

  it('written to the socket by hand: a line over the limit is skipped unread and answered INVALID_INPUT with the limit, by its id first or last, and the connection goes on', async () => {
    const { sock, got } = await socketClient(daemon.home)
    let closed = false
    sock.on('close', () => { closed = true })
    try {
      const value = 'z'.repeat(CONTROL_LINE_MAX)
      sock.write(JSON.stringify({ id: 1, method: 'memory.set', params: { key: 'big', value } }) + '\n')
      sock.write(`{"method":"memory.set","params":{"key":"big","value":"${value}"},"id":2}\n`)
      sock.write(JSON.stringify({ id: 3, method: 'node.status', params: {} }) + '\n')
      await until(() => got.some(m => m.id === 3) || closed, 'an answer to the call after the long lines', 30_000)
      expect(closed).toBe(false)
      for (const id of [1, 2]) {
        const answer = got.find(m => m.id === id)
        expect(answer?.error, JSON.stringify(got).slice(0, 500)).toMatchObject({ code: 'INVALID_INPUT', details: { limit: CONTROL_LINE_MAX } })
        expect(answer.error.message).toMatch(/refused unread: the mesh daemon reads at most 16777216 bytes per request/)
      }
      expect(got.find(m => m.id === 3)?.result?.label).toBe('desk')
    } finally {
      sock.destroy()
    }
  })

  it('through mesh mcp: a 9 MiB memory_set is a tool error INVALID_INPUT, not DAEMON_NOT_RUNNING, and the server goes on through the same daemon', async () => {
    const { client, stderr } = await mcp()
    try {
      const r = await client.callTool({ name: 'memory_set', arguments: { key: 'big', value: 'z'.repeat(9 * MiB) } })
      expect(r.isError).toBe(true)
      expect(r.structuredContent, textOf(r)).toMatchObject({ error: { code: 'INVALID_INPUT' } })
      const next = await client.callTool({ name: 'status', arguments: {} })
      expect(next.isError, textOf(next)).not.toBe(true)
      // Its daemon connection never dropped: it never said the daemon stopped (and came back).
      expect(stderr()).not.toMatch(/stopped/)
    } finally {
      await client.close()
    }
  })
})

describe('mesh mcp after a request its client cancelled', () => {
  it('exits by itself soon after stdin closes, not waiting for an answer the cancelled request never gets', async () => {
    const { client, child } = await mcp()
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
    try {
      const ac = new AbortController()
      // Waits for a session no one makes (no timeout): it ends only by the cancel.
      const waiting = client.callTool({ name: 'sessions_wait', arguments: { key: 'agent:main:never' } }, undefined, { signal: ac.signal }).catch((e: unknown) => e)
      await client.ping() // read after the call: the call is pending in the server
      ac.abort('the user gave up')
      expect(await waiting).toBeInstanceOf(Error)
      await client.ping() // read after the cancel
      child.stdin?.end()
      // Bounded, not timed: before, it waited 60 s (ANSWER_AFTER_END_MS) for the cancelled call's answer.
      const bound = new Promise<'still running'>(resolve => { setTimeout(() => { resolve('still running') }, 15_000).unref() })
      expect(await Promise.race([exited, bound])).toEqual({ code: 0, signal: null })
    } finally {
      await client.close()
    }
  })
})
