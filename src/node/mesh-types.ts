/**
 * What the mesh node (mesh.ts) shows the layers above: its events, its own and its peers' status,
 * its options, its libp2p node's services and the names its protocols use on the wire. Apart from
 * the class so that the modules the node is made of share them without importing it; mesh.ts
 * re-exports what it exported before.
 */
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p } from 'libp2p'
import type { Membership } from '../../protocols/membership/index.js'
import type { Sync } from '../../protocols/sync/index.js'
import type { NodeConfig } from './config.js'
import type { MirrorVault } from './mirror.js'
import type { TransferStatus } from './progress.js'
import type { RelayServerStats, ReservationState } from './relay.js'
import type { Vault } from './vault.js'

/** What a node serves: a member's vault, or a blind mirror's keyless one (node/mirror.ts). */
export type NodeVault = Vault | MirrorVault

export const MDNS_SERVICE_TAG = '_mesh-agent._udp.local'
export { DHT_PROTOCOL } from '../../protocols/ids.js'

export type Via = 'mdns' | 'dht' | 'remembered' | 'bootstrap' | 'inbound'

export type NodeEvent =
  | { type: 'found', peerId: string, via: Via }
  | { type: 'proven', peerId: string, label: string, capabilities: readonly string[], via: Via }
  | { type: 'refused', peerId: string, reason: string, label?: string }
  | { type: 'lost', peerId: string, label: string }
  | { type: 'synced', peerId: string, label: string, doc: string, entries: number, snapshot: boolean }
  | { type: 'entry-refused', peerId: string, label: string, reason: string }
  /** A proven sibling speaks no sync protocol this node does (another version of mesh): told once per peer. */
  | { type: 'incompatible', peerId: string, label: string, reason: string }
  /** The registry enrolled a device (approved here or by another admin, learned from a peer); `by` is its enroller's label. */
  /** `was`: the device was enrolled already (re-certified: relabelled, or another role), with the label it had. */
  | { type: 'enrolled', deviceId: string, label: string, capabilities: readonly string[], by: string, self: boolean, was?: { label: string } }
  /** This device was revoked (learned from a peer, or known at start): it dials no one from now on. */
  | { type: 'revoked', by: string[], at: number, reason: string, from?: string, /** Its own entries no other device takes (beyond its cutoff: written after its revocation, or never sent before it), and their documents. */ notTaken?: { entries: number, documents: string[] } }
  /**
   * mDNS queries cannot be sent (`sending: false`, `reason` the system's error code: no multicast
   * route or interface on this network), or can again; told once per change, not per query.
   */
  | { type: 'mdns', sending: boolean, reason?: string }
  /**
   * A remembered sibling (`label` from the last time it was proven) or a bootstrap peer could not
   * be dialed: told once, at its second failed dial in a row since the start or since it was last
   * proven; it is dialed again with back-off, the next in `retryMs`, doubling up to a minute.
   */
  | { type: 'unreachable', peerId: string, label?: string, via: Via, reason: string, retryMs: number }
  /**
   * The home's peers.json held what cannot be used (a file that is no list, an entry or address
   * that does not parse): told once, at start; a whole file is moved aside (`keptAt`), nothing lost.
   */
  | { type: 'peers-file', path: string, reason: string, keptAt?: string }

export interface PeerStatus {
  peerId: string
  label: string
  capabilities: string[]
  /** Where the peer can be dialed: what it reported (identify), else where we dialed it. */
  addrs: string[]
  /** The open connections: the peer's address as seen here (inbound: the port it dialed from), and who dialed. */
  connections: Array<{ addr: string, direction: 'inbound' | 'outbound' }>
  via: Via | 'unknown'
  state: 'connected' | 'offline'
  rttMs?: number
  /**
   * Entries the peer lacks, per document, by what it reported and what it said it took of what
   * this node sent (connected peers only): never by what was merely sent.
   */
  behind: Record<string, number>
  /** Of those, entries sent to the peer that it has not yet said it took, per document (connected peers only). */
  inFlight: Record<string, number>
  /** Entries this node lacks that the peer holds, per document (connected peers only). */
  lacking: Record<string, number>
  /**
   * Connected, nothing lacking either way and nothing in flight. Never true for an offline
   * peer: what it holds now is not known.
   */
  inSync: boolean
  /** Documents where this node and the peer hold different content at the same positions (forks). */
  diverged?: string[]
  /** The peer said its disk is full: it refuses writes, so it is never in sync meanwhile. */
  diskFull: boolean
  /** What is in flight with this peer, per document and direction. */
  transfers: TransferStatus[]
  /** When it was last connected (ms since the epoch), if ever. */
  lastSeen?: number
  /** An offline peer this node redials: its last failed dial since it was last proven (when, and why). */
  lastDialFailed?: { at: number, error: string }
  /** A connected peer that speaks another sync protocol (another version of mesh): why nothing syncs with it. */
  incompatible?: string
}

export interface NodeStatus {
  peerId: string
  addresses: string[]
  /** Writes are refused for lack of space; reads and serving peers go on. */
  diskFull: boolean
  /** Peers proven now. */
  peers: number
  /** A blind mirror's node (node/mirror.ts): no vault key, stores and forwards only. */
  mirror?: boolean
  /** Serving as a circuit relay for members (`--relay`): who holds a slot, circuits open. */
  relay?: RelayServerStats
  /** Reservations this node holds on members' relays (`--relay-via`). */
  relayVia?: ReservationState[]
}

export interface MeshNodeOptions extends Partial<NodeConfig> {
  /** How long a peer has to prove membership. @default 5000 */
  membershipTimeoutMs?: number
  /**
   * Reconnect by set reconciliation (protocols/sync/SPEC.md): two nodes in sync exchange a digest
   * each, however many documents they hold; false exchanges every document's vector instead.
   * @default true
   */
  reconcile?: boolean
  /**
   * Early entries (protocols/sync/SPEC.md): this node's own live entries go to peers ahead of
   * their signatures, and it takes theirs; false sends every entry whole and says it takes none
   * (the benchmark's baseline of what they buy).
   * @default true
   */
  early?: boolean
}

/** The libp2p node a mesh node runs, with the services it adds (mesh-libp2p.ts). */
export type MeshLibp2p = Libp2p<{ membership: Membership, sync: Sync, ping: any, identify: any, dht?: any, relay?: CircuitRelayService }>

/** The part of @libp2p/mdns's service the node uses: a query now, and the interface watch. */
/** The mDNS service's multicast-dns instance: its query's callback says whether the datagram went out. */
export type MdnsHandle = { mdns?: { query: (q: unknown, cb?: (err?: Error | null) => void) => void, on: (event: 'networkInterface', fn: () => void) => unknown } }
