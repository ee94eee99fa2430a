/**
 * What the HTTP API refuses, and how it says so, met as a client meets it: a fresh home's API
 * served in this process on 127.0.0.1 (any free port, never the default one) and raw requests.
 * Input sent where the method does not read it (a query on POST, a body on GET or DELETE) is
 * refused, not dropped; the served OpenAPI document names this server, not the default port;
 * a plain request to the event stream is told to upgrade; and every refusal of the stream, like
 * every other error, is the one JSON error shape.
 */
import { request } from 'node:http'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpServer } from '../../src/api/http.js'
import { defaultWebDir } from '../../src/api/http-static.js'
import { soloHttp, type SoloHttp } from '../helpers/solo-http.js'

let solo: SoloHttp
let server: HttpServer
let token: string
beforeAll(async () => {
  solo = await soloHttp()
  server = solo.server
  token = solo.token
}, 30_000)
afterAll(async () => { await solo?.close() })

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: any }

/** One request with node:http (fetch will not send a body with GET). */
async function send (verb: string, path: string, opts: { body?: string, headers?: Record<string, string>, auth?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.auth === false ? {} : { authorization: `Bearer ${token}` }), ...opts.headers }
  if (opts.body !== undefined) { headers['content-type'] ??= 'application/json'; headers['content-length'] = String(Buffer.byteLength(opts.body)) }
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: verb, path, headers }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }) })
    })
    req.once('error', reject)
    req.end(opts.body)
  })
}

/** The answer to a WebSocket upgrade the server refuses (its status, headers and body). */
async function refusedUpgrade (path: string, opts: { host?: string, origin?: string } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers: { ...(opts.host !== undefined ? { host: opts.host } : {}) }, ...(opts.origin !== undefined ? { origin: opts.origin } : {}) })
    ws.once('open', () => { ws.close(); reject(new Error(`${path} opened`)) })
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }) })
    })
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
}

const error = (a: Answer, status: number, code: string): { code: string, message: string, details: Record<string, unknown> } => {
  expect(a.status, JSON.stringify(a.body)).toBe(status)
  expect(a.headers['content-type']).toBe('application/json; charset=utf-8')
  expect(a.body.error).toMatchObject({ code })
  return a.body.error
}

