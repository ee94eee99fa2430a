/**
 * One stranger's connection may not make a node hold unbounded memory. Streams of an unproven
 * peer are held unanswered until its membership verdict, each keeping what the peer sends on it
 * (up to yamux's first window, 256 KiB): with no bound, one connection opening 1,000 streams and
 * filling each made a node hold ~250 MB until the membership deadline. A real stranger (a plain
 * libp2p node on loopback) opens 40 streams proposing the sync protocol and writes to each:
 * the node keeps MAX_HELD_STREAMS of them waiting for the verdict and aborts the rest at once.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_HELD_STREAMS } from '../../protocols/membership/gate.js'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'
import { concat, utf8, varint } from '../../src/identity/index.js'
import { startNode, until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const STREAMS = 40

/** One multistream-select line: its varint length, the protocol id and a newline. */
const proposal = (id: string): Uint8Array => { const b = utf8(`${id}\n`); return concat([varint(b.byteLength), b]) }

describe('streams of an unproven peer', () => {
  it('beyond MAX_HELD_STREAMS on one connection: aborted at once, the first ones still held', async () => {
    // The membership deadline far away: every stream still open at the end is one the node holds.
    const a = await startNode({ membershipTimeoutMs: 120_000 })
    cleanups.push(a.stop)
    const x = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    cleanups.push(async () => { await x.stop() })
    const conn = await x.dial(multiaddr(a.node.addresses()[0] as string))
    const streams: Stream[] = []
    for (let i = 0; i < STREAMS; i++) {
      // Straight on the muxer: libp2p's newStream waits for an answer the node never gives a stranger.
      const s = await (conn as unknown as { muxer: { createStream: () => Promise<Stream> } }).muxer.createStream()
      s.send(concat([proposal('/multistream/1.0.0'), proposal(SYNC_PROTOCOL), new Uint8Array(16 * 1024)]))
      streams.push(s)
    }
    const ended = (s: Stream): boolean => s.status !== 'open'
    await until(() => streams.filter(ended).length >= STREAMS - MAX_HELD_STREAMS, 'the streams past the bound aborted')
    // The first ones are the held ones; the node has not closed the connection.
    expect(streams.slice(0, MAX_HELD_STREAMS).filter(ended)).toHaveLength(0)
    expect(streams.filter(ended)).toHaveLength(STREAMS - MAX_HELD_STREAMS)
    expect(conn.status).toBe('open')
  })
})
