/**
 * A local client without the token that floods the HTTP API, met with real sockets against a
 * server in its own process (a fresh home's API, nothing else there). Requests pipelined without
 * reading the answers, a request followed by garbage on a connection its client never closes, a
 * client that stops reading an answer, and more connections than the server holds: each is cut
 * off by the server, and the server keeps neither their sockets nor their answers; clients that
 * connect and send nothing make room, once silent a while, for one that sends a request.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'http-idle-server.js')

interface Child { proc: ChildProcessWithoutNullStreams, port: number, ask: (cmd: string) => Promise<string> }
const children: Child[] = []
let t: { dir: string, cleanup: () => Promise<void> }

/** The server in a child process (argv as http-idle-server.ts takes it), with --expose-gc for `memory`. */
async function serve (name: string, args: Array<string | number>): Promise<Child> {
  const proc = spawn(process.execPath, ['--expose-gc', CHILD, join(t.dir, name), ...args.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] })
  const waiters: Array<(l: string) => void> = []
  let buf = ''
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); waiters.shift()?.(l) }
  })
  proc.stderr.on('data', (d: Buffer) => { process.stderr.write(d) })
  const next = async (): Promise<string> => await new Promise(resolve => { waiters.push(resolve) })
  const ready = await next()
  const m = /^ready (\d+) [0-9a-f]{64}$/.exec(ready)
  if (m === null) throw new Error(`the server child said: ${ready}`)
  const ask = async (cmd: string): Promise<string> => { const answer = next(); proc.stdin.write(cmd + '\n'); return (await answer).slice(cmd.length + 1) }
  const child = { proc, port: Number(m[1]), ask }
  children.push(child)
  return child
}
const sockets = async (c: Child): Promise<number> => Number(await c.ask('sockets'))
/** Bytes the server process holds in its heap and in buffers, after a full collection. */
const held = async (c: Child): Promise<number> => { const m = JSON.parse(await c.ask('memory')); return m.heapUsed + m.external }

/** Defaults for every deadline but the headers' (long here, so no 408 closes what a test watches). */
let plain: Child
/** A short write deadline, pipelining unlimited, at most 4 connections (none made room for: silent ones are never closed for a new one). */
let strict: Child
/** At most 4 connections; one silent for 2 s is closed to make room for a new one. */
let roomy: Child
const MAX_CONNECTIONS = 4
const SILENT_MS = 2_000

beforeAll(async () => {
  t = await tempDir()
  ;[plain, strict, roomy] = await Promise.all([
    serve('plain', [600_000, 60_000]),
    serve('strict', [600_000, 500, 500, 100_000, MAX_CONNECTIONS, 600_000]),
    serve('roomy', [600_000, 60_000, 30_000, 8, MAX_CONNECTIONS, SILENT_MS])
  ])
}, 60_000)
afterAll(async () => {
  for (const c of children) {
    if (c.proc.exitCode !== null) continue
    const gone = new Promise(resolve => c.proc.once('exit', resolve))
    c.proc.kill('SIGKILL')
    await gone
  }
  await t?.cleanup()
})

