/**
 * A catch-up's work shares the event loop's turns with its admissions (protocols/sync/slice.ts):
 * frames read once sliced work has spent the turn's budget wait for the next turn, in read order,
 * with the stream paused; a catch-up's queue goes to the stream a turn's budget at a time, not
 * whole when the peer's window opens. Both ends of a catch-up held their loops 40-180 ms at a
 * time before (`npm run bench -- --only=loop`).
 */
import { logger } from '@libp2p/logger'
import type { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { SYNC_LIMITS, type ReplicaSource } from '../../protocols/sync/index.js'
import { PeerSession } from '../../protocols/sync/session.js'
import { Outbox } from '../../protocols/sync/outbox.js'
import { EMPTY, encodeFrame } from '../../protocols/sync/messages.js'
import type { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { turnSpent } from '../../protocols/sync/slice.js'
import { FingerprintSum } from '../../src/identity/index.js'
import { busy, longestRun, noteTimerTurns } from '../helpers/turns.js'
import { sentFrame } from '../helpers/sent-frame.js'

const timerTurn = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

/** A stream that records what is sent (each send holding the thread `sendMs`), and hands the session what the test dispatches. */
class TestStream extends EventTarget {
  readonly sent: SyncMessage[] = []
  readStatus = 'readable'
  pauses = 0
  /** Sends answered "wait" (false) before the test calls release(). */
  full = false
  private drain: (() => void) | undefined
  constructor (private readonly sendMs = 0, private readonly order?: string[]) { super() }
  send (data: Uint8Array | Uint8ArrayList): boolean {
    busy(this.sendMs)
    const msg = sentFrame(data)
    this.sent.push(msg)
    if (msg.entries.length > 0) this.order?.push(`frame ${msg.entries[0]?.[0] ?? '?'}`)
    return !this.full
  }

  async onDrain (): Promise<void> { await new Promise<void>(resolve => { this.drain = resolve }) }
  release (): void { this.full = false; const d = this.drain; this.drain = undefined; d?.() }
  abort (): void { this.readStatus = 'closed' }
  pause (): void { this.readStatus = 'paused'; this.pauses++ }
  resume (): void { this.readStatus = 'readable' }
  deliver (bytes: Uint8Array | Uint8ArrayList): void { this.dispatchEvent(Object.assign(new Event('message'), { data: bytes })) }
}

const entry = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.of(n, 0, 0, 0)

describe('a catch-up in turns', () => {
  it('holds frames read once the turn is spent until the loop has had its turn, in read order, with the stream paused', async () => {
    const accepted: number[] = []
    const source: ReplicaSource = {
      certificates: () => [],
      vectors: () => [],
      vector: () => [],
      index: () => ({ items: [], digest: new FingerprintSum().fingerprint() }),
      addCertificate: async () => {},
      plan: () => { throw new Error('not used') },
      accept: async (bytes) => { accepted.push(bytes[0] as number); return { outcome: 'stored', doc: new Uint8Array(32), item: { author: new Uint8Array(32), lane: 0, seq: BigInt(bytes[0] as number) } } },
      receiveSnapshot: () => { throw new Error('not used') },
      onEntry: () => () => {},
      onCertificate: () => () => {}
    }
    const stream = new TestStream()
    const s = new PeerSession(stream as any, 'peer', source, logger('test:sync'), { received: () => {}, refused: () => {} })
    void s.run()
    await timerTurn()

    // A frame read in a turn no sliced work has used is admitted in the tick that read it (a live entry).
    stream.deliver(encodeFrame({ ...EMPTY(), entries: [entry(1)] }))
    expect(accepted).toEqual([1])

    // Sliced work (a frame's admissions) spends this turn's budget; two frames arrive in one read.
    turnSpent()
    busy(12)
    const two = [encodeFrame({ ...EMPTY(), entries: [entry(2), entry(3)] }), encodeFrame({ ...EMPTY(), entries: [entry(4)] })]
    stream.deliver(new Uint8Array([...two[0] as Uint8Array, ...two[1] as Uint8Array]))
    expect(accepted).toEqual([1]) // held: not decoded or admitted in this turn
    expect(stream.readStatus).toBe('paused')
    expect(stream.pauses).toBe(1)

    await timerTurn()
    await timerTurn()
    expect(accepted).toEqual([1, 2, 3, 4]) // in read order, once the loop had its turn
    expect(stream.readStatus).toBe('readable')

    // A frame as big as a catch-up's starts the turn's clock as it is read, admissions or not: what
    // the loop does after it in the same turn counts, and the next frame waits.
    await timerTurn()
    stream.deliver(encodeFrame({ ...EMPTY(), certificates: [new Uint8Array(SYNC_LIMITS.slicedFrameBytes)] }))
    busy(12)
    stream.deliver(encodeFrame({ ...EMPTY(), entries: [entry(5)] }))
    expect(accepted).toEqual([1, 2, 3, 4])
    await timerTurn()
    await timerTurn()
    expect(accepted).toEqual([1, 2, 3, 4, 5])
    s.close()
  })

  it('writes a queue of frames a turn\'s budget at a time, in order, the loop given its turn between', async () => {
    const order: string[] = []
    // Each send holds the thread 4 ms (a 512 KB frame sealed for the wire under load).
    const stream = new TestStream(4, order)
    const outbox = new Outbox(stream as any, { peer: 'peer', log: logger('test:sync'), closed: () => false, close: () => {}, stats: { bytesSent: 0 }, sent: () => {}, sentFrame: () => {}, liveFrame: () => () => {} })
    const stop = noteTimerTurns(order)
    await timerTurn()
    // The peer's window is shut: the first frame fills the stream and the rest queue up (as a
    // catch-up's do while its peer reads), until the window opens.
    stream.full = true
    for (let i = 1; i <= 16; i++) outbox.enqueue({ ...EMPTY(), entries: [entry(i)] }, false)
    expect(stream.sent).toHaveLength(1)
    stream.release()
    for (let i = 0; i < 100 && stream.sent.length < 16; i++) await timerTurn()
    stop()
    expect(stream.sent.map(m => m.entries[0]?.[0])).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
    // Between two turns of the timers, one budget's worth of sends (the first, which starts the
    // turn's clock, then 4 ms sends until 10 ms are spent: 4), two budgets when this test's tick and
    // the budget's own timer expire in one timers phase in that order. Whole, it was 16.
    expect(longestRun(order)).toBeLessThanOrEqual(8)
    expect(order.slice(order.indexOf('frame 2'), order.indexOf('frame 16')).filter(o => o === 'timer').length).toBeGreaterThanOrEqual(2)
  })

  it('counts a large frame from the first of a flush, when the stream drains within the same turn', async () => {
    // A libp2p stream that asks to wait after each large frame and drains in a microtask (its
    // queue passed on synchronously): each flush the drain resumed wrote its first frame
    // unchecked, and a catch-up's sender chained its whole queue into one turn (35-40 ms traced).
    class DrainingStream extends TestStream {
      override send (bytes: Uint8Array | Uint8ArrayList): boolean { super.send(bytes); return false }
      override async onDrain (): Promise<void> {}
    }
    const order: string[] = []
    const stream = new DrainingStream(4, order)
    const outbox = new Outbox(stream as any, { peer: 'peer', log: logger('test:sync'), closed: () => false, close: () => {}, stats: { bytesSent: 0 }, sent: () => {}, sentFrame: () => {}, liveFrame: () => () => {} })
    await timerTurn()
    const stop = noteTimerTurns(order)
    // Catch-up frames: entries of a large frame's size (the first byte names the frame).
    const big = (n: number): Uint8Array<ArrayBuffer> => { const e = new Uint8Array(SYNC_LIMITS.slicedFrameBytes); e[0] = n; return e }
    for (let i = 1; i <= 12; i++) outbox.enqueue({ ...EMPTY(), entries: [big(i)] }, false)
    for (let i = 0; i < 100 && stream.sent.length < 12; i++) await timerTurn()
    stop()
    expect(stream.sent.map(m => m.entries[0]?.[0])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    // A budget's worth of 4 ms frames per turn (two budgets when this test's tick and the budget's
    // timer expire in one timers phase); chained, all twelve went at once.
    expect(longestRun(order)).toBeLessThanOrEqual(8)
    // A live frame still leaves in the tick it is queued.
    outbox.enqueue({ ...EMPTY(), entries: [entry(99)] }, true)
    expect(stream.sent.at(-1)?.entries[0]?.[0]).toBe(99)
  })
})
