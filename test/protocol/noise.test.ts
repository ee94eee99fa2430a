/**
 * meshNoise (src/node/noise.ts): each Noise transport message goes to the socket as one write, its
 * length and sealed bytes together (a live entry of a 1 KB message: one, where the stock encrypter
 * makes four; a small message: one, where it makes two); and a node with it talks to a node with
 * the stock encrypter, both ways, for messages on either side of 1,200 bytes and across Noise's
 * 64 KiB message bound; a connection seals at most SEAL_PER_TURN at a time, the event loop given
 * a turn between, and what it sends arrives whole and in order; its socket stops reading once
 * sliced work has spent the loop's turn, until the loop has had it.
 */
import * as net from 'node:net'
import { describe, expect, it } from 'vitest'
import type { Libp2p } from 'libp2p'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { createHash, randomBytes } from 'node:crypto'
import { meshMuxer } from '../../src/node/muxer.js'
import { Uint8ArrayList } from 'uint8arraylist'
import { joinMessages, meshNoise, meshNoiseCrypto, readInTurns, SEAL_PER_TURN, sealInTurns } from '../../src/node/noise.js'
import { turnSpent } from '../../protocols/sync/slice.js'
import { busy } from '../helpers/turns.js'
import { bareNode } from '../helpers/bare-node.js'
import { stopAfterEach } from '../helpers/teardown.js'

const PROTOCOL = '/mesh-test/noise/1.0.0'
const { nodes } = stopAfterEach<Libp2p>()

async function node (encrypter: ReturnType<typeof noise>): Promise<Libp2p> {
  const n = await bareNode({ encrypter, muxer: meshMuxer() })
  nodes.push(n)
  return n
}

/** A stream from `a` to `b`, and every byte `b` reads from it. */
async function pair (a: Libp2p, b: Libp2p): Promise<{ send: (bytes: Uint8Array) => void, received: () => number }> {
  let got = 0
  await b.handle(PROTOCOL, (stream) => { stream.addEventListener('message', (e: any) => { got += e.data.byteLength }) })
  const stream = await a.dialProtocol(b.getMultiaddrs()[0] as any, PROTOCOL)
  return { send: (bytes) => { stream.send(bytes) }, received: () => got }
}

/** The socket writes one `send` of `bytes` makes (the encrypter and TCP write synchronously inside it). */
function writesOf (send: () => void): number {
  const write = net.Socket.prototype.write
  let n = 0
  net.Socket.prototype.write = function (this: net.Socket, ...args: any[]) { n++; return (write as any).apply(this, args) } as any
  try { send() } finally { net.Socket.prototype.write = write }
  return n
}

