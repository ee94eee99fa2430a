/**
 * `mesh mcp` driven as an agent drives it: the MCP SDK's own client spawns `mesh mcp --home A`
 * over stdio while two `mesh join` daemons (homes A and B, one wallet) run on loopback. It lists
 * the tools, resumes a session written on B, appends through a tool, subscribes to the session's
 * resource and hears `notifications/resources/updated` when B appends with the CLI.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { McpError, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { eventually } from '../helpers/wait.js'

const KEY = 'agent:main:mcp'
const URI = `mesh://session/${KEY}`
/** What an agent needs, by tool name (the schema's `mcp` names). */
const TOOLS = ['status', 'peers', 'sessions_list', 'sessions_show', 'sessions_resume', 'sessions_append', 'sessions_task', 'sessions_take_lease', 'sessions_release_lease', 'memory_get', 'memory_set', 'memory_search', 'memory_delete', 'skills_list', 'skills_show', 'skills_add']

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let wallet: string
const daemons: Proc[] = []

/** SIGINT first (the daemon flushes its store), SIGKILL if it lingers. */
async function stopDaemon (p: Proc): Promise<void> {
  const killer = setTimeout(() => { p.child.kill('SIGKILL') }, 10_000)
  try { await p.stop('SIGINT') } finally { clearTimeout(killer) }
}

function startDaemon (home: string, label: string, bootstrap?: string): Proc {
  const args = [BIN, 'join', '--home', home, '--wallet', wallet, '--label', label, '--no-mdns', '--dht', 'off', '--http', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', ...(bootstrap !== undefined ? ['--bootstrap', bootstrap] : [])]
  const p = spawnIn(undefined, process.execPath, args, env)
  daemons.push(p)
  return p
}


const textOf = (r: any): string => (r.content as Array<{ type: string, text?: string }>).map(c => c.text ?? '').join('\n')

/** The SDK's own client spawning `mesh mcp --home HOME` over stdio, as an agent host does. */
function agent (home: string): { client: Client, transport: StdioClientTransport, updated: string[], nextUpdate: () => Promise<void>, listChanged: () => number, stderr: () => string } {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home], env: env as Record<string, string>, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const client = new Client({ name: 'mesh-test', version: '0' })
  const updated: string[] = []
  let listChanged = 0
  let seen = 0
  let waiter: (() => void) | undefined
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); waiter?.() })
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => { listChanged++ })
  /** The next notification not yet consumed (replication is asynchronous: bounded, not timed). */
  const nextUpdate = async (): Promise<void> => {
    if (updated.length <= seen) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { reject(new Error(`no notifications/resources/updated within 20 s; stderr:\n${stderr}`)) }, 20_000)
        waiter = () => { clearTimeout(t); waiter = undefined; resolve() }
      })
    }
    seen++
  }
  return { client, transport, updated, nextUpdate, listChanged: () => listChanged, stderr: () => stderr }
}

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
})
afterAll(async () => {
  for (const d of daemons) await stopDaemon(d)
  await t.cleanup()
})

/**
 * `mesh mcp --home HOME` on a fresh home driven by hand over its stdio (no SDK client, so the test
 * controls when stdin ends), initialized: what it wrote, and its exit.
 */
async function rawServer (label: string): Promise<{ home: string, child: ReturnType<typeof spawn>, send: (m: unknown) => void, stdout: () => string, stderr: () => string, exited: Promise<number | null> }> {
  const home = join(t.dir, label)
  expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', label], { env })).code).toBe(0)
  const child = spawn(process.execPath, [BIN, 'mcp', '--home', home], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  const send = (m: unknown): void => { child.stdin.write(JSON.stringify(m) + '\n') }
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })
  await eventually(async () => stdout.includes('\n') ? true : undefined, 'the initialize response')
  return { home, child, send, stdout: () => stdout, stderr: () => stderr, exited }
}

