/**
 * A list with details (agents.status, sessions.list --details) reads a session's document only
 * when it changed since it was last read, by this process or (the home's sealed summaries file)
 * by the one before it: a list of hundreds of sessions no longer opens
 * every one of them each time (src/api/session-summaries.ts), and the first list closes each one it
 * read, holding one at a time. A real vault on disk; the API's
 * session cache lets a session go 50 ms after its last use, as the daemon's does after 60 s.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalApi } from '../../src/api/index.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
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

  it('after a restart, the first list reads only the sessions that changed; the file holds nothing in the clear, and a bad one is set aside', async () => {
    const v = await newVault({ label: 'desk-label' })
    cleanups.push(v.cleanup)
    const ids = ['aa', 'bb', 'cc', 'dd'].map(x => `0d0d0d0d-0000-4000-8000-0000000000${x}`)
    let api = await createLocalApi({ vault: v.vault, sessionIdleMs: 50 })
    for (const id of ids) await api.call('agents.import', { agent: 'claude', sessionId: id, cwd: '/w', ...batch(`${id}-1`) })
    await idle()
    const first = await api.call('agents.status', {})
    expect(first.sessions).toHaveLength(4)
    await api.close()
    await v.vault.close()

    // The file: sealed, naming no session, text, device or count in the clear.
    const file = join(v.home, 'summaries.sealed')
    const sealed = await readFile(file, 'utf8')
    const opened = Buffer.from(sealed, 'base64').toString('latin1')
    for (const plain of ['agent:claude', ids[0] as string, 'desk-label', 'said', 'messageCount', 'status']) {
      expect(sealed.includes(plain) || opened.includes(plain), plain).toBe(false)
    }

    /** The vault reopened from its home, as a restarted daemon opens it, counting the sessions it reads. */
    const restart = async (): Promise<{ vault: MeshVault, opened: () => number }> => {
      const vault = await openVault({ home: v.home })
      cleanups.push(async () => { await vault.close() })
      const open = vault.sessions.open.bind(vault.sessions)
      let n = 0
      vault.sessions.open = async (key) => { n++; return await open(key) }
      api = await createLocalApi({ vault, sessionIdleMs: 50 })
      cleanups.push(async () => { await api.close() })
      return { vault, opened: () => n }
    }

    let r = await restart()
    // One session written to before the list: that one is read, the rest come from the file.
    await api.call('agents.import', { agent: 'claude', sessionId: ids[2] as string, cwd: '/w', ...batch('later-1') })
    await idle()
    const before = r.opened()
    const again = await api.call('agents.status', {})
    expect(r.opened() - before, 'only the session that changed is read').toBe(1)
    expect(again.sessions.map(s => [s.key, s.messageCount])).toEqual(first.sessions.map(s => [s.key, s.key.endsWith(ids[2] as string) ? 2 : s.messageCount]))
    expect(again.sessions.map(s => s.lastWriter?.label)).toEqual(first.sessions.map(s => s.lastWriter?.label))
    await api.close()
    await r.vault.close()

    // Tampered with: not used, no error; every session is read again, and the file is replaced.
    const bytes = Buffer.from(await readFile(file, 'utf8'), 'base64')
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1
    await writeFile(file, bytes.toString('base64'))
    r = await restart()
    const third = await api.call('agents.status', {})
    expect(r.opened()).toBe(4)
    expect(third.sessions.map(s => s.messageCount)).toEqual(again.sessions.map(s => s.messageCount))
    await api.close()
    expect(await readFile(file, 'utf8')).not.toBe(bytes.toString('base64'))
    await r.vault.close()
    r = await restart()
    await api.call('agents.status', {})
    expect(r.opened(), 'the replaced file is used').toBe(0)
  })
})
