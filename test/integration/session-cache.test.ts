/**
 * The API's open sessions: a subscriber's pin on a session that is not here yet (a watch waiting
 * for it) holds it open once it comes, so its events keep flowing after the idle time that closes
 * unpinned sessions. A real vault on disk.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseSessionKey } from '../../crdt/index.js'
import { SessionCache } from '../../src/api/session-cache.js'
import type { ApiEvent } from '../../src/api/schema.js'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('SessionCache', () => {
  it('a pin taken before its session existed keeps it open, and its events flowing, once it opens', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const v = await openVault({ home: join(t.dir, 'home'), wallet: generateWallet(), label: 'one' })
    cleanups.push(async () => { await v.close() })
    const events: ApiEvent[] = []
    const cache = new SessionCache(v, e => { events.push(e) }, { idleMs: 30 })
    cleanups.push(async () => { await cache.close() })
    const key = parseSessionKey('agent:main:later')
    const unpin = cache.pin(key)
    await sleep(20) // its open fails: no such session yet
    const created = await v.sessions.create(key)
    await created.close()
    // Any call that opens it (a watch's next look) hands the waiting pin to the open session.
    expect(await cache.use(key, s => s.meta().key)).toBe(key)
    await sleep(150) // well past the idle time of an unpinned session
    const writer = await v.sessions.open(key)
    await writer.append({ role: 'user', content: 'still heard' })
    await writer.close()
    // Told once the pinned session hears the write: waited for, not a fixed time.
    await expect.poll(() => events.filter(e => e.type === 'message.appended').map(e => e.type === 'message.appended' ? e.messages.map(m => m.content) : []), { timeout: 20_000 }).toEqual([['still heard']])
    unpin()
  })
})
