/**
 * The short-lived libp2p node both sides of a pairing run (node/pair.ts, node/pair-find.ts): a
 * throw-away PeerId, TCP (and circuits through a member's relay), Noise, yamux, and mDNS under the
 * pairing tag of its own; no identify, ping, membership or DHT.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { serviceCapabilities, type MultiaddrConnection, type PeerId } from '@libp2p/interface'
import { lanOnly } from './discovery.js'
import { meshMuxer } from './muxer.js'
import type { SourceKeys } from './pair-guard.js'
import { networkOf } from './pair-relay.js'

export const PAIR_MDNS_TAG = '_mesh-pair._udp.local'
/** mDNS queries while looking: often, the approver's owner is waiting at the keyboard. */
export const QUERY_MS = 1000
/** How often the new device redials its `via` addresses until an approver answers there. */
export const VIA_RETRY_MS = 2000
export interface PairNodeOptions { listen: string[], mdns: boolean, interval?: number, relay?: boolean, refuses?: (keys: SourceKeys) => boolean }

export interface PairNode { node: Libp2p, transport: () => unknown }

export async function pairNode (o: PairNodeOptions): Promise<PairNode> {
  let relayTransport: unknown
  const refuses = o.refuses
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: o.listen },
    // Circuits through a member's relay (node/pair-relay.ts): the new device holds a pairing slot
    // there, the approver dials it through it. No relay discovery, so no identify either.
    transports: o.relay === true
      ? [tcp(), (components: any) => { const t = circuitRelayTransport({ reservationCompletionTimeout: 10_000 })(components); relayTransport = t; return t }]
      : [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    // LAN addresses only: anyone on the LAN may answer, and an answer naming a public address or
    // a DNS name would have this node dial it (discovery.ts, lanOnly).
    peerDiscovery: o.mdns ? [(components: any) => lanOnly(mdns({ serviceTag: PAIR_MDNS_TAG, interval: o.interval ?? QUERY_MS })(components), () => {})] : [],
    // No ping service runs on either side: nothing to monitor with.
    connectionMonitor: { enabled: false },
    // The relay transport declares identify a dependency for its relay discovery, which a pairing
    // node never runs (it reserves on the one relay it was given); identify itself would tell
    // whoever asks this node's addresses and agent, so a stand-in only claims the capability.
    ...(o.relay === true ? { services: { noIdentify: () => ({ [serviceCapabilities]: ['@libp2p/identify'] }) } } : {}),
    connectionManager: { inboundConnectionThreshold: 20, maxIncomingPendingConnections: 64, inboundUpgradeTimeout: 5000 },
    // A sender refused for a while: its network before Noise (no handshake spent on it), its PeerId after.
    ...(refuses !== undefined
      ? {
          connectionGater: {
            denyInboundConnection: (maConn: MultiaddrConnection) => refuses({ network: networkKey(maConn.remoteAddr) }),
            denyInboundEncryptedConnection: (peer: PeerId, maConn: MultiaddrConnection) => refuses({ peer: peer.toString(), network: networkKey(maConn.remoteAddr) })
          }
        }
      : {})
  })
  return { node, transport: () => relayTransport }
}

/**
 * The network a connection comes from, as strikes are counted (an IPv4 address, an IPv6 /56);
 * none through a relay, whose address the sender's is not (there its PeerId alone is counted).
 */
export function networkKey (addr: Multiaddr): string | undefined {
  const text = addr.toString()
  if (text.includes('/p2p-circuit')) return undefined
  const first = addr.getComponents()[0]
  if (first?.name !== 'ip4' && first?.name !== 'ip6') return undefined
  return networkOf(text)
}
