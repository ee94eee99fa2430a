/**
 * The Kad-DHT a mesh node runs for the rendezvous (built in mesh-libp2p.ts, looked up in
 * discovery.ts): its own protocol prefix, private addresses kept, members only in the routing
 * table, and paced for a node that idles all day.
 *
 * kad-dht's timers, as it comes (16.x), and what mesh makes of them:
 * - the closest-peers tagger, every 5 s: tags the table's closest peers keep-alive so that the
 *   connection manager keeps (and redials) them. Its only input is the table, which changes when
 *   a member is proven or lost; mesh keeps and redials its siblings itself (the peer book), so
 *   every 10 min is plenty. Not an option of kadDHT(): set on the routing table before start.
 * - query-self (1 s after start, then every 5 min): looks up the peers nearest this node, which
 *   fills the table beyond the peers met directly. Once at start still; then every 30 min (a
 *   member met later is added to the table when it is proven, by identify, not by this query).
 * - the table refresh (every 5 min, not configurable) and the reprovider (hourly) stay as they are.
 */
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { logger } from '@libp2p/logger'
import type { PeerInfo } from '@libp2p/interface'

const log = logger('mesh:node:dht')

/** kad-dht's intervals as mesh sets them, in ms. */
export const DHT_PACE = {
  /** The closest-peers tagger (kad-dht: 5 s). */
  closestPeersTagMs: 600_000,
  /** Query-self after the first (kad-dht: 5 min). */
  querySelfMs: 1_800_000
} as const

export interface MeshDhtInit {
  protocol: string
  clientMode: boolean
  /** Whether a peer may enter the routing table and be named in answers (a proven member, or this node). */
  isMember: (peerId: string) => boolean
}

export function meshDht (init: MeshDhtInit): (components: any) => KadDHT {
  const make = kadDHT({
    protocol: init.protocol,
    clientMode: init.clientMode,
    // kad-dht drops a peer its mapper leaves without addresses.
    peerInfoMapper: (p: PeerInfo) => init.isMember(p.id.toString()) ? passthroughMapper(p) : { ...p, multiaddrs: [] },
    allowQueryWithZeroPeers: true,
    querySelfInterval: DHT_PACE.querySelfMs
  })
  return (components: any) => {
    const dht = make(components)
    paceTagger(dht)
    return dht
  }
}

/**
 * Sets the closest-peers tagger's interval, read when the routing table starts. If kad-dht's
 * layout changed the tagger keeps its 5 s: the DHT works the same, the node only wakes more
 * often, so this is logged, not thrown (test/protocol/dht-pace.test.ts fails on it).
 */
export function paceTagger (dht: KadDHT): boolean {
  const tagger = (dht as unknown as { routingTable?: { closestPeerTagger?: { refreshInterval?: number } } }).routingTable?.closestPeerTagger
  if (tagger === undefined || typeof tagger.refreshInterval !== 'number') {
    log.error('kad-dht has no closest-peers tagger where 16.x had it: it wakes every 5 s')
    return false
  }
  tagger.refreshInterval = DHT_PACE.closestPeersTagMs
  return true
}
