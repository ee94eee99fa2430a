/**
 * The MCP tool `agents_resume`, driven as an agent drives it: the MCP SDK's client spawns
 * `mesh mcp` over stdio beside a real `mesh join`, in the environment of the user's laptop
 * (its own CLAUDE_CONFIG_DIR). A Claude Code session imported into mesh is written where Claude
 * Code looks for it from the given cwd, paths rewritten, and the tool returns the command that
 * continues it; a second call while the file was just written is refused as an error the agent reads.
 */
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkChain, sanitizePath, splitJsonl } from '../../src/agents/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OLD_CWD = '/home/alice/src/app'

let dir: string
let env: NodeJS.ProcessEnv
let d: Daemon
const cleanups: Array<() => Promise<unknown> | unknown> = []

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = { ...cliEnv(dir), MESH_AGENT_MOUNTS: join(dir, 'mounts.json') }
  const wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  d = await startDaemon({ home: join(dir, 'home'), wallet, label: 'laptop', env })
  cleanups.push(async () => { await d.stop('SIGKILL') })
}, 60_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('MCP agents_resume', () => {
  it('writes the session where Claude Code looks for it and returns the command that continues it', async () => {
    const imp = await runCli(['agent', 'import', 'claude', '--file', join(FIX, `${SID}.jsonl`), '--home', d.home], { env })
    expect(imp.code, imp.stderr).toBe(0)
    const config = join(dir, 'laptop-claude')
    const cwd = join(dir, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', d.home], env: { ...env, CLAUDE_CONFIG_DIR: config } as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    cleanups.push(async () => { await client.close() })
    const tools = (await client.listTools()).tools
    const tool = tools.find(t => t.name === 'agents_resume')
    expect(tool?.inputSchema.properties).toHaveProperty('cwd')

    const r: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}`, cwd } })
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
    const path = join(config, 'projects', sanitizePath(cwd), `${SID}.jsonl`)
    expect(r.structuredContent).toMatchObject({ key: `agent:claude:${SID}`, agent: 'claude', cwd, path, command: `cd ${cwd} && claude --resume ${SID}` })
    expect(r.structuredContent.rewritten).toBeGreaterThan(0)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const written = await readFile(path, 'utf8')
    expect(checkChain(splitJsonl(Buffer.from(written)).lines)).toEqual([])
    expect(written.split(cwd).join(OLD_CWD)).toBe(await readFile(join(FIX, `${SID}.jsonl`), 'utf8'))

    const again: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}` } })
    expect(again.isError).toBe(true)
    expect(again.structuredContent.error.code).toBe('INVALID_INPUT')
    expect(again.content[0].text).toMatch(/may be running this session here/)
  }, 90_000)
})
