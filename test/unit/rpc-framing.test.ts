/**
 * The control socket's framing (line-reader.ts), at both ends, and what the client says when the
 * connection ends:
 *
 * - the client appended each chunk to one string and searched it all again for a newline, so a
 *   61 MB answer took 78 s of framing alone (quadratic). The work is counted here, not timed:
 *   every indexOf made while the chunks are read is counted by the length it was given to search;
 * - an over-long line is skipped with only its ends kept, and the lines after it are read;
 * - the client said "(it stopped?)" of any connection that ended: now it tells a daemon that
 *   still takes connections (it closed this one) from one that stopped.
 */
import { chmod } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { CONTROL_LINE_MAX, KEEP, LineReader } from '../../src/api/line-reader.js'
import { MAX_LINE_BYTES as MCP_MAX_LINE_BYTES } from '../../src/api/mcp-stdio.js'
import { connectRpc, RpcClient } from '../../src/api/rpc-client.js'
import { MAX_LINE_BYTES as DAEMON_MAX_LINE_BYTES } from '../../src/api/rpc.js'
import { DaemonNotRunningError } from '../../src/errors.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

/**
 * Runs `fn` counting the bytes each indexOf (of a string, a Buffer or any typed array) was given
 * to search: a linear framing searches each byte read about once, a quadratic one the whole held
 * line again per chunk.
 */
function countingSearch (fn: () => void): number {
  let searched = 0
  const str = String.prototype.indexOf
  const buf = Buffer.prototype.indexOf
  const arr = Uint8Array.prototype.indexOf
  const from = (len: number, at: unknown): number => len - Math.max(0, Math.min(len, typeof at === 'number' && at >= 0 ? at : 0))
  String.prototype.indexOf = function (this: string, s: string, at?: number) { searched += from(this.length, at); return str.call(this, s, at) }
  Buffer.prototype.indexOf = function (this: Buffer, v: any, at?: any, enc?: any) { searched += from(this.length, at); return buf.call(this, v, at, enc) }
  Uint8Array.prototype.indexOf = function (this: Uint8Array, v: number, at?: number) { searched += from(this.length, at); return arr.call(this, v, at) }
  try {
    fn()
  } finally {
    String.prototype.indexOf = str
    Buffer.prototype.indexOf = buf
    Uint8Array.prototype.indexOf = arr
  }
  return searched
}

/** A socket the test feeds by hand: what the client writes is kept, nothing is echoed. */
function fakeSocket (): { sock: Socket, written: string[], feed: (chunk: Buffer) => void } {
  const written: string[] = []
  const d = new Duplex({ read () {}, write (chunk, _enc, cb) { written.push(chunk.toString()); cb() } })
  return { sock: d as unknown as Socket, written, feed: (chunk) => { d.emit('data', chunk) } }
}

