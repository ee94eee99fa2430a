/**
 * A message whose text holds a lone UTF-16 surrogate (half of an emoji, from a string cut short)
 * was taken, and stored as U+FFFD: Yjs writes text as UTF-8, where a lone half has no encoding.
 * Until the daemon restarted the copy in memory still held the half, so the append looked fine;
 * after it, the same append retried with the same id was refused as "another content". Now the
 * API refuses the lone surrogate up front (INVALID_INPUT, naming the field) and stores nothing,
 * over HTTP and over MCP alike, before and after a restart. Whole pairs are taken as before. The
 * same for every other text the API stores (a session's title and task, a memory entry, a skill).
 */
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { api, startDaemon, type Daemon } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let wallet: string
let home: string
const running: Daemon[] = []
const KEY = 'agent:main:halves'
const path = `/api/sessions/${encodeURIComponent(KEY)}`
const half = 'cut here: \ud83d'
const said = /content: has a lone UTF-16 surrogate/

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  wallet = join(t.dir, 'wallet.json')
  home = join(t.dir, 'home')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
})
afterAll(async () => {
  for (const d of running) await d.proc.stop('SIGKILL')
  await t.cleanup()
})

async function daemon (): Promise<Daemon> {
  const d = await startDaemon(env, { home, wallet, label: 'solo', http: '0' })
  running.push(d)
  return d
}

describe('a lone surrogate in a message', () => {
  it('is refused over HTTP, before and after a restart, and nothing is stored; a whole pair is taken and its retry is answered already', async () => {
    let d = await daemon()
    expect((await api(d, 'POST', '/api/sessions', { key: KEY })).status).toBe(200)
    const first = await api(d, 'POST', `${path}/messages`, { role: 'assistant', content: half, id: 'm1' })
    const many = await api(d, 'POST', `${path}/messages`, { messages: [{ role: 'user', content: 'fine', id: 'm2' }, { role: 'tool', content: 'ok', id: 'm3', toolResult: { callId: 'c', output: 'x\udc00y' } }] })
    await d.proc.stop('SIGINT')
    d = await daemon()
    const retried = await api(d, 'POST', `${path}/messages`, { role: 'assistant', content: half, id: 'm1' })
    expect({ first: first.status, retried: retried.status }, JSON.stringify({ first: first.body, retried: retried.body })).toEqual({ first: 400, retried: 400 })
    for (const r of [first, retried]) expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(said) })
    expect(many.status).toBe(400)
    expect(many.body.error.message).toMatch(/messages\.1\.toolResult\.output: has a lone UTF-16 surrogate/)
    // Nothing of either append was stored (not the fine message beside the bad one).
    expect((await api(d, 'GET', path)).body.messageCount).toBe(0)

    // A whole pair is stored as sent, and its retry after a restart is the same message.
    const whole = 'whole: \ud83d\ude00'
    expect((await api(d, 'POST', `${path}/messages`, { role: 'assistant', content: whole, id: 'm4' })).status).toBe(200)
    await d.proc.stop('SIGINT')
    d = await daemon()
    const again = await api(d, 'POST', `${path}/messages`, { role: 'assistant', content: whole, id: 'm4' })
    expect(again.status, JSON.stringify(again.body)).toBe(200)
    expect(again.body[0]).toMatchObject({ id: 'm4', content: whole, already: true })
    await d.proc.stop('SIGINT')
  }, 120_000)

  it('is refused wherever text is stored (a title, a task, a memory entry, a skill), and nothing of it is stored', async () => {
    const d = await daemon()
    const tasked = `/api/sessions/${encodeURIComponent('agent:main:tasked')}`
    expect((await api(d, 'POST', '/api/sessions', { key: 'agent:main:tasked' })).status).toBe(200)
    const refused = [
      await api(d, 'POST', '/api/sessions', { key: 'agent:main:titled', title: half }),
      await api(d, 'POST', `${tasked}/task`, { progress: 'fine', fields: { note: half } }),
      await api(d, 'PUT', '/api/memory/pref', { value: half }),
      await api(d, 'POST', '/api/skills', { content: '---\nname: cut\ndescription: d\n---\nbody', files: [{ path: 'notes.md', text: half }] })
    ]
    expect(refused.map(r => r.status), JSON.stringify(refused.map(r => r.body))).toEqual([400, 400, 400, 400])
    expect(refused.map(r => r.body.error.message)).toEqual([
      expect.stringMatching(/title: has a lone UTF-16 surrogate/),
      expect.stringMatching(/fields\.note: has a lone UTF-16 surrogate/),
      expect.stringMatching(/value: has a lone UTF-16 surrogate/),
      expect.stringMatching(/files\.0\.text: has a lone UTF-16 surrogate/)
    ])
    expect((await api(d, 'GET', `/api/sessions/${encodeURIComponent('agent:main:titled')}`)).status).toBe(404)
    expect((await api(d, 'GET', tasked)).body.task.progress ?? []).toEqual([])
    expect((await api(d, 'GET', '/api/memory/pref')).status).toBe(404)
    expect((await api(d, 'GET', '/api/skills')).body).toEqual([])
    await d.proc.stop('SIGINT')
  }, 60_000)

  it('is refused by the MCP tool sessions_append too', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home], env: env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      const r: any = await client.callTool({ name: 'sessions_append', arguments: { key: KEY, role: 'user', content: half, id: 'm5' } })
      expect(r.isError).toBe(true)
      expect(JSON.stringify(r.content)).toMatch(/lone UTF-16 surrogate/)
      const shown: any = await client.callTool({ name: 'sessions_show', arguments: { key: KEY } })
      expect(JSON.stringify(shown.structuredContent ?? shown.content)).not.toMatch(/m5/)
    } finally {
      await client.close()
    }
  }, 60_000)
})
