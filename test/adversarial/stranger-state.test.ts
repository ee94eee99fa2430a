/**
 * Strangers leave no state behind on a node. Each refused PeerId (an inbound stranger's, with a
 * fresh key each time) kept a cool-down for good (redial.ts); each discovered PeerId kept how it
 * was found (MeshNode's `via`) and each peer mDNS announced stayed in `foundByMdns`, never
 * deleted. Real strangers on loopback (plain libp2p nodes, no vault key); mDNS announces are
 * dispatched on the service of a libp2p that is built but never started (no multicast).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerInfo } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { generateWallet } from '../../src/identity/index.js'
import { DEFAULTS } from '../../src/node/config.js'
import { buildLibp2p } from '../../src/node/mesh-libp2p.js'
import { openVault } from '../../src/sdk/index.js'
import { startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

const N = 30

/** A stranger: a plain libp2p node on loopback, dialing from its own address (`from`). */
async function stranger (from: string): Promise<Libp2p> {
  const x = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp({ dialOpts: { localAddress: from } as Record<string, unknown> })], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  cleanups.push(async () => { await x.stop() })
  return x
}

const state = (n: TestNode): { refusedAt: Map<string, unknown>, via: Map<string, unknown> } => ({
  refusedAt: (n.node as any).redials.refusedAt,
  via: (n.node as any).via
})

describe('strangers leave no state behind', () => {
  it('strangers dialing in, each refused: no cool-down kept', async () => {
    const a = await startNode({ membershipTimeoutMs: 300 })
    cleanups.push(a.stop)
    const addr = multiaddr(a.node.addresses()[0] as string)
    // From as many loopback addresses: each within the node's inbound rate.
    await Promise.all(Array.from({ length: N }, async (_, i) => {
      const x = await stranger(`127.0.2.${i + 1}`)
      await x.dial(addr).catch(() => {})
    }))
    await until(() => a.events.filter(e => e.type === 'refused').length >= N, 'every stranger refused')
    expect(state(a).refusedAt.size).toBe(0)
  })

  it('strangers discovered, dialed and refused: no `via` kept', async () => {
    const a = await startNode()
    cleanups.push(a.stop)
    for (let i = 0; i < N; i++) {
      const x = await stranger('127.0.0.1')
      // What libp2p does with a discovery service's peer: the peer store's write, then peer:discovery.
      await a.node.libp2p.peerStore.merge(x.peerId, { multiaddrs: x.getMultiaddrs() })
    }
    await until(() => a.events.filter(e => e.type === 'refused').length >= N, 'every stranger dialed and refused')
    await until(() => a.node.libp2p.getConnections().length === 0, 'the strangers disconnected')
    expect(a.events.filter(e => e.type === 'found')).toHaveLength(N)
    expect(state(a).via.size).toBe(0)
    expect(state(a).refusedAt.size).toBe(0)
  })

  it('peers announced by mDNS: at most 1,024 kept until their peer:discovery', async () => {
    const t = await tempDir()
    const vault = await openVault({ home: `${t.dir}/home`, wallet: generateWallet(), label: 'desk' })
    const b = await buildLibp2p(vault.vault, { ...DEFAULTS, mdns: true, dht: 'off', listen: ['/ip4/127.0.0.1/tcp/0'] }, {})
    cleanups.push(async () => { await b.libp2p.stop(); await vault.close(); await t.cleanup() })
    for (let i = 0; i < 1500; i++) {
      const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      ;(b.mdns as unknown as EventTarget).dispatchEvent(new CustomEvent<PeerInfo>('peer', { detail: { id, multiaddrs: [multiaddr(`/ip4/192.168.${i >> 8}.${i & 255}/tcp/4001`)] } }))
    }
    expect(b.foundByMdns.size).toBe(1024)
  })
})
