/**
 * What a pairing code allows, whoever sends the Hellos (protocols/pair/SPEC.md, The code): 16
 * wrong nameplates replace it (a stranger cannot learn the nameplate by enumeration), and codes
 * burned fast pause new runs, during which every Hello is refused before its nameplate is looked
 * at (nothing learned, no miss counted). A burned code is never shown again. The node's refusal
 * per sender is over real sockets in test/adversarial/pair-probing.test.ts; here many senders at
 * once are one code's calls, on an injected clock.
 */
import { describe, expect, it } from 'vitest'
import { BURN_WINDOW_MS, MAX_BURNS, MAX_NAMEPLATE_MISSES, PAUSE_MS, PairingCode, type NewCodeReason } from '../../src/identity/pair-code.js'

function code (now: () => number): { codes: PairingCode, reasons: NewCodeReason[], shown: string[], pauses: Array<{ burned: number, until: number }> } {
  const reasons: NewCodeReason[] = []
  const shown: string[] = []
  const pauses: Array<{ burned: number, until: number }> = []
  const codes = new PairingCode({ clock: now, onNew: (c, why) => { reasons.push(why); shown.push(c.code) }, onPause: (e) => { pauses.push(e) } })
  return { codes, reasons, shown, pauses }
}

const otherThan = (nameplate: string): string => nameplate === 'ZZ' ? 'YY' : 'ZZ'

describe('pairing code: probing', () => {
  it('16 wrong nameplates replace the code (probed), and count as a burned code', () => {
    const now = 1_000_000
    const c = code(() => now)
    try {
      for (let i = 1; i < MAX_NAMEPLATE_MISSES; i++) expect(c.codes.begin(otherThan(c.codes.current().nameplate))).toBe('nameplate')
      expect(c.reasons).toEqual(['first'])
      expect(c.codes.begin(otherThan(c.codes.current().nameplate))).toBe('nameplate')
      expect(c.reasons).toEqual(['first', 'probed'])
    } finally { c.codes.stop() }
  })

  it(`after ${MAX_BURNS} codes burned within a minute new runs pause; Hellos then learn nothing and cost nothing; the code shown stands and is the one to type after`, () => {
    let now = 1_000_000
    const c = code(() => now)
    try {
      // Two burned runs (an owner's typos) slow nothing.
      for (let i = 0; i < MAX_BURNS - 1; i++) {
        expect(typeof c.codes.begin(c.codes.current().nameplate)).toBe('object')
        c.codes.burn('wrong-code')
        now += 1000
      }
      expect(c.pauses).toEqual([])
      // The third, by probing nameplates (from as many senders as it takes).
      for (let i = 0; i < MAX_NAMEPLATE_MISSES; i++) c.codes.begin(otherThan(c.codes.current().nameplate))
      expect(c.reasons).toEqual(['first', 'wrong-code', 'wrong-code', 'probed'])
      expect(c.pauses).toEqual([{ burned: MAX_BURNS, until: now + PAUSE_MS }])
      const standing = c.codes.current()
      // Paused: the right nameplate and any other answered alike, and no miss counted however many.
      expect(c.codes.begin(standing.nameplate)).toBe('paused')
      for (let i = 0; i < 10 * MAX_NAMEPLATE_MISSES; i++) expect(c.codes.begin(otherThan(standing.nameplate))).toBe('paused')
      now += PAUSE_MS - 1
      expect(c.codes.begin(standing.nameplate)).toBe('paused')
      expect(c.codes.current()).toBe(standing)
      expect(c.reasons.length).toBe(4)
      // Over: the code shown during the pause is the one that runs.
      now += 1
      const run = c.codes.begin(standing.nameplate)
      expect(typeof run === 'object' && run.code.code).toBe(standing.code)
      // A burn soon after pauses again: a prober that goes on leaves each code standing PAUSE_MS.
      c.codes.burn('abandoned')
      expect(c.pauses.at(-1)).toEqual({ burned: MAX_BURNS + 1, until: now + PAUSE_MS })
      expect(c.codes.begin(c.codes.current().nameplate)).toBe('paused')
      // Once the burns are older than the window, a burn pauses nothing.
      now += BURN_WINDOW_MS
      expect(typeof c.codes.begin(c.codes.current().nameplate)).toBe('object')
      c.codes.burn('wrong-code')
      expect(c.pauses.length).toBe(2)
      expect(typeof c.codes.begin(c.codes.current().nameplate)).toBe('object')
      // No code was shown twice.
      expect(new Set(c.shown).size).toBe(c.shown.length)
    } finally { c.codes.stop() }
  })

  it('a run that confirmed and ended without a grant (the owner refused, or went away) pauses nothing', () => {
    const now = 1_000_000
    const c = code(() => now)
    try {
      for (let i = 0; i < MAX_BURNS + 1; i++) {
        expect(typeof c.codes.begin(c.codes.current().nameplate)).toBe('object')
        c.codes.succeed()
        c.codes.reopen(i % 2 === 0 ? 'denied' : 'abandoned')
      }
      expect(c.pauses).toEqual([])
    } finally { c.codes.stop() }
  })
})
