/**
 * meshMuxer (src/node/muxer.ts): a receiver grants its window back once 16 KiB of it is used, not
 * after every data frame. Counted on real nodes over TCP: the frames a receiver writes back while
 * it reads 100 small messages (each one live entry's size): 8 with meshMuxer (one per twelve),
 * one per message with stock yamux; and a bulk transfer many windows long still arrives whole with both ends on
 * meshMuxer, and between meshMuxer and stock yamux in both directions; over a link with a round
 * trip of ~40 ms the receiver's window grows past its first 256 KiB (yamux grows it by the
 * round-trip time its first ping measures; with the keep-alive off and no ping it never grew).
 */
import * as net from 'node:net'
import { randomBytes } from 'node:crypto'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { describe, expect, it } from 'vitest'
import { GRANT_AFTER, meshMuxer } from '../../src/node/muxer.js'
import { meshNoise } from '../../src/node/noise.js'
import { bareNode } from '../helpers/bare-node.js'
import { stopAfterEach } from '../helpers/teardown.js'

const PROTOCOL = '/mesh-test/muxer/1.0.0'
const { nodes } = stopAfterEach<Libp2p>()

async function node (muxer: ReturnType<typeof yamux>): Promise<Libp2p> {
  const n = await bareNode({ encrypter: meshNoise(), muxer })
  nodes.push(n)
  return n
}

/** A TCP proxy to `port` that holds every chunk `ms` before passing it on, each way: a link with latency. */
async function delayProxy (port: number, ms: number): Promise<{ port: number, close: () => void }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const target = net.connect(port, '127.0.0.1')
    for (const s of [client, target]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => { sockets.delete(s) }) }
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (d) => { setTimeout(() => { if (!to.destroyed) to.write(d) }, ms) })
      from.on('end', () => { setTimeout(() => { to.end() }, ms) })
    }
    relay(client, target)
    relay(target, client)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as net.AddressInfo).port, close: () => { for (const s of sockets) s.destroy(); server.close() } }
}

async function until (cond: () => boolean): Promise<void> {
  const end = Date.now() + 20_000
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** A stream from `a` to `b` and what `b` read of it; `writesBy(b)` counts the socket writes `b` makes from now. */
async function pair (a: Libp2p, b: Libp2p): Promise<{ send: (bytes: Uint8Array) => boolean, received: () => number, port: number }> {
  let got = 0
  await b.handle(PROTOCOL, (stream) => { stream.addEventListener('message', (e: any) => { got += e.data.byteLength }) })
  const addr = b.getMultiaddrs()[0] as any
  const stream = await a.dialProtocol(addr, PROTOCOL)
  return { send: (bytes) => stream.send(bytes), received: () => got, port: Number(addr.toString().split('/')[4]) }
}

/** Counts the socket writes made on connections whose local port is `port` (the listener's side) while `run` runs. */
async function writesFrom (port: number, run: (writes: () => number) => Promise<void>): Promise<number> {
  const write = net.Socket.prototype.write
  let n = 0
  net.Socket.prototype.write = function (this: net.Socket, ...args: any[]) { if (this.localPort === port) n++; return (write as any).apply(this, args) } as any
  try { await run(() => n) } finally { net.Socket.prototype.write = write }
  return n
}

describe('meshMuxer', () => {
  it('grants the window back 8 times for 100 small messages (140 KB, a grant per 16 KiB), where stock yamux answers each one', async () => {
    for (const [muxer, expected] of [[meshMuxer, Math.floor(100 / Math.ceil(GRANT_AFTER / 1400))], [() => yamux(), 100]] as const) {
      const p = await pair(await node(muxer()), await node(muxer()))
      // The first send opens the stream (SYN, then ACK back): counted after it.
      p.send(randomBytes(10))
      await until(() => p.received() === 10)
      await new Promise(resolve => setTimeout(resolve, 100)) // identify and the stream's ACK settle
      const writes = await writesFrom(p.port, async (written) => {
        for (let i = 1; i <= 100; i++) {
          p.send(randomBytes(1400))
          // One message at a time, as live entries come: each is its own data frame.
          await until(() => p.received() === 10 + i * 1400)
        }
        // The last grants are waited for, not a fixed time (up to 20 s; the count below says what
        // came if fewer did); then a while for any write too many.
        await until(() => written() >= expected).catch(() => {})
        await new Promise(resolve => setTimeout(resolve, 50))
      })
      expect(writes, muxer === meshMuxer ? 'meshMuxer' : 'stock yamux').toBe(expected)
      await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    }
  })

  it('carries 12 MB, many windows long, between meshMuxer nodes and with stock yamux both ways', async () => {
    const total = 12 * 1024 * 1024
    const chunk = randomBytes(64 * 1024)
    for (const [from, to] of [[meshMuxer, meshMuxer], [meshMuxer, () => yamux()], [() => yamux(), meshMuxer]] as const) {
      const p = await pair(await node(from()), await node(to()))
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!p.send(chunk)) await until(() => p.received() >= sent - 4 * 1024 * 1024)
      }
      await until(() => p.received() === total)
      await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    }
  })

  it('grows the receive window past its first 256 KiB on a link with a round trip of ~40 ms', async () => {
    const a = await node(meshMuxer())
    const b = await node(meshMuxer())
    let got = 0
    let window = 0
    await b.handle(PROTOCOL, (stream: any) => {
      stream.addEventListener('message', (e: any) => { got += e.data.byteLength; window = Math.max(window, Number(stream.recvWindow ?? 0)) })
    })
    const port = Number(b.getMultiaddrs()[0]?.toString().split('/')[4])
    const proxy = await delayProxy(port, 20)
    try {
      const stream = await a.dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${b.peerId.toString()}`), PROTOCOL)
      const total = 6 * 1024 * 1024
      const chunk = randomBytes(64 * 1024)
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!stream.send(chunk)) await until(() => got >= sent - 2 * 1024 * 1024)
      }
      await until(() => got === total)
      expect(window).toBeGreaterThan(256 * 1024)
    } finally { proxy.close() }
  })
})
