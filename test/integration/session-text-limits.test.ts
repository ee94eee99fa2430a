/**
 * A session's title and goal had no limit: a 1 MB title was taken and shown on every line of every
 * listing, a 100,000-character goal printed whole by every `mesh session show` and resume. Now a
 * title over 200 characters (as long as a key) and a goal over 4,000 (a paragraph) are refused as
 * bad input, before the session is made: by `mesh session new`, over HTTP, and by the MCP tool an
 * agent calls, since the API's schema refuses them for every front-end. An agent import's title
 * is held to the same (agents.import takes no goal).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { soloHttp } from '../helpers/solo-http.js'

const h = cliHome()

const LIMITS = [
  { field: 'title', max: 200, said: /title: a title is at most 200 characters/ },
  { field: 'goal', max: 4000, said: /goal: a goal is at most 4000 characters \(a paragraph\): shorten it, and put the details in the session's messages/ }
] as const

describe.each(LIMITS)('a session $field over $max characters', ({ field, max, said }) => {
  it(`mesh session new refuses it (exit 2) and makes no session; ${max} are taken`, async () => {
    const key = `long-${field}`
    const long = await h.mesh('session', 'new', key, `--${field}`, 'x'.repeat(100_000))
    expect(long.code, long.stderr).toBe(2)
    expect(long.stderr).toMatch(said)
    const json = await h.mesh('session', 'new', key, `--${field}`, 'é'.repeat(max + 1), '--json')
    expect(JSON.parse(json.stderr).error.code).toBe('INVALID_INPUT')
    expect((await h.mesh('session', 'show', key)).code).toBe(2)
    const ok = await h.mesh('session', 'new', key, `--${field}`, 'y'.repeat(max))
    expect(ok.code, ok.stderr).toBe(0)
    expect((await h.mesh('session', 'show', key, '--json')).stdout).toContain('y'.repeat(max))
  }, 60_000)
})

describe('HTTP and MCP', () => {
  it('HTTP refuses a 1 MB title or goal (400 INVALID_INPUT) on sessions, and a long title on agent imports, and makes nothing', async () => {
    const solo = await soloHttp()
    try {
      const call = async (verb: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
        const res = await fetch(`http://127.0.0.1:${solo.server.port}${path}`, { method: verb, headers: { authorization: `Bearer ${solo.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })
        return { status: res.status, body: await res.json() }
      }
      for (const { field, said } of LIMITS) {
        const made = await call('POST', '/api/sessions', { key: 'agent:main:big', [field]: 'x'.repeat(1024 * 1024) })
        expect(made.status).toBe(400)
        expect(made.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(said) })
      }
      const imported = await call('POST', '/api/agents/import', { agent: 'claude', sessionId: 'abc', title: 'x'.repeat(201), records: [] })
      expect(imported.status).toBe(400)
      expect((await call('GET', '/api/sessions')).body).toEqual([])
    } finally {
      await solo.close()
    }
  }, 60_000)

  it('the MCP tool sessions_create refuses either, and makes no session', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      for (const { field, max } of LIMITS) {
        const r: any = await client.callTool({ name: 'sessions_create', arguments: { key: 'agent:main:mcp', [field]: 'x'.repeat(max + 1) } })
        expect(r.isError).toBe(true)
        expect(JSON.stringify(r.content)).toMatch(new RegExp(`a ${field} is at most ${max} characters`))
      }
      const shown: any = await client.callTool({ name: 'sessions_show', arguments: { key: 'agent:main:mcp' } })
      expect(shown.isError).toBe(true)
    } finally {
      await client.close()
    }
  }, 60_000)
})
