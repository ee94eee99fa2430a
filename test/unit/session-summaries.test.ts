/**
 * A list with details (agents.status, sessions.list --details) reads a session's document only
 * when it changed since this process last read it: a list of hundreds of sessions no longer opens
 * every one of them each time (src/api/session-summaries.ts), and the first list closes each one it
 * read, holding one at a time. A real vault on disk; the API's
 * session cache lets a session go 50 ms after its last use, as the daemon's does after 60 s.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalApi } from '../../src/api/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })
const idle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 300)) }
const record = (id: string): { file: string, id: string, kind: string, text: string } => ({ file: '', id, kind: 'user', text: JSON.stringify({ type: 'user', uuid: id, message: { role: 'user', content: `said ${id}` } }) })
/** Records with their view (one message each), as the CLI's import sends them. */
const batch = (...ids: string[]): { records: ReturnType<typeof record>[], messages: Array<{ id: string, role: 'user', content: string }> } => ({ records: ids.map(record), messages: ids.map(id => ({ id, role: 'user', content: `said ${id}` })) })

describe('session summaries', () => {
  it('open a session for a list only when it changed since it was last read', async () => {
    const v = await newVault()
    cleanups.push(v.cleanup)
    const api = await createLocalApi({ vault: v.vault, sessionIdleMs: 50 })
    cleanups.push(async () => { await api.close() })
    const ids = ['aa', 'bb', 'cc'].map(x => `0c0c0c0c-0000-4000-8000-0000000000${x}`)
    for (const id of ids) await api.call('agents.import', { agent: 'claude', sessionId: id, cwd: '/w', ...batch(`${id}-1`) })
    // Every document a list reads counts here.
    const open = v.vault.sessions.open.bind(v.vault.sessions)
    let opened = 0
    let closed = 0
    v.vault.sessions.open = async (key) => {
      opened++
      const s = await open(key)
      const close = s.close.bind(s)
      s.close = async () => { closed++; await close() }
      return s
    }
    await idle()

    const first = await api.call('agents.status', {})
    expect(opened).toBe(3)
    // Each closed again by the time the list answers, not kept open for the next call: a first
    // list of hundreds holds one at a time.
    expect(closed).toBe(3)
    await idle()
    opened = 0
    const again = await api.call('agents.status', {})
    expect(opened, 'nothing changed: no document read').toBe(0)
    expect(again.sessions.map(s => [s.key, s.messageCount, s.lastWriter?.label])).toEqual(first.sessions.map(s => [s.key, s.messageCount, s.lastWriter?.label]))
    const details = await api.call('sessions.list', { details: true })
    expect(opened).toBe(0)
    expect(details.filter(s => s.key.startsWith('agent:')).map(s => s.messageCount)).toEqual(first.sessions.map(s => s.messageCount))

    // One session written to: that one is read again, and shows the new count.
    const changed = `agent:claude:${ids[1] as string}`
    const before = first.sessions.find(s => s.key === changed)?.messageCount as number
    expect(before).toBe(1)
    await api.call('agents.import', { agent: 'claude', sessionId: ids[1] as string, cwd: '/w', ...batch('more-1', 'more-2') })
    await idle()
    opened = 0
    const after = await api.call('agents.status', {})
    expect(opened).toBe(1)
    expect(after.sessions.find(s => s.key === changed)?.messageCount).toBe(3)
  })
})
