/**
 * The daemon's event buffer (replay from a cursor) kept its last 1,000 events whatever they held:
 * a `message.appended` carries its messages whole, so a quiet daemon after big appends held them
 * for days (up to about a GB). It is now bounded by weight too: the oldest go first, the newest
 * always stays, and a replay gives what is kept, in order.
 */
import { describe, expect, it } from 'vitest'
import { EVENT_BUFFER_BYTES, EventLog, eventWeight } from '../../src/api/api.js'
import type { ApiEvent } from '../../src/api/schema.js'

const appended = (i: number, bytes: number): ApiEvent => ({ type: 'message.appended', key: 'agent:main:big', remote: false, messages: [{ id: `m${i}`, role: 'user', content: `${i}|${'x'.repeat(bytes)}`, ts: i, device: 'd' }] } as unknown as ApiEvent)

describe('the event buffer', () => {
  it('holds at most EVENT_BUFFER_BYTES of big appends, the newest kept, and replays what it holds in order', () => {
    const log = new EventLog()
    const MB = 1024 * 1024
    for (let i = 0; i < 200; i++) log.push(appended(i, MB))
    const { events, weight } = log.held
    expect(weight).toBeLessThanOrEqual(EVENT_BUFFER_BYTES)
    expect(events).toBe(Math.floor(EVENT_BUFFER_BYTES / eventWeight(appended(0, MB))))
    const replayed: number[] = []
    log.subscribe(r => { replayed.push(r.seq) }, 0)()
    expect(replayed).toEqual(Array.from({ length: events }, (_, k) => 200 - events + 1 + k))
    // One event heavier than the bound is still kept (alone): the newest is never dropped.
    log.push(appended(200, 20 * MB))
    expect(log.held.events).toBe(1)
    // A short content with a big tool output weighs its output too.
    const tool = { type: 'message.appended', key: 'agent:main:big', remote: false, messages: [{ id: 't', role: 'tool', content: 'ok', ts: 1, device: 'd', toolResult: { id: 'c', output: 'y'.repeat(MB) }, toolCall: { id: 'c', name: 'run', input: { cmd: 'z'.repeat(MB) } } }] } as unknown as ApiEvent
    expect(eventWeight(tool)).toBeGreaterThan(4 * MB)
    // Small events are still bounded by count.
    for (let i = 0; i < 1500; i++) log.push({ type: 'session.created', key: `agent:main:s${i}` } as unknown as ApiEvent)
    expect(log.held.events).toBe(1000)
  })
})
