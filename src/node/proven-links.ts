/**
 * What runs on a proven peer's connection besides membership: identify (retried, so the peer
 * reaches the DHT's routing table), the sync stream, opened by the side with the smaller PeerId
 * and opened again when it fails or ends while the peer is still connected, and the one
 * connection kept when both sides dialed (one-connection.ts). MeshNode calls it at proof and on
 * every new connection.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import { SYNC_PROTOCOL } from '../../protocols/ids.js'
import type { NodeConfig } from './config.js'
import type { MeshLibp2p } from './mesh-types.js'
import { closeSurplus, surplus } from './one-connection.js'
import type { Timers } from './timers.js'

const log = logger('mesh:node')

export interface ProvenLinksInit {
  libp2p: MeshLibp2p
  config: NodeConfig
  /** The node's timers, cleared at its stop. */
  timers: Timers
  stopped: () => boolean
  /**
   * A proven peer does not speak this node's sync protocol (another version of mesh): nothing
   * syncs with it. Told once per peer while the node runs.
   */
  incompatible: (peerId: string, reason: string) => void
  /**
   * Whether a connection answers a ping now (Liveness.ping with a short timeout). Asked of the
   * connection sync runs on before a second one is closed in its favour.
   */
  answers?: (conn: Connection) => Promise<boolean>
}

export class ProvenLinks {
  /** Peers said to speak another sync protocol, and why (until identify says otherwise). */
  private readonly incompatibles = new Map<string, string>()
  /** Peers whose sync connection is being pinged before a second connection is closed. */
  private readonly checking = new Set<string>()

  constructor (private readonly init: ProvenLinksInit) {}

  /**
   * Identify with a proven peer, tried three times while the connection stays open: it runs once
   * per proof, and a peer it never completes with stays out of the DHT's routing table (a loaded
   * machine can miss identify's 5 s deadline).
   */
  identify (connection: any, id: string, attempt = 1): void {
    void this.init.libp2p.services.identify.identify(connection).then((r: { protocols: string[] }) => { this.speaksSync(id, r.protocols) }, (err: unknown) => {
      log('identify %s failed (attempt %d): %e', id, attempt, err)
      // The connection it ran on may have been closed as a second one (one-connection.ts): the
      // peer's other connection is identified instead.
      const next = connection.status === 'open' ? connection : this.init.libp2p.getConnections(connection.remotePeer).find(c => c.status === 'open')
      if (attempt >= 3 || this.init.stopped() || next === undefined) return
      this.init.timers.after(1000 * attempt, () => { this.identify(next, id, attempt + 1) })
    })
  }

  /**
   * What identify says a proven peer speaks: with another sync protocol instead of this node's,
   * neither side's sync stream can open (the opener's fails, the other waits for it), so both say why.
   */
  private speaksSync (peerId: string, protocols: readonly string[]): void {
    if (protocols.includes(SYNC_PROTOCOL)) { this.incompatibles.delete(peerId); return }
    // Only a peer that lists another sync protocol: one listing none may be stopping (its sync
    // unhandled as it answered), which is no other version.
    const theirs = protocols.filter(p => p.startsWith('/mesh/sync/')).map(p => p.slice(0, 64))
    if (theirs.length === 0 || this.incompatibles.has(peerId) || this.init.stopped()) return
    const reason = `it does not speak ${SYNC_PROTOCOL} (it speaks ${theirs.join(', ')}): another version of mesh, so nothing syncs with it until both run the same version (\`mesh --version\` on each)`
    this.incompatibles.set(peerId, reason)
    this.init.incompatible(peerId, reason)
  }

  /** Why nothing syncs with this peer, if it speaks another sync protocol. */
  incompatible (peerId: string): string | undefined { return this.incompatibles.get(peerId) }

  /** A sync session failed while the peer may still be connected: the opening side reopens it. */
  syncEnded (peerId: string, reason: string): void {
    log.error('sync with %s ended (%s); reopening if still connected', peerId, reason)
    if (this.init.stopped() || this.init.libp2p.peerId.toString() >= peerId) return
    this.init.timers.after(1000, () => {
      const conn = this.init.libp2p.getConnections(peerIdFromString(peerId)).find(c => c.status === 'open')
      if (conn !== undefined && !this.init.stopped()) void this.openSync(conn, peerId)
    })
  }

  /**
   * Opens the sync stream with a proven peer (this node has the smaller PeerId: the peer never
   * opens one). A failed open is tried again, 1 s, 2 s, 4 s… at most 30 s apart, while the
   * connection is open and no session runs: the peer waits for this side, so one failed open (a
   * stream reset while the peer still ended an old session) left two connected siblings without
   * sync until they reconnected.
   */
  async openSync (connection: Connection, peerId: string, attempt = 0): Promise<void> {
    try {
      await this.init.libp2p.services.sync.open(connection)
      this.oneConnection(peerId)
    } catch (err) {
      const delay = Math.min(30_000, 1000 * 2 ** attempt)
      log('opening sync with %s failed (again in %d s): %e', peerId, delay / 1000, err)
      this.init.timers.after(delay, () => {
        if (this.init.stopped() || connection.status !== 'open' || this.init.libp2p.services.sync.sessionWith(peerId) !== undefined) return
        void this.openSync(connection, peerId, attempt + 1)
      })
    }
  }

  /**
   * Closes the connections to a peer beyond the one kept (one-connection.ts): this side decides
   * if its PeerId is the smaller. One still proving membership is looked at again a second
   * later (a handshake ends within the membership deadline).
   */
  oneConnection (peerId: string, attempt = 0): void {
    if (this.init.stopped() || this.init.libp2p.peerId.toString() >= peerId) return
    // A relay keeps every connection (a circuit's stop stream goes over the first one it finds
    // to its target, closing or not), and so does a node toward a relay it reserves on (its
    // reservation lives and dies with the connection it was taken on).
    if (this.init.config.relay || this.init.config.relayVia.some(a => a.endsWith(`/p2p/${peerId}`))) return
    const session = this.init.libp2p.services.sync.sessionWith(peerId)
    const runsSync = (c: Connection): boolean => session !== undefined && c.streams.includes(session.stream)
    const connections = this.init.libp2p.getConnections(peerIdFromString(peerId))
    const { close, later } = surplus(connections, runsSync)
    // A proven sibling dials again while sync runs on a connection to it only when it lost that
    // connection on its side: its address changed (the old connection bound to an address it no
    // longer has, which looks open here until a ping fails, up to minutes) or it was cut. The
    // connection kept must answer first; a dead one is closed instead and sync opens on the new.
    const kept = connections.find(c => c.status === 'open' && runsSync(c))
    if (close.length === 0 || kept === undefined || this.init.answers === undefined) closeSurplus(close)
    else if (!this.checking.has(peerId)) {
      this.checking.add(peerId)
      void this.init.answers(kept).then((alive) => {
        if (this.init.stopped()) return
        if (alive) { closeSurplus(close); return }
        log('the connection sync runs on to %s does not answer while it dials again: closing that one (%s)', peerId, kept.remoteAddr)
        kept.abort(new Error('no answer to a ping while the peer dialed again'))
      }).finally(() => { this.checking.delete(peerId) })
    }
    if (later && attempt < 30) this.init.timers.after(1000, () => { this.oneConnection(peerId, attempt + 1) })
  }
}
