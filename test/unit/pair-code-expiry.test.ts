/**
 * A pairing code that expires while nobody connects is replaced then (MEMBERSHIP-DESIGN §2.3: N
 * generates a new code on expiry), not left on screen until an approver comes; not during a run
 * (its end shows the next code), and never after `stop()`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PairingCode, type NewCodeReason } from '../../src/identity/pair-code.js'

// Fake timers (Date.now included): the code's clock and its timer move together, by the test.
beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })
const sleep = async (ms: number): Promise<void> => { await vi.advanceTimersByTimeAsync(ms) }

describe('pairing code expiry', () => {
  it('renews on its own at expiry, shows each new code, and stops renewing once stopped', async () => {
    const reasons: NewCodeReason[] = []
    const codes = new PairingCode({ ttlMs: 600_000, onNew: (_c, why) => { reasons.push(why) } })
    try {
      await sleep(1_250_000)
      expect(reasons[0]).toBe('first')
      expect(reasons).toEqual(['first', 'expired', 'expired'])
      // The code shown is always live.
      expect(codes.current().expiresAt).toBeGreaterThan(Date.now())
    } finally {
      codes.stop()
    }
    const seen = reasons.length
    await sleep(1_250_000)
    expect(reasons.length).toBe(seen)
  })

  it('waits while a run is under way; the run\'s end shows the next code, and the timer starts again', async () => {
    const reasons: NewCodeReason[] = []
    const codes = new PairingCode({ ttlMs: 600_000, codes: ['K7QM2XDF'], onNew: (_c, why) => { reasons.push(why) } })
    try {
      expect(typeof codes.begin('K7')).toBe('object')
      await sleep(650_000)
      expect(reasons).toEqual(['first'])
      codes.burn('wrong-code')
      expect(reasons).toEqual(['first', 'wrong-code'])
      await sleep(650_000)
      expect(reasons).toEqual(['first', 'wrong-code', 'expired'])
    } finally {
      codes.stop()
    }
  })

  it('no renewal after a run was approved', async () => {
    const reasons: NewCodeReason[] = []
    const codes = new PairingCode({ ttlMs: 600_000, onNew: (_c, why) => { reasons.push(why) } })
    codes.begin(codes.current().nameplate)
    codes.succeed()
    await sleep(650_000)
    expect(reasons).toEqual(['first'])
  })
})
