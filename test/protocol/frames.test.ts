/**
 * The sync protocol's frame reader on libp2p's in-memory stream pair: frames cut across and
 * within chunks come out whole and in order; a length over the limit, a prefix longer than 4
 * bytes and a frame that stalls half-way end the reader with a ProtocolError; pause holds frames
 * back without starting the stall clock.
 */
import { streamPair } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { FrameReader, frame } from '../../protocols/sync/frames.js'
import { until } from '../helpers/wait.js'

async function pair (opts: { maxFrameBytes?: number, frameDeadlineMs?: number } = {}): Promise<{ send: (b: Uint8Array) => void, closeWrite: () => void, frames: Uint8Array[], ended: Promise<Error | undefined>, reader: FrameReader }> {
  const [out, inc] = await streamPair({ delay: 0 })
  const frames: Uint8Array[] = []
  let end!: (e: Error | undefined) => void
  const ended = new Promise<Error | undefined>(resolve => { end = resolve })
  const reader = new FrameReader(inc, {
    maxFrameBytes: opts.maxFrameBytes ?? 1024,
    frameDeadlineMs: opts.frameDeadlineMs ?? 10_000,
    onFrame: (f) => { frames.push(new Uint8Array(f)) },
    onEnd: (e) => { end(e) }
  })
  return { send: (b) => { out.send(b) }, closeWrite: () => { void out.close() }, frames, ended, reader }
}

const settle = async (ms = 30): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('sync frames', () => {
  it('cuts frames out of any chunking, in order, with no copy lost', async () => {
    const p = await pair()
    const bodies = [new Uint8Array(0), Uint8Array.of(1), new Uint8Array(200).fill(7), new Uint8Array(1000).fill(9)]
    const wire = Buffer.concat(bodies.map(b => frame(b)))
    // one byte at a time, so every prefix and body is split
    for (const byte of wire) p.send(Uint8Array.of(byte))
    // and all of it again in one chunk
    p.send(wire)
    // Delivered as the machine allows (over a thousand sends): waited for, not timed.
    for (let i = 0; i < 200 && p.frames.length < bodies.length * 2; i++) await settle(25)
    expect(p.frames.map(f => Buffer.from(f).toString('hex'))).toEqual([...bodies, ...bodies].map(b => Buffer.from(b).toString('hex')))
  })

  it('ends on a frame longer than the limit, before reading its body', async () => {
    const p = await pair({ maxFrameBytes: 100 })
    p.send(frame(new Uint8Array(101)).subarray(0, 3))
    const err = await p.ended
    expect(err?.name).toBe('ProtocolError')
    expect(err?.message).toMatch(/101 bytes exceeds the limit of 100/)
  })

  it('ends on a length prefix longer than 4 bytes', async () => {
    const p = await pair({ maxFrameBytes: 2 ** 40 })
    p.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x01))
    expect((await p.ended)?.message).toMatch(/longer than 4 bytes/)
  })

  it('ends when a frame stalls half-way past its deadline, and not while paused', async () => {
    const p = await pair({ frameDeadlineMs: 150 })
    p.reader.pause()
    p.send(frame(new Uint8Array(10)))
    p.send(frame(new Uint8Array(50)).subarray(0, 20))
    await settle(300) // paused: nothing handed out, no deadline running
    expect(p.frames).toHaveLength(0)
    let ended: Error | undefined | 'no' = 'no'
    void p.ended.then(e => { ended = e })
    expect(ended).toBe('no')
    p.reader.resume()
    await until(() => p.frames.length > 0, 'the whole frame handed out')
    expect(p.frames).toHaveLength(1)
    const err = await p.ended
    expect(err?.message).toMatch(/not completed within 150 ms/)
  })

  it('times each frame from its own start: frames back to back, never at a boundary, do not add up to a stall', async () => {
    const p = await pair({ frameDeadlineMs: 200 })
    // Every chunk ends inside a frame (the rest of one and the start of the next), as a backlog
    // reads off the wire: each frame completes within 50 ms, the whole run lasts 4 deadlines.
    const wire = Buffer.concat(Array.from({ length: 20 }, () => frame(new Uint8Array(100).fill(3))))
    const cuts = Array.from({ length: 20 }, (_, i) => i * wire.byteLength / 20 + 37)
    let from = 0
    for (const cut of cuts) {
      p.send(wire.subarray(from, cut))
      from = cut
      await settle(40)
    }
    p.send(wire.subarray(from))
    await until(() => p.frames.length >= 20, 'the 20 frames')
    expect(p.frames.length).toBe(20)
    const ended = await Promise.race([p.ended, settle(50).then(() => 'running')])
    expect(ended).toBe('running')
  })

  it('hands out frames held back by pause after the peer closed, then ends cleanly', async () => {
    const p = await pair()
    p.reader.pause()
    p.send(Buffer.concat([frame(Uint8Array.of(1)), frame(Uint8Array.of(2))]))
    p.closeWrite()
    await settle()
    expect(p.frames).toHaveLength(0)
    p.reader.resume()
    expect(await p.ended).toBeUndefined()
    expect(p.frames).toEqual([Uint8Array.of(1), Uint8Array.of(2)])
  })

  it('never pauses the stream from inside its resume (the muxer would then grant window while paused)', async () => {
    const [out, inc] = await streamPair({ delay: 0 })
    let inResume = false
    const pausedInsideResume: number[] = []
    const resume = inc.resume.bind(inc)
    const pause = inc.pause.bind(inc)
    inc.resume = () => { inResume = true; try { resume() } finally { inResume = false } }
    inc.pause = () => { if (inResume) pausedInsideResume.push(1); pause() }
    const got: number[] = []
    const reader: FrameReader = new FrameReader(inc, {
      maxFrameBytes: 1024,
      frameDeadlineMs: 10_000,
      onFrame: (f) => { got.push(f[0] as number); reader.pause() }, // every frame fills the frames in flight
      onEnd: () => {}
    })
    reader.pause()
    out.send(Buffer.concat([1, 2, 3].map(n => frame(Uint8Array.of(n)))))
    await settle()
    expect(inc.readStatus).toBe('paused')
    // Each resume hands out one frame (whose onFrame pauses again): waited for, not a fixed time.
    for (let i = 0; i < 3; i++) { reader.resume(); await until(() => got.length > i, `frame ${i + 1}`) }
    expect(got).toEqual([1, 2, 3])
    expect(pausedInsideResume).toEqual([])
    expect(inc.readStatus).toBe('paused') // paused again after the resume, outside it
  })

  it('ends with an error when the peer closes inside a frame', async () => {
    const p = await pair()
    p.send(frame(new Uint8Array(40)).subarray(0, 10))
    p.closeWrite()
    expect((await p.ended)?.message).toMatch(/ended inside a frame/)
  })
})