describe('the control socket framing', () => {
  it('reads a large answer cut into many small chunks searching each byte about once (linear, not once per chunk)', async () => {
    const { sock, written, feed } = fakeSocket()
    const rpc = new RpcClient(sock)
    const answer = rpc.call('sessions.list', {} as any)
    const id = (JSON.parse(written[0] as string) as { id: number }).id
    const big = 'x'.repeat(4 * 1024 * 1024)
    const line = Buffer.from(JSON.stringify({ id, result: { big } }) + '\n')
    const chunk = 4096
    const searched = countingSearch(() => {
      for (let at = 0; at < line.length; at += chunk) feed(line.subarray(at, at + chunk))
    })
    expect((await answer as any).big).toBe(big)
    // 1024 chunks: searching what is held again per chunk is about 512 times the line.
    expect(searched).toBeLessThanOrEqual(2 * line.length)
    expect(rpc.reader.scanned).toBe(line.length)
    rpc.destroy()
  })

  it('reads lines ended in the middle of chunks, a character cut between two chunks whole', () => {
    const lines: string[] = []
    const reader = new LineReader((l) => { lines.push(l) })
    const text = Buffer.from('{"a":"é€😀"}\n\n{"b":1}\n{"c"')
    for (let i = 0; i < text.length; i++) reader.push(text.subarray(i, i + 1))
    expect(lines).toEqual(['{"a":"é€😀"}', '', '{"b":1}'])
    expect(reader.pending).toBe(4)
    expect(reader.scanned).toBe(text.length)
  })

  it('skips a line over its limit holding only its ends, tells it with its length, and reads the lines after it', () => {
    const lines: string[] = []
    const skipped: Array<{ head: string, tail: string, bytes: number }> = []
    const max = 10_000
    const reader = new LineReader((l) => { lines.push(l) }, { max, onTooLong: (s) => { skipped.push(s) } })
    const long = `{"id":7,"v":"${'a'.repeat(50_000)}","end":"${'b'.repeat(600)}"}`
    const input = Buffer.from(`{"id":1}\n${long}\n{"id":2}\n`)
    for (let at = 0; at < input.length; at += 333) {
      reader.push(input.subarray(at, at + 333))
      expect(reader.pending).toBeLessThanOrEqual(max)
    }
    expect(lines).toEqual(['{"id":1}', '{"id":2}'])
    expect(skipped).toHaveLength(1)
    expect(skipped[0]?.bytes).toBe(Buffer.byteLength(long))
    expect(skipped[0]?.head).toBe(long.slice(0, KEEP))
    expect(skipped[0]?.tail).toBe(long.slice(-KEEP))
  })

  it('takes at the daemon whatever mesh mcp reads in one message', () => {
    expect(DAEMON_MAX_LINE_BYTES).toBe(CONTROL_LINE_MAX)
    expect(CONTROL_LINE_MAX).toBeGreaterThanOrEqual(MCP_MAX_LINE_BYTES)
  })
})

describe('a connection to the daemon that ends', () => {
  /** A stand-in daemon at HOME/control.sock: answers the client's first request, then `onCall` for each call. */
  async function standIn (onCall: (sock: Socket, server: Server) => void): Promise<{ home: string, server: Server }> {
    const t = await tempDir(); cleanups.push(t.cleanup)
    await chmod(t.dir, 0o700)
    const server = createServer((sock) => {
      let buf = ''
      sock.on('data', (d: Buffer) => {
        buf += d.toString()
        let i
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i))
          buf = buf.slice(i + 1)
          if (msg.method === null) sock.write(JSON.stringify({ id: msg.id, error: { code: 'INVALID_INPUT', message: 'unknown method null', details: {} } }) + '\n')
          else onCall(sock, server)
        }
      })
      sock.on('error', () => {})
    })
    await new Promise<void>(resolve => { server.listen(join(t.dir, 'control.sock'), resolve) })
    cleanups.push(async () => { await new Promise<void>(resolve => { server.close(() => { resolve() }) }) })
    return { home: t.dir, server }
  }

  it('says the daemon closed it, not that it stopped, when the daemon still takes connections', async () => {
    const { home } = await standIn((sock) => { sock.destroy() })
    const rpc = await connectRpc(home)
    expect(rpc).toBeDefined()
    const err = await rpc?.call('node.status', {} as any).catch((e: unknown) => e) as DaemonNotRunningError
    expect(err).toBeInstanceOf(DaemonNotRunningError)
    expect(err.message).toBe('the mesh daemon closed the connection (it still runs: connect again)')
    expect(err.details).toMatchObject({ running: true })
  })

  it('says it stopped when its socket takes connections no more', async () => {
    const { home } = await standIn((sock, server) => { server.close(); sock.destroy() })
    const rpc = await connectRpc(home)
    const err = await rpc?.call('node.status', {} as any).catch((e: unknown) => e) as DaemonNotRunningError
    expect(err).toBeInstanceOf(DaemonNotRunningError)
    expect(err.message).toBe('the mesh daemon closed the connection: it stopped')
    expect(err.details).toMatchObject({ running: false })
  })
})
