/**
 * A session's goal had no limit: a 100,000-character one was taken by `mesh session new`, and a
 * 1 MB one over HTTP, then printed whole by every `mesh session show` and resume. Now over 4,000
 * characters (a paragraph) it is refused as bad input, before the session is made: by the CLI,
 * over HTTP and by the MCP tool an agent calls, since the API's schema refuses it for every
 * front-end. Agent imports set no goal (agents.import takes none), so none of theirs is refused.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { soloHttp } from '../helpers/solo-http.js'

const h = cliHome()
const said = /goal: a goal is at most 4000 characters \(a paragraph\): shorten it, and put the details in the session's messages/

describe('a session goal over 4,000 characters', () => {
  it('mesh session new refuses it (exit 2) and makes no session; 4,000 are taken', async () => {
    const long = await h.mesh('session', 'new', 'long', '--goal', 'x'.repeat(100_000))
    expect(long.code, long.stderr).toBe(2)
    expect(long.stderr).toMatch(said)
    const json = await h.mesh('session', 'new', 'long', '--goal', 'é'.repeat(4001), '--json')
    expect(JSON.parse(json.stderr).error.code).toBe('INVALID_INPUT')
    expect((await h.mesh('session', 'show', 'long')).code).toBe(2)
    expect((await h.mesh('sessions', '--json')).stdout.trim()).toBe('[]')
    const ok = await h.mesh('session', 'new', 'long', '--goal', 'y'.repeat(4000))
    expect(ok.code, ok.stderr).toBe(0)
    expect((await h.mesh('session', 'show', 'long')).stdout).toContain('y'.repeat(4000))
  }, 60_000)

  it('HTTP refuses a 1 MB goal (400 INVALID_INPUT) and makes nothing', async () => {
    const solo = await soloHttp()
    try {
      const call = async (verb: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
        const res = await fetch(`http://127.0.0.1:${solo.server.port}${path}`, { method: verb, headers: { authorization: `Bearer ${solo.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })
        return { status: res.status, body: await res.json() }
      }
      const made = await call('POST', '/api/sessions', { key: 'agent:main:big', goal: 'x'.repeat(1024 * 1024) })
      expect(made.status).toBe(400)
      expect(made.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(said) })
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
      const r: any = await client.callTool({ name: 'sessions_create', arguments: { key: 'agent:main:mcp', goal: 'x'.repeat(5000) } })
      expect(r.isError).toBe(true)
      expect(JSON.stringify(r.content)).toMatch(/a goal is at most 4000 characters/)
      const shown: any = await client.callTool({ name: 'sessions_show', arguments: { key: 'agent:main:mcp' } })
      expect(shown.isError).toBe(true)
    } finally {
      await client.close()
    }
  }, 60_000)
})
