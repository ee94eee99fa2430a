import { afterEach, describe, expect, it, vi } from 'vitest'
import { Coalesce } from '../../src/cli/coalesce.js'

afterEach(() => { vi.useRealTimers() })

describe('Coalesce', () => {
  it('tells the first count at once and what came within the window at its end, per key', () => {
    vi.useFakeTimers()
    const told: Array<[string, number]> = []
    const c = new Coalesce<string, string>(1000, (k, n) => { told.push([k, n]) })
    c.add('a', 1, 'a')
    c.add('b', 2, 'b')
    for (let i = 0; i < 39; i++) c.add('a', 1, 'a')
    expect(told).toEqual([['a', 1], ['b', 2]])
    vi.advanceTimersByTime(1000)
    expect(told).toEqual([['a', 1], ['b', 2], ['a', 39]])
    // A quiet window closes it: the next count is told at once again.
    vi.advanceTimersByTime(1000)
    c.add('a', 5, 'a')
    expect(told.at(-1)).toEqual(['a', 5])
    expect(vi.getTimerCount()).toBe(1)
  })

  it('stop tells what is pending and leaves no timer', () => {
    vi.useFakeTimers()
    const told: Array<[string, number]> = []
    const c = new Coalesce<string, string>(1000, (k, n) => { told.push([k, n]) })
    c.add('a', 1, 'a')
    c.add('a', 3, 'a')
    c.stop()
    expect(told).toEqual([['a', 1], ['a', 3]])
    expect(vi.getTimerCount()).toBe(0)
  })
})
