/**
 * The mesh node's libp2p node: its transports, gate, connection limits and services, built from
 * the node's config, and its start with what is served beside the services (a relay's hop, stop
 * and pairing rendezvous protocols, the --relay-via reservations). Owns how libp2p is configured
 * and started; MeshNode owns what happens on it once started (mesh.ts).
 */
import { identify } from '@libp2p/identify'
import { logger } from '@libp2p/logger'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { membership, MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL } from '../../protocols/membership/index.js'
import { PAIR_RENDEZVOUS_PROTOCOL, serveRendezvous } from '../../protocols/pair/rendezvous.js'
import { sync, type Transfer } from '../../protocols/sync/index.js'
import { membershipKey } from '../identity/index.js'
import { savePort, type NodeConfig } from './config.js'
import { meshDht } from './dht.js'
import { lanOnly } from './discovery.js'
import { silenceMs } from './liveness.js'
import { DHT_PROTOCOL, MDNS_SERVICE_TAG, type MdnsHandle, type MeshLibp2p, type MeshNodeOptions, type NodeVault } from './mesh-types.js'
import { meshMuxer } from './muxer.js'
import { meshNoise } from './noise.js'
import { PairingRendezvous } from './pair-relay.js'
import { HOP_PROTOCOL, RELAY_SERVER_INIT, limitPairingReservations, RelayVia, STOP_PROTOCOL, announceOnlyVia, hopForMembers, relayGater, stopFromOurRelays, wrapHandler, type Members, type PairingReservations, type RelayCounts } from './relay.js'
import { vaultSource } from './source.js'

const log = logger('mesh:node')
/** setInterval's longest period: @libp2p/mdns's own query timer is never due, pace.ts drives the queries. */
const NEVER_MS = 2_147_483_647
/** How many peers announced by mDNS are kept until their peer:discovery (BuiltNode.foundByMdns). */
const MDNS_KEPT = 1024

/**
 * What the services ask of the mesh node. They are built before it (it is made around them), so
 * until bind() they see no one proven, excluded or revoked, and their reports go nowhere; libp2p
 * is not started before bind(), so nothing asks meanwhile.
 */
export interface NodeHooks {
  isRevokedPeer: (peerId: string) => boolean
  /** This node or a peer proven now: the only peers the DHT knows or names. */
  isMemberPeer: (peerId: string) => boolean
  /** Why a device is refused at membership whatever it proves, if it is. */
  excluded: (peerId: string) => string | undefined
  /** A peer sent this device's revocation instead of its certificate. */
  told: (records: Uint8Array[], from: string) => Promise<void>
  onSyncEnded: (peerId: string, reason: string) => void
  onReceived: (doc: Uint8Array, n: number, from: string) => void
  onEntryRefused: (reason: string, from: string) => void
  onCaughtUp: (from: string) => void
  onProgress: (t: Transfer) => void
}

export interface BuiltNode {
  libp2p: MeshLibp2p
  /** The mDNS service, queried at the node's own pace (discovery.ts); undefined with mDNS off. */
  mdns: MdnsHandle | undefined
  /**
   * Peers the mDNS service itself announced. libp2p's peer:discovery fires for a peer new to the
   * peer store whatever told of it (mDNS, the DHT's answers, identify), so it cannot say which.
   * MeshNode takes a peer out at its peer:discovery; a peer announced again once in the peer store
   * has none, so only the last MDNS_KEPT announced are kept.
   */
  foundByMdns: Set<string>
  relayCounts: RelayCounts
  /** On a relay, where devices being paired across networks meet their approver (node/pair-relay.ts). */
  rendezvous: PairingRendezvous | undefined
  /** Reservations on the --relay-via relays, taken by start(), stopped by MeshNode.stop(). */
  relayVia: RelayVia
  /** Gives the services the node they report to (see NodeHooks). */
  bind: (hooks: NodeHooks) => void
  /**
   * Starts libp2p and what it serves beside its services, takes the --relay-via reservations and
   * saves the port it listens on. The caller stops the node if this throws.
   */
  start: () => Promise<void>
}

