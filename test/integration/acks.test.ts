/**
 * What `mesh peers` says a peer holds comes from the peer (protocols/sync/SPEC.md,
 * Acknowledgements): entries it refused are shown lacking on the sender, not "in sync" because
 * they were sent, and what was sent shows in flight until the peer says it took it.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import type { PeerStatus } from '../../src/node/mesh-types.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

const KEY = 'agent:main:acked' as SessionKey

describe('acknowledgements', () => {
  it('a sender shows the entries a peer refused as lacking there, and in sync once the peer asked again and took them', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const aId = a.node.libp2p.peerId.toString()
    const bId = b.node.libp2p.peerId.toString()
    await until(() => a.node.libp2p.services.sync.sessionWith(bId) !== undefined && b.node.libp2p.services.sync.sessionWith(aId) !== undefined, 'A and B to sync')
    // A takes 4 entries of B per document per window, and asks for the rest once it moved.
    const v = a.vault.vault
    v.budgets.limits = { ...v.budgets.limits, entriesPerMinute: 4, windowMs: 4000 }
    const s = await b.vault.sessions.create(KEY)
    for (let i = 0; i < 12; i++) await s.append({ role: 'user', content: `burst ${i}` })
    await s.close()
    const docName = KEY
    const rowOnB = async (): Promise<PeerStatus | undefined> => (await b.node.peers({ rtt: false })).find(p => p.peerId === aId)
    await until(() => a.events.some(e => e.type === 'entry-refused' && e.reason.includes('RATE_LIMITED')), 'A to refuse part of the burst')
    // B sent every entry; A's acknowledgement says which it did not take: B shows them lacking
    // there, none in flight, and A not in sync.
    let seen: PeerStatus | undefined
    await until(async () => {
      seen = await rowOnB()
      return (seen?.behind[docName] ?? 0) > 0 && seen?.inFlight[docName] === undefined
    }, 'B to show A lacking part of the session, nothing in flight', 10_000)
    expect(seen?.inSync).toBe(false)
    const held = v.store.vector(v.docId(DOC_NAMES.session(KEY)))
    const heldOfB = [...held.values()].reduce((n, seq) => n + Number(seq), 0)
    expect(seen?.behind[docName]).toBeGreaterThanOrEqual(1)
    expect(heldOfB).toBeLessThan(13)
    // Once A's window moved it asks again, B's catch-up resends, and A's word puts B in sync.
    await until(async () => (await rowOnB())?.inSync === true, 'B to show A in sync', 30_000)
    const last = await rowOnB()
    expect(Object.values(last?.behind ?? {}).every(n => n === 0)).toBe(true)
    expect(last?.inFlight).toEqual({})
    const opened = await a.vault.sessions.open(KEY)
    expect(opened.messageCount()).toBe(12)
    await opened.close()
  }, 60_000)
})
