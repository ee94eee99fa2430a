/**
 * The MCP tool `agents_resume`, driven as an agent drives it: the MCP SDK's client spawns
 * `mesh mcp` over stdio beside a real `mesh join`, in the environment of the user's laptop
 * (its own CLAUDE_CONFIG_DIR). A Claude Code session imported into mesh is written where Claude
 * Code looks for it from the given cwd, paths rewritten, and the tool returns the command that
 * continues it; a second call while the file was just written is refused as an error the agent reads.
 * OpenClaw and Hermes sessions go through the same tool: OpenClaw's transcript (and its
 * sessions.json, none being there) under OPENCLAW_STATE_DIR, Hermes's export file for its importer.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
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
const CLAWS = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const H1 = '20261120_080000_a1b2c3'
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
    expect((tool?.inputSchema.properties as any).cwd.description).toContain(`~ is the home of the user serving this tool (${dir})`)

    // Relative to the server's own directory, which the calling agent cannot see: refused, saying it.
    const rel: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}`, cwd: 'work/app' } })
    expect(rel.isError).toBe(true)
    expect(rel.structuredContent.error.code).toBe('INVALID_INPUT')
    expect(rel.content[0].text).toContain(`cwd "work/app" is relative: give an absolute path or ~/… (~ is ${dir}); relative to this server's own directory, ${process.cwd()}, it would be ${join(process.cwd(), 'work/app')}`)

    // `~/…` as the README writes it: the server's home.
    const r: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}`, cwd: '~/work/app' } })
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
    const path = join(config, 'projects', sanitizePath(cwd), `${SID}.jsonl`)
    expect(r.structuredContent).toMatchObject({ key: `agent:claude:${SID}`, agent: 'claude', cwd, path, command: `cd ${cwd} && claude --resume ${SID}` })
    expect(r.structuredContent.rewritten).toBeGreaterThan(0)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const written = await readFile(path, 'utf8')
    expect(checkChain(splitJsonl(Buffer.from(written)).lines)).toEqual([])
    expect(written.split(cwd).join(OLD_CWD)).toBe(await readFile(join(FIX, `${SID}.jsonl`), 'utf8'))

    // Again at once: already there as it would be written, so nothing is written.
    const twice: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}` } })
    expect(twice.isError, JSON.stringify(twice.content)).not.toBe(true)
    // Just written by Claude Code (a line mesh has not got): it could be writing on; refused.
    await writeFile(path, written + '{"type":"summary","summary":"just now"}\n')
    const again: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${SID}` } })
    expect(again.isError).toBe(true)
    expect(again.structuredContent.error.code).toBe('AGENT_BUSY')
    expect(again.content[0].text).toMatch(/may be running this session here/)
  }, 90_000)

  it('tells a client that asked how far a long session\'s records have come (notifications/progress), ending at their total', async () => {
    // A chained transcript of ~6 MB: several pages of agents.records.
    const sid = '7c1d2e3f-4a5b-4c6d-8e7f-901234567890'
    const lines: string[] = []
    let parent: string | null = null
    for (let i = 0; i < 3000; i++) {
      const uuid = `7c1d2e3f-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
      lines.push(JSON.stringify({ parentUuid: parent, cwd: OLD_CWD, sessionId: sid, type: i % 2 === 0 ? 'user' : 'assistant', message: { role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i} ${'y'.repeat(2000)}` }, uuid, timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString() }))
      parent = uuid
    }
    const file = join(dir, `${sid}.jsonl`)
    await writeFile(file, lines.join('\n') + '\n')
    const imp = await runCli(['agent', 'import', 'claude', '--file', file, '--home', d.home], { env })
    expect(imp.code, imp.stderr).toBe(0)
    const cwd = join(dir, 'work', 'long')
    await mkdir(cwd, { recursive: true })
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', d.home], env: { ...env, CLAUDE_CONFIG_DIR: join(dir, 'long-claude') } as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    cleanups.push(async () => { await client.close() })
    const seen: Array<{ progress: number, total?: number, message?: string }> = []
    const r: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${sid}`, cwd } }, undefined, { onprogress: p => { seen.push(p) } })
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.every(p => p.total === 3000)).toBe(true)
    expect(seen.map(p => p.progress)).toEqual([...seen.map(p => p.progress)].sort((a, b) => a - b))
    expect(seen.at(-1)).toMatchObject({ progress: 3000, total: 3000, message: '3000 of 3000 records' })
    // Without a progressToken nothing is sent, and the call is answered all the same.
    const quiet: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:claude:${sid}`, cwd } })
    expect(quiet.isError, JSON.stringify(quiet.content)).not.toBe(true)
  }, 90_000)

  it('resumes OpenClaw and Hermes sessions through the same tool, each where its agent takes it', async () => {
    const oc = await runCli(['agent', 'import', 'openclaw', '--file', join(CLAWS, 'openclaw/agents/main/sessions', `${OSID}.jsonl`), '--home', d.home], { env })
    expect(oc.code, oc.stderr).toBe(0)
    const hermesExport = join(CLAWS, 'hermes/export.jsonl')
    const he = await runCli(['agent', 'import', 'hermes', '--file', hermesExport, '--session', H1, '--home', d.home], { env })
    expect(he.code, he.stderr).toBe(0)
    const state = join(dir, 'laptop-openclaw')
    const hhome = join(dir, 'laptop-hermes')
    const cwd = join(dir, 'work', 'claws')
    await mkdir(cwd, { recursive: true })
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', d.home], env: { ...env, OPENCLAW_STATE_DIR: state, HERMES_HOME: hhome } as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    cleanups.push(async () => { await client.close() })

    const r: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:openclaw:${OSID}`, cwd } })
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
    const path = join(state, 'agents', 'main', 'sessions', `${OSID}.jsonl`)
    expect(r.structuredContent).toMatchObject({ key: `agent:openclaw:${OSID}`, agent: 'openclaw', cwd, from: OLD_CWD, path, rewritten: 3, index: 'written', sessionKey: 'agent:main:telegram:dm:4711', command: 'openclaw doctor --fix && openclaw resume \'agent:main:telegram:dm:4711\'' })
    const original = await readFile(join(CLAWS, 'openclaw/agents/main/sessions', `${OSID}.jsonl`), 'utf8')
    expect((await readFile(path, 'utf8')).split(cwd).join(OLD_CWD)).toBe(original)
    expect(JSON.parse(await readFile(join(state, 'agents', 'main', 'sessions', 'sessions.json'), 'utf8'))['agent:main:telegram:dm:4711']).toMatchObject({ sessionId: OSID, sessionFile: path })

    const out = join(dir, 'for-hermes.jsonl')
    const h: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:hermes:${H1}`, cwd, out } })
    expect(h.isError, JSON.stringify(h.content)).not.toBe(true)
    expect(h.structuredContent).toMatchObject({ key: `agent:hermes:${H1}`, agent: 'hermes', cwd, path: out, rewritten: 2, command: `cd ${cwd} && hermes --resume ${H1}`, importFirst: expect.stringContaining(`import ${out} in Hermes's dashboard`) })
    const row = splitJsonl(await readFile(hermesExport)).lines[0] as string
    expect((await readFile(out, 'utf8')).split(`"${cwd}"`).join(`"${OLD_CWD}"`)).toBe(`${row}\n`)
    // Without out, the file goes where the CLI puts it: under HERMES_HOME.
    const dflt: any = await client.callTool({ name: 'agents_resume', arguments: { key: `agent:hermes:${H1}`, cwd } })
    expect(dflt.isError, JSON.stringify(dflt.content)).not.toBe(true)
    expect(dflt.structuredContent.path).toBe(join(hhome, 'mesh-imports', `${H1}.jsonl`))
  }, 90_000)
})
