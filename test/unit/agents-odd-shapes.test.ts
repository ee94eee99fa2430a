/**
 * A line that is JSON but not of the shape the view expects (`"message": null`, a `null` among
 * content blocks, a tool call that is not an object) is read past, not fatal: readers skip what
 * they do not know (AGENT-FORMATS.md §1.3, §7). Before, one such line threw a TypeError that
 * failed the whole file's import and stopped its capture.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hermesRecords, hermesView, openclawRecords, openclawView, readClaudeBundle, readCodexRollout, readOpenclawSession, type LineRecord } from '../../src/agents/index.js'

const dirs: string[] = []
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })
async function file (name: string, lines: unknown[]): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mesh-odd-'))
  dirs.push(d)
  const p = join(d, name)
  await writeFile(p, lines.map(l => JSON.stringify(l)).join('\n') + '\n')
  return p
}

describe('lines of an unexpected shape', () => {
  it('Claude Code: a null message or a null content block is read past, the rest of the file imported', async () => {
    const p = await file('11111111-1111-1111-1111-111111111111.jsonl', [
      { type: 'user', uuid: 'u1', parentUuid: null, cwd: '/a', message: { role: 'user', content: 'hi' } },
      { type: 'user', uuid: 'u2', parentUuid: 'u1', message: null },
      { type: 'assistant', uuid: 'u3', parentUuid: 'u2', message: { role: 'assistant', content: [null, 'text', { type: 'text', text: 'hello' }] } },
      { type: 'user', uuid: 'u4', parentUuid: 'u3', message: { role: 'user', content: [null, { type: 'tool_result', tool_use_id: 't', content: 'ok' }] } }
    ])
    const b = await readClaudeBundle(p)
    expect(b.records).toHaveLength(4)
    expect(b.view.map(m => [m.role, m.content])).toEqual([
      ['user', 'hi'],
      ['system', expect.stringMatching(/^\[user\] .*"message":null/)],
      ['assistant', 'hello'],
      ['tool', 'ok']
    ])
  })

  it('Codex: a null payload, content item or summary item is read past', async () => {
    const p = await file('rollout-2026-11-21T10-00-00-0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c.jsonl', [
      { type: 'session_meta', payload: { id: '0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c', cwd: '/a' } },
      { type: 'response_item', payload: { type: 'message', role: 'user', content: [null, { type: 'input_text', text: 'hi' }] } },
      { type: 'response_item', payload: { type: 'reasoning', summary: [null, { text: 'why' }] } },
      { type: 'response_item', payload: null }
    ])
    const b = await readCodexRollout(p, { env: { CODEX_HOME: '/nowhere' } })
    expect(b.records).toHaveLength(4)
    expect(b.view.map(m => m.content)).toEqual(['[session_meta] cwd /a', 'hi', '[reasoning] why', '[response_item:undefined]'])
  })

  it('Codex: a session_meta id that is no UUID is refused as that, not as no id at all', async () => {
    const p = await file('bad.jsonl', [{ type: 'session_meta', payload: { id: '../evil', cwd: '/a' } }])
    await expect(readCodexRollout(p, { env: { CODEX_HOME: '/nowhere' } })).rejects.toThrow(/has a session_meta id that is not a UUID \("\.\.\/evil"\) and its name no session id/)
    const none = await file('none.jsonl', [{ type: 'session_meta', payload: { cwd: '/a' } }])
    await expect(readCodexRollout(none, { env: { CODEX_HOME: '/nowhere' } })).rejects.toThrow(/has no session_meta id and its name no session id/)
  })

  it('OpenClaw: a null message or content block is read past', async () => {
    const p = await file('3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73.jsonl', [
      { type: 'session', version: 3, id: '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73', cwd: '/a' },
      { type: 'message', id: 'aaaa0001', message: null },
      { type: 'message', id: 'aaaa0002', message: { role: 'assistant', content: [null, { type: 'text', text: 'hello' }] } },
      { type: 'message', id: 'aaaa0003', message: { role: 'user', content: [null, { type: 'text', text: 'hi' }] } }
    ])
    const b = await readOpenclawSession(p, { env: { OPENCLAW_STATE_DIR: '/nowhere' } })
    expect(b.records).toHaveLength(4)
    expect(b.view.map(m => [m.role, m.content])).toEqual([['system', '[session] cwd /a'], ['system', '[message:undefined] {}'], ['assistant', 'hello'], ['user', 'hi']])
    const view = openclawView([{ id: 'x', kind: 'message', text: JSON.stringify({ type: 'message', message: 'a string' }) }])
    expect(view).toHaveLength(1)
  })

  it('Hermes: a null message row, tool call or tool function is read past', () => {
    const records: LineRecord[] = [
      { id: 's', kind: 'session_row', text: JSON.stringify({ id: 's1', title: 't', messages: [null, { role: 'user', content: 'hi' }] }) },
      { id: 'm', kind: 'message', text: JSON.stringify({ id: 2, role: 'assistant', content: 'ok', tool_calls: [null, { id: 'c1', function: null }, { id: 'c2', function: { name: 'ls', arguments: '{}' } }] }) }
    ]
    expect(hermesView(records).map(m => m.content)).toEqual(['[hermes session] t () cwd ', 'hi', 'ok', '[tool ]', '[tool ls]'])
  })

  it('OpenClaw and Hermes: an own id over 512 characters or with a control character keys its record by a hash of it, the same each time', () => {
    const oc = (): string[] => openclawRecords([{ type: 'message', id: 'x'.repeat(700) }, { type: 'message', id: 'a\tb' }, { type: 'message', id: 'aaaa0003' }].map(o => JSON.stringify(o)), 's').map(r => r.id)
    expect(oc()).toEqual([expect.stringMatching(/^own:[0-9a-f]{40}$/), expect.stringMatching(/^own:[0-9a-f]{40}$/), 'aaaa0003'])
    expect(oc()).toEqual(oc())
    const row = JSON.stringify({ id: 's1', title: 't', messages: [{ id: 'y'.repeat(700), role: 'user', content: 'hi' }, { id: 7, role: 'assistant', content: 'ok' }] })
    const ids = hermesRecords(row, 's1').map(r => r.id)
    expect(ids.slice(1)).toEqual([expect.stringMatching(/^message:own:[0-9a-f]{40}:[0-9a-f]{12}$/), expect.stringMatching(/^message:7:[0-9a-f]{12}$/)])
    expect(hermesRecords(row, 's1').map(r => r.id)).toEqual(ids)
  })
})
