/**
 * agents.status (what `mesh agent list` shows) over a session the sessions index names before any
 * of its content is here: a peer's session on its way, or one whose creator has written its name
 * and not yet its first change. That session is a row saying what has come of it, and the other
 * sessions are listed as ever; the whole list used to fail with SESSION_NOT_FOUND.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DOC_NAMES, SessionsIndexDoc } from '../../crdt/index.js'
import { createLocalApi } from '../../src/api/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('agents.status', () => {
  it('lists a session named before its content came as arriving, beside the others', async () => {
    const v = await newVault()
    cleanups.push(v.cleanup)
    const api = await createLocalApi({ vault: v.vault })
    cleanups.push(async () => { await api.close() })
    const here = 'agent:claude:0c0c0c0c-0000-4000-8000-0000000000aa'
    const coming = 'agent:claude:0c0c0c0c-0000-4000-8000-0000000000bb'
    await api.call('agents.import', { agent: 'claude', sessionId: here.split(':')[2] as string, cwd: '/w', records: [{ file: '', id: 'u1', kind: 'user', text: JSON.stringify({ type: 'user', uuid: 'u1' }) }] })
    // Named by the index, as a peer's index names a session whose content is still on its way.
    await v.vault.withDoc(DOC_NAMES.sessionsIndex, async (r) => { await r.change(() => { new SessionsIndexDoc(r.doc).put({ key: coming, title: '', createdAt: Date.now() }) }) })

    const st = await api.call('agents.status', {})
    const byKey = new Map(st.sessions.map(s => [s.key, s]))
    expect(byKey.get(here)).toMatchObject({ following: false, sync: 'stored', lastWriter: { label: 'test' } })
    expect(byKey.get(here)?.arriving).toBeUndefined()
    expect(byKey.get(coming)).toMatchObject({ following: false, sync: 'stored', arriving: { bytesDone: 0 } })
    expect(byKey.get(coming)?.lease).toBeUndefined()
    expect(byKey.get(coming)?.messageCount).toBeUndefined()
  })
})
