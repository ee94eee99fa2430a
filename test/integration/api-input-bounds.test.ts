/**
 * What the API takes is bounded before anything is built from it, over every front-end:
 * - an append of many tiny messages is counted at what each message costs in its entry (its
 *   text and about 128 bytes for the message itself), not its content alone: 60,000 one-letter
 *   messages passed a check that counted 60 KB, and the daemon built a 12 MB entry (400,000:
 *   80 MB, for half a minute, in GBs) before refusing it ENTRY_TOO_LARGE. Now INVALID_INPUT at
 *   once, and an append that fits (thousands of short messages) is taken.
 * - a tool call's input nested 20,000 lists deep overflowed the stack of the walk that looks for
 *   lone surrogates (500 INTERNAL "Maximum call stack size exceeded"; a bare RangeError over the
 *   SDK) before the store's depth check (100) ran. Now INVALID_INPUT naming the field; 99 levels
 *   are taken as before.
 * - a refused agents.import (records over the size cap, a message its append would refuse) left
 *   an empty session behind, made before the checks. Now it is made only once the call stores
 *   something.
 * - an input with many unknown fields was refused with every one of them named: 500,000 keys, a
 *   6.4 MB error. Now a few names and how many more.
 * - a message's id had no limit (100,000 characters were stored) and could hold control
 *   characters. Now at most 512 characters of one line, refused naming the field.
 * - agents.import counted its records by their text alone: 100,000 tiny ones passed the 960 KiB
 *   check and made an 8 MB entry before ENTRY_TOO_LARGE. Now each record counts whole, and such
 *   an import is INVALID_INPUT at once.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { api, startDaemon, type Daemon } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let d: Daemon
const KEY = 'agent:main:bounds'
const path = `/api/sessions/${encodeURIComponent(KEY)}`

beforeAll(async () => {
  t = await tempDir()
  const env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  d = await startDaemon(env, { home: join(t.dir, 'home'), wallet, label: 'solo', http: '0' })
  expect((await api(d, 'POST', '/api/sessions', { key: KEY })).status).toBe(200)
}, 60_000)
afterAll(async () => {
  await d?.proc.stop('SIGKILL')
  await t.cleanup()
})

describe('an append of many messages', () => {
  it('is refused INVALID_INPUT at once when its messages, each counted whole, are over 960 KiB; nothing is stored', async () => {
    const started = Date.now()
    const many = await api(d, 'POST', `${path}/messages`, { messages: Array.from({ length: 60_000 }, () => ({ role: 'user', content: 'm' })) })
    expect(many.status, JSON.stringify(many.body).slice(0, 300)).toBe(400)
    expect(many.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/60000 messages take more than 983040 bytes .*append them in several calls/) })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await api(d, 'GET', path)).body.messageCount).toBe(0)
  }, 60_000)

  it('is taken when it fits: 4,000 short messages in one append', async () => {
    const ok = await api(d, 'POST', `${path}/messages`, { messages: Array.from({ length: 4000 }, (_, i) => ({ role: 'user', content: `m${i}`, id: `import-${i}#1` })) })
    expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200)
    expect((await api(d, 'GET', path)).body.messageCount).toBe(4000)
  }, 60_000)
})

/** POSTs a body given as JSON text (a value nested too deep for JSON.stringify to be sure of). */
async function postText (path: string, text: string): Promise<{ status: number, body: any }> {
  const res = await fetch(d.url + path, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' }, body: text })
  return { status: res.status, body: await res.json() }
}
const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n)

describe('a tool call\'s input nested deep', () => {
  it('is refused INVALID_INPUT naming the field, one message or several; 99 levels are taken', async () => {
    const one = await postText(`${path}/messages`, `{"role":"assistant","content":"c","toolCall":{"name":"n","input":${nested(20_000)}}}`)
    const several = await postText(`${path}/messages`, `{"messages":[{"role":"assistant","content":"c","toolCall":{"name":"n","input":${nested(20_000)}}}]}`)
    for (const r of [one, several]) {
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/toolCall\.input: is nested deeper than 100/) })
    }
    expect(several.body.error.message).toMatch(/messages\.0\.toolCall\.input/)
    const deep = await postText(`${path}/messages`, `{"messages":[{"role":"assistant","content":"deep","toolCall":{"name":"n","input":${nested(99)}}}]}`)
    expect(deep.status, JSON.stringify(deep.body).slice(0, 300)).toBe(200)
  }, 60_000)
})

