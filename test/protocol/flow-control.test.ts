/**
 * Flow control between a paused reader and a fast sender, on real libp2p nodes over TCP (Noise,
 * yamux): the reader pauses like a sync session does (past its frames in flight, each frame
 * "handled" for a moment, as a disk write would be), the sender writes 1 MiB frames as fast as
 * the stream lets it. Every frame must arrive and the stream must never be aborted: with yamux's
 * defaults the window outgrew libp2p's 4 MiB read buffer while paused, and a resume whose
 * dispatch paused the stream again left yamux granting window while the stream was paused.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { describe, expect, it } from 'vitest'
import { FrameReader, frame } from '../../protocols/sync/frames.js'
import { MUXER_LIMITS, meshMuxer } from '../../src/node/muxer.js'
import { prng } from '../helpers/prng.js'
import { bareNode } from '../helpers/bare-node.js'
import { stopAfterEach } from '../helpers/teardown.js'

const PROTOCOL = '/mesh-test/flow/1'
const FRAME = 1024 * 1024
const { nodes } = stopAfterEach<Libp2p>()

async function node (muxer: ReturnType<typeof yamux>): Promise<Libp2p> {
  const n = await bareNode({ encrypter: noise(), muxer })
  nodes.push(n)
  return n
}

/** Sends `count` frames, waiting for drain when the stream asks; resolves with how many went. */
async function sendFrames (stream: Stream, count: number): Promise<number> {
  const body = new Uint8Array(FRAME).fill(7)
  let sent = 0
  for (; sent < count; sent++) {
    if (stream.status !== 'open') break
    if (!stream.send(frame(body))) await stream.onDrain().catch(() => undefined)
  }
  return sent
}

/**
 * Reads frames the way the sync session does: up to 4 in flight, past that the stream paused.
 * Frames finish in order behind one "disk" (a group commit), each after 0–12 ms, and every 16th
 * after a stall of a second (a busy CPU, a slow fsync), while the sender still has credit.
 */
function readFrames (stream: Stream, seed: number): Promise<{ frames: number, err?: Error, maxUnread: number }> {
  const rand = prng(seed)
  return new Promise(resolve => {
    let frames = 0
    // What the stream holds unread while paused, sampled: it must stay within the window granted.
    let maxUnread = 0
    const sample = setInterval(() => { maxUnread = Math.max(maxUnread, (stream as any).readBufferLength ?? 0) }, 2)
    const done = (r: { frames: number, err?: Error }): void => { clearInterval(sample); resolve({ ...r, maxUnread }) }
    let pending = 0
    let disk = Promise.resolve()
    const reader: FrameReader = new FrameReader(stream, {
      maxFrameBytes: FRAME + 64,
      frameDeadlineMs: 30_000,
      onFrame: () => {
        const n = ++frames
        pending++
        if (pending >= 4) reader.pause()
        disk = disk.then(async () => { await new Promise(resolve => setTimeout(resolve, n % 16 === 0 ? 1000 : rand.int(12))) })
        void disk.then(() => { pending--; if (pending < 4) reader.resume() })
      },
      onEnd: (err) => { done({ frames, err }) }
    })
    stream.addEventListener('close', (evt: any) => { done({ frames, err: evt.error }) })
  })
}

async function transfer (muxer: () => ReturnType<typeof yamux>, count: number): Promise<{ sent: number, frames: number, err?: Error, maxUnread: number }> {
  const a = await node(muxer())
  const b = await node(muxer())
  // A busy machine: the event loop is held while the muxers measure their round trip (their
  // first ping), as it is on a loaded receiver. yamux then grows a stream's window (doubling
  // while the reader keeps up within 4 round trips) up to its maximum.
  b.addEventListener('connection:open', () => { const t = Date.now(); while (Date.now() - t < 150); })
  let read!: ReturnType<typeof readFrames>
  const got = new Promise<void>(resolve => {
    void b.handle(PROTOCOL, (stream) => { read = readFrames(stream, 11); resolve() })
  })
  const stream = await a.dialProtocol(b.getMultiaddrs()[0] as any, PROTOCOL)
  const sending = sendFrames(stream, count)
  await got
  const sent = await sending
  await stream.close().catch(() => undefined)
  const r = await read
  return { sent, ...r }
}

describe('flow control of a paused sync reader', () => {
  it('overflows libp2p\'s read buffer with yamux\'s default window (the restart loop\'s cause)', async () => {
    const r = await transfer(() => yamux(), 48)
    expect(r.err?.message).toMatch(/Read buffer length of \d+ exceeded limit of 4194304, read status is paused/)
  })

  it('receives 48 MiB through a reader that keeps pausing, with the mesh muxer, in one stream', async () => {
    const r = await transfer(meshMuxer, 48)
    expect(r.err).toBeUndefined()
    expect(r.sent).toBe(48)
    expect(r.frames).toBe(48)
    // Paused, the stream holds no more than the window it granted before pausing.
    expect(r.maxUnread).toBeLessThanOrEqual(MUXER_LIMITS.maxStreamWindowSize)
  })
})
