/**
 * Clients without the token cannot lock the token's holders out of `mesh join`'s HTTP API: a
 * real daemon on loopback and raw sockets. 140 clients that send the headers of a login and then
 * trickle its body held every one of the server's 128 connections (each for up to 60 s), and a
 * client with the token was closed at connect. Now requests without the token hold at most a
 * quarter of the connections (one more closes the oldest of them, with a 503), so the token's
 * holder gets in while the rest are still held, and a login's body must arrive within the
 * login's own short deadline.
 */
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { daemonForFile } from '../helpers/daemons-for-file.js'
import { until } from '../helpers/wait.js'

const solo = daemonForFile()

/** The server's connection cap (http.ts MAX_CONNECTIONS) and the share of it requests without the token may hold. */
const MAX_CONNECTIONS = 128
const TOKENLESS = MAX_CONNECTIONS / 4

interface Client { sock: Socket, got: () => string, closed: boolean }
/** A client that sends the headers of a login whose body is 1,000 bytes, and one byte of it. */
function slowLogin (): Client {
  const sock = connect(solo.d.port, '127.0.0.1')
  let got = ''
  const c: Client = { sock, got: () => got, closed: false }
  sock.on('data', (b: Buffer) => { got += b.toString() })
  sock.on('error', () => {}) // a connection refused at the cap is reset; 'close' follows
  sock.once('close', () => { c.closed = true })
  sock.once('connect', () => { sock.write(`POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:${solo.d.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n `) })
  return c
}

describe('requests without the token', () => {
  it('hold at most a quarter of the connections: a client with the token gets in while they are held', async () => {
    const clients = Array.from({ length: MAX_CONNECTIONS + 12 }, slowLogin)
    try {
      // The rest are closed: at connect (past the cap), or as the oldest past the share.
      await until(() => clients.filter(c => c.closed).length >= clients.length - TOKENLESS, `all but ${TOKENLESS} slow logins closed`)
      const held = clients.filter(c => !c.closed)
      expect(held).toHaveLength(TOKENLESS)
      // What a closed one was told, if anything: that the server holds no more such requests.
      for (const c of clients.filter(c => c.closed && c.got() !== '')) expect(c.got()).toMatch(/^HTTP\/1\.1 503 [^]*"code":"RATE_LIMITED"/)
      const res = await fetch(`${solo.d.url}/api/status`, { headers: { authorization: `Bearer ${solo.d.token}` } })
      expect(res.status).toBe(200)
      // Still held: the token's holder got in beside them, not after them.
      expect(held.filter(c => c.closed)).toEqual([])
    } finally {
      for (const c of clients) c.sock.destroy()
    }
  }, 90_000)

  it('must send a login\'s body within the login\'s deadline (5 s), not a method\'s (60 s): a trickled one is answered 408', async () => {
    const sock = connect(solo.d.port, '127.0.0.1')
    let got = ''
    sock.on('data', (b: Buffer) => { got += b.toString() })
    sock.on('error', () => {})
    const closed = new Promise<void>(resolve => { sock.once('close', () => { resolve() }) })
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
    sock.write(`POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:${solo.d.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`)
    const drip = setInterval(() => { if (!sock.destroyed) sock.write(' ') }, 200)
    try {
      await closed
    } finally {
      clearInterval(drip)
    }
    expect(got).toMatch(/^HTTP\/1\.1 408 /)
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 'ABORTED', message: 'the request\'s body did not arrive within 5000 ms' })
  }, 90_000)
})
