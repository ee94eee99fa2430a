import { describe, expect, it } from 'vitest'
import { LEASE_SKEW_MS } from '../../crdt/session.js'
import { leaseEnds, span } from '../../src/api/session.js'
import { aheadBy, leaseEndHere, SKEW_MS as SKEW_IN_WORDS } from '../../src/api/lease-words.js'
import { formatLease, LEASE_SKEW_MS as CLI_SKEW, sessionLine } from '../../src/cli/commands/sessions.js'
import { localTime } from '../../src/cli/context.js'

describe('formatLease', () => {
  const now = Date.UTC(2026, 11, 2, 10, 0, 0)
  const lease = (expiresAt: number, expired: boolean) => ({ device: 'dev-1', label: 'desktop', epoch: 1, takenAt: now - 600_000, expiresAt, expired, mine: false })

  it('says until when the lease runs', () => {
    expect(formatLease(lease(now + 60_000, false), now)).toBe(` (driven by desktop until ${localTime(now + 60_000)})`)
  })

  it('never says until a time already past while the clock allowance holds the lease', () => {
    const text = formatLease(lease(now - 30_000, false), now)
    expect(text).not.toMatch(/until/)
    expect(text).toBe(` (driven by desktop: its lease ran out at ${localTime(now - 30_000)}, honoured up to 2 minutes more in case clocks disagree, then only while desktop is online)`)
  })

  it('says expired once the API does', () => {
    expect(formatLease(lease(now - 180_000, true), now)).toBe(` (lease of desktop expired at ${localTime(now - 180_000)})`)
    expect(formatLease({ ...lease(now + 60_000, false), mine: true }, now)).toBe(` (driven by this device until ${localTime(now + 60_000)})`)
  })
})

describe('a lease past its end that is still live', () => {
  const now = Date.UTC(2026, 11, 2, 10, 0, 0)
  const lease = (expiresAt: number) => ({ device: 'dev-1', label: 'laptop', epoch: 1, takenAt: expiresAt - 600_000, expiresAt, expired: false, mine: false })

  it('is said to be kept by its online holder once past the clocks\' allowance, not "honoured ~2 minutes more"', () => {
    expect(CLI_SKEW).toBe(LEASE_SKEW_MS)
    expect(formatLease(lease(now - 9 * 60_000), now)).toBe(` (driven by laptop: its lease ran out at ${localTime(now - 9 * 60_000)}, live while laptop is online)`)
  })

  it('says when it ran out in the API\'s errors, not "lease ends in 0 s"', () => {
    expect(leaseEnds(now + 4 * 60_000, now)).toBe('lease ends in 4 min, at 10:04 UTC')
    expect(leaseEnds(now - 30_000, now)).toBe('lease ran out 30 s ago, at 09:59 UTC; honoured up to 2 minutes more in case clocks disagree, then only while its holder is online')
    // Its holder online, or not: what follows the allowance said as it will be.
    expect(leaseEnds(now - 30_000, now, true)).toBe('lease ran out 30 s ago, at 09:59 UTC; honoured up to 2 minutes more in case clocks disagree, then for as long as its holder is online')
    expect(leaseEnds(now - 30_000, now, false)).toBe('lease ran out 30 s ago, at 09:59 UTC; honoured up to 2 minutes more in case clocks disagree, then it runs out unless its holder comes online')
    expect(leaseEnds(now - 9 * 60_000, now)).toBe('lease ran out 9 min ago, at 09:51 UTC; live while its holder is online')
  })

  it('is said by the CLI in its own zone, from details.expiresAt; anything else left as the API said it', () => {
    const at = now + 4 * 60_000
    const held = { code: 'LEASE_HELD', message: `session k is driven by laptop (${leaseEnds(at, now)}, online now)`, details: { expiresAt: at } }
    expect(leaseEndHere(held, ts => `<${ts}>`)).toBe(`session k is driven by laptop (lease ends in 4 min, at <${at}>, online now)`)
    expect(leaseEndHere({ ...held, code: 'LEASE_NOT_HELD' }, ts => `<${ts}>`)).toBe(held.message)
    expect(leaseEndHere({ ...held, details: { expiresAt: at + 3_600_000 } }, ts => `<${ts}>`)).toBe(held.message)
    const odd = { code: 'LEASE_HELD', message: `x (${leaseEnds(1e20, now)})`, details: { expiresAt: 1e20 } }
    expect(leaseEndHere(odd, ts => `<${ts}>`)).toBe(odd.message)
  })

  it('counts a write long ago in minutes or hours, not thousands of seconds', () => {
    expect(span(4_000)).toBe('4s')
    expect(span(1_009_000)).toBe('17 min')
    expect(span(3 * 3_600_000)).toBe('3 h')
  })
})

describe('a line of mesh sessions --details', () => {
  it('shows a tab or a line break in a title or a device\'s label (another device\'s text), so each session stays one line', () => {
    const now = Date.now()
    const s = { key: 'agent:main:x', title: 'old\ttitle', createdAt: now, status: 'active', messageCount: 2, lease: { device: 'dev-1', label: 'lap\ttop\nx', epoch: 1, takenAt: now, expiresAt: now + 3_600_000, expired: false, mine: false }, lastWriter: { device: 'dev-1', label: 'lap\ttop\nx', ts: now } }
    const line = sessionLine(s, true)
    expect(line).toBe(`agent:main:x  old^Ititle  [active (driven by lap^Itop⏎x until ${localTime(now + 3_600_000)})]  2 messages, last write ${localTime(now)} by lap^Itop⏎x`)
  })
})

describe('a lease or a write stamped by a clock ahead of this one', () => {
  const now = Date.UTC(2026, 11, 2, 10, 0, 0)
  // A laptop whose clock runs 2 h fast took the lease "at 12:00" for 10 minutes.
  const laptop = { device: 'dev-1', label: 'laptop', epoch: 1, takenAt: now + 2 * 3_600_000, expiresAt: now + 2 * 3_600_000 + 600_000, expired: false, mine: false }

  it('says the holder\'s clock runs ahead, where it read "lease ends in 2 h" with no why', () => {
    expect(SKEW_IN_WORDS).toBe(LEASE_SKEW_MS)
    expect(leaseEnds(laptop.expiresAt, now, false, laptop.takenAt)).toBe('lease ends in 2 h, at 12:10 UTC, by a clock about 2 h ahead of this machine\'s (taken 2 h from now by this one): check both clocks')
    expect(formatLease(laptop, now)).toBe(` (driven by laptop until ${localTime(laptop.expiresAt)}, by a clock about 2 h ahead of this machine's (taken 2 h from now by this one): check both clocks)`)
  })

  it('says nothing of clocks within their allowance', () => {
    const near = { ...laptop, takenAt: now + 60_000, expiresAt: now + 660_000 }
    expect(leaseEnds(near.expiresAt, now, false, near.takenAt)).toBe('lease ends in 11 min, at 10:11 UTC')
    expect(formatLease(near, now)).toBe(` (driven by laptop until ${localTime(near.expiresAt)})`)
    expect(aheadBy(now + LEASE_SKEW_MS, now)).toBe(0)
    expect(aheadBy(now + LEASE_SKEW_MS + 1, now)).toBe(LEASE_SKEW_MS + 1)
  })
})
