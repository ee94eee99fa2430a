/**
 * The HTTP API's deadlines, met as a client meets them: a real server in its own process (a
 * fresh home's API, nothing else running there) and raw TCP sockets. A client that connects and
 * sends nothing, or trickles its headers or its body, is answered 408 and closed; a WebSocket on
 * the event stream is not; and a server with no connection has no timer due (Node's own
 * connections check woke every 30 s, connection or not).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'http-idle-server.js')
const HEADERS_MS = 400
const REQUEST_MS = 800

let t: { dir: string, cleanup: () => Promise<void> }
let child: ChildProcessWithoutNullStreams
let port: number
let token: string
const lines: string[] = []
const waiters: Array<(l: string) => void> = []

beforeAll(async () => {
  t = await tempDir()
  child = spawn(process.execPath, [CHILD, t.dir, String(HEADERS_MS), String(REQUEST_MS)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let buf = ''
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); lines.push(l); waiters.shift()?.(l) }
  })
  child.stderr.on('data', (d: Buffer) => { process.stderr.write(d) })
  const ready = await next()
  const m = /^ready (\d+) ([0-9a-f]{64})$/.exec(ready)
  if (m === null) throw new Error(`the server child said: ${ready}`)
  port = Number(m[1])
  token = m[2] as string
}, 30_000)
afterAll(async () => {
  if (child?.exitCode === null) {
    const gone = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await gone
  }
  await t?.cleanup()
})

async function next (): Promise<string> { return await new Promise(resolve => { waiters.push(resolve) }) }
async function timers (): Promise<Array<{ ms: number, repeat: boolean }>> {
  const answer = next()
  child.stdin.write('timers\n')
  return JSON.parse((await answer).slice('timers '.length))
}

/** A raw connection and everything the server sent on it, resolved once the server closed it. */
function open (): { sock: Socket, connected: Promise<void>, closed: Promise<string> } {
  const sock = connect(port, '127.0.0.1')
  let got = ''
  sock.on('data', (d: Buffer) => { got += d.toString() })
  const connected = new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  const closed = new Promise<string>(resolve => { sock.once('close', () => { resolve(got) }) })
  sock.on('error', () => {}) // a reset after the 408 is the server's prerogative; 'close' follows
  return { sock, connected, closed }
}

/** Writes `text` a character at a time, one every 50 ms, until the socket closes. */
function trickle (sock: Socket, text: string): void {
  let i = 0
  const timer = setInterval(() => {
    if (sock.destroyed || i >= text.length) { clearInterval(timer); return }
    sock.write(text[i++] as string)
  }, 50)
  sock.once('close', () => { clearInterval(timer) })
}

describe('the HTTP API holds each client to deadlines, with timers only while it has clients', () => {
  it('has no timer due while no client is connected', async () => {
    expect(await timers()).toEqual([])
  })

  it('answers a request, then closes the connection; no timer is left after it', async () => {
    const c = open()
    await c.connected
    // While a client is connected, its socket carries its deadline.
    await until(async () => (await timers()).length > 0, 'the connected socket\'s deadline')
    c.sock.write(`GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`)
    const got = await c.closed
    expect(got).toMatch(/^HTTP\/1\.1 200 /)
    await until(async () => (await timers()).length === 0, 'no timer once the client is gone')
  })

  it('answers 408 and closes a client that connects and sends nothing, with the JSON error every answer has', async () => {
    const c = open()
    await c.connected
    const got = await c.closed
    expect(got).toMatch(/^HTTP\/1\.1 408 /)
    expect(got).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i)
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'ABORTED', message: `the request's headers did not arrive within ${HEADERS_MS} ms`, details: { reason: 'timeout', timeoutMs: HEADERS_MS } } })
    await until(async () => (await timers()).length === 0, 'no timer once the client is gone')
  })

  it('closes a client that trickles its headers (slowloris), though it is never idle for long', async () => {
    const c = open()
    await c.connected
    trickle(c.sock, `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${'x'.repeat(1000)}\r\n\r\n`)
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes a client that sends its headers and then trickles the body', async () => {
    const c = open()
    await c.connected
    const body = JSON.stringify({ key: 'x'.repeat(900) })
    c.sock.write(`POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
    trickle(c.sock, body)
    const got = await c.closed
    expect(got).toMatch(/^HTTP\/1\.1 408 /)
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 'ABORTED', message: `the request's body did not arrive within ${REQUEST_MS} ms` })
  })

  it('closes a kept-alive connection whose next request does not come, after answering the first', async () => {
    const c = open()
    await c.connected
    c.sock.write(`GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`)
    const got = await c.closed
    expect(got).toMatch(/^HTTP\/1\.1 200 /)
    expect(got.match(/HTTP\/1\.1 /g)).toHaveLength(2) // the answer, then the 408 for the request that never came
    expect(got).toMatch(/HTTP\/1\.1 408 [^]*$/)
  })

  it('leaves an event stream open past the deadlines, and has no timer once it closes', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?token=${token}`)
    const hello = new Promise<unknown>((resolve, reject) => { ws.once('message', (d) => { resolve(JSON.parse(String(d))) }); ws.once('error', reject) })
    expect(await hello).toHaveProperty('hello')
    // Past both deadlines of a plain request, the stream still answers.
    await new Promise(resolve => setTimeout(resolve, 2 * REQUEST_MS))
    expect(ws.readyState).toBe(ws.OPEN)
    await new Promise<void>((resolve, reject) => { ws.once('pong', () => { resolve() }); ws.once('close', () => { reject(new Error('closed')) }); ws.ping() })
    await new Promise(resolve => { ws.once('close', resolve); ws.close() })
    await until(async () => (await timers()).length === 0, 'no timer once the stream is gone')
  })
})
