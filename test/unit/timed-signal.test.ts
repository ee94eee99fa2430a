/**
 * sessions.wait's time limit (src/api/timed-signal.ts): AbortSignal.any over AbortSignal.timeout
 * let the collector take the timeout's signal on Node 20, and a wait with timeoutMs then never
 * ended (seen through the daemon after a large request). The limit is a timer of its own now,
 * which a collection does not lose; the caller's signal still ends it, and clear() stops both.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { timedSignal } from '../../src/api/timed-signal.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

describe('a signal with a time limit', () => {
  it('aborts at its limit though the collector ran meanwhile', async () => {
    const caller = new AbortController()
    const s = timedSignal(caller.signal, 200).signal as AbortSignal
    let reason: unknown
    s.addEventListener('abort', () => { reason = s.reason })
    await sleep(30)
    gc(); gc()
    await sleep(800)
    expect((reason as DOMException)?.name).toBe('TimeoutError')
  })

  it('follows the caller\'s signal, and clear() stops the timer and the following', async () => {
    const caller = new AbortController()
    const t = timedSignal(caller.signal, 10_000)
    caller.abort(new Error('gone'))
    expect(t.signal?.aborted).toBe(true)
    expect((t.signal?.reason as Error).message).toBe('gone')
    const other = new AbortController()
    const u = timedSignal(other.signal, 50)
    u.clear()
    other.abort()
    await sleep(120)
    expect(u.signal?.aborted).toBe(false)
    expect(timedSignal(undefined, undefined).signal).toBeUndefined()
    expect(timedSignal(AbortSignal.abort(), 1000).signal?.aborted).toBe(true)
  })
})