async function until (cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('meshNoise', () => {
  it('writes each Noise message in one socket write: a 1.4 KB message in one where the stock encrypter makes four', async () => {
    const mesh = await pair(await node(meshNoise()), await node(meshNoise()))
    const stock = await pair(await node(noise()), await node(noise()))
    // The first send of a stream also opens it (yamux's SYN): measured after one.
    mesh.send(randomBytes(10)); stock.send(randomBytes(10))
    await until(() => mesh.received() === 10 && stock.received() === 10)
    let total = 10
    // A plaintext of 65,519 bytes fills one Noise message: 200 KB (and yamux's 12-byte header) is
    // four, which the stock encrypter writes as at least a length and sealed bytes each.
    for (const [size, mine, theirs] of [[1400, 1, 4], [100, 1, 2], [200_000, 4, undefined]] as const) {
      const bytes = randomBytes(size)
      expect(writesOf(() => { mesh.send(bytes) }), `${size} bytes`).toBe(mine)
      const stockWrites = writesOf(() => { stock.send(bytes) })
      if (theirs !== undefined) expect(stockWrites, `${size} bytes`).toBe(theirs)
      else expect(stockWrites, `${size} bytes`).toBeGreaterThanOrEqual(2 * mine)
      total += size
      await until(() => mesh.received() === total && stock.received() === total)
    }
  })

  it('joins each message of what noise sealed into one buffer, however its pieces fall', () => {
    const m1 = Uint8Array.from([0, 3, 1, 2, 3])
    const m2 = Uint8Array.from([1, 0, ...new Array(256).fill(7)])
    const pieces = new Uint8ArrayList(m1.subarray(0, 2), m1.subarray(2), m2.subarray(0, 1), m2.subarray(1, 100), m2.subarray(100))
    const joined = joinMessages(pieces)
    expect([...joined].map(b => Buffer.from(b))).toEqual([Buffer.from(m1), Buffer.from(m2)])
  })

  it('joins a message it sealed with its length in place, no copy made, beside messages it did not', () => {
    // Memory first touched costs ~15 µs a page on the 2-core machine: a catch-up's 64 KiB
    // messages were copied to put their length in front.
    const k = randomBytes(32)
    const nonce = randomBytes(12)
    const len = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff)
    const plain = new Uint8ArrayList(randomBytes(12), randomBytes(40_000)) // a yamux header and its data
    const sealed = meshNoiseCrypto.chaCha20Poly1305Encrypt(plain as any, nonce, new Uint8Array(0), k) as Uint8Array
    const other = Uint8Array.from([9, 9, 9])
    const joined = [...joinMessages(new Uint8ArrayList(len(sealed.byteLength), sealed, len(3), other, len(sealed.byteLength), sealed.slice()))]
    expect(joined).toHaveLength(3)
    expect(joined[0]?.buffer).toBe(sealed.buffer) // the sealer's own buffer
    expect(joined[0]?.byteOffset).toBe(sealed.byteOffset - 2)
    for (const [i, body] of [sealed, other, sealed].entries()) {
      expect(Buffer.from(joined[i] as Uint8Array).equals(Buffer.concat([len(body.byteLength), body])), `message ${i}`).toBe(true)
    }
    // The same bytes as the stock crypto seals the plaintext whole.
    expect(Buffer.from(sealed).equals(Buffer.from(defaultCrypto.chaCha20Poly1305Encrypt(plain.subarray(), nonce, new Uint8Array(0), k).subarray()))).toBe(true)
    expect(Buffer.from(meshNoiseCrypto.chaCha20Poly1305Decrypt(new Uint8ArrayList(sealed.subarray(0, 100), sealed.subarray(100)) as any, nonce, new Uint8Array(0), k).subarray()).equals(Buffer.from(plain.subarray()))).toBe(true)
  })

  it('talks to the stock encrypter both ways, below and above 1,200 bytes and past 64 KiB', async () => {
    const m = await node(meshNoise())
    const s = await node(noise())
    const sizes = [10, 1199, 1200, 1400, 70_000, 300_000]
    const total = sizes.reduce((a, b) => a + b, 0)
    for (const [from, to] of [[m, s], [s, m]] as const) {
      const p = await pair(from, to)
      for (const n of sizes) p.send(randomBytes(n))
      await until(() => p.received() === total)
      await to.unhandle(PROTOCOL)
    }
  })

  it('seals at most SEAL_PER_TURN at a time, and resumes after the loop had a turn unless the socket asked to wait', async () => {
    const sealed: number[] = []
    const events: string[] = []
    let socketFull = false
    const c = {
      sendData: (data: Uint8Array | Uint8ArrayList) => { sealed.push(data.byteLength); return { sentBytes: data.byteLength, canSendMore: !socketFull } },
      dispatchEvent: (e: Event) => { events.push(e.type); return true }
    }
    sealInTurns(c)
    // Up to the bound: passed on whole, as before.
    expect(c.sendData(new Uint8ArrayList(new Uint8Array(SEAL_PER_TURN)))).toEqual({ sentBytes: SEAL_PER_TURN, canSendMore: true })
    // 2 MB queued while the socket drained: the first SEAL_PER_TURN now, the rest once the loop had its turn.
    const queued = new Uint8ArrayList(new Uint8Array(1_000_000), new Uint8Array(1_000_000))
    expect(c.sendData(queued)).toEqual({ sentBytes: SEAL_PER_TURN, canSendMore: false })
    expect(sealed).toEqual([SEAL_PER_TURN, SEAL_PER_TURN])
    expect(events).toEqual([]) // not in this tick
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(events).toEqual(['drain'])
    // The socket asked to wait: its own drain resumes the queue, none is raised here.
    socketFull = true
    expect(c.sendData(new Uint8Array(SEAL_PER_TURN + 1))).toEqual({ sentBytes: SEAL_PER_TURN, canSendMore: false })
    await new Promise(resolve => setTimeout(resolve, 5))
    expect(events).toEqual(['drain'])
  })

  it('stops the socket reading once sliced work has spent the turn, and reads again once the loop had its turn', async () => {
    const calls: string[] = []
    const under = Object.assign(new EventTarget(), {
      readStatus: 'readable',
      pause () { calls.push('pause'); this.readStatus = 'paused' },
      resume () { calls.push('resume'); this.readStatus = 'readable' }
    })
    readInTurns({ stream: under })
    await new Promise(resolve => setTimeout(resolve, 0))
    under.dispatchEvent(new Event('message'))
    expect(calls).toEqual([]) // no sliced work this turn: read on
    turnSpent() // an admission starts the turn's clock
    busy(12)
    under.dispatchEvent(new Event('message'))
    under.dispatchEvent(new Event('message')) // what the socket had read already: no second pause
    expect(calls).toEqual(['pause'])
    await new Promise(resolve => setTimeout(resolve, 0))
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(calls).toEqual(['pause', 'resume'])
    expect(under.readStatus).toBe('readable')
  })

  it('delivers a transfer of many times SEAL_PER_TURN whole and in order between two nodes', async () => {
    const a = await node(meshNoise())
    const b = await node(meshNoise())
    const got = createHash('sha256')
    let n = 0
    await b.handle(PROTOCOL, (stream) => { stream.addEventListener('message', (e: any) => { const d = e.data.subarray(); got.update(d); n += d.byteLength }) })
    const stream = await a.dialProtocol(b.getMultiaddrs()[0] as any, PROTOCOL)
    const sent = createHash('sha256')
    let total = 0
    for (let i = 0; i < 24; i++) {
      const bytes = randomBytes(256 * 1024)
      sent.update(bytes)
      total += bytes.byteLength
      if (!stream.send(bytes)) await stream.onDrain()
    }
    await until(() => n === total)
    expect(got.digest('hex')).toBe(sent.digest('hex'))
  })

  it('seals the same bytes as the stock crypto', () => {
    const k = randomBytes(32)
    const nonce = randomBytes(12)
    const ad = randomBytes(32)
    for (const n of [0, 100, 1199, 1200, 1400, 65_519]) {
      const p = randomBytes(n)
      const mine = meshNoiseCrypto.chaCha20Poly1305Encrypt(p, nonce, ad, k)
      const theirs = defaultCrypto.chaCha20Poly1305Encrypt(p, nonce, ad, k)
      expect(mine).toBeInstanceOf(Uint8Array) // one buffer: one write
      expect(Buffer.from(mine.subarray()).equals(Buffer.from(theirs.subarray()))).toBe(true)
      const opened = meshNoiseCrypto.chaCha20Poly1305Decrypt(theirs, nonce, ad, k)
      expect(Buffer.from(opened.subarray()).equals(p)).toBe(true)
    }
  })
})