describe('mesh mcp', () => {
  it('stdout carries only the protocol, and closing stdin ends it with exit 0', async () => {
    const { child, stdout, stderr, exited } = await rawServer('solo')
    try {
      child.stdin?.end()
      expect(await exited).toBe(0)
      const lines = stdout().trim().split('\n')
      expect(lines).toHaveLength(1)
      const res = JSON.parse(lines[0] as string)
      expect(res.id).toBe(1)
      expect(res.result.serverInfo.name).toBe('mesh')
      expect(res.result.capabilities.resources.subscribe).toBe(true)
      // Its tools are fixed while it runs: no tools/list_changed is promised.
      expect(res.result.capabilities.tools.listChanged).toBe(false)
      // No daemon for this home: it says so, on stderr.
      expect(stderr()).toMatch(/mesh join/)
      expect(stderr()).not.toMatch(/not set up/)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('tells the agent host which tools replace or remove what was there, per tool rather than by HTTP verb', async () => {
    const home = join(t.dir, 'hints')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'hints'], { env })).code).toBe(0)
    const { client, transport } = agent(home)
    try {
      await client.connect(transport)
      const { tools } = await client.listTools()
      const of = (n: string): unknown => {
        const a = tools.find(x => x.name === n)?.annotations
        return a === undefined ? undefined : { readOnly: a.readOnlyHint, destructive: a.destructiveHint, idempotent: a.idempotentHint }
      }
      // Replacing a skill (its scripts/ files too, on every device) or an entry, or any file at
      // agents_resume's out: destructive, though they are a POST and a PUT.
      expect(of('skills_add')).toEqual({ readOnly: false, destructive: true, idempotent: true })
      expect(of('memory_set')).toEqual({ readOnly: false, destructive: true, idempotent: true })
      expect(of('agents_resume')).toMatchObject({ readOnly: false, destructive: true })
      expect(of('memory_delete')).toEqual({ readOnly: false, destructive: true, idempotent: true })
      // Releasing this device's lease destroys nothing, though it is a DELETE.
      expect(of('sessions_release_lease')).toEqual({ readOnly: false, destructive: false, idempotent: true })
      expect(of('sessions_append')).toEqual({ readOnly: false, destructive: false, idempotent: false })
      expect(of('sessions_show')).toEqual({ readOnly: true, destructive: false, idempotent: true })
      // Every tool says all three.
      for (const tool of tools) {
        for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint'] as const) expect(typeof tool.annotations?.[k], `${tool.name} ${k}`).toBe('boolean')
        if (tool.annotations?.readOnlyHint === true) expect(tool.annotations.destructiveHint, tool.name).toBe(false)
      }
    } finally {
      await client.close()
    }
  })

  it('says at start when its home is not set up (every call would fail), and serves all the same', async () => {
    const home = join(t.dir, 'never-set-up')
    const child = spawn(process.execPath, [BIN, 'mcp', '--home', home], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    try {
      await eventually(async () => /not set up/.test(stderr) ? true : undefined, 'the warning')
      expect(stderr).toContain(`mesh mcp: ${home} is not set up yet: every call fails until it is (mesh init, mesh pair, or mesh join with a wallet); is --home right?`)
      child.stdin.end()
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('answers a line that is not JSON with -32700 and id null (a notification with nothing), and a bad resource URI with -32602 and mesh\'s code, without "MCP error" in the message', async () => {
    const { child, send, stdout, exited } = await rawServer('malformed')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      child.stdin?.write('{"jsonrpc": "2.0", oops}\n')
      send([1, 2])
      send({ jsonrpc: '2.0', id: 7, method: 'resources/read', params: { uri: 'mesh://session/agent:main:nope' } })
      send({ jsonrpc: '2.0', id: 8, method: 'resources/read', params: { uri: 'mesh://session/agent:main:%E0%A4%A' } })
      const replies = await eventually(async () => {
        const lines = stdout().trim().split('\n').map(l => JSON.parse(l))
        return lines.length >= 5 ? lines : undefined
      }, 'four more replies')
      // A key whose %-escapes do not decode: said of the URI, with the code of a bad key (was "URI malformed").
      const byId = new Map(replies.map(r => [r.id, r]))
      expect(byId.get(8)).toMatchObject({ error: { code: -32602, data: { code: 'INVALID_SESSION_KEY' } } })
      expect(byId.get(8).error.message).toMatch(/^mesh:\/\/session\/agent:main:%E0%A4%A: the key's %-escapes/)
      expect(replies[1]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } })
      // A batch is answered by a batch: -32600 for each element, id null where it is no object.
      expect(replies[2]).toMatchObject([{ id: null, error: { code: -32600 } }, { id: null, error: { code: -32600 } }])
      expect(byId.get(7)).toMatchObject({ error: { code: -32602, data: { code: 'SESSION_NOT_FOUND' } } })
      expect(byId.get(7).error.message).toMatch(/^no session agent:main:nope/)
      child.stdin?.end()
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('answers JSON that is no JSON-RPC request with -32600 and its id where one can be read (null where it is no id), and says so on stderr in one line each', async () => {
    const { child, send, stdout, stderr, exited } = await rawServer('invalid-requests')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      send({ id: 12, method: 'tools/list' })
      send({ jsonrpc: '2.0', id: 11 })
      send([1, 2, 3])
      send({ jsonrpc: '2.0', id: null, method: 'tools/list' })
      send({ jsonrpc: '2.0', id: { a: 1 }, method: 'tools/list' })
      send({ jsonrpc: '2.0', id: 13, method: 7 })
      send({ jsonrpc: '2.0', id: 14, method: 'tools/list', params: 'x' })
      send({ jsonrpc: '2.0', id: 15, method: 'tools/list', extra: true })
      // What may be a response is never answered.
      send({ jsonrpc: '2.0', id: 16, result: 'x', error: {} })
      send({ jsonrpc: '2.0', id: 20, method: 'tools/list' })
      const replies = await eventually(async () => {
        const lines = stdout().trim().split('\n').map(l => JSON.parse(l))
        return lines.some(r => r.id === 20) ? lines : undefined
      }, 'the answer to tools/list')
      const errors = replies.filter(r => r.error !== undefined)
      expect(errors.map(r => [r.id, r.error.code, r.error.message])).toEqual([
        [12, -32600, '"jsonrpc" must be "2.0"'],
        [11, -32600, 'no "method": a request names the method it calls'],
        [null, -32600, '"id" must be a string or an integer, not null'],
        [null, -32600, '"id" must be a string or an integer, not an object'],
        [13, -32600, '"method" must be a string, not a number'],
        [14, -32600, '"params" must be an object, not a string'],
        [15, -32600, 'unknown field "extra" (a request has jsonrpc, id, method and params)']
      ])
      expect(replies.find(r => r.id === 20)?.result.tools.length).toBeGreaterThan(0)
      expect(replies.some(r => r.id === 16)).toBe(false)
      expect(replies.filter(r => Array.isArray(r))).toEqual([[1, 2, 3].map(() => ({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'a batch (a JSON array) is not taken: send one JSON-RPC message per line', data: { code: 'INVALID_INPUT' } } }))])
      child.stdin?.end()
      expect(await exited).toBe(0)
      // One line per line refused, none of them the SDK's schema dump.
      const said = stderr().split('\n').filter(l => l.includes('protocol error'))
      expect(said).toHaveLength(9)
      expect(said.find(l => l.includes('batch'))).toBe('mesh mcp: protocol error: invalid message: a batch (a JSON array) is not taken: send one JSON-RPC message per line')
      expect(stderr()).not.toMatch(/invalid_union|"path"|^\s+[[{"]/m)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('answers a batch with an array of -32600 under the ids it can read (nothing for its notifications), JSON that is no object or an empty batch with -32600 under id null', async () => {
    const { child, send, stdout, stderr, exited } = await rawServer('batches')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      send([{ jsonrpc: '2.0', id: 5, method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', id: 'six', method: 'tools/list' }, 7, { jsonrpc: '2.0', id: 8, result: {} }])
      send('str')
      send(42)
      send(null)
      send([])
      // Notifications only: nothing to answer, said on stderr all the same.
      send([{ jsonrpc: '2.0', method: 'notifications/initialized' }])
      send({ jsonrpc: '2.0', id: 20, method: 'ping' })
      const replies = await eventually(async () => {
        const lines = stdout().trim().split('\n').map(l => JSON.parse(l))
        return lines.some(r => r.id === 20) ? lines.slice(1) : undefined
      }, 'the answer to ping')
      const refused = (id: unknown, message: string): unknown => ({ jsonrpc: '2.0', id, error: { code: -32600, message, data: { code: 'INVALID_INPUT' } } })
      const batch = 'a batch (a JSON array) is not taken: send one JSON-RPC message per line'
      expect(replies).toEqual([
        [refused(5, batch), refused('six', batch), refused(null, batch)],
        refused(null, 'not a JSON-RPC message: a string, where a message is a JSON object'),
        refused(null, 'not a JSON-RPC message: a number, where a message is a JSON object'),
        refused(null, 'not a JSON-RPC message: null, where a message is a JSON object'),
        refused(null, 'an empty batch (a JSON array) is no message: send one JSON-RPC message per line'),
        { jsonrpc: '2.0', id: 20, result: {} }
      ])
      child.stdin?.end()
      expect(await exited).toBe(0)
      expect(stderr().split('\n').filter(l => l.includes('protocol error'))).toHaveLength(6)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('runs and answers a last request sent without its newline before stdin ends', async () => {
    const { home, child, send, stdout, exited } = await rawServer('no-newline')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      child.stdin?.end(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'memory_set', arguments: { key: 'unended', value: 'kept' } } }))
      expect(await exited).toBe(0)
      const answer = stdout().trim().split('\n').map(l => JSON.parse(l)).find(r => r.id === 2)
      expect(answer?.result?.isError).not.toBe(true)
      const got = await runCli(['memory', 'get', 'unended', '--home', home], { env })
      expect(got.stdout.trim()).toBe('kept')
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('params the protocol\'s own schema refuses (arguments that are no object, a read without a uri) are -32602 with one line naming the field, not -32603 with a JSON dump', async () => {
    const { child, send, stdout, exited } = await rawServer('bad-params')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'sessions_show', arguments: 'x' } })
      send({ jsonrpc: '2.0', id: 7, method: 'resources/read', params: {} })
      const replies = await eventually(async () => {
        const lines = stdout().trim().split('\n').map(l => JSON.parse(l))
        return lines.length >= 3 ? lines : undefined
      }, 'two more replies')
      const byId = new Map(replies.map(r => [r.id, r]))
      expect(byId.get(6)).toMatchObject({ error: { code: -32602, message: 'tools/call: params.arguments: expected an object, received string', data: { code: 'INVALID_INPUT' } } })
      expect(byId.get(7)).toMatchObject({ error: { code: -32602, message: 'resources/read: params.uri: expected string, received undefined', data: { code: 'INVALID_INPUT' } } })
      child.stdin?.end()
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('a resource URI that names no resource of this server is refused with -32602 and NOT_FOUND, its message saying "MCP error -32602" once', async () => {
    const home = join(t.dir, 'unknown-uri')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'unknown-uri'], { env })).code).toBe(0)
    const { client, transport } = agent(home)
    try {
      await client.connect(transport)
      for (const uri of ['mesh://memory/style', 'file:///etc/hostname']) {
        const err = await client.readResource({ uri }).then(() => undefined, (e: unknown) => e) as McpError
        expect(err, uri).toBeInstanceOf(McpError)
        expect(err.code, uri).toBe(-32602)
        expect(err.message, uri).toBe(`MCP error -32602: no resource ${uri} here: this server's resources are mesh://session/<key> (resources/list names them)`)
        expect(err.data, uri).toEqual({ code: 'NOT_FOUND', details: { uri } })
      }
    } finally {
      await client.close()
    }
  })

  it('sessions_show after a message id the session does not hold is refused with NOT_FOUND naming the id, not answered with the whole transcript', async () => {
    const home = join(t.dir, 'after')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'after'], { env })).code).toBe(0)
    const { client, transport } = agent(home)
    const key = 'agent:main:after'
    try {
      await client.connect(transport)
      expect((await client.callTool({ name: 'sessions_create', arguments: { key } })).isError).not.toBe(true)
      const appended = await client.callTool({ name: 'sessions_append', arguments: { key, messages: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] } })
      const first = JSON.parse(textOf(appended))[0].id as string
      const after = await client.callTool({ name: 'sessions_show', arguments: { key, after: first } })
      expect((after.structuredContent as any).messages.map((m: any) => m.content)).toEqual(['two'])

      const unknown = await client.callTool({ name: 'sessions_show', arguments: { key, after: 'no-such-message' } })
      expect(unknown.isError, textOf(unknown)).toBe(true)
      expect((unknown.structuredContent as any).error).toMatchObject({ code: 'NOT_FOUND', details: { key, after: 'no-such-message' } })
      expect(textOf(unknown)).toMatch(/^NOT_FOUND: session agent:main:after holds no message no-such-message/)
    } finally {
      await client.close()
    }
  })

  it('a tool error\'s hint names the tool to call (or nothing), never a mesh command an agent cannot run', async () => {
    const home = join(t.dir, 'hints')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'hints'], { env })).code).toBe(0)
    const { client, transport } = agent(home)
    const key = 'agent:main:hints'
    try {
      await client.connect(transport)
      const missing = await client.callTool({ name: 'sessions_show', arguments: { key: 'agent:main:nope' } })
      expect(textOf(missing)).toBe('SESSION_NOT_FOUND: no session agent:main:nope (create it with sessions_create)')
      expect((missing.structuredContent as any).error).toEqual({ code: 'SESSION_NOT_FOUND', message: 'no session agent:main:nope (create it with sessions_create)', details: { key: 'agent:main:nope' } })
      // An agent's own session is imported by a person on the machine that has it: the agent can wait.
      const claude = await client.callTool({ name: 'sessions_resume', arguments: { key: 'agent:claude:1af7fc5e' } })
      expect(textOf(claude)).toBe('SESSION_NOT_FOUND: no session agent:claude:1af7fc5e (it is imported on the machine whose claude has it; sessions_wait waits for it to arrive)')
      // One the agent cannot act on by a tool: no hint at all.
      const records = await client.callTool({ name: 'agents_records', arguments: { key: 'agent:main:nope' } })
      expect(textOf(records)).not.toMatch(/`mesh /)
      expect((await client.callTool({ name: 'sessions_create', arguments: { key } })).isError).not.toBe(true)
      const noRecords = await client.callTool({ name: 'agents_records', arguments: { key } })
      expect(textOf(noRecords)).toBe(`NOT_FOUND: session ${key} holds no agent records`)
      const todo = await client.callTool({ name: 'sessions_task', arguments: { key, todoDone: ['t0'] } })
      expect(textOf(todo)).toBe(`NOT_FOUND: session ${key} has no todo t0 (sessions_show lists its todos)`)
    } finally {
      await client.close()
    }
    // The CLI, for the same errors, names its commands as before.
    const cli = await runCli(['session', 'show', 'nope', '--home', home], { env })
    expect(cli.stderr).toContain('no session agent:main:nope (create it with `mesh session new agent:main:nope`)')
  })

  it('answers a message too long to read (a huge string in a tool call) and keeps serving: a tool call gets INVALID_INPUT as isError, another request -32600', async () => {
    const { child, send, stdout, stderr, exited } = await rawServer('huge')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      // As the SDK's client writes a request: method first, id last.
      send({ method: 'tools/call', params: { name: 'sessions_append', arguments: { key: 'huge', role: 'user', content: 'y'.repeat(11 * 1024 * 1024) } }, jsonrpc: '2.0', id: 2 })
      send({ jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'mesh://session/' + 'a'.repeat(11 * 1024 * 1024) } })
      send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'memory_list', arguments: {} } })
      const replies = await eventually(async () => {
        const lines = stdout().trim().split('\n').map(l => JSON.parse(l))
        return lines.length >= 4 ? lines : undefined
      }, 'three more replies')
      const byId = new Map(replies.map(r => [r.id, r]))
      expect(byId.get(2)?.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_INPUT' } } })
      expect(textOf(byId.get(2).result)).toMatch(/^INVALID_INPUT: a message of \d+ bytes was refused unread/)
      expect(byId.get(3)).toMatchObject({ error: { code: -32600, data: { code: 'INVALID_INPUT' } } })
      expect(byId.get(4)?.result?.isError).toBeUndefined()
      expect(child.exitCode).toBeNull()
      child.stdin?.end()
      expect(await exited, stderr()).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('a client that sends a tools/call and closes stdin at once: the call is answered, then it ends with exit 0', async () => {
    const { home, child, send, stdout, stderr, exited } = await rawServer('hangup')
    try {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' })
      // No daemon: the call opens the home in the server's process, so it is still running when stdin ends.
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'status', arguments: {} } })
      child.stdin?.end()
      expect(await exited, stderr()).toBe(0)
      const replies = stdout().trim().split('\n').map(l => JSON.parse(l))
      expect(replies.map(r => r.id)).toEqual([1, 2])
      expect(replies[1].result.isError).toBeUndefined()
      expect(JSON.parse(replies[1].result.content[0].text)).toHaveProperty('deviceId')
      expect(stderr()).not.toMatch(/failed|Error|\n\s+at /)
      // Nothing of it holds the home: a command opens it at once.
      expect((await runCli(['status', '--home', home], { env })).code).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('an agent on A resumes a session written on B, appends, and hears B\'s appends', async () => {
    const homeA = join(t.dir, 'a')
    const homeB = join(t.dir, 'b')
    const a = startDaemon(homeA, 'alpha')
    const addrA = (await a.waitFor(/^listening:\s+\S+/)).split(/\s+/)[1] as string
    const b = startDaemon(homeB, 'beta', addrA)
    await a.waitFor(/peer proven\s+beta/)
    await b.waitFor(/peer proven\s+alpha/)

    // Written on B, through B's daemon.
    expect((await runCli(['session', 'new', KEY, '--home', homeB, '--title', 'MCP', '--goal', 'drive it from an agent'], { env })).code).toBe(0)
    expect((await runCli(['session', 'append', KEY, '--home', homeB, '--role', 'user', '--text', 'hello from beta'], { env })).code).toBe(0)

    const { client, transport, updated, nextUpdate, listChanged, stderr } = agent(homeA)
    try {
      await client.connect(transport)
      expect(stderr()).toMatch(/through its running `mesh join`/)
      // Said once: not also as a daemon that "runs now", as if it had just started.
      expect(stderr()).not.toMatch(/runs now/)
      expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true)

      const { tools } = await client.listTools()
      const names = tools.map(x => x.name)
      for (const n of TOOLS) expect(names, n).toContain(n)
      for (const tool of tools) {
        expect(tool.inputSchema.type, tool.name).toBe('object')
        expect(tool.description, tool.name).toMatch(/\w/)
      }
      // What an agent host may ask the user about: anything but a read (resume takes the lease).
      const hint = (n: string): boolean | undefined => tools.find(x => x.name === n)?.annotations?.readOnlyHint
      expect([hint('sessions_show'), hint('memory_search'), hint('status')]).toEqual([true, true, true])
      expect([hint('sessions_resume'), hint('sessions_append'), hint('memory_delete')]).toEqual([false, false, false])
      const appendTool = tools.find(x => x.name === 'sessions_append')
      expect(Object.keys(appendTool?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['key', 'content']))

      // The session B wrote arrives on A (replication is asynchronous: retried, not timed).
      const resumed = await eventually(async () => {
        const r = await client.callTool({ name: 'sessions_resume', arguments: { key: KEY } })
        return r.isError !== true && textOf(r).includes('hello from beta') ? r : undefined
      }, 'the session written on B to resume on A')
      expect(textOf(resumed)).toContain('drive it from an agent')

      const appended = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, role: 'assistant', content: 'hello from the agent on alpha' } })
      expect(appended.isError, textOf(appended)).not.toBe(true)

      // A failure is a tool result the agent can read, with the stable code.
      const missing = await client.callTool({ name: 'sessions_resume', arguments: { key: 'agent:main:nope' } })
      expect(missing.isError).toBe(true)
      expect((missing.structuredContent as any).error.code).toBe('SESSION_NOT_FOUND')
      // Arguments the tool's schema refuses: the same shape, the stable code, and the words the
      // socket, HTTP and the CLI say it with (not the SDK's "Input validation error" and zod's raw text).
      const badArgs = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, role: 'assistant', content: 42 } })
      expect(badArgs.isError).toBe(true)
      expect((badArgs.structuredContent as any).error).toEqual({ code: 'INVALID_INPUT', message: 'sessions.append: content: must be a string, not 42', details: { method: 'sessions.append' } })
      expect(textOf(badArgs)).toBe('INVALID_INPUT: sessions.append: content: must be a string, not 42')
      const noKey = await client.callTool({ name: 'sessions_show', arguments: {} })
      expect((noKey.structuredContent as any).error).toMatchObject({ code: 'INVALID_INPUT', message: 'sessions.show: key: is missing (a string)' })
      // A tool of the front-end's own (devices_revoke), in the same words.
      const revokeArgs = await client.callTool({ name: 'devices_revoke', arguments: { device: '', confirm: 7 } })
      expect((revokeArgs.structuredContent as any).error).toMatchObject({ code: 'INVALID_INPUT', message: 'devices_revoke: device: is empty; confirm: must be a string, not 7' })
      // An argument the tool does not take is refused as the HTTP API and the CLI refuse it.
      const extra = await client.callTool({ name: 'sessions_show', arguments: { key: KEY, timeout: 5 } })
      expect(extra.isError).toBe(true)
      expect((extra.structuredContent as any).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/timeout/) })
      const noTool = await client.callTool({ name: 'sessions_frobnicate', arguments: {} })
      expect(noTool.isError).toBe(true)
      expect((noTool.structuredContent as any).error).toMatchObject({ code: 'NOT_FOUND', message: 'Tool sessions_frobnicate not found: tools/list names the tools this server has' })

      const { resources } = await client.listResources()
      expect(resources.map(r => r.uri)).toContain(URI)

      await client.subscribeResource({ uri: URI })
      const readTranscript = async (): Promise<string> => (await client.readResource({ uri: URI })).contents.map(c => 'text' in c ? c.text : '').join('\n')
      expect(await readTranscript()).toContain('hello from the agent on alpha')
      expect((await runCli(['session', 'append', KEY, '--home', homeB, '--role', 'user', '--text', 'and again from beta', '--force'], { env })).code).toBe(0)
      // Each notification says the resource changed; one of them is B's append arriving.
      let transcript = ''
      for (let i = 0; !transcript.includes('and again from beta'); i++) {
        if (i === 10) throw new Error(`ten notifications and B's append not in the transcript:\n${transcript}`)
        await nextUpdate()
        expect(updated.at(-1)).toBe(URI)
        transcript = await readTranscript()
      }
      expect(transcript).toContain('hello from beta')

      await client.unsubscribeResource({ uri: URI })

      // B takes the session over: the agent on A is refused, through A's daemon, with the tools
      // that act on it (the hint crossed the daemon's socket whole), not `mesh resume … --take`.
      expect((await runCli(['resume', KEY, '--home', homeB, '--take'], { env })).code).toBe(0)
      const refused = await eventually(async () => {
        const r = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, role: 'assistant', content: 'still mine?' } })
        return r.isError === true ? r : undefined
      }, 'A to see that B drives the session')
      expect(textOf(refused)).toMatch(/^LEASE_HELD: session agent:main:mcp is driven by beta \(.*\): take it over with sessions_take_lease \(take: true\), or write anyway with force: true$/)
      const take = await client.callTool({ name: 'sessions_take_lease', arguments: { key: KEY } })
      expect(textOf(take)).toMatch(/^LEASE_HELD: session agent:main:mcp is being driven by beta, .*\)\. Call it again with take: true to take over$/)
      expect((take.structuredContent as any).error.details).toMatchObject({ key: KEY, holder: 'beta' })
      expect((take.structuredContent as any).error.details.hint).toBeUndefined()
      // The CLI on A says its own command for the same refusal.
      const cliRefused = await runCli(['session', 'append', KEY, '--home', homeA, '--role', 'user', '--text', 'me?'], { env })
      expect(cliRefused.stderr).toMatch(/take it over with `mesh resume agent:main:mcp --take`, or write anyway with --force$/m)
      expect((await client.callTool({ name: 'sessions_take_lease', arguments: { key: KEY, take: true } })).isError).not.toBe(true)

      // A session created on B is announced as a change of the resource list.
      const before = listChanged()
      expect((await runCli(['session', 'new', `${KEY}-2`, '--home', homeB], { env })).code).toBe(0)
      await eventually(async () => {
        if (listChanged() === before) return undefined
        const { resources } = await client.listResources()
        return resources.some(r => r.uri === `${URI}-2`) ? true : undefined
      }, 'notifications/resources/list_changed and the new session listed')
    } finally {
      await client.close()
      await stopDaemon(b)
      await stopDaemon(a)
    }
    expect(stderr()).not.toMatch(/Error:/)
  })

  it('without a daemon it opens the home per call, lets `mesh join` start beside it, and follows that daemon', async () => {
    const home = join(t.dir, 'c')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'gamma'], { env })).code).toBe(0)
    const { client, transport, updated, nextUpdate, stderr } = agent(home)
    const key = 'agent:main:solo'
    // A bare key means agent main, in a URI too; notifications name the URI the client used.
    const uri = 'mesh://session/solo'
    let daemon: Proc | undefined
    try {
      await client.connect(transport)
      expect(stderr()).toMatch(/no `mesh join` runs for/)
      const created = await client.callTool({ name: 'sessions_create', arguments: { key, goal: 'work alone, then with the daemon' } })
      expect(created.isError, textOf(created)).not.toBe(true)
      await client.subscribeResource({ uri })

      // The MCP server does not hold the home: the daemon starts beside it.
      daemon = startDaemon(home, 'gamma')
      await daemon.waitFor(/^running/)
      await eventually(async () => /`mesh join` runs now/.test(stderr()) ? true : undefined, 'the MCP server to find the daemon')
      expect((await runCli(['session', 'append', key, '--home', home, '--role', 'user', '--text', 'through the daemon'], { env })).code).toBe(0)
      await nextUpdate()
      expect(new Set(updated)).toEqual(new Set([uri]))

      // The daemon stops: calls open the home again.
      await stopDaemon(daemon)
      await eventually(async () => /`mesh join` stopped/.test(stderr()) ? true : undefined, 'the MCP server to notice the daemon stopped')
      const shown = await client.callTool({ name: 'sessions_show', arguments: { key } })
      expect(shown.isError, textOf(shown)).not.toBe(true)
      expect((shown.structuredContent as any).messages.map((m: any) => m.content)).toEqual(['through the daemon'])
    } finally {
      await client.close()
      if (daemon !== undefined) await stopDaemon(daemon)
    }
  })
})
