/**
 * `--since` of mesh agent follow/import: a date, or an age in days, hours or minutes before now.
 * An age no date can be that far back (99999999999999999999d) was taken as a time before any.
 */
import { describe, expect, it } from 'vitest'
import { parseSince } from '../../src/agents/follow/sources.js'

describe('--since', () => {
  const now = Date.UTC(2026, 11, 5)
  it('reads an age or a date', () => {
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000)
    expect(parseSince('12h', now)).toBe(now - 12 * 3_600_000)
    expect(parseSince('2026-11-01T09:00Z', now)).toBe(Date.UTC(2026, 10, 1, 9))
  })
  it('refuses an age too long to be a date, and what is neither', () => {
    expect(() => parseSince('99999999999999999999d', now)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/too long to be a date/) }))
    expect(() => parseSince('yesterday', now)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})
