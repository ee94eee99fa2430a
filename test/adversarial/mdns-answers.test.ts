/**
 * What an mDNS answer may make the node dial (discovery.ts lanOnly): anyone on the LAN can answer
 * our query, and @libp2p/mdns takes every dnsaddr in the answer, which libp2p merged into its peer
 * store unfiltered and MeshNode then dialed: a public address or a DNS name (a lookup, then a
 * connection out), again with each fresh PeerId. Only private, link-local and loopback addresses
 * are taken from mDNS now. No multicast here: the node's libp2p is built with its mDNS service
 * but never started, and the service's `peer` event is dispatched as the service does on an answer.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerInfo } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateWallet } from '../../src/identity/index.js'
import { DEFAULTS } from '../../src/node/config.js'
import { onLan } from '../../src/node/discovery.js'
import { buildLibp2p, type BuiltNode } from '../../src/node/mesh-libp2p.js'
import { openVault } from '../../src/sdk/index.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

/** The node's libp2p with its mDNS service, built as `mesh join` builds it, not started. */
async function built (): Promise<BuiltNode> {
  const t = await tempDir()
  const vault = await openVault({ home: `${t.dir}/home`, wallet: generateWallet(), label: 'desk' })
  const b = await buildLibp2p(vault.vault, { ...DEFAULTS, mdns: true, dht: 'off', listen: ['/ip4/127.0.0.1/tcp/0'] }, {})
  cleanups.push(async () => { await b.libp2p.stop(); await vault.close(); await t.cleanup() })
  return b
}

/** What @libp2p/mdns does with a peer in an answer: a `peer` event on the service. */
function answer (b: BuiltNode, info: PeerInfo): void {
  (b.mdns as unknown as EventTarget).dispatchEvent(new CustomEvent<PeerInfo>('peer', { detail: info }))
}

const newPeer = async (): Promise<PeerInfo['id']> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const known = async (b: BuiltNode, id: PeerInfo['id']): Promise<string[] | undefined> =>
  await b.libp2p.peerStore.get(id).then(p => p.addresses.map(a => a.multiaddr.toString()), () => undefined)

describe('an mDNS answer', () => {
  it('gives the node only its LAN addresses: no public address, no DNS name', async () => {
    const b = await built()
    const discovered: string[] = []
    b.libp2p.addEventListener('peer:discovery', (e) => { discovered.push(e.detail.id.toString()) })

    const mixed = await newPeer()
    answer(b, { id: mixed, multiaddrs: ['/ip4/203.0.113.7/tcp/443', '/dns4/attacker.example/tcp/80', '/ip4/192.168.1.20/tcp/4001', '/ip6/fe80::1/tcp/4001'].map(a => multiaddr(a)) })
    const outside = await newPeer()
    answer(b, { id: outside, multiaddrs: ['/ip4/8.8.8.8/tcp/443', '/dns4/attacker.example/tcp/80', '/dnsaddr/attacker.example', '/ip6/2001:4860::8888/tcp/443'].map(a => multiaddr(a)) })
    // What is stored is waited for, not a fixed time; what must not be, a while after.
    await vi.waitFor(async () => { expect((await known(b, mixed))?.sort()).toEqual(['/ip4/192.168.1.20/tcp/4001', '/ip6/fe80::1/tcp/4001']) }, { timeout: 10_000 })
    await new Promise(resolve => setTimeout(resolve, 200))
    // A peer with no LAN address is neither stored nor announced: MeshNode never hears of it.
    expect(await known(b, outside)).toBeUndefined()
    expect(discovered).toEqual([mixed.toString()])
    expect([...b.foundByMdns]).toEqual([mixed.toString()])
  })

  it('LAN addresses: private, link-local and loopback IPs only, relays included', () => {
    const lan = ['/ip4/10.1.2.3/tcp/1', '/ip4/172.31.0.1/tcp/1', '/ip4/192.168.0.1/tcp/1', '/ip4/169.254.3.4/tcp/1', '/ip4/127.0.0.1/tcp/1',
      '/ip6/::1/tcp/1', '/ip6/fd12::1/tcp/1', '/ip6zone/eth0/ip6/fe80::1/tcp/1', '/ip6/::ffff:10.0.0.1/tcp/1',
      '/ip4/10.0.0.1/tcp/1/p2p/12D3KooWGRUVh8rGkbmhUJWpqoE4Qwm8HaJW2yR4mQ6hEe7J3m9D/p2p-circuit']
    const not = ['/ip4/8.8.8.8/tcp/1', '/ip4/203.0.113.7/tcp/1', '/ip4/172.32.0.1/tcp/1', '/ip4/100.64.0.1/tcp/1', '/ip4/0.0.0.0/tcp/1', '/ip6/2001:db8::1/tcp/1', '/ip6/::/tcp/1',
      '/ip6/::ffff:8.8.8.8/tcp/1', '/dns4/printer.local/tcp/1', '/dns/localhost/tcp/1', '/dnsaddr/example.com',
      '/ip4/10.0.0.1/tcp/1/p2p/12D3KooWGRUVh8rGkbmhUJWpqoE4Qwm8HaJW2yR4mQ6hEe7J3m9D/p2p-circuit/dns4/x.example/tcp/1',
      '/dns4/relay.example/tcp/1/p2p/12D3KooWGRUVh8rGkbmhUJWpqoE4Qwm8HaJW2yR4mQ6hEe7J3m9D/p2p-circuit']
    expect(lan.filter(a => !onLan(multiaddr(a)))).toEqual([])
    expect(not.filter(a => onLan(multiaddr(a)))).toEqual([])
  })
})
