/**
 * Acknowledgements (protocols/sync/acks.ts): each side counts the frames of a session, the
 * receiver says how many it handled and which it refused, and the sender learns per frame whether
 * the peer took it. A peer acknowledging frames never sent breaks the protocol.
 */
import { describe, expect, it } from 'vitest'
import { Acks, SettleGroup } from '../../protocols/sync/acks.js'
import { LIMITS } from '../../protocols/sync/limits.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import type { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { ProtocolError } from '../../src/errors.js'

/** An outbox that keeps what was queued. */
function outbox (): { queued: SyncMessage[], enqueue: (m: SyncMessage) => boolean } {
  const queued: SyncMessage[] = []
  return { queued, enqueue: (m) => { queued.push(m); return true } }
}
const held = (): SyncMessage => ({ ...EMPTY(), acks: 1 })
const ack = (settled: number, refused: number[] = []): SyncMessage => ({ ...EMPTY(), settled: BigInt(settled), refusedFrames: refused.map(BigInt) })
/** For a session that must not end. */
const fail = (err: Error): never => { throw err }
const wait = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('acknowledgements', () => {
  it('tells the sender per frame whether the peer took it, in order, once the peer says so', () => {
    const acks = new Acks(outbox() as any, fail)
    acks.note(held())
    const heard: Array<[number, boolean]> = []
    for (let i = 1; i <= 4; i++) acks.sentFrame(ok => heard.push([i, ok]))
    expect(heard).toEqual([])
    expect(acks.unsettled).toBe(4)
    acks.note(ack(3, [2]))
    expect(heard).toEqual([[1, true], [2, false], [3, true]])
    acks.note(ack(4))
    expect(heard).toEqual([[1, true], [2, false], [3, true], [4, true]])
    expect(acks.unsettled).toBe(0)
  })

  it('toward a peer that announced no acknowledgements, a frame counts as taken once sent; its first acknowledgement announces them', () => {
    const acks = new Acks(outbox() as any, fail)
    const heard: Array<[number, boolean]> = []
    acks.sentFrame(ok => heard.push([1, ok]))
    expect(heard).toEqual([[1, true]])
    // Its held frame waited on its disk, its acknowledgement did not: from then on frames wait for its word.
    acks.note(ack(1))
    acks.sentFrame(ok => heard.push([2, ok]))
    expect(heard).toEqual([[1, true]])
    acks.note(ack(2, [2]))
    expect(heard).toEqual([[1, true], [2, false]])
  })

  it('refuses an acknowledgement of frames never sent, one that goes back, and a refused frame outside it', () => {
    const acks = new Acks(outbox() as any, fail)
    acks.note(held())
    acks.sentFrame(() => {})
    acks.sentFrame(() => {})
    expect(() => acks.note(ack(3))).toThrow(/3 when 2 were sent/)
    acks.note(ack(2))
    expect(() => acks.note(ack(1))).toThrow(ProtocolError)
    acks.sentFrame(() => {})
    expect(() => acks.note(ack(3, [2]))).toThrow(/outside the frames it acknowledges/)
  })

  it('ends with a peer that announced acknowledgements and sends none, before what it owes grows without bound', () => {
    const ended: ProtocolError[] = []
    const silent = new Acks(outbox() as any, (err) => { ended.push(err) })
    silent.note(held())
    for (let i = 0; i < LIMITS.maxUnacknowledged; i++) silent.sentFrame(() => {})
    expect(ended).toEqual([])
    silent.sentFrame(() => {})
    expect(ended).toHaveLength(1)
    expect(ended[0]).toBeInstanceOf(ProtocolError)
    expect(ended[0]?.message).toMatch(/acknowledged none of the last 65536 frames/)
    expect(silent.unsettled).toBe(LIMITS.maxUnacknowledged)
    // Frames that tell nothing are counted, never kept.
    silent.sentFrame()
    expect(ended).toHaveLength(1)
  })

  it('acknowledges once for every frame settled meanwhile, only up to where all before are settled', async () => {
    const out = outbox()
    const acks = new Acks(out as any, fail)
    acks.note(held()) // the peer's frame 1
    const f2 = acks.note(EMPTY())
    const f3 = acks.note(EMPTY())
    const f4 = acks.note(EMPTY())
    // Frames 3 and 4 settle before 2: nothing the peer counts on is told until 2 is handled too.
    acks.settle(f3, true, false)
    acks.settle(f4, true, true)
    acks.settle(1, false, false)
    await wait(LIMITS.ackMs + 100)
    expect(out.queued).toEqual([])
    acks.settle(f2, true, false)
    await wait(LIMITS.ackMs + 100)
    expect(out.queued.map(m => [Number(m.settled), m.refusedFrames.map(Number)])).toEqual([[4, [4]]])
    // Nothing new settled: nothing more is said, and no timer waits.
    await wait(LIMITS.ackMs + 100)
    expect(out.queued.length).toBe(1)
    acks.end()
  })

  it('still tells the peer when a frame carrying nothing it counts on finishes last, or its held frame comes late', async () => {
    // An earlier frame (certificates) finishes after the entries behind it.
    const out = outbox()
    const acks = new Acks(out as any, fail)
    acks.note(held())
    acks.settle(1, false, false)
    const certs = acks.note(EMPTY())
    const entries = acks.note(EMPTY())
    acks.settle(entries, true, false)
    await wait(LIMITS.ackMs + 100)
    expect(out.queued.length).toBe(0)
    acks.settle(certs, false, false)
    await wait(LIMITS.ackMs + 100)
    expect(out.queued.map(m => Number(m.settled))).toEqual([3])
    acks.end()
    // The peer's held frame comes after its entries were handled: they are told once it is read.
    const late = outbox()
    const other = new Acks(late as any, fail)
    other.settle(other.note(EMPTY()), true, true)
    await wait(LIMITS.ackMs + 100)
    expect(late.queued.length).toBe(0)
    other.settle(other.note(held()), false, false)
    await wait(LIMITS.ackMs + 100)
    expect(late.queued.map(m => [Number(m.settled), m.refusedFrames.map(Number)])).toEqual([[2, [1]]])
    other.end()
  })

  it('names at most its bound of refused frames in one acknowledgement, and the rest in the next', async () => {
    const out = outbox()
    const acks = new Acks(out as any, fail)
    acks.note(held())
    acks.settle(1, false, false)
    const n = LIMITS.maxRefusedPerAck + 5
    for (let i = 0; i < n; i++) acks.settle(acks.note(EMPTY()), true, true)
    await wait(LIMITS.ackMs + 100)
    const told = out.queued.map(m => ({ settled: Number(m.settled), refused: m.refusedFrames.map(Number) }))
    expect(told[0]?.refused.length).toBe(LIMITS.maxRefusedPerAck)
    expect(told[0]?.settled).toBe(1 + LIMITS.maxRefusedPerAck)
    expect(told.at(-1)?.settled).toBe(1 + n)
    expect(told.flatMap(t => t.refused)).toEqual(Array.from({ length: n }, (_, i) => i + 2))
    acks.end()
  })

  it('a group of frames runs once all were taken and it was closed; never when one was refused', () => {
    let ran = 0
    const g = new SettleGroup(() => { ran++ })
    const a = g.frame()
    const b = g.frame()
    a(true); b(true)
    expect(ran).toBe(0)
    g.close()
    expect(ran).toBe(1)
    let failed = 0
    const h = new SettleGroup(() => { failed++ })
    const c = h.frame()
    h.close()
    c(false)
    expect(failed).toBe(0)
    const empty = new SettleGroup(() => { ran++ })
    empty.close()
    expect(ran).toBe(2)
  })
})
