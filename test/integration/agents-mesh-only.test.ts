/**
 * A message appended through mesh to an agent's own session (an imported Claude Code session)
 * never reaches the agent: a resume writes the agent's file from its records alone. That is said,
 * not left for the user to find out, as a user meets it through real `mesh` processes on a home
 * of their own (no daemon):
 * - `mesh session append` keeps the message (session show has it) and notes on stderr that it
 *   stays in mesh; with --json the result carries `agent` and `note` instead, and stderr is quiet.
 *   A session of no agent's records gets no note, a key under agent:claude: without records neither.
 * - An MCP client of `mesh mcp` (the SDK's client over stdio) reads the note in sessions_append's
 *   result, and the server's instructions name agents_resume for an agent's own session.
 * - `mesh agent resume` says how many messages of the transcript were appended through mesh and
 *   are not in the file it wrote (`meshOnly` in --json), the imported ones not counted.
 */
import { mkdir, readFile } from 'node:fs/promises'
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

const h = cliHome(dir => ({ CLAUDE_CONFIG_DIR: join(dir, 'laptop-claude') }))
const ok = (r: RunResult): RunResult => { expect(r.code, r.stderr).toBe(0); return r }

// The tests run in order on one home: the session imported, appended to by the CLI, then over MCP, then resumed.
describe('appending to an agent\'s own session', () => {
  it('mesh session append keeps the message and notes on stderr (--json: agent and note in the result) that claude never gets it', async () => {
    ok(await h.mesh('agent', 'import', 'claude', '--file', join(FIX, `${SID}.jsonl`)))

    const plain = ok(await h.mesh('session', 'append', KEY, '--role', 'user', '--text', 'will this reach claude?'))
    expect(plain.stdout).toMatch(new RegExp(`^appended \\S+ to ${KEY}\\n$`))
    expect(plain.stderr).toMatch(new RegExp(`note: kept in mesh only: ${KEY} is claude's own session.*claude never sees this message`))

    const json = ok(await h.mesh('session', 'append', KEY, '--role', 'user', '--text', 'and this one?', '--json'))
    expect(JSON.parse(json.stdout)).toMatchObject({ content: 'and this one?', agent: 'claude', note: expect.stringMatching(/^kept in mesh only: /) })
    expect(json.stderr).not.toMatch(/note/)

    // Kept in mesh: the transcript shows both.
    const shown = JSON.parse(ok(await h.mesh('session', 'show', KEY, '--all', '--json')).stdout)
    expect(shown.messages.map((m: any) => m.content)).toEqual(expect.arrayContaining(['will this reach claude?', 'and this one?']))

    // No agent's records, no note: a session of mesh's own, and one merely named like Claude's.
    for (const key of ['notes', 'agent:claude:named-only']) {
      ok(await h.mesh('session', 'new', key))
      const r = ok(await h.mesh('session', 'append', key, '--role', 'user', '--text', 'hi', '--json'))
      expect(JSON.parse(r.stdout)).not.toHaveProperty('note')
      expect(JSON.parse(r.stdout)).not.toHaveProperty('agent')
      expect(ok(await h.mesh('session', 'append', key, '--role', 'user', '--text', 'hi')).stderr).toBe('')
    }
  }, 120_000)

  it('sessions_append over MCP carries the note, and the server\'s instructions send an agent\'s own session to agents_resume', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      expect(client.getInstructions()).toMatch(/To continue a mesh session started elsewhere, call sessions_resume/)
      expect(client.getInstructions()).toMatch(/resumed natively with agents_resume, which writes that agent's own files/)
      const r: any = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, role: 'user', content: 'from an agent over MCP' } })
      expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
      const [m] = JSON.parse(r.content[0].text)
      expect(m).toMatchObject({ content: 'from an agent over MCP', agent: 'claude', note: expect.stringMatching(/claude never sees this message/) })
      const other: any = await client.callTool({ name: 'sessions_append', arguments: { key: 'notes', role: 'user', content: 'mesh only, as it should be' } })
      expect(JSON.parse(other.content[0].text)[0]).not.toHaveProperty('note')
    } finally {
      await client.close()
    }
  }, 120_000)

  it('mesh agent resume counts the messages appended through mesh, which the file it wrote does not hold', async () => {
    // The resume writes Claude's file from its records, and counts the three it has not got.
    const cwd = join(h.dir, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const resumed = JSON.parse(ok(await h.mesh('agent', 'resume', KEY, '--cwd', cwd, '--json')).stdout)
    expect(resumed.meshOnly).toBe(3)
    const written = await readFile(resumed.path, 'utf8')
    for (const text of ['will this reach claude?', 'and this one?', 'from an agent over MCP']) expect(written).not.toContain(text)
    // Again, in words: the file is as it would be written, and the three are still said.
    const words = ok(await h.mesh('agent', 'resume', KEY, '--cwd', cwd))
    expect(words.stdout).toContain('already as mesh would write it')
    expect(words.stdout).toContain(`3 messages of the transcript were appended through mesh, not by claude: in mesh only, not in ${resumed.path as string}`)
  }, 120_000)
})
