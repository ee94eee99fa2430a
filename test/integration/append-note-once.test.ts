/**
 * An append of several messages at once to an agent's own session (an imported Claude Code
 * session): the API said that they stay in mesh (`note`) on each message, so an MCP client of
 * `mesh mcp` read the same sentence once per message. It is said once, on the first message;
 * each message still names the agent (`agent`). A single append (`mesh session append`, and its
 * --json) reads as before. Real `mesh` processes on a home of the user's own (no daemon).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const KEY = `agent:claude:${SID}`

const h = cliHome(dir => ({ CLAUDE_CONFIG_DIR: join(dir, 'claude') }))
const ok = (r: RunResult): RunResult => { expect(r.code, r.stderr).toBe(0); return r }

describe('the note of an append to an agent\'s own session', () => {
  it('is said once for an append of several messages over MCP, and once by mesh session append', async () => {
    ok(await h.mesh('agent', 'import', 'claude', '--file', join(FIX, `${SID}.jsonl`)))
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      const messages = ['one', 'two', 'three'].map(content => ({ role: 'user', content }))
      const r: any = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, messages } })
      expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
      const text = r.content[0].text as string
      expect(text.match(/claude never sees this message/g)?.length, text).toBe(1)
      const appended = JSON.parse(text)
      expect(appended.map((m: any) => [m.content, m.agent])).toEqual([['one', 'claude'], ['two', 'claude'], ['three', 'claude']])
      expect(appended[0].note).toMatch(/^kept in mesh only: /)
    } finally {
      await client.close()
    }
    // One message: its note as before, on stderr, or in the --json result.
    expect(ok(await h.mesh('session', 'append', KEY, '--role', 'user', '--text', 'four')).stderr.match(/note: kept in mesh only/g)?.length).toBe(1)
    expect(JSON.parse(ok(await h.mesh('session', 'append', KEY, '--role', 'user', '--text', 'five', '--json')).stdout)).toMatchObject({ content: 'five', agent: 'claude', note: expect.stringMatching(/^kept in mesh only: /) })
  }, 120_000)
})