/** A raw connection that does not read (paused) unless told; `closed` resolves once it is closed (a paused one learns it only when it reads). */
function open (port: number, opts: { allowHalfOpen?: boolean, read?: boolean } = {}): { sock: Socket, connected: Promise<void>, ended: Promise<void>, closed: Promise<string> } {
  const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false })
  let got = ''
  if (opts.read === true) sock.on('data', (d: Buffer) => { got += d.toString() }); else sock.pause()
  const connected = new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  const ended = new Promise<void>(resolve => { sock.once('end', resolve) })
  const closed = new Promise<string>(resolve => { sock.once('close', () => { resolve(got) }) })
  sock.on('error', () => {}) // a reset is how a flood is cut off; 'close' follows
  return { sock, connected, ended, closed }
}
const get = (port: number, path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`

describe('the HTTP API cuts off a client that floods it, and keeps nothing of it', () => {
  it('destroys connections that pipeline 1,200 requests each and never read, and holds none of their answers', async () => {
    const before = await held(plain)
    const flood = Array.from({ length: 5 }, () => open(plain.port))
    for (const c of flood) {
      await c.connected
      c.sock.write(get(plain.port, '/openapi.json').repeat(1200))
    }
    await until(async () => await sockets(plain) === 0, 'no server socket left')
    // Whatever reached them, then the server's reset.
    for (const c of flood) c.sock.resume()
    await Promise.all(flood.map(async c => await c.closed))
    // 5 × 1,200 answers of 234 KB each were 1.4 GB; a few MB of parsed requests may stay a while.
    expect(await held(plain) - before).toBeLessThan(32 * 1024 * 1024)
  })

  it('destroys a connection whose request is followed by garbage, though its client never closes', async () => {
    const c = open(plain.port, { allowHalfOpen: true, read: true })
    await c.connected
    c.sock.write(get(plain.port, '/style.css') + 'GARBAGE\r\n\r\n')
    await c.ended // the server's answer is out and its side ended; ours stays open
    await until(async () => await sockets(plain) === 0, 'the server destroyed its socket')
    c.sock.destroy()
  })

  it('destroys a connection whose client stops reading an answer it asked for', async () => {
    const c = open(strict.port)
    await c.connected
    // Fewer than any pipelining limit would refuse, more than the kernel's buffers take unread.
    c.sock.write(get(strict.port, '/openapi.json').repeat(64))
    await until(async () => await sockets(strict) === 0, 'no server socket left')
    c.sock.resume()
    await c.closed
  })

  it('closes a connection past the most it holds, at once and whole, and serves the others', async () => {
    const kept = Array.from({ length: MAX_CONNECTIONS }, () => open(strict.port, { read: true }))
    for (const c of kept) await c.connected
    await until(async () => await sockets(strict) === MAX_CONNECTIONS, 'the server holds each connection')
    const extra = open(strict.port, { read: true })
    // Closed without an answer (no 408 after a deadline): the server never took it.
    expect(await extra.closed).toBe('')
    expect(await sockets(strict)).toBe(MAX_CONNECTIONS)
    kept[0]?.sock.write(`GET /style.css HTTP/1.1\r\nHost: 127.0.0.1:${strict.port}\r\nConnection: close\r\n\r\n`)
    expect(await kept[0]?.closed).toMatch(/^HTTP\/1\.1 200 /)
    for (const c of kept) c.sock.destroy()
    await until(async () => await sockets(strict) === 0, 'no server socket left')
  })

  it('at the most it holds, closes the oldest connection that has sent nothing for a while to let a new one in', async () => {
    // Clients that connect and send nothing, as many as the server holds.
    const silent = []
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const c = open(roomy.port, { read: true })
      await c.connected
      silent.push(c)
    }
    await until(async () => await sockets(roomy) === MAX_CONNECTIONS, 'the server holds each connection')
    // One that connects at once after them finds no room: it is closed, the silent ones stay.
    const early = open(roomy.port, { read: true })
    expect(await early.closed).toBe('')
    expect(await sockets(roomy)).toBe(MAX_CONNECTIONS)
    // Silent past SILENT_MS: a new client's request is served, and the oldest silent one went for it.
    await new Promise(resolve => setTimeout(resolve, SILENT_MS + 100))
    const client = open(roomy.port, { read: true })
    await client.connected
    client.sock.write(`GET /style.css HTTP/1.1\r\nHost: 127.0.0.1:${roomy.port}\r\nConnection: close\r\n\r\n`)
    expect(await client.closed).toMatch(/^HTTP\/1\.1 200 /)
    expect(await silent[0]?.closed).toBe('')
    expect(await sockets(roomy)).toBe(MAX_CONNECTIONS - 1)
    for (const c of silent) c.sock.destroy()
    await until(async () => await sockets(roomy) === 0, 'no server socket left')
  })
})

describe('a request target that is no URL', () => {
  it('is answered 400 INVALID_INPUT, as a plain request and as an upgrade, and the server lives on', async () => {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
    for (const extra of ['Connection: close\r\n', upgrade]) {
      const c = open(plain.port, { read: true })
      await c.connected
      c.sock.write(`GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${plain.port}\r\n${extra}\r\n`)
      const got = await c.closed
      expect(got).toMatch(/^HTTP\/1\.1 400 /)
      expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 'INVALID_INPUT' })
    }
    expect(plain.proc.exitCode).toBeNull()
    expect(await sockets(plain)).toBe(0)
  })
})