describe('the HTTP API reads each method\'s input from one place, and refuses it anywhere else', () => {
  it('refuses a query parameter on POST, naming what the method takes, and does nothing', async () => {
    const made = error(await send('POST', '/api/sessions?title=x', { body: JSON.stringify({ key: 'agent:main:q' }) }), 400, 'INVALID_INPUT')
    expect(made.message).toMatch(/^sessions\.create: query parameter "title" refused: POST \/api\/sessions takes its input as a JSON body \(it takes key, title, /)
    // Nothing was created without its title.
    error(await send('GET', `/api/sessions/${encodeURIComponent('agent:main:q')}`), 404, 'SESSION_NOT_FOUND')

    expect((await send('POST', '/api/sessions', { body: JSON.stringify({ key: 'agent:main:q', title: 'in the body' }) })).status).toBe(200)
    const forced = error(await send('POST', `/api/sessions/${encodeURIComponent('agent:main:q')}/messages?force=true&x=1&x=2`, { body: JSON.stringify({ role: 'user', content: 'hi' }) }), 400, 'INVALID_INPUT')
    expect(forced.message).toMatch(/^sessions\.append: query parameters "force", "x" refused: POST \/api\/sessions\/agent%3Amain%3Aq\/messages takes its input as a JSON body \(it takes .*force/)
    expect((await send('GET', `/api/sessions/${encodeURIComponent('agent:main:q')}`)).body.messageCount).toBe(0)
    // Without a body at all, too.
    error(await send('POST', `/api/sessions/${encodeURIComponent('agent:main:q')}/task?plan=x`), 400, 'INVALID_INPUT')
  })

  it('refuses a body on GET and DELETE, naming what the method takes in the query', async () => {
    expect((await send('PUT', '/api/memory/x', { body: JSON.stringify({ value: 'kept' }) })).status).toBe(200)
    const deleted = error(await send('DELETE', '/api/memory/x', { body: JSON.stringify({ bogus: 1 }) }), 400, 'INVALID_INPUT')
    expect(deleted.message).toBe('memory.delete: a request body is refused: DELETE /api/memory/x takes its input in the query string (it takes nothing besides its path)')
    expect((await send('GET', '/api/memory/x')).body).toMatchObject({ value: 'kept' })
    const listed = error(await send('GET', '/api/sessions', { body: '{"details":true}' }), 400, 'INVALID_INPUT')
    expect(listed.message).toMatch(/^sessions\.list: a request body is refused: GET \/api\/sessions takes its input in the query string \(it takes .*details/)
    // Whatever its type: not JSON is no excuse for dropping it.
    error(await send('GET', '/api/status', { body: 'x', headers: { 'content-type': 'text/plain' } }), 400, 'INVALID_INPUT')
    // Each method still reads its own place.
    expect((await send('GET', '/api/sessions?details=true')).status).toBe(200)
    expect((await send('DELETE', '/api/memory/x')).body).toEqual({ deleted: true })
  })
})

describe('an append names its session and its messages once', () => {
  const s1 = `/api/sessions/${encodeURIComponent('agent:main:s1')}`
  it('refuses a key in the body that is not the path\'s (it went to the path\'s session), and takes the same one', async () => {
    expect((await send('POST', '/api/sessions', { body: JSON.stringify({ key: 'agent:main:s1' }) })).status).toBe(200)
    const other = error(await send('POST', `${s1}/messages`, { body: JSON.stringify({ key: 'agent:main:s3', role: 'user', content: 'x' }) }), 400, 'INVALID_INPUT')
    expect(other.message).toBe(`sessions.append: key "agent:main:s3" in the body is not "agent:main:s1" in the path: POST ${s1}/messages takes key from its path (leave it out of the body)`)
    expect((await send('GET', s1)).body.messageCount).toBe(0)
    error(await send('GET', `${s1}?key=${encodeURIComponent('agent:main:s3')}`), 400, 'INVALID_INPUT')
    expect((await send('POST', `${s1}/messages`, { body: JSON.stringify({ key: 'agent:main:s1', role: 'user', content: 'x' }) })).status).toBe(200)
    expect((await send('GET', `${s1}?key=${encodeURIComponent('agent:main:s1')}`)).body.messageCount).toBe(1)
    // The same key in its short form is the same key.
    expect((await send('GET', `${s1}?key=s1`)).status).toBe(200)
  })

  it('refuses one message and a list at once (both were appended), whatever the list holds', async () => {
    for (const body of [
      { role: 'user', content: 'x', messages: [] },
      { role: 'user', content: 'x', messages: [{ role: 'user', content: 'y' }] },
      { id: 'm1', messages: [{ role: 'user', content: 'y' }] }
    ]) {
      const refused = error(await send('POST', `${s1}/messages`, { body: JSON.stringify(body) }), 400, 'INVALID_INPUT')
      expect(refused.message, JSON.stringify(body)).toMatch(/^an append takes one message \(role and content\) or a list \(messages\), not both: (role, content|id) given beside messages/)
    }
    expect((await send('GET', s1)).body.messageCount).toBe(1)
    expect((await send('POST', `${s1}/messages`, { body: JSON.stringify({ messages: [{ role: 'user', content: 'y' }] }) })).status).toBe(200)
  })
})

describe('a number in the query', () => {
  it('is read in decimal digits only, as the CLI reads a count: 0x10, 1e3 and " 1" are refused', async () => {
    expect((await send('POST', '/api/sessions', { body: JSON.stringify({ key: 'agent:main:counted' }) })).status).toBe(200)
    const path = `/api/sessions/${encodeURIComponent('agent:main:counted')}/messages`
    expect((await send('POST', path, { body: JSON.stringify({ messages: [1, 2, 3].map(i => ({ role: 'user', content: `m${i}` })) }) })).status).toBe(200)
    const show = `/api/sessions/${encodeURIComponent('agent:main:counted')}`
    const ok = await send('GET', `${show}?tail=2`)
    expect(ok.status).toBe(200)
    expect(ok.body.messages.map((m: { content: string }) => m.content)).toEqual(['m2', 'm3'])
    for (const bad of ['0x1', '1e3', '%201', '1.0', '']) {
      const refused = error(await send('GET', `${show}?tail=${bad}`), 400, 'INVALID_INPUT')
      expect(refused.message, bad).toMatch(/tail/)
    }
  })

  it('is given once: ?tail=1&tail=2 is refused naming tail (the last one was read), where a list\'s values add up', async () => {
    const show = `/api/sessions/${encodeURIComponent('agent:main:counted')}`
    const refused = error(await send('GET', `${show}?tail=1&tail=2`), 400, 'INVALID_INPUT')
    expect(refused.message).toBe('sessions.show: query parameter "tail" given 2 times: it takes one value')
    error(await send('GET', `${show}?all=true&all=true`), 400, 'INVALID_INPUT')
    // A parameter the method does not take is named as unknown, however often it comes.
    expect(error(await send('GET', `${show}?bogus=1&bogus=2`), 400, 'INVALID_INPUT').message).toMatch(/unknown field "bogus"/)
    const status = await send('GET', `/api/agents/status?keys=${encodeURIComponent('agent:main:a')}&keys=${encodeURIComponent('agent:main:b')}`)
    expect(status.status, JSON.stringify(status.body)).toBe(200)
  })

  it('names one read: tail with all (or after) is refused, as the CLI refuses --tail with --all, not one silently winning', async () => {
    const show = `/api/sessions/${encodeURIComponent('agent:main:counted')}`
    for (const both of ['tail=2&all=true', 'tail=2&after=x', 'after=x&all=true']) {
      const refused = error(await send('GET', `${show}?${both}`), 400, 'INVALID_INPUT')
      expect(refused.message, both).toBe('sessions.show: input: give one of tail, after and all (true), not several')
    }
    expect((await send('GET', `${show}?tail=2&all=false`)).status).toBe(200)
    expect((await send('GET', `${show}?all=true`)).body.messages).toHaveLength(3)
  })
})

describe('the OpenAPI document served by a daemon names that daemon', () => {
  it('lists this server\'s own URL, not the default port', async () => {
    expect(server.port).not.toBe(7433)
    const doc = (await send('GET', '/api/openapi.json')).body
    expect(doc.servers).toEqual([{ url: server.url, description: expect.any(String) }])
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
  })
})

describe('the event stream answers as its documentation says', () => {
  it('tells a plain request to upgrade (426, with Upgrade and the JSON error), token or not', async () => {
    for (const auth of [true, false]) {
      const a = await send('GET', '/api/events?after=0', { auth })
      const e = error(a, 426, 'INVALID_INPUT')
      expect(a.headers.upgrade).toBe('websocket')
      expect(e.message).toMatch(/WebSocket/)
    }
    const posted = await send('POST', '/api/events', { body: '{}' })
    error(posted, 405, 'INVALID_INPUT')
    expect(posted.headers.allow).toBe('GET')
  })

  it('refuses an upgrade with each status the OpenAPI document lists for it, in the JSON error shape', async () => {
    const q = `token=${token}`
    const statuses: Record<number, Answer> = {
      400: await refusedUpgrade(`/api/events?${q}&after=soon`),
      401: await refusedUpgrade('/api/events?token=' + '0'.repeat(64)),
      403: await refusedUpgrade(`/api/events?${q}`, { origin: 'http://evil.example' }),
      421: await refusedUpgrade(`/api/events?${q}`, { host: `evil.example:${server.port}` })
    }
    expect(error(statuses[400] as Answer, 400, 'INVALID_INPUT').message).toMatch(/after/)
    error(statuses[401] as Answer, 401, 'UNAUTHORIZED')
    expect((statuses[401] as Answer).headers['www-authenticate']).toMatch(/^Bearer/)
    error(statuses[403] as Answer, 403, 'UNAUTHORIZED')
    error(statuses[421] as Answer, 421, 'INVALID_INPUT')
    error(await refusedUpgrade(`/api/elsewhere?${q}`), 404, 'NOT_FOUND')

    // As every route refuses its query: a parameter it does not take, or one given twice but sessions.
    const unknown = error(await refusedUpgrade(`/api/events?${q}&bogus=1`), 400, 'INVALID_INPUT')
    expect(unknown.message).toBe('events: unknown query parameter "bogus" (it takes after, run, sessions, token)')
    const twice = error(await refusedUpgrade(`/api/events?${q}&after=1&after=2`), 400, 'INVALID_INPUT')
    expect(twice.message).toBe('events: query parameter "after" given 2 times: it takes one value')
    error(await refusedUpgrade(`/api/events?${q}&${q}`), 400, 'INVALID_INPUT')
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?${q}&sessions=a&sessions=b&after=0`)
    await new Promise<void>((resolve, reject) => { ws.once('message', () => { resolve() }); ws.once('error', reject) })
    ws.close()

    const doc = (await send('GET', '/api/openapi.json')).body
    const listed = Object.keys(doc.paths['/api/events'].get.responses)
    for (const status of [...Object.keys(statuses), '426']) expect(listed).toContain(status)
  })
})

/** Bytes sent on a raw socket, and the answer read until the server closes it, as status and JSON body. */
async function raw (bytes: string): Promise<Answer> {
  const { connect } = await import('node:net')
  return await new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => { socket.write(bytes) })
    let text = ''
    socket.on('data', (d: Buffer) => { text += d.toString() })
    socket.once('error', reject)
    socket.once('end', () => {
      socket.destroy()
      const [head = '', body = ''] = text.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map(l => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      resolve({ status, headers, body: body === '' ? undefined : JSON.parse(body) })
    })
  })
}

describe('a request the HTTP parser refuses', () => {
  it('is answered in the JSON error shape: 400 for a malformed one, 431 for headers past the limit', async () => {
    const bad = await raw('NOT HTTP AT ALL\r\n\r\n')
    expect(error(bad, 400, 'INVALID_INPUT').message).toMatch(/malformed HTTP request/)
    expect(bad.headers['content-type']).toMatch(/^application\/json/)
    const big = await raw(`GET /api/status HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)
    expect(error(big, 431, 'INVALID_INPUT').message).toMatch(/headers are larger/)
  })
})

describe('an append with a bad key and no message', () => {
  it('is refused for its key, the first thing wrong with it', async () => {
    const a = await send('POST', '/api/sessions/bad%20key/messages', { body: '{}' })
    expect(error(a, 400, 'INVALID_SESSION_KEY').message).toMatch(/bad key/)
  })
})

describe('a static path no file can have', () => {
  it('is answered 404 without a token, naming no path of the install (a NUL, an over-long name)', async () => {
    const install = defaultWebDir().replace(/[/\\]web[/\\]?$/, '')
    for (const path of ['/x%00.js', '/app.js%00.html', `/${'a'.repeat(300)}.js`, `/${'b'.repeat(256)}/app.js`]) {
      const a = await send('GET', path, { auth: false })
      expect(error(a, 404, 'NOT_FOUND').message).toBe(`no ${path}`)
      expect(JSON.stringify(a.body)).not.toContain(install)
    }
    // The page itself still comes.
    const page = await fetch(`${server.url}/app.js`)
    await page.body?.cancel()
    expect(page.status).toBe(200)
  })
})

describe('login codes', () => {
  it('are issued only for the token, and each trades for the token once; anything else is refused in the JSON error shape', async () => {
    error(await send('POST', '/api/login-codes', { auth: false }), 401, 'UNAUTHORIZED')
    error(await send('GET', '/api/login-codes'), 405, 'INVALID_INPUT')
    const issued = await send('POST', '/api/login-codes')
    expect(issued.status).toBe(200)
    expect(issued.headers['cache-control']).toBe('no-store')
    const { code, expiresAt, loginUrl } = issued.body
    expect(loginUrl).toBe(`${server.url}/#code=${code}`)
    expect(expiresAt).toBeGreaterThan(Date.now())

    const login = async (body: string, headers?: Record<string, string>): Promise<Answer> => await send('POST', '/api/login', { auth: false, body, headers })
    expect(error(await send('GET', '/api/login', { auth: false }), 405, 'INVALID_INPUT').message).toMatch(/takes POST/)
    for (const bad of ['{}', '[]', 'null', '{"code":1}', `{"code":"${code}","more":1}`, `{"code":"${code.toUpperCase()}"}`]) {
      expect(error(await login(bad), 400, 'INVALID_INPUT').message, bad).toMatch(/takes a JSON body \{"code"/)
    }
    error(await login(`code=${code}`, { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'INVALID_INPUT')
    expect(error(await login(JSON.stringify({ code: 'f'.repeat(32) })), 401, 'UNAUTHORIZED').message).toMatch(/run `mesh dashboard` for a new one/)
    // None of the refusals above used the code up.
    const ok = await login(JSON.stringify({ code }))
    expect(ok.status).toBe(200)
    expect(ok.headers['cache-control']).toBe('no-store')
    expect(ok.body).toEqual({ token })
    error(await login(JSON.stringify({ code })), 401, 'UNAUTHORIZED')
  })
})

describe('a field named __proto__', () => {
  it('is refused naming it, not answered 200 with nothing stored (zod leaves the key out)', async () => {
    expect((await send('POST', '/api/sessions', { body: JSON.stringify({ key: 'agent:main:proto' }) })).status).toBe(200)
    const refused = error(await send('POST', '/api/sessions/agent:main:proto/task', { body: '{"fields":{"__proto__":"x","goal2":"y"}}' }), 400, 'INVALID_INPUT')
    expect(refused.message).toBe('sessions.task: fields.__proto__: a field cannot be named __proto__ (no JavaScript object can hold that name as a field): give it another name')
    // Nothing of the call was written: the other field neither.
    const shown = await send('GET', '/api/sessions/agent:main:proto')
    expect(shown.status).toBe(200)
    expect(JSON.stringify(shown.body)).not.toContain('goal2')
  })
})