describe('a refused agents.import', () => {
  it('leaves no session behind; one that stores something makes it', async () => {
    const base = { agent: 'claude', records: [{ id: 'r1', file: '', kind: 'user', text: '{"type":"user"}' }] }
    const big = await api(d, 'POST', '/api/agents/import', { ...base, sessionId: 'big', records: [{ id: 'r1', file: '', kind: 'user', text: 'x'.repeat(1_000_000) }] })
    const deep = await postText('/api/agents/import', JSON.stringify({ ...base, sessionId: 'deep' }).replace(/}$/, `,"messages":[{"role":"user","content":"c","id":"r1","toolCall":{"name":"n","input":${nested(150)}}}]}`))
    for (const r of [big, deep]) expect({ status: r.status, code: r.body.error?.code }, JSON.stringify(r.body).slice(0, 300)).toEqual({ status: 400, code: 'INVALID_INPUT' })
    const keys = (await api(d, 'GET', '/api/sessions')).body.map((s: { key: string }) => s.key)
    expect(keys).not.toContain('agent:claude:big')
    expect(keys).not.toContain('agent:claude:deep')
    const ok = await api(d, 'POST', '/api/agents/import', { ...base, sessionId: 'fine', messages: [{ role: 'user', content: 'hi', id: 'r1' }] })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body).toMatchObject({ key: 'agent:claude:fine', added: 1, messages: 1 })
  }, 60_000)
})

describe('an input of many unknown fields', () => {
  it('is refused naming a few of them and how many more', async () => {
    const body: Record<string, unknown> = { value: 'v' }
    for (let i = 0; i < 100_000; i++) body[`k${i}`] = 1
    const r = await api(d, 'PUT', '/api/memory/x', body)
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('INVALID_INPUT')
    expect(r.body.error.message).toMatch(/unknown fields "k0", "k1", "k2", "k3", "k4" and 99995 more \(it takes /)
    expect(r.body.error.message.length).toBeLessThan(1000)
  }, 60_000)
})

describe('a message id', () => {
  it('is refused over 512 characters or with a control character, naming the field; nothing is stored', async () => {
    const before = (await api(d, 'GET', path)).body.messageCount
    const long = await api(d, 'POST', `${path}/messages`, { role: 'user', content: 'c', id: 'x'.repeat(100_000) })
    const control = await api(d, 'POST', `${path}/messages`, { messages: [{ role: 'user', content: 'c', id: 'step\n2' }] })
    expect(long.status).toBe(400)
    expect(long.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^sessions\.append: id: a message's id has at most 512 characters/) })
    expect(long.body.error.message.length).toBeLessThan(1000)
    expect(control.status).toBe(400)
    expect(control.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/messages\.0\.id: a message's id is one line of text: it has a control character \(U\+000A\) at character 5/) })
    expect((await api(d, 'GET', path)).body.messageCount).toBe(before)
    const fine = await api(d, 'POST', `${path}/messages`, { role: 'user', content: 'c', id: `${'y'.repeat(36)}#2` })
    expect(fine.status, JSON.stringify(fine.body)).toBe(200)
  }, 60_000)
})

describe('an agents.import of many tiny records', () => {
  it('is refused INVALID_INPUT at once, each record counted whole; nothing is made', async () => {
    const records = Array.from({ length: 100_000 }, (_, i) => ({ id: `r${i}`, file: '', kind: 'k', text: 't' }))
    const r = await api(d, 'POST', '/api/agents/import', { agent: 'claude', sessionId: 'tiny', records })
    expect({ status: r.status, code: r.body.error?.code }, JSON.stringify(r.body).slice(0, 300)).toEqual({ status: 400, code: 'INVALID_INPUT' })
    expect(r.body.error.message).toMatch(/these 100000 records take \d+ bytes in the entry/)
    expect((await api(d, 'GET', '/api/sessions')).body.map((s: { key: string }) => s.key)).not.toContain('agent:claude:tiny')
  }, 60_000)
})
