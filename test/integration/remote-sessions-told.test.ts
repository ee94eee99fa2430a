/**
 * The API tells `session.created` for a session a peer created, once, and never for the sessions
 * this vault already held when it started (it no longer reads the sessions index at start, a
 * large document in a vault of 10,000 sessions: the documents held at start stand for them); and
 * it holds the index open from its first call on, instead of opening it for each status or list.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { createLocalApi } from '../../src/api/local.js'
import type { ApiEvent } from '../../src/api/schema.js'
import { generateWallet, startNode, type TestNode } from '../helpers/nodes.js'
import { newVault } from '../helpers/vault.js'
import { until } from '../helpers/wait.js'

const nodes: TestNode[] = []
afterEach(async () => { for (const n of nodes.splice(0).reverse()) await n.stop() })

describe('sessions created on a peer', () => {
  it('are told once each; the sessions held at start are not', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'a' })
    nodes.push(a)
    for (let i = 0; i < 3; i++) {
      const s = await a.vault.sessions.create(`agent:main:old-${i}`)
      await s.append([{ role: 'user', content: `old ${i}` }])
      await s.close()
    }
    // A's API starts with three sessions held, as a daemon restarted on a vault does.
    const api = await createLocalApi({ vault: a.vault, node: a.node })
    const told: ApiEvent[] = []
    const off = api.subscribe(r => { told.push(r.event) })
    try {
      const b = await startNode({ wallet, label: 'b' })
      nodes.push(b)
      await b.node.dial(a.node.addresses()[0] as string)
      await until(async () => (await b.vault.sessions.list()).length === 3, 'B to hold A\'s three sessions')
      const s = await b.vault.sessions.create('agent:main:new')
      await s.append([{ role: 'user', content: 'made on B' }])
      await s.close()
      const created = (): string[] => told.flatMap(e => e.type === 'session.created' ? [e.key] : [])
      await until(() => created().length > 0, 'A to tell the session B created')
      // Every later change of the index (B's append, more sessions) tells nothing new about these.
      const t = await b.vault.sessions.create('agent:main:newer')
      await t.close()
      await until(() => created().includes('agent:main:newer'), 'A to tell the second session')
      expect(created()).toEqual(['agent:main:new', 'agent:main:newer'])
    } finally {
      off()
      await api.close()
    }
  })
})

describe('the sessions index behind the API', () => {
  it('stays open from the first call to the close, so each status or list does not open it again', async () => {
    const v = await newVault()
    const api = await createLocalApi({ vault: v.vault })
    const same = async (): Promise<boolean> => {
      const r1 = await v.vault.vault.acquire(DOC_NAMES.sessionsIndex)
      await v.vault.vault.release(r1)
      const r2 = await v.vault.vault.acquire(DOC_NAMES.sessionsIndex)
      await v.vault.vault.release(r2)
      return r1 === r2
    }
    try {
      // Before any call the API holds nothing: the vault closes a document on its last release.
      expect(await same()).toBe(false)
      await api.call('sessions.create', { key: 'agent:main:a' })
      expect((await api.call('node.status', {})).sessions).toBe(1)
      expect(await same()).toBe(true)
      await api.close()
      expect(await same()).toBe(false)
    } finally {
      await api.close()
      await v.cleanup()
    }
  })
})
