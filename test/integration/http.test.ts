/**
 * The HTTP API of `mesh join`, driven as a client would: two daemons of one wallet on loopback
 * (real child processes), every method through its REST route, the bearer token on every /api
 * request, the event stream over a WebSocket resumed from a cursor, the listening address, the
 * port fallback, `--http off`, `mesh dashboard`, and `node.stop` over HTTP.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METHODS } from '../../src/api/schema.js'
import { runCli } from '../helpers/cli.js'
import { api as httpApi, startDaemon, startPair, type Daemon, type Pair } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

let t: { dir: string, cleanup: () => Promise<void> }
let pair: Pair
const extra: Daemon[] = []
beforeAll(async () => {
  t = await tempDir()
  pair = await startPair(t.dir)
}, 90_000)
afterAll(async () => {
  for (const d of extra) await d.proc.stop('SIGKILL')
  await pair?.stop()
  await t?.cleanup()
})

/** Methods called through their REST route by this file; the last test checks all were. */
const called = new Set<string>()
async function call (d: Daemon, method: keyof typeof METHODS, input: Record<string, unknown> = {}, token?: string): Promise<{ status: number, body: any }> {
  const def = METHODS[method]
  const rest: Record<string, unknown> = { ...input }
  const path = def.http.path.replace(/\{(\w+)\}/g, (_, name: string) => { const v = rest[name]; delete rest[name]; return encodeURIComponent(String(v)) })
  const verb = def.http.verb
  let url = path
  let body: unknown
  if (verb === 'GET' || verb === 'DELETE') {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(rest)) q.set(k, Array.isArray(v) ? v.join(',') : String(v))
    if ([...q.keys()].length > 0) url += `?${q.toString()}`
  } else body = rest
  const r = await httpApi(d, verb, url, body, token)
  if (r.status === 200) called.add(method)
  return r
}
const ok = async (d: Daemon, method: keyof typeof METHODS, input: Record<string, unknown> = {}): Promise<any> => {
  const r = await call(d, method, input)
  expect(r.status, `${method}: ${JSON.stringify(r.body)}`).toBe(200)
  return r.body
}

