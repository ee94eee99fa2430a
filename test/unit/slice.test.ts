/**
 * settleInSlices (protocols/sync/slice.ts): a frame's admissions start in slices with the event
 * loop given a turn between them, a small frame's all in the tick that read it, frames handled at
 * once share one budget per turn, and a rejection is a settled result, never an unhandled one
 * while the loop has its turn; chunksInSlices hands out chunks the same way (a catch-up's
 * signatures parsed and sent to the worker a chunk at a time).
 */
import { describe, expect, it } from 'vitest'
import { chunksInSlices, settleInSlices, turnSpent, unitTurn } from '../../protocols/sync/slice.js'
import { busy, longestRun, noteTimerTurns } from '../helpers/turns.js'


describe('settleInSlices', () => {
  it('gives the event loop a turn during a long frame, and starts every call of a short one in one tick', async () => {
    const order: string[] = []
    setImmediate(() => order.push('loop'))
    const long = settleInSlices(Array.from({ length: 20 }, (_, i) => i), async (i) => { busy(3); order.push(`call ${i}`); return i }, 10)
    await long
    // The loop's turn came after some calls and before the last.
    const at = order.indexOf('loop')
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThan(order.length - 1)

    // A short frame read in a later turn (the long one used up this turn's budget).
    await new Promise(resolve => setTimeout(resolve, 0))
    const calls: number[] = []
    void settleInSlices([1, 2, 3], async (i) => { calls.push(i); return i })
    expect(calls).toEqual([1, 2, 3]) // synchronously, before anything else runs
  })

  it('shares one budget per turn among frames handled at once, so their slices do not add up', async () => {
    // Four frames cut from one read of the stream, as a catch-up's frames in flight are: with a
    // budget each, their slices ran back to back before any timer (4 × 20 ms blocks).
    const order: string[] = []
    const stop = noteTimerTurns(order)
    const frames = [0, 1, 2, 3].map(f => settleInSlices(Array.from({ length: 12 }, (_, i) => i), async (i) => { busy(3); order.push(`f${f}.${i}`); return i }, 10))
    await Promise.all(frames)
    stop()
    // Between two turns of the timers, one budget's worth of calls of all frames together (10 ms
    // of 3 ms calls: the fourth call is the one that crosses it); two budgets at most, when this
    // test's tick and the budget's own 0 ms timer expire in the same timers phase in that order
    // (seen once under load). With a budget per frame it was 12 and more.
    expect(order.filter(o => o !== 'timer')).toHaveLength(48)
    expect(longestRun(order)).toBeLessThanOrEqual(8)
    // Frames keep their order: each frame's calls start in order, and the first frame's first.
    expect(order.find(o => o !== 'timer')).toBe('f0.0')
    for (let f = 0; f < 4; f++) expect(order.filter(o => o.startsWith(`f${f}.`))).toEqual(Array.from({ length: 12 }, (_, i) => `f${f}.${i}`))
  })

  it('returns every result in order, rejections as settled results, with no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (r: unknown): void => { unhandled.push(r) }
    process.on('unhandledRejection', onUnhandled)
    try {
      const r = await settleInSlices([0, 1, 2, 3, 4, 5], async (i) => { busy(4); if (i % 2 === 1) throw new Error(`bad ${i}`); return i }, 5)
      expect(r.map(x => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected'])
      expect(r[2]).toEqual({ status: 'fulfilled', value: 2 })
      expect((r[3] as PromiseRejectedResult).reason.message).toBe('bad 3')
      await new Promise(resolve => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('chunksInSlices', () => {
  it('calls on chunks in order, the loop given its turn once the budget is spent, and waits for every call', async () => {
    const order: string[] = []
    const stop = noteTimerTurns(order)
    await new Promise(resolve => setTimeout(resolve, 0))
    let finished = 0
    // A frame's 1,000 entries parsed 100 at a time (3 ms each), each chunk's check finishing later.
    await chunksInSlices(Array.from({ length: 1000 }, (_, i) => i), 100, async (chunk) => {
      busy(3)
      order.push(`chunk ${chunk[0] as number}-${chunk.at(-1) as number}`)
      await new Promise(resolve => setTimeout(resolve, 5))
      finished++
    }, 10)
    stop()
    expect(finished).toBe(10) // resolved once every chunk's call did
    const chunks = order.filter(o => o !== 'timer')
    expect(chunks).toEqual(Array.from({ length: 10 }, (_, k) => `chunk ${k * 100}-${k * 100 + 99}`))
    // Between two turns of the timers, one budget's worth of chunks (the fourth crosses it), two
    // at most when this test's tick and the budget's timer expire in one timers phase.
    expect(longestRun(order)).toBeLessThanOrEqual(8)
    expect(order.slice(order.indexOf(chunks[0] as string), order.indexOf(chunks[9] as string)).includes('timer')).toBe(true)
  })

  it('rejects with the first call\'s error once all have settled, with no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (r: unknown): void => { unhandled.push(r) }
    process.on('unhandledRejection', onUnhandled)
    try {
      const done: number[] = []
      const p = chunksInSlices([1, 2, 3, 4, 5, 6], 2, async (chunk) => {
        busy(4)
        if (chunk[0] === 3) throw new Error('bad chunk')
        await new Promise(resolve => setTimeout(resolve, 10))
        done.push(chunk[0] as number)
      }, 5)
      await expect(p).rejects.toThrow('bad chunk')
      expect(done.sort()).toEqual([1, 5]) // the other chunks' calls ran to their end first
      await new Promise(resolve => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('unitTurn', () => {
  it('starts a unit on a fresh turn unless sliced work runs in this one with budget left', async () => {
    await new Promise(resolve => setTimeout(resolve, 0))
    const order: string[] = []
    const stop = noteTimerTurns(order)
    // Work no sliced call counted (a frame's handling, a plan): the unit waits for the loop's turn.
    busy(30)
    order.push('before')
    await unitTurn()
    order.push('unit 1')
    expect(order.indexOf('timer')).toBeGreaterThan(order.indexOf('before'))
    expect(order.indexOf('timer')).toBeLessThan(order.indexOf('unit 1'))
    // The unit started the turn's clock: the next, with budget left, goes on in the same turn.
    busy(2)
    await unitTurn()
    order.push('unit 2')
    expect(order.slice(order.indexOf('unit 1'))).toEqual(['unit 1', 'unit 2'])
    // Once the budget is spent the next waits again.
    busy(12)
    expect(turnSpent()).toBe(true)
    await unitTurn()
    order.push('unit 3')
    stop()
    expect(order.slice(order.indexOf('unit 2'), order.indexOf('unit 3'))).toContain('timer')
  })
})

describe('Slicer', () => {
  it('is due once the work it owes would end past its budget (a transaction\'s end, before it starts it)', async () => {
    const { Slicer } = await import('../../src/node/slice.js')
    const s = new Slicer(1000)
    expect(s.due()).toBe(false)
    expect(s.due(500)).toBe(false)
    expect(s.due(1000)).toBe(true) // the applies stop here: what they owe fills the slice
    busy(5)
    expect(s.due(996)).toBe(true)
    await s.breathe()
    expect(s.due(900)).toBe(false) // a new slice
  })
})
