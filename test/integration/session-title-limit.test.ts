/**
 * A session's title had no limit: a 1 MB one was taken, and shown on every line of every listing.
 * Now over 200 characters (as long as a key) it is refused as bad input, before the session is
 * made: by `mesh session new`, over HTTP, and by the MCP tool an agent calls, since the API's
 * schema refuses it for every front-end.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { soloHttp } from '../helpers/solo-http.js'

const h = cliHome()
const said = /title: a title is at most 200 characters/

describe('a session title over 200 characters', () => {
  it('mesh session new refuses it (exit 2) and makes no session; 200 are taken', async () => {
    const long = await h.mesh('session', 'new', 'long', '--title', 'x'.repeat(100_000))
    expect(long.code, long.stderr).toBe(2)
    expect(long.stderr).toMatch(said)
    const json = await h.mesh('session', 'new', 'long', '--title', 'é'.repeat(201), '--json')
    expect(JSON.parse(json.stderr).error.code).toBe('INVALID_INPUT')
    expect((await h.mesh('session', 'show', 'long')).code).toBe(2)
    expect((await h.mesh('sessions', '--json')).stdout.trim()).toBe('[]')
    const ok = await h.mesh('session', 'new', 'long', '--title', 'y'.repeat(200))
    expect(ok.code, ok.stderr).toBe(0)
  }, 60_000)

  it('HTTP refuses a 1 MB title (400 INVALID_INPUT) on sessions and agent imports, and makes nothing', async () => {
    const solo = await soloHttp()
    try {
      const call = async (verb: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
        const res = await fetch(`http://127.0.0.1:${solo.server.port}${path}`, { method: verb, headers: { authorization: `Bearer ${solo.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })
        return { status: res.status, body: await res.json() }
      }
      const made = await call('POST', '/api/sessions', { key: 'agent:main:big', title: 'x'.repeat(1024 * 1024) })
      expect(made.status).toBe(400)
      expect(made.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(said) })
      const imported = await call('POST', '/api/agents/import', { agent: 'claude', sessionId: 'abc', title: 'x'.repeat(201), records: [] })
      expect(imported.status).toBe(400)
      expect((await call('GET', '/api/sessions')).body).toEqual([])
    } finally {
      await solo.close()
    }
  }, 60_000)

  it('the MCP tool sessions_create refuses it, and makes no session', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      const r: any = await client.callTool({ name: 'sessions_create', arguments: { key: 'agent:main:mcp', title: 'x'.repeat(5000) } })
      expect(r.isError).toBe(true)
      expect(JSON.stringify(r.content)).toMatch(/at most 200 characters/)
      const shown: any = await client.callTool({ name: 'sessions_show', arguments: { key: 'agent:main:mcp' } })
      expect(shown.isError).toBe(true)
    } finally {
      await client.close()
    }
  }, 60_000)
})