/** A WebSocket on /api/events and the records it received. */
function events (d: Daemon, query: string): { ws: WebSocket, hello: Promise<{ run: string, reset: boolean }>, got: Array<{ seq: number, event: any }>, until: (pred: (r: { seq: number, event: any }) => boolean) => Promise<{ seq: number, event: any }>, opened: Promise<void> } {
  const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/api/events?${query}`)
  const got: Array<{ seq: number, event: any }> = []
  const waiters: Array<{ pred: (r: any) => boolean, resolve: (r: any) => void }> = []
  let said: (h: any) => void
  const hello = new Promise<any>(resolve => { said = resolve })
  let first = true
  ws.on('message', (data) => {
    const r = JSON.parse(String(data))
    // The first message is the hello, and only the first.
    if (first) { first = false; expect(Object.keys(r)).toEqual(['hello']); said(r.hello); return }
    got.push(r)
    for (const w of [...waiters]) if (w.pred(r)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(r) }
  })
  const opened = new Promise<void>((resolve, reject) => { ws.once('open', () => { resolve() }); ws.once('error', reject) })
  const until = async (pred: (r: any) => boolean): Promise<any> => got.find(pred) ?? await new Promise(resolve => { waiters.push({ pred, resolve }) })
  return { ws, hello, got, until, opened }
}
const closed = async (ws: WebSocket): Promise<void> => { if (ws.readyState === ws.CLOSED) return; await new Promise(resolve => { ws.once('close', resolve); ws.close() }) }
async function wsStatus (url: string, protocols?: string[]): Promise<number | 'open'> {
  return await new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols)
    ws.once('open', () => { ws.close(); resolve('open') })
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
}

describe('mesh join serves the API over HTTP', () => {
  it('keeps its token in the home (0600) and records the port it uses (0600)', async () => {
    const { a } = pair
    expect(a.token).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(join(a.home, 'api.token'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(a.home, 'api.json'))).mode & 0o777).toBe(0o600)
    const info = JSON.parse(await readFile(join(a.home, 'api.json'), 'utf8'))
    expect(info).toMatchObject({ url: `http://127.0.0.1:${a.port}`, host: '127.0.0.1', port: a.port })
    expect(a.proc.lines.some(l => l.startsWith('http:') && l.includes(a.url))).toBe(true)
  })

  it('answers every /api route and the event stream with 401 without the right token', async () => {
    const { a, b } = pair
    const wrong = randomBytes(32).toString('hex')
    for (const [name, def] of Object.entries(METHODS)) {
      const path = def.http.path.replace(/\{(\w+)\}/g, 'x')
      const none = await fetch(a.url + path, { method: def.http.verb })
      expect(none.status, `${name} without a token`).toBe(401)
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(((await none.json()) as any).error.code).toBe('UNAUTHORIZED')
      expect((await httpApi(a, def.http.verb, path, undefined, wrong)).status, `${name} with a wrong token`).toBe(401)
      // The other daemon's token is a wrong token here.
      expect((await httpApi(a, def.http.verb, path, undefined, b.token)).status, `${name} with another home's token`).toBe(401)
    }
    expect((await fetch(`${a.url}/api/openapi.json`)).status).toBe(401)
    expect((await fetch(`${a.url}/api/status`, { headers: { authorization: `Basic ${a.token}` } })).status).toBe(401)
    const ws = a.url.replace(/^http/, 'ws') + '/api/events'
    expect(await wsStatus(ws)).toBe(401)
    expect(await wsStatus(`${ws}?token=${wrong}`)).toBe(401)
    expect(await wsStatus(ws, ['mesh.events', `bearer.${wrong}`])).toBe(401)
    expect(await wsStatus(`${ws}?token=${a.token}`)).toBe('open')
    expect(await wsStatus(ws, ['mesh.events', `bearer.${a.token}`])).toBe('open')
    // The page itself needs no token and holds no data.
    const page = await fetch(a.url + '/')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toMatch(/mesh dashboard/)
    expect(html).not.toContain(a.deviceId)
  })

  it('listens on 127.0.0.1 only, and answers only to its loopback name', async () => {
    const { a } = pair
    const port = a.port.toString(16).toUpperCase().padStart(4, '0')
    const listeners = (text: string): string[] => text.split('\n').slice(1).map(l => l.trim().split(/\s+/)).filter(f => f[3] === '0A' && f[1]?.endsWith(`:${port}`)).map(f => f[1] as string)
    expect(listeners(await readFile('/proc/net/tcp', 'utf8'))).toEqual([`0100007F:${port}`])
    expect(listeners(await readFile('/proc/net/tcp6', 'utf8').catch(() => ''))).toEqual([])
    for (const addrs of Object.values(networkInterfaces())) {
      for (const ni of addrs ?? []) {
        if (ni.internal || ni.family !== 'IPv4') continue
        const err = await new Promise<any>((resolve) => {
          const s = connect({ host: ni.address, port: a.port })
          s.once('connect', () => { s.destroy(); resolve(undefined) })
          s.once('error', resolve)
        })
        expect(err?.code, `connecting to ${ni.address}:${a.port}`).toBe('ECONNREFUSED')
      }
    }
    // A page whose DNS name was rebound to 127.0.0.1 sends its own name as Host.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: a.port, path: '/api/status', headers: { host: `evil.example:${a.port}`, authorization: `Bearer ${a.token}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.once('error', reject)
      req.end()
    })
    expect(status).toBe(421)
  })

  it('proves it holds the token without a token asked (/api/proof), for the address it was reached at only', async () => {
    const { a } = pair
    const nonce = randomBytes(16).toString('hex')
    const got = await httpApi(a, 'GET', `/api/proof?nonce=${nonce}`, undefined, '')
    expect(got.status).toBe(200)
    expect(got.body.proof).toBe(createHmac('sha256', a.token).update(`mesh dashboard server proof\n127.0.0.1:${a.port}\n${nonce}`).digest('hex'))
    // Another nonce, another proof: an old answer proves nothing.
    expect((await httpApi(a, 'GET', `/api/proof?nonce=${'0'.repeat(32)}`, undefined, '')).body.proof).not.toBe(got.body.proof)
    for (const bad of ['', 'nonce=', 'nonce=abc', `nonce=${'A'.repeat(32)}`, `nonce=${'0'.repeat(130)}`]) {
      expect((await httpApi(a, 'GET', `/api/proof?${bad}`, undefined, '')).body.error.code, bad).toBe('INVALID_INPUT')
    }
    expect((await httpApi(a, 'POST', `/api/proof?nonce=${nonce}`, {}, '')).status).toBe(405)
    // Asked under another name (a rebound DNS name, or a relay that forwards under its own port): refused.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: a.port, path: `/api/proof?nonce=${nonce}`, headers: { host: `127.0.0.1:${a.port + 1}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.once('error', reject)
      req.end()
    })
    expect(status).toBe(421)
  })

  it('serves every method as its REST route, with typed errors', async () => {
    const { a, b } = pair
    const status = await ok(a, 'node.status')
    expect(status).toMatchObject({ label: 'alpha', deviceId: a.deviceId, daemon: { running: true, http: a.url } })
    const peers = await ok(a, 'peers.list')
    expect(peers).toEqual([expect.objectContaining({ label: 'beta', peerId: b.deviceId, state: 'connected' })])
    expect((await ok(a, 'devices.list')).map((d: any) => d.label).sort()).toEqual(['alpha', 'beta'])

    const key = 'agent:main:http'
    expect(await ok(a, 'sessions.create', { key, title: 'Over HTTP', goal: 'every route' })).toMatchObject({ key, title: 'Over HTTP' })
    const again = await call(a, 'sessions.create', { key })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('SESSION_EXISTS')
    expect((await ok(a, 'sessions.list', { details: true })).find((s: any) => s.key === key)).toMatchObject({ title: 'Over HTTP', messageCount: 0 })
    const appended = await ok(a, 'sessions.append', { key, role: 'user', content: 'first over http' })
    expect(appended).toEqual([expect.objectContaining({ role: 'user', content: 'first over http', device: a.deviceId })])
    await ok(a, 'sessions.append', { key, messages: [{ role: 'assistant', content: 'second' }, { role: 'assistant', content: 'third' }] })
    const shown = await ok(a, 'sessions.show', { key, tail: 2 })
    expect(shown.messages.map((m: any) => m.content)).toEqual(['second', 'third'])
    expect(shown.messageCount).toBe(3)
    expect((await ok(a, 'sessions.show', { key: 'http', all: true })).messages).toHaveLength(3)
    const bad = await call(a, 'sessions.show', { key, tail: 'many' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('INVALID_INPUT')
    expect(bad.body.error.message).toMatch(/tail/)
    const noBody = await httpApi(a, 'POST', `/api/sessions/${encodeURIComponent(key)}/messages`, [1, 2])
    expect(noBody.status).toBe(400)
    const missing = await call(a, 'sessions.show', { key: 'agent:main:nowhere' })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('SESSION_NOT_FOUND')
    expect((await httpApi(a, 'GET', '/api/nothing-here')).status).toBe(404)
    const patch = await fetch(a.url + '/api/sessions', { method: 'PATCH', headers: { authorization: `Bearer ${a.token}` } })
    expect(patch.status).toBe(405)
    // RFC 9110: a 405 says what the path takes.
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST')
    expect(((await patch.json()) as any).error.message).toMatch(/PATCH is not allowed on \/api\/sessions \(it takes GET, HEAD, POST\)/)

    // A field the method does not take is refused, in the body and in the query (not dropped unsaid).
    const misnamed = await call(a, 'sessions.task', { key, set: { branch: 'x' } })
    expect(misnamed.status).toBe(400)
    expect(misnamed.body.error.message).toMatch(/^sessions\.task: unknown field "set" \(it takes key, .*fields/)
    const query = await httpApi(a, 'GET', `/api/sessions/${encodeURIComponent('agent:main:nowhere')}/wait?timeout=500`)
    expect(query.status).toBe(400)
    expect(query.body.error.message).toMatch(/unknown field "timeout" \(it takes key, timeoutMs\)/)
    // A wait whose own timeout runs out is a 408, said as such.
    const waited = await httpApi(a, 'GET', `/api/sessions/${encodeURIComponent('agent:main:nowhere')}/wait?timeoutMs=200`)
    expect(waited.status).toBe(408)
    expect(waited.body.error).toMatchObject({ code: 'ABORTED', message: 'session agent:main:nowhere did not appear within 200 ms', details: { reason: 'timeout', timeoutMs: 200 } })
    const task = await ok(a, 'sessions.task', { key, plan: 'route by route', progress: 'halfway', todoAdd: ['check the lease'] })
    expect(task).toMatchObject({ plan: 'route by route', todos: [expect.objectContaining({ text: 'check the lease', done: false })] })
    const lease = await ok(a, 'sessions.takeLease', { key })
    expect(lease.lease).toMatchObject({ device: a.deviceId, mine: true, expired: false })
    expect((await ok(a, 'sessions.renewLease', { key })).lease.epoch).toBe(lease.lease.epoch)
    expect(await ok(a, 'sessions.releaseLease', { key })).toEqual({ released: true })
    const resumed = await ok(a, 'sessions.resume', { key, tail: 1 })
    expect(resumed).toMatchObject({ leaseTaken: true, readOnly: false, goal: 'every route' })
    expect(resumed.messages.map((m: any) => m.content)).toEqual(['third'])

    // The lease across devices: B waits for the session, is refused while A drives, takes over.
    expect(await ok(b, 'sessions.wait', { key, timeoutMs: 30_000 })).toMatchObject({ key })
    const held = await call(b, 'sessions.takeLease', { key })
    expect(held.status).toBe(409)
    expect(held.body.error.code).toBe('LEASE_HELD')
    expect((await ok(b, 'sessions.takeLease', { key, take: true })).tookOverFrom).toBe('alpha')
    const refused = await call(a, 'sessions.append', { key, role: 'assistant', content: 'not mine any more' })
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('LEASE_HELD')

    const entry = await ok(a, 'memory.set', { key: 'editor/theme', value: 'dark', tags: ['prefs'] })
    expect(entry).toMatchObject({ key: 'editor/theme', value: 'dark', tags: ['prefs'] })
    expect(await ok(a, 'memory.get', { key: 'editor/theme' })).toMatchObject({ value: 'dark' })
    expect((await ok(a, 'memory.list', { tag: 'prefs' })).map((e: any) => e.key)).toEqual(['editor/theme'])
    expect((await ok(a, 'memory.search', { query: 'DARK', limit: 5 })).map((e: any) => e.key)).toEqual(['editor/theme'])
    // A query of blanks searches for nothing: refused, not every entry.
    const blank = await call(a, 'memory.search', { query: '   ' })
    expect(blank.status).toBe(400)
    expect(blank.body.error.code).toBe('INVALID_INPUT')
    expect(blank.body.error.message).toMatch(/at least one word/)
    expect(await ok(a, 'memory.delete', { key: 'editor/theme' })).toEqual({ deleted: true })
    expect((await call(a, 'memory.get', { key: 'editor/theme' })).status).toBe(404)
    // Deleting what is not there answers as reading it does (and as `mesh memory delete`, exit 2): 404, not 200 {deleted: false}.
    const deletedAgain = await call(a, 'memory.delete', { key: 'editor/theme' })
    expect(deletedAgain.status, JSON.stringify(deletedAgain.body)).toBe(404)
    expect(deletedAgain.body.error).toEqual({ code: 'NOT_FOUND', message: 'no memory entry editor/theme', details: { key: 'editor/theme' } })

    const skill = '---\nname: deploy\ndescription: Deploy safely\nversion: 1.2.0\n---\nRun the checks first.\n'
    expect(await ok(a, 'skills.add', { content: skill, source: 'http test' })).toMatchObject({ name: 'deploy', version: '1.2.0' })
    expect((await ok(a, 'skills.list')).map((s: any) => s.name)).toEqual(['deploy'])
    // A skill that names itself nowhere is refused (it was stored as "skill", the next one replacing it).
    const nameless = await call(a, 'skills.add', { content: '# no front matter\n' })
    expect(nameless.status).toBe(400)
    expect(nameless.body.error.message).toMatch(/the skill has no name/)
    expect((await ok(a, 'skills.add', { content: '# no front matter\n', name: 'notes' })).name).toBe('notes')
    const notBase64 = await call(a, 'skills.add', { content: skill, files: [{ path: 'scripts/run.sh', text: 'not base64!!', enc: 'base64' }] })
    expect(notBase64.status).toBe(400)
    expect(notBase64.body.error.message).toMatch(/scripts\/run\.sh: its text is not base64/)
    expect((await ok(a, 'skills.show', { name: 'deploy' })).body).toMatch(/Run the checks first/)
    expect(await ok(a, 'skills.remove', { name: 'deploy' })).toEqual({ removed: true })
    expect((await call(a, 'skills.show', { name: 'deploy' })).status).toBe(404)
    const removedAgain = await call(a, 'skills.remove', { name: 'deploy' })
    expect(removedAgain.status, JSON.stringify(removedAgain.body)).toBe(404)
    expect(removedAgain.body.error).toEqual({ code: 'NOT_FOUND', message: 'no skill named deploy', details: { name: 'deploy' } })
    expect(await ok(a, 'skills.removed')).toMatchObject([{ name: 'deploy', hash: expect.stringMatching(/^sha256:/), folder: expect.stringMatching(/^[0-9a-f]{64}$/) }])

    // An agent's native records through their routes (the CLI's `mesh agent import` sends the same).
    const line = '{"type":"user","uuid":"u-1","sessionId":"s-http","message":{"role":"user","content":"hi"}}'
    const imported = await ok(a, 'agents.import', { agent: 'claude', sessionId: 's-http', records: [{ id: 'u-1', file: '', kind: 'user', text: line }] })
    expect(imported).toMatchObject({ key: 'agent:claude:s-http', added: 1, total: 1 })
    expect((await ok(a, 'agents.records', { key: 'agent:claude:s-http' })).records.map((r: any) => r.text)).toEqual([line])
    // A side file that would land outside the session folder is refused at import (a resume
    // would refuse it for ever after), and nothing of that call is stored.
    const escape = await call(a, 'agents.import', { agent: 'claude', sessionId: 's-http', records: [{ id: 'f-1', file: '../../../evil.txt', kind: 'file', text: 'x' }, { id: 'u-2', file: '', kind: 'user', text: line.replace('u-1', 'u-2') }] })
    expect(escape.status).toBe(400)
    expect(escape.body.error.message).toMatch(/records\.0\.file: not a file of the session folder/)
    expect((await ok(a, 'agents.records', { key: 'agent:claude:s-http' })).records).toHaveLength(1)
    // A follower's report, and the status it feeds.
    expect(await ok(a, 'agents.followBeat', { id: 'http-test', pid: 4242, agents: ['claude'], startedAt: 1, streams: [{ key: 'agent:claude:s-http', stream: 'claude:s-http', agent: 'claude', capturedAt: 5, offset: 90 }] })).toEqual({ ok: true })
    const st = await ok(a, 'agents.status')
    expect(st.followers).toMatchObject([{ id: 'http-test', pid: 4242, streams: 1 }])
    expect(st.sessions.find((x: any) => x.key === 'agent:claude:s-http')).toMatchObject({ following: true, sync: 'live', capturedAt: 5, offset: 90, follower: { pid: 4242 } })

    // Nothing set aside between honest daemons; an id that is not in quarantine is a 404.
    expect(await ok(a, 'doctor.report')).toEqual({ quarantined: [], forks: [], damaged: [] })
    // The same check of the snapshots a page at a time (mesh doctor says how far it is): one page here.
    const check = await ok(a, 'doctor.check')
    expect(check).toMatchObject({ damaged: [], checked: check.total })
    expect(check.next).toBeUndefined()
    const nothing = await call(a, 'doctor.drop', { id: '0123456789abcdef' })
    expect(nothing.status).toBe(404)
    expect(nothing.body.error.code).toBe('NOT_FOUND')
    // Reached through its route (a typed answer); a successful drop is driven in poison.test.ts.
    called.add('doctor.drop')

    // Pairing's routes (a full pairing is driven in test/protocol/pair.test.ts and test/netns/pair.test.ts):
    // with mDNS off and nothing to dial it has nothing to look with (refused at once, bad input),
    // and no run waits for a decision.
    const none = await call(a, 'devices.approve', { code: 'K7QM-2XDF', mdns: false, timeoutMs: 300 })
    expect(none.status).toBe(400)
    expect(none.body.error.code, JSON.stringify(none.body)).toBe('INVALID_INPUT')
    called.add('devices.approve')
    const undecided = await call(a, 'devices.decide', { pairing: 'nope', approve: false })
    expect(undecided.status).toBe(404)
    expect(undecided.body.error.code).toBe('NOT_FOUND')
    called.add('devices.decide')
  })

  it('serves the OpenAPI document generated from the schema, the same as the committed one but for its own address', async () => {
    const served = await httpApi(pair.a, 'GET', '/api/openapi.json')
    expect(served.status).toBe(200)
    called.add('openapi')
    const committed = JSON.parse(await readFile(new URL('../../web/openapi.json', import.meta.url), 'utf8'))
    // A client generated from it sends the token to this daemon, not to the default port.
    expect(served.body.servers.map((s: any) => s.url)).toEqual([pair.a.url])
    expect({ ...served.body, servers: committed.servers }).toEqual(committed)
  })

  it('streams events over a WebSocket, and a client that reconnects from its cursor misses nothing', async () => {
    const { a, b } = pair
    const key = 'agent:main:ws'
    await ok(a, 'sessions.create', { key, title: 'events' })
    await ok(b, 'sessions.wait', { key, timeoutMs: 30_000 })
    const q = `sessions=${encodeURIComponent(key)}&token=${a.token}`
    // The reference: a client connected throughout.
    const ref = events(a, q)
    await ref.opened
    const c1 = events(a, q)
    await c1.opened
    const says = (text: string) => (r: { event: any }): boolean => r.event.type === 'message.appended' && r.event.key === key && r.event.messages.some((m: any) => m.content === text)
    await ok(b, 'sessions.append', { key, role: 'user', content: 'one' })
    const first = await c1.until(says('one'))
    expect(first.event.remote).toBe(true)
    expect(first.event.messages[0]).toMatchObject({ device: b.deviceId, role: 'user' })
    const cursor = c1.got[c1.got.length - 1]?.seq as number
    await closed(c1.ws)
    // While it is away: two appends on the peer, and one here.
    await ok(b, 'sessions.append', { key, role: 'user', content: 'two' })
    await ok(b, 'sessions.append', { key, role: 'user', content: 'three' })
    await ref.until(says('three'))
    await ok(a, 'sessions.append', { key, role: 'assistant', content: 'four', force: true })
    await ref.until(says('four'))
    const { run } = await c1.hello
    const c2 = events(a, `${q}&after=${cursor}&run=${run}`)
    await c2.opened
    expect(await c2.hello).toEqual({ run, reset: false })
    await c2.until(says('four'))
    const expected = ref.got.filter(r => r.seq > cursor && r.seq <= (ref.got.find(says('four'))?.seq as number))
    expect(c2.got.slice(0, expected.length)).toEqual(expected)
    expect(expected.map(r => r.seq)).toEqual(expected.map((_, i) => cursor + 1 + i))
    expect(expected.filter(r => r.event.type === 'message.appended').flatMap(r => r.event.messages.map((m: any) => m.content))).toEqual(['two', 'three', 'four'])
    await closed(c2.ws)
    // A cursor from another run of the daemon: everything buffered is replayed, flagged reset.
    const c3 = events(a, `${q}&after=${cursor}&run=0123456789abcdef`)
    expect(await c3.hello).toEqual({ run, reset: true })
    await c3.until(says('four'))
    expect(c3.got[0]?.seq).toBe(1)
    await closed(c3.ws)
    await closed(ref.ws)
    // A cursor that is not a number is refused before the upgrade.
    expect(await wsStatus(`${a.url.replace(/^http/, 'ws')}/api/events?after=soon&token=${a.token}`)).toBe(400)
  })

  it('serves on a free port with --http 0, and nothing with --http off (an asked port that is busy fails: join-http-busy.test.ts)', async () => {
    const c = await startDaemon(pair.env, { home: join(t.dir, 'c'), wallet: pair.wallet, label: 'gamma', http: '0' })
    extra.push(c)
    expect(c.port).toBeGreaterThan(0)
    expect(c.proc.lines.find(l => l.startsWith('http:'))).toContain(String(c.port))
    expect((await httpApi(c, 'GET', '/api/status')).status).toBe(200)
    const d = await startDaemon(pair.env, { home: join(t.dir, 'd'), wallet: pair.wallet, label: 'delta', http: 'off' })
    extra.push(d)
    expect(d.proc.lines.find(l => l.startsWith('http:'))).toMatch(/off/)
    await expect(stat(join(d.home, 'api.json'))).rejects.toThrow(/ENOENT/)
    const malformed = await runCli(['join', '--home', join(t.dir, 'e'), '--wallet', pair.wallet, '--no-mdns', '--http', 'eighty'], { env: pair.env })
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toMatch(/--http/)
  })

  it('mesh dashboard prints the login URL of the running daemon, and says when none runs', async () => {
    const { a } = pair
    const env = { ...pair.env }
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const r = await runCli(['dashboard', '--home', a.home, '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const code = `${a.url.replace(/[.]/g, '\\.')}/#code=[0-9a-f]{32}`
    expect(JSON.parse(r.stdout)).toEqual({ url: a.url, loginUrl: expect.stringMatching(new RegExp(`^${code}$`)), expiresAt: expect.any(Number), port: a.port, opened: false, notOpened: expect.stringMatching(/display/i) })
    const text = await runCli(['dashboard', '--home', a.home, '--no-open'], { env })
    expect(text.stdout).toMatch(new RegExp(`^${code}\nnot opening a browser \\(--no-open\\)\nopen this link in a browser on this machine; the link logs in once, within 10 minutes: keep it to yourself until then\n`))
    expect(text.stdout).not.toContain(a.token)
    const none = await runCli(['dashboard', '--home', join(t.dir, 'no-daemon')], { env })
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/mesh join/)
    // A daemon killed outright leaves its api.json behind: nothing answers there, and it says so.
    const c = extra[0] as Daemon
    await c.proc.stop('SIGKILL')
    const stale = await runCli(['dashboard', '--home', c.home, '--json'], { env })
    expect(stale.code).toBe(1)
    expect(JSON.parse(stale.stderr).error.code).toBe('DAEMON_NOT_RUNNING')
    expect(stale.stderr).toContain(`nothing answers at ${c.url}`)
  })

  it('stops the daemon with node.stop over HTTP; every method was reached through its route', async () => {
    const { a, b } = pair
    // Revoking beta from alpha over its route: beta is listed as revoked, by alpha.
    expect((await call(a, 'devices.revoke', { device: 'nobody' })).status).toBe(404)
    expect(await ok(a, 'devices.revoke', { device: 'beta', reason: 'http' })).toMatchObject({ revoked: [{ label: 'beta' }], owed: false })
    expect((await ok(a, 'devices.list')).find((d: any) => d.label === 'beta')).toMatchObject({ online: false, revoked: { by: ['alpha'], reason: 'http' } })
    const exited = new Promise(resolve => b.proc.child.once('exit', resolve))
    const r = await call(b, 'node.stop')
    expect(r.body).toEqual({ stopping: true })
    expect(await exited).toBe(0)
    expect(b.proc.lines.at(-1)).toMatch(/stopped/)
    await expect(stat(join(b.home, 'api.json'))).rejects.toThrow(/ENOENT/)
    expect([...called].filter(m => m !== 'openapi').sort()).toEqual(Object.keys(METHODS).sort())
  })
})
