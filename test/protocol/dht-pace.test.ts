/**
 * The DHT's own timers as mesh paces them (src/node/dht.ts), and the rendezvous working with them.
 * kad-dht's closest-peers tagger woke an idle node every 5 s; its interval is set on kad-dht's
 * routing table, which is not one of its options, so a kad-dht upgrade that moves it fails here.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DHT_PACE } from '../../src/node/dht.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'

const nodes: TestNode[] = []
afterEach(async () => { for (const n of nodes.splice(0).reverse()) await n.stop() })

describe('the DHT of a mesh node', () => {
  it('tags its closest peers every 10 min, not every 5 s, and queries itself every 30 min', async () => {
    const n = await startNode({ dht: 'server' }); nodes.push(n)
    const dht = n.node.libp2p.services.dht as any
    expect(dht.routingTable.closestPeerTagger.refreshInterval).toBe(DHT_PACE.closestPeersTagMs)
    expect(dht.querySelf.interval).toBe(DHT_PACE.querySelfMs)
  })

  it('a sibling that starts after the others settled finds one it was not told of through the rendezvous (mDNS off)', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A', dht: 'server' }); nodes.push(a)
    const boot = [a.node.addresses()[0] as string]
    const b = await startNode({ wallet, label: 'B', dht: 'server', bootstrap: boot }); nodes.push(b)
    const aId = a.node.libp2p.peerId.toString()
    const bId = b.node.libp2p.peerId.toString()
    await until(() => b.node.libp2p.services.membership.isProven(aId) && (b.node.libp2p.services.dht as any).routingTable.size > 0, 'B to meet A and hold it in its table')
    // C knows only A: B, already settled with A, is found through the DHT's provider records.
    const c = await startNode({ wallet, label: 'C', dht: 'server', bootstrap: boot }); nodes.push(c)
    await until(() => c.node.libp2p.services.membership.isProven(bId), 'C and B to find each other through the rendezvous', 40_000)
    expect(c.events.some(e => e.type === 'found' && e.via === 'dht' && e.peerId === bId) || b.events.some(e => e.type === 'found' && e.via === 'dht')).toBe(true)
  })
})
