/**
 * The stdio transport of `mesh mcp` ends with its stdin: the host closing the pipe is how an MCP
 * client over stdio says it is gone, so the transport's onclose fires then and a server on it
 * (serveMcp) resolves `closed`, with nobody else watching stdin. `mesh mcp` exiting when stdin
 * ends is test/integration/mcp.test.ts.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { MeshApi } from '../../src/api/api.js'
import { serveMcp } from '../../src/api/mcp.js'
import { LineStdioServerTransport } from '../../src/api/mcp-stdio.js'
import { ClosedError } from '../../src/errors.js'

/** An API no call of these tests reaches. */
const idle: MeshApi = {
  call: async () => { throw new ClosedError('not in this test') },
  subscribe: () => () => {},
  close: async () => {}
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unit', version: '0' } } }

describe('LineStdioServerTransport', () => {
  it('closes when its stdin ends: onclose fires once, and close() after it fires it no more', async () => {
    const stdin = new PassThrough()
    const transport = new LineStdioServerTransport(stdin, new PassThrough())
    let closes = 0
    const closed = new Promise<void>(resolve => { transport.onclose = () => { closes++; resolve() } })
    await transport.start()
    stdin.end()
    await closed
    await transport.close()
    expect(closes).toBe(1)
    expect(stdin.listenerCount('data')).toBe(0)
    expect(stdin.listenerCount('end')).toBe(0)
  }, 10_000)

  it('serveMcp on it ends (closed resolves) when the host closes stdin', async () => {
    const stdin = new PassThrough()
    const stdout = new PassThrough()
    const replied = new Promise<string>(resolve => { stdout.once('data', (d: Buffer) => { resolve(d.toString()) }) })
    const handle = await serveMcp(idle, new LineStdioServerTransport(stdin, stdout), { log: () => {} })
    stdin.write(JSON.stringify(initialize) + '\n')
    expect(JSON.parse(await replied).result.serverInfo.name).toBe('mesh')
    stdin.end()
    await handle.closed
    await handle.close()
  }, 10_000)

  it('answers what was asked before stdin ended, then closes: a script may pipe one request in and close the pipe', async () => {
    const stdin = new PassThrough()
    const stdout = new PassThrough()
    const transport = new LineStdioServerTransport(stdin, stdout)
    const got: unknown[] = []
    let closes = 0
    transport.onmessage = (m) => { got.push(m) }
    transport.onclose = () => { closes++ }
    await transport.start()
    stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) + '\n')
    stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'ping' }) + '\n')
    stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n')
    stdin.end()
    await new Promise(resolve => setImmediate(resolve))
    expect(got).toHaveLength(3)
    expect(closes).toBe(0) // two requests unanswered: not closed
    await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })
    await transport.send({ jsonrpc: '2.0', id: 7, result: { tools: [] } })
    expect(closes).toBe(0) // "x" still unanswered
    await transport.send({ jsonrpc: '2.0', id: 'x', result: {} })
    expect(closes).toBe(1)
    const lines = (stdout.read() as Buffer).toString().trim().split('\n').map(l => JSON.parse(l))
    expect(lines.map(l => l.id)).toEqual([undefined, 7, 'x'])
  }, 10_000)
})
