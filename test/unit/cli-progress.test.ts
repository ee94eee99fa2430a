import { describe, expect, it } from 'vitest'
import { formatProgress } from '../../src/cli/commands/peer-lines.js'

describe('formatProgress', () => {
  const MB = 1_000_000
  const base = { peerId: 'p', label: 'desktop', doc: 'agent:main:big', direction: 'in' as const, bytesTotal: 36 * MB, entriesTotal: 39, resumedFrom: 0, rateBps: 2 * MB }

  it('shows a transfer under way with what arrived of the total, rate and time left', () => {
    expect(formatProgress({ ...base, bytesDone: 22 * MB, entriesDone: 24, etaMs: 7000, done: false }))
      .toBe('receiving     agent:main:big from desktop: 61% (22 MB of 36 MB, 24 of 39 entries), 2.0 MB/s, 7 s left')
  })

  it('says received with the whole size only when everything arrived', () => {
    expect(formatProgress({ ...base, bytesDone: 36 * MB, entriesDone: 39, done: true, ended: false }))
      .toBe('received      agent:main:big from desktop: 36 MB, 39 of 39 entries')
  })

  it('says a small document received in KB or bytes, not 0.0 MB', () => {
    expect(formatProgress({ ...base, bytesTotal: 41_500, bytesDone: 41_500, entriesTotal: 3, entriesDone: 3, resumedFrom: 800, done: true, ended: false }))
      .toBe('received      agent:main:big from desktop: 41.5 KB, 3 of 3 entries (resumed from 800 bytes)')
  })

  it('says where a transfer cut off stopped, never received', () => {
    const line = formatProgress({ ...base, bytesDone: 23 * MB, entriesDone: 25, done: true, ended: true })
    expect(line).toBe('stopped       agent:main:big from desktop at 63% (23 MB of 36 MB, 25 of 39 entries): it continues from there when the two sync again')
    expect(formatProgress({ ...base, direction: 'out', label: 'laptop', bytesDone: 23 * MB, entriesDone: 25, done: true, ended: true })).toMatch(/^stopped {7}agent:main:big to laptop at 63%/)
  })
})
