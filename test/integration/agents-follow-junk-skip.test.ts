/**
 * The follower over files that hold no session (a Codex rollout of `{}`, a binary file in a
 * Claude Code project), with a real home's API in this process: such a file is read and its
 * session asked for in one pass (a not-found answer searches every key for a near name), then neither
 * again while it stays as it was; a change has it looked at again, and once it holds a record it
 * is taken whole.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ClaudeSource, CodexSource, CursorStore, Follower, readClaudeBundle, sanitizePath, type Captured } from '../../src/agents/index.js'
import type { MeshApi } from '../../src/api/api.js'
import { hostHome } from '../../src/api/host.js'
import { generateWallet } from '../../src/index.js'
import { tempDir } from '../helpers/tmp.js'

const JUNK = '0193a7c2-5e4f-7a10-8b2c-00000000dead'
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('the follower and a file that holds no session', () => {
  it('asks for its session in one pass, not again while it stays unchanged, again once it changes, and takes it once it holds a record', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const env = { ...process.env, HOME: t.dir, CODEX_HOME: join(t.dir, 'codex'), CLAUDE_CONFIG_DIR: join(t.dir, 'claude') }
    const day = join(t.dir, 'codex', 'sessions', '2026', '11', '30')
    await mkdir(day, { recursive: true })
    const rollout = join(day, `rollout-2026-11-30T10-00-00-${JUNK}.jsonl`)
    await writeFile(rollout, '{}\n')
    const project = join(t.dir, 'claude', 'projects', sanitizePath('/home/alice/src/app'))
    await mkdir(project, { recursive: true })
    await writeFile(join(project, 'binary.jsonl'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0a]))

    const host = await hostHome({ home: join(t.dir, 'home'), wallet: generateWallet(), label: 'solo', node: false, serve: false })
    cleanups.push(async () => { await host.close() })
    // The home's own API, each call of a session's records counted by key.
    const asked = new Map<string, number>()
    const api: MeshApi = {
      call: async (method, input, options) => {
        if (method === 'agents.records') { const k = (input as { key: string }).key; asked.set(k, (asked.get(k) ?? 0) + 1) }
        return await host.api.call(method, input, options)
      },
      subscribe: (fn, options) => host.api.subscribe(fn, options),
      close: async () => {}
    }
    const lines: string[] = []
    const f = new Follower({ api, sources: [new ClaudeSource(env), new CodexSource(env)], cursors: new CursorStore(join(t.dir, 'home', 'agent-follow')), log: l => { lines.push(l) }, lease: false })
    const junk = `agent:codex:${JUNK}`
    await f.pass()
    const first = { codex: asked.get(junk) ?? 0, claude: asked.get('agent:claude:binary') ?? 0 }
    expect(first.codex).toBeGreaterThan(0)
    expect(first.claude).toBeGreaterThan(0)
    // Unchanged: neither asked about again.
    for (let i = 0; i < 3; i++) await f.pass()
    expect(asked.get(junk)).toBe(first.codex)
    expect(asked.get('agent:claude:binary')).toBe(first.claude)
    // Said once, by its path.
    expect(lines.filter(l => l.includes('binary.jsonl'))).toHaveLength(1)
    expect(lines.join('\n')).not.toContain('agent:claude:binary')

    // Changed, still no record: looked at again, then left again.
    await appendFile(rollout, '{"a":1}\n')
    await f.pass()
    const again = asked.get(junk) ?? 0
    expect(again).toBeGreaterThan(first.codex)
    for (let i = 0; i < 3; i++) await f.pass()
    expect(asked.get(junk)).toBe(again)
    expect(asked.get('agent:claude:binary')).toBe(first.claude)

    // A record at last: the file is the session, every line of it.
    await appendFile(rollout, JSON.stringify({ timestamp: '2026-11-30T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } }) + '\n')
    await f.pass()
    const stored = await host.api.call('agents.records', { key: `agent:codex:${JUNK}` })
    expect(stored.records.map(r => r.text)).toEqual(['{}', '{"a":1}', expect.stringContaining('input_text')])
    await f.stop()
  }, 60_000)

  // An import here stopped part-way leaves a note in the session that this host holds more (every
  // device's resume refuses without --partial); a follower that then reads the file to its end has
  // captured it whole, so the note goes, as it goes with an import that completes.
  it('clears the note of an import here that stopped part-way once it has read the file to its end', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const env = { ...process.env, HOME: t.dir, CODEX_HOME: join(t.dir, 'codex'), CLAUDE_CONFIG_DIR: join(t.dir, 'claude') }
    const sid = 'c1c1c1c1-0000-4000-8000-000000000001'
    const project = join(t.dir, 'claude', 'projects', sanitizePath('/home/alice/src/app'))
    await mkdir(project, { recursive: true })
    const path = join(project, `${sid}.jsonl`)
    const uuid = (i: number): string => `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    await writeFile(path, [0, 1, 2].map(i => JSON.stringify({ parentUuid: i === 0 ? null : uuid(i - 1), isSidechain: false, type: 'user', message: { role: 'user', content: `turn ${i}` }, uuid: uuid(i), timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/app', sessionId: sid })).join('\n') + '\n')
    const host = await hostHome({ home: join(t.dir, 'home'), wallet: generateWallet(), label: 'solo', node: false, serve: false })
    cleanups.push(async () => { await host.close() })
    const key = `agent:claude:${sid}`
    const b = await readClaudeBundle(path)
    // As an import stopped after its first batch leaves it: one line of three, and the note.
    await host.api.call('agents.import', { key, agent: 'claude', sessionId: sid, records: b.records.slice(0, 1), capture: { host: hostname(), path, reason: 'interrupted', lines: 1, linesTotal: 3, bytes: b.lineEnds?.[0] ?? 0, bytesTotal: b.taken ?? 0, at: Date.now() } })
    expect((await host.api.call('agents.records', { key, limit: 1 })).meta.capture).toMatchObject({ lines: 1, linesTotal: 3 })
    // Claude Code goes on writing while the follower stores: each store of the pass ends with one
    // more line in the file, so the pass reads it again and again. What it read is said once.
    const line = (i: number): string => JSON.stringify({ parentUuid: uuid(i - 1), isSidechain: false, type: 'user', message: { role: 'user', content: `turn ${i}` }, uuid: uuid(i), timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/app', sessionId: sid }) + '\n'
    let next = 3
    const api: MeshApi = {
      call: async (method, input, options) => {
        const res = await host.api.call(method, input, options)
        if (method === 'agents.import' && (input as { records: unknown[] }).records.length > 0 && next < 6) await appendFile(path, line(next++))
        return res
      },
      subscribe: (fn, options) => host.api.subscribe(fn, options),
      close: async () => {}
    }
    const said: Captured[] = []
    const f = new Follower({ api, sources: [new ClaudeSource(env)], cursors: new CursorStore(join(t.dir, 'home', 'agent-follow')), log: () => {}, lease: false, onCapture: c => { said.push(c) } })
    await f.pass()
    const after = await host.api.call('agents.records', { key })
    expect(after.records).toHaveLength(6)
    expect(after.meta.capture).toBeUndefined()
    expect(said).toEqual([expect.objectContaining({ key, added: 5 })])
    await f.stop()
  }, 60_000)
})
