import { describe, expect, it } from 'vitest'
import { formatLease } from '../../src/cli/commands/sessions.js'
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
    expect(text).toBe(` (driven by desktop: its lease ran out at ${localTime(now - 30_000)}, honoured ~2 minutes more in case clocks disagree)`)
  })

  it('says expired once the API does', () => {
    expect(formatLease(lease(now - 180_000, true), now)).toBe(` (lease of desktop expired at ${localTime(now - 180_000)})`)
    expect(formatLease({ ...lease(now + 60_000, false), mine: true }, now)).toBe(` (driven by this device until ${localTime(now + 60_000)})`)
  })
})
