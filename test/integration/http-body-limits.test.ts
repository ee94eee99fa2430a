/**
 * How much of a request's body `mesh join`'s HTTP API reads, met as a local client meets it: a
 * real daemon on loopback and raw sockets. A client without the token can send a body only to
 * `POST /api/login`, whose body is one short code: a longer one, or one of another type, is
 * refused (413, 415) from its headers, before the client has sent it, and a chunked one as soon as
 * its bytes pass the login's limit; the server buffered up to 16 MiB of each before (about 1 GB
 * for 126 such clients). A client with the token keeps the 16 MiB limit, refused from the
 * Content-Length too when it says more.
 */
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { daemonForFile } from '../helpers/daemons-for-file.js'

const solo = daemonForFile()

const MiB = 1024 * 1024

interface Answer { status: number, headers: string, body: any }
/**
 * Sends `text` on a new connection, and nothing more: no body beyond what `text` holds, whatever
 * its headers announce. Resolves with the server's answer once the server has closed the connection.
 */
async function exchange (text: string): Promise<Answer> {
  const sock = connect(solo.d.port, '127.0.0.1')
  let got = ''
  sock.on('data', (b: Buffer) => { got += b.toString() })
  const closed = new Promise<void>((resolve, reject) => { sock.once('close', () => { resolve() }); sock.once('error', reject) })
  sock.write(text)
  await closed
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(got)
  if (m === null) throw new Error(`no HTTP answer: ${JSON.stringify(got.slice(0, 200))}`)
  const split = got.indexOf('\r\n\r\n')
  return { status: Number(m[1]), headers: got.slice(0, split), body: JSON.parse(got.slice(split + 4)) }
}

const head = (verb: string, path: string, headers: Record<string, string | number>): string =>
  `${verb} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${solo.d.port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`

describe('a request body without the token (POST /api/login)', () => {
  it('announced larger than a login code is answered 413 before the client sends it, and the connection closes', async () => {
    const got = await exchange(head('POST', '/api/login', { 'Content-Type': 'application/json', 'Content-Length': 16 * MiB }))
    expect(got.status).toBe(413)
    expect(got.body.error).toMatchObject({ code: 'INVALID_INPUT' })
    expect(got.headers).toMatch(/\r\nconnection: close/i)
  }, 90_000)

  it('of another type than JSON is answered 415 before the client sends it', async () => {
    const got = await exchange(head('POST', '/api/login', { 'Content-Type': 'text/plain', 'Content-Length': 1000 }))
    expect(got.status).toBe(415)
    expect(got.body.error).toMatchObject({ code: 'INVALID_INPUT', message: 'send the body as application/json' })
  }, 90_000)

  it('sent chunked, without a length, is answered 413 once its bytes pass the limit, before its end', async () => {
    // 8 KiB of JSON whitespace in one chunk, and no last chunk: the body never ends.
    const chunk = ' '.repeat(8 * 1024)
    const got = await exchange(head('POST', '/api/login', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }) + `${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    expect(got.status).toBe(413)
    expect(got.body.error).toMatchObject({ code: 'INVALID_INPUT' })
  }, 90_000)

  it('that is a login code is still read: a code the server never issued is 401', async () => {
    const body = JSON.stringify({ code: '0'.repeat(32) })
    const got = await exchange(head('POST', '/api/login', { 'Content-Type': 'application/json', 'Content-Length': body.length, Connection: 'close' }) + body)
    expect(got.status).toBe(401)
    expect(got.body.error).toMatchObject({ code: 'UNAUTHORIZED' })
  })
})

describe('a request body with the token', () => {
  it('keeps the 16 MiB limit: a body far past the login\'s is read and served', async () => {
    const auth = { Authorization: `Bearer ${solo.d.token}`, 'Content-Type': 'application/json' }
    const created = await fetch(`${solo.d.url}/api/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'big-body' }) })
    expect(created.status, await created.clone().text()).toBe(200)
    const content = 'x'.repeat(256 * 1024)
    const res = await fetch(`${solo.d.url}/api/sessions/big-body/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ role: 'user', content }) })
    expect(res.status, await res.clone().text()).toBe(200)
  })

  it('announced over 16 MiB is answered 413 before the client sends it', async () => {
    const got = await exchange(head('POST', '/api/sessions', { Authorization: `Bearer ${solo.d.token}`, 'Content-Type': 'application/json', 'Content-Length': 16 * MiB + 1 }))
    expect(got.status).toBe(413)
    expect(got.body.error).toMatchObject({ code: 'INVALID_INPUT', message: `request body over ${16 * MiB} bytes` })
  }, 90_000)

  it('on a GET, which takes none, is refused 400 from its length, unread', async () => {
    const got = await exchange(head('GET', '/api/status', { Authorization: `Bearer ${solo.d.token}`, 'Content-Length': 8 * MiB }))
    expect(got.status).toBe(400)
    expect(got.body.error.message).toMatch(/a request body is refused/)
  }, 90_000)
})
