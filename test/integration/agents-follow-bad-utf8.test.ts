/**
 * A line that is not UTF-8 in a rollout `mesh join --follow codex` captures, as a user meets it:
 * real `mesh` processes on a home of their own, a real rollout under CODEX_HOME. The lines
 * before it are captured; capture of that session stops at that line (records hold text: the
 * line cannot be kept byte for byte, nor anything after it), and that is said where it is: the
 * line and its bytes in the file (as `mesh agent import` names them), what was captured, after a
 * restart too (the one file named, not every Codex session), in `mesh agent list` (stuck), and
 * to an agent over MCP (agents_status, through a real MCP client over stdio).
 */
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import type { Proc } from '../helpers/netns.js'
import { poll } from '../helpers/wait.js'

const ID = '0193a7c2-5e4f-7a10-8b2c-0000000bad01'
const KEY = `agent:codex:${ID}`
const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))

const follow = (): Proc => h.join('--follow', 'codex')

const line = (i: number): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'event_msg', payload: { type: 'user_message', message: `message ${i}` } })

/** agents_status's row of the session, as an agent asks for it over MCP (`mesh mcp`, stdio). */
async function overMcp (): Promise<any> {
  const client = new Client({ name: 'mesh-test', version: '0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' }))
  try {
    const r: any = await client.callTool({ name: 'agents_status', arguments: { keys: [KEY] } })
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true)
    return r.structuredContent.sessions[0]
  } finally { await client.close() }
}

async function listed (): Promise<any> {
  const r = await h.mesh('agent', 'list', 'codex', '--json')
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout).local as any[]).find(s => s.key === KEY)
}

describe('mesh join --follow codex: a line that is not UTF-8', () => {
  it('captures the lines before it, stops there and says so (its real line and bytes), after a restart too, and mesh agent list says stuck and why', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const f = join(day, `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/bad', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    await writeFile(f, [meta, ...Array.from({ length: 14 }, (_, i) => line(i))].join('\n') + '\n')
    const good = (await stat(f)).size

    const p = follow()
    await poll('the 15 lines captured', async () => (await listed())?.captured === good)

    const bad = Buffer.concat([Buffer.from('{"timestamp":"2026-12-01T10:00:02.000Z","type":"event_msg","payload":{"type":"user_message","message":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' byte"}}\n')])
    await appendFile(f, bad)
    await appendFile(f, line(99) + '\n')
    const where = `line 16 (bytes ${good}-${good + bad.length - 1})`

    // The import names the same line and bytes.
    const imp = await h.mesh('agent', 'import', 'codex', '--file', f)
    expect(imp.code).not.toBe(0)
    expect(imp.stderr).toContain(`at ${where}`)

    const note = await p.waitFor(/is not valid UTF-8/, 30_000)
    expect(note).toContain(`${f}: ${where} is not valid UTF-8, so it cannot be kept byte for byte: the 15 lines before it are captured in ${KEY}, and capture of this session stops at that line until it is fixed`)
    expect(note).not.toContain('none was imported')

    const row = await listed()
    expect(row).toMatchObject({ sync: 'stuck', captured: good, stuck: { line: 16, from: good, to: good + bad.length - 1 } })
    expect(row.stuck.why).toContain('lines 1-15 are in mesh')
    // An agent asking over MCP learns the same: the follower says where it stopped.
    expect(await overMcp()).toMatchObject({ key: KEY, following: true, stuck: [{ path: f, line: 16, from: good, to: good + bad.length - 1 }] })
    const text = await h.mesh('agent', 'list', 'codex')
    expect(text.stdout).toMatch(new RegExp(`stuck \\(pid \\d+, last capture [^)]+\\): ${where.replace(/[()]/g, '\\$&')} is not valid UTF-8, so capture of this session stopped there until it is fixed`))

    // Restarted: the same note for the one file, not "cannot read codex sessions".
    expect(await p.stop('SIGINT')).toBe(0)
    const again = follow()
    const note2 = await again.waitFor(/is not valid UTF-8/, 30_000)
    expect(note2).toContain(`${f}: ${where} is not valid UTF-8`)
    expect(again.lines.filter(l => /cannot read codex sessions|cannot follow this codex/.test(l))).toEqual([])
    await poll('listed as stuck after the restart', async () => (await listed())?.sync === 'stuck')

    // No follower: still stuck, by the cursor the follower left, not 'stored'.
    expect(await again.stop('SIGINT')).toBe(0)
    await poll('not followed', async () => (await listed())?.following === false)
    expect(await listed()).toMatchObject({ sync: 'stuck', captured: good, stuck: { line: 16 } })
    expect((await h.mesh('agent', 'list', 'codex')).stdout).toContain(`stuck: ${where} is not valid UTF-8, so capture of this session stopped there until it is fixed (lines 1-15 are in mesh), `)
    const third = follow()

    // Fixed by hand: capture goes on from that line.
    const fixed = Buffer.from(bad.toString('latin1').replace(/\xff\xfe/, 'ok'), 'latin1')
    const bytes = await readFile(f)
    await writeFile(f, Buffer.concat([bytes.subarray(0, good), fixed, Buffer.from(line(99) + '\n')]))
    const size = (await stat(f)).size
    await poll('the rest captured, followed', async () => { const r = await listed(); return r?.captured === size && r.sync === 'live' })
    await poll('no longer stuck over MCP', async () => (await overMcp())?.stuck === undefined)
    await third.stop('SIGINT')
  }, 180_000)
})