/** Builds the node's libp2p node, not started. */
export async function buildLibp2p (vault: NodeVault, config: NodeConfig, options: Pick<MeshNodeOptions, 'membershipTimeoutMs' | 'reconcile' | 'early'>): Promise<BuiltNode> {
  // Reservations on --relay-via relays are taken after start (RelayVia): an unreachable relay
  // must not keep the node from starting.
  const listen = config.listen.length > 0 ? config.listen : [`/ip4/0.0.0.0/tcp/${config.port ?? 0}`]
  let hooks: NodeHooks | undefined
  let live: MeshLibp2p | undefined
  // A member derives the membership key from its vault keys; a blind mirror holds only it.
  const keys = [vault.identity.keys !== undefined ? membershipKey(vault.identity.keys) : vault.identity.membershipKey]
  let discovery: MdnsHandle | undefined
  const foundByMdns = new Set<string>()
  let relayTransport: unknown
  const relayCounts: RelayCounts = { refused: 0 }
  // On a relay, devices being paired across networks meet their approver here (node/pair-relay.ts).
  let slotReservations: PairingReservations | undefined
  const rendezvous = config.relay
    ? new PairingRendezvous({
      exempt: (peer, ms) => live?.services.membership.exempt(peer, ms) ?? (() => {}),
      isMember: (id) => (live?.services.membership.isProven(id) ?? false) && hooks?.isRevokedPeer(id) !== true,
      dropReservation: (peer) => { slotReservations?.drop(peer) },
      extendReservation: (peer) => { slotReservations?.extend(peer) }
    })
    : undefined
  const members: Members = {
    isProven: (id) => live?.services.membership.isProven(id) ?? false,
    whenProven: async (id) => await (live?.services.membership.whenProven(id) ?? Promise.resolve(false)),
    isRevoked: (id) => hooks?.isRevokedPeer(id) ?? false,
    ...(rendezvous !== undefined ? { pairing: rendezvous } : {})
  }
  const node = await createLibp2p({
      // Started below, once wired: a relay reservation dials during start, and the proof of
      // that relay must reach our listeners.
      start: false,
      privateKey: vault.identity.device.privateKey,
      addresses: { listen, announce: config.announce, announceFilter: announceOnlyVia(config.relayVia) },
      // A socket silent for two ping intervals is closed (libp2p's own default is 2 minutes). The
      // end that does not ping closes a connection that received nothing for as long (liveness.ts):
      // this timeout counts writes too, so it only backs that up (a connection before its muxer).
      transports: [tcp({ inboundSocketInactivityTimeout: silenceMs(config.pingInterval), outboundSocketInactivityTimeout: silenceMs(config.pingInterval) }), (components: any) => { const t = circuitRelayTransport({ reservationCompletionTimeout: 10_000 })(components); relayTransport = t; return t }],
      // Who may reserve, be connected to and connect through a relay: members only (relay.ts).
      connectionGater: relayGater(members, relayCounts),
      connectionEncrypters: [meshNoise()],
      streamMuxers: [meshMuxer()],
      // The service answers queries and queries once as it starts; the pace of later queries is ours.
      peerDiscovery: config.mdns
        ? [(components: any) => {
            // Only LAN addresses from an answer, and told before libp2p, whose peer:discovery
            // follows its peer store's write.
            const d = lanOnly(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: NEVER_MS })(components), (id) => {
              foundByMdns.delete(id)
              foundByMdns.add(id)
              for (const old of foundByMdns) { if (foundByMdns.size <= MDNS_KEPT) break; foundByMdns.delete(old) }
            })
            discovery = d as any
            return d
          }]
        : [],
      connectionManager: {
        // Idle sockets that never finish the handshake (a slowloris) hold a pending slot until
        // the upgrade times out: libp2p's 10 slots and 10 s let twelve sockets keep every member
        // out. One address may open 20 connections a second (siblings on one host redial after
        // restarts; libp2p's 5 refused them), so it holds at most 20 x 5 s = 100 of the 512
        // slots: filling them takes six addresses, each refused beyond its rate. A member's
        // Noise + yamux upgrade takes a few round trips: 5 s leaves room for a slow link or a
        // loaded machine (3 s cut handshakes here under a load average of 18).
        maxIncomingPendingConnections: 512,
        inboundUpgradeTimeout: 5000,
        inboundConnectionThreshold: 20,
        maxConnections: 200
      },
      // libp2p's monitor pings every connection from both ends (every 10 s by default): liveness.ts
      // pings from one end only, once a minute. A minute still notices a vanished peer (a sleeping
      // laptop) within about a minute on the pinging end and two on the other, and is traffic often
      // enough to keep a NAT's TCP mapping (RFC 5382: at least 2 h 4 min; home routers a few
      // minutes) open: yamux's own keep-alive is off (muxer.ts).
      connectionMonitor: { enabled: false },
      services: {
        // Identify tells a peer our protocols, listen addresses and agent version: it runs once a
        // peer is proven (onProven), never on connection open, and the gate (protocols/membership)
        // keeps its handler from answering anyone unproven.
        identify: identify({ runOnConnectionOpen: false }),
        ping: ping(),
        membership: membership({
          certificate: vault.identity.certificate.bytes,
          timeoutMs: options.membershipTimeoutMs,
          // A relay also answers the pairing rendezvous to strangers, and lets a registered
          // candidate (exempted for its slot) use the hop and stop protocols, nothing more.
          ...(config.relay ? { open: [MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL, PAIR_RENDEZVOUS_PROTOCOL], exemptOpen: [HOP_PROTOCOL, STOP_PROTOCOL] } : {}),
          membershipKeys: () => keys,
          // Excluded now, or revoked in the registry (a revocation learned before this start).
          excluded: (peerId) => hooks?.excluded(peerId),
          // A revoked device that proves the key is told so (the revocation, signed), then refused.
          revocation: (peerId) => vault.certs.revocationRecords(peerId),
          onRevocation: async (records, from) => { await hooks?.told(records, from) },
          sign: (m) => vault.identity.device.signer.sign(m),
          verifyPeer: (cert, peerId) => {
            // Expiry with the registry's clock and tolerance; a superseded certificate is refused.
            const c = vault.certs.verifyPeer(cert, peerId)
            return { deviceId: c.deviceId, deviceKey: c.deviceKey, label: c.label, capabilities: c.capabilities, certificate: c.bytes }
          }
        }),
        sync: sync({
          source: 'mirror' in vault ? vault.source() : vaultSource(vault),
          isMember: (id) => live?.services.membership.isProven(id) ?? false,
          whenMember: async (id) => await (live?.services.membership.whenProven(id) ?? Promise.resolve(false)),
          onEnded: (id, reason) => { hooks?.onSyncEnded(id, reason) },
          onReceived: (doc, n, from) => { hooks?.onReceived(doc, n, from) },
          onRefused: (reason, from) => { hooks?.onEntryRefused(reason, from) },
          onCaughtUp: (from) => { hooks?.onCaughtUp(from) },
          onProgress: (t) => { hooks?.onProgress(t) },
          reconcile: options.reconcile ?? true,
          early: options.early ?? true
        }),
        // Reservations and circuits for proven members only (the gater and the hop middleware below).
        ...(config.relay ? { relay: circuitRelayServer(RELAY_SERVER_INIT) } : {}),
        ...(config.dht !== 'off'
          // The DHT's peer filter: a peer enters the routing table, and is named in an answer, only
          // while it is a proven member. Its timers are paced for an idle node (dht.ts).
          ? { dht: meshDht({ protocol: DHT_PROTOCOL, clientMode: config.dht === 'client', isMember: (id) => hooks?.isMemberPeer(id) === true }) }
          : {})
      }
  }) as MeshLibp2p
  // A slot ends with its candidate's last connection: a paired or departed device holds none of the 8.
  if (rendezvous !== undefined) node.addEventListener('peer:disconnect', (e) => { rendezvous.gone(e.detail.toString()) })
  const components = (node as unknown as { components?: { transportManager?: { listen: (addrs: Multiaddr[]) => Promise<void> }, registrar?: Parameters<typeof wrapHandler>[0] } }).components
  const transportManager = components?.transportManager
  const registrar = components?.registrar
  if (transportManager === undefined || registrar === undefined) throw new Error('libp2p: no transport manager or registrar to wire the relay with')
  const relayVia = new RelayVia(node, () => relayTransport, async (addr) => { await transportManager.listen([addr]) }, members.whenProven, config.relayVia, log)
  return {
    libp2p: node,
    mdns: discovery,
    foundByMdns,
    relayCounts,
    rendezvous,
    relayVia,
    bind: (h) => { hooks = h; live = node },
    start: async () => {
      await node.start()
      // Membership is proven on a stream of its own, often still under way when a member reserves
      // right after dialing: its hop stream waits for the verdict; a stranger's is aborted unanswered.
      if (config.relay) await wrapHandler(registrar, node, HOP_PROTOCOL, hopForMembers(members, relayCounts, log))
      if (rendezvous !== undefined && node.services.relay !== undefined) {
        slotReservations = limitPairingReservations(node.services.relay, rendezvous)
        await node.handle(PAIR_RENDEZVOUS_PROTOCOL, (stream, conn) => {
          serveRendezvous(stream, conn.remotePeer, conn.remoteAddr.toString(), rendezvous).catch((err: unknown) => {
            log('pairing rendezvous with %p failed: %e', conn.remotePeer, err)
            stream.abort(err as Error)
          })
        }, { maxInboundStreams: 4, maxOutboundStreams: 0 })
      }
      await wrapHandler(registrar, node, STOP_PROTOCOL, stopFromOurRelays(() => relayTransport))
      // A device revoked before this start looks for no one (MeshNode.afterStart): its relays,
      // members that refuse it, included.
      if (vault.certs.revocationOf(vault.identity.device.publicKey) === undefined) await relayVia.start()
      const port = node.getMultiaddrs().map(a => Number(a.getComponents().find(c => c.name === 'tcp')?.value ?? 0)).find(p => p > 0)
      if (config.listen.length === 0 && port !== undefined) await savePort(vault.home, port)
    }
  }
}
