/**
 * Liveness (src/node/liveness.ts) at its end that does not ping: it judges a connection by what
 * meshMuxer last received on it (lastHeard), not by the socket's activity, which its own writes
 * keep up. Two bare nodes on meshMuxer through a TCP proxy that can swallow everything (both
 * sockets stay open, nothing passes: a link cut with no FIN and no RST), a ping every 200 ms. The
 * silent end writes every 50 ms throughout: while the pings come it keeps the connection, once
 * they stop it closes it once a silence (two intervals) has passed, not sooner. If a libp2p release hides the muxer
 * lastHeard reads, lastHeard is undefined and this fails.
 */
import * as net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Liveness, silenceMs } from '../../src/node/liveness.js'
import { lastHeard, meshMuxer } from '../../src/node/muxer.js'
import { meshNoise } from '../../src/node/noise.js'
import { bareNode } from '../helpers/bare-node.js'

const PROTOCOL = '/mesh-test/liveness/1.0.0'
const INTERVAL = 200
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

/** A TCP proxy to `port`; `swallow()` stops it passing anything on, either way, sockets left open. */
async function swallowingProxy (port: number): Promise<{ port: number, swallow: () => void, close: () => void }> {
  const sockets = new Set<net.Socket>()
  let swallowing = false
  const server = net.createServer((client) => {
    const target = net.connect(port, '127.0.0.1')
    for (const s of [client, target]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => { sockets.delete(s) }) }
    client.on('data', (d) => { if (!swallowing) target.write(d) })
    target.on('data', (d) => { if (!swallowing) client.write(d) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as net.AddressInfo).port, swallow: () => { swallowing = true }, close: () => { for (const s of sockets) s.destroy(); server.close() } }
}

async function node (): Promise<Libp2p> {
  const n = await bareNode({ encrypter: meshNoise(), muxer: meshMuxer() })
  cleanups.push(async () => { await n.stop() })
  return n
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('Liveness at the end that does not ping', () => {
  it('keeps a connection the peer pings, and closes it once nothing comes, though it writes all along', async () => {
    const [x, y] = [await node(), await node()]
    const [pinger, silent] = x.peerId.toString() < y.peerId.toString() ? [x, y] : [y, x]
    const lives = [pinger, silent].map(n => new Liveness(n, { intervalMs: INTERVAL, timeoutMs: INTERVAL, heard: lastHeard }))
    for (const [i, n] of [pinger, silent].entries()) n.addEventListener('connection:open', () => { lives[i]?.arm() })
    cleanups.push(() => { for (const l of lives) l.stop() })
    await pinger.handle(PROTOCOL, (stream) => { stream.addEventListener('message', () => {}) })
    const proxy = await swallowingProxy(Number(pinger.getMultiaddrs()[0]?.toString().split('/')[4]))
    cleanups.push(proxy.close)

    const stream = await silent.dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${pinger.peerId.toString()}`), PROTOCOL)
    const conn = silent.getConnections(pinger.peerId)[0] as Connection
    expect(lives[1]?.pings(conn)).toBe(false)
    expect(lastHeard(conn), 'meshMuxer notes what each connection hears').toBeTypeOf('number')
    let closedAt: number | undefined
    conn.addEventListener('close', () => { closedAt = performance.now() })
    const writer = setInterval(() => { if (stream.status === 'open') stream.send(new Uint8Array(64)) }, 50)
    cleanups.push(() => { clearInterval(writer) })

    // Pinged every interval: three silences pass and the connection stays.
    await sleep(3 * silenceMs(INTERVAL))
    expect(conn.status).toBe('open')

    // Cut: the silent end still writes, and closes the connection once a silence has passed since
    // the last thing it heard (measured: 400-450 ms after the cut), not sooner; waited for up to
    // three silences, which a loaded machine may need.
    proxy.swallow()
    const cutAt = performance.now()
    const heardBefore = lastHeard(conn) as number
    const end = cutAt + 3 * silenceMs(INTERVAL)
    while (closedAt === undefined && performance.now() < end) await sleep(10)
    expect(closedAt, 'the silent end closed the connection').toBeTypeOf('number')
    expect((closedAt as number) - heardBefore).toBeGreaterThanOrEqual(silenceMs(INTERVAL) - 5)
  })
})
