/**
 * Two siblings that dial each other at the same moment (both restarted, both redialing the
 * other from the peer book) end up with one connection between them, the one their sync runs
 * on: libp2p keeps both otherwise, each pinged, identified and kept in the peer store for good.
 */
import { describe, expect, it } from 'vitest'
import type { SessionKey } from '../../crdt/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

describe('one connection between two siblings', () => {
  it('siblings that dial each other at once keep the connection their sync runs on and close the other', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const aId = a.node.libp2p.peerId
    const bId = b.node.libp2p.peerId
    const open = (n: typeof a, id: typeof aId): number => n.node.libp2p.getConnections(id).filter(c => c.status === 'open').length
    let opened = 0
    a.node.libp2p.addEventListener('connection:open', (e) => { if (e.detail.remotePeer.equals(bId)) opened++ })
    await Promise.all([a.node.dial(b.node.addresses()[0] as string), b.node.dial(a.node.addresses()[0] as string)])
    // Both dials were answered: A held two connections to B for a moment.
    await until(() => opened === 2, 'both dials to be answered')
    await until(() => a.node.libp2p.services.sync.sessionWith(bId.toString()) !== undefined && b.node.libp2p.services.sync.sessionWith(aId.toString()) !== undefined, 'A and B to sync')
    await until(() => open(a, bId) === 1 && open(b, aId) === 1, 'one connection left on each side', 10_000)
    // And it is the one the sync session runs on: a new message still arrives.
    const key = 'agent:main:one-connection' as SessionKey
    const s = await a.vault.sessions.create(key)
    await s.append({ role: 'user', content: 'over the one connection' })
    await s.close()
    await until(async () => {
      const keys = await b.vault.sessions.list()
      return keys.some(k => k.key === key)
    }, 'the session to reach B', 10_000)
    const onB = await b.vault.sessions.open(key)
    await until(() => onB.messageCount() === 1, 'the message to reach B')
    await onB.close()
    // The closed connection refused no one: neither side says the other was refused.
    expect([...a.events, ...b.events].filter(e => e.type === 'refused')).toEqual([])
  }, 60_000)
})
