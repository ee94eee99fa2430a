/** The dashboard's "last write … ago" (web/dom.js when) for a time another device's clock stamped. */
import { describe, expect, it } from 'vitest'
// @ts-expect-error: the dashboard's plain-JS module has no types
import { when } from '../../web/dom.js'

describe('the dashboard\'s times', () => {
  it('says a write stamped by a clock 2 h ahead as such, not "-7200s ago"', () => {
    const ts = Date.now() + 2 * 3_600_000
    expect(when(ts)).toBe(`${new Date(ts).toLocaleString()}, ahead of this machine's clock`)
  })

  it('says a time within the clocks\' allowance as just written', () => {
    expect(when(Date.now() + 30_000)).toBe('0s ago')
    expect(when(Date.now() - 5_000)).toMatch(/^[45]s ago$/)
  })
})
