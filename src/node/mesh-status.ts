/**
 * What the node reports of itself and its peers: `mesh status` (status), `mesh peers` (peers),
 * what is in flight (transfers, progress) and a session still arriving (arriving). Reads only:
 * the libp2p services, the peer book and the node's maps; MeshNode owns one and answers through it.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { DOC_NAMES, parseSessionKey } from '../../crdt/index.js'
import type { Transfer } from '../../protocols/sync/index.js'
import { fromHex, toHex } from '../identity/index.js'
import type { DocNames } from './doc-names.js'
import type { MeshLibp2p, NodeStatus, NodeVault, PeerStatus, Via } from './mesh-types.js'
import { capabilitiesOf, type PeerBook } from './peer-book.js'
import { progressEvent, transferStatus, type Arriving, type ProgressEvent, type TransferStatus } from './progress.js'
import { relayServerStats, type RelayCounts, type RelayVia } from './relay.js'

const log = logger('mesh:node')

export interface StatusSources {
  libp2p: MeshLibp2p
  vault: NodeVault
  book: PeerBook
  /** How each peer was found (the node's map, read at each call). */
  via: ReadonlyMap<string, Via>
  names: DocNames
  labelOf: (peerId: string) => string
  relayVia: RelayVia
  relayCounts: RelayCounts
  /** A remembered peer's last failed dial since it was last proven (redial.ts). */
  lastDialFailure: (peerId: string) => { at: number, error: string } | undefined
  /** Why nothing syncs with a connected peer that speaks another sync protocol (proven-links.ts). */
  incompatible: (peerId: string) => string | undefined
}

/**
 * Where a connected peer can be dialed: what the book keeps of its reports (identify's listen
 * addresses, dialable ones only), else the addresses we dialed it at. The remote address of a
 * connection it opened is its outgoing port, which nobody can dial: never listed.
 */
function peerAddrs (remembered: readonly string[] | undefined, conns: ReadonlyArray<{ direction: 'inbound' | 'outbound', remoteAddr: { toString: () => string } }>): string[] {
  if (remembered !== undefined && remembered.length > 0) return [...remembered]
  return [...new Set(conns.filter(c => c.direction === 'outbound').map(c => c.remoteAddr.toString()))]
}

/** A peer as standings() gives it. */
export interface PeerStanding { peerId: string, connected: boolean, catching: boolean }

export class StatusReport {
  constructor (private readonly s: StatusSources) {}

  /** This node's own state, for `mesh status` and `mesh peers`. */
  status (): NodeStatus {
    const { libp2p, vault } = this.s
    const relayVia = this.s.relayVia.states()
    return {
      peerId: libp2p.peerId.toString(),
      addresses: libp2p.getMultiaddrs().map(a => a.toString()),
      diskFull: vault.diskFull,
      peers: libp2p.services.membership.provenPeers().length,
      ...('mirror' in vault ? { mirror: true } : {}),
      ...(libp2p.services.relay !== undefined ? { relay: relayServerStats(libp2p, libp2p.services.relay, this.s.relayCounts) } : {}),
      ...(relayVia.length > 0 ? { relayVia } : {})
    }
  }

  /**
   * Each peer known, connected or not, and whether this node is still taking something in from it
   * (entries it lacks there, a transfer in): what a "no session KEY" says, without peers()'s
   * per-document report, whose cost grows with the vault.
   */
  standings (): PeerStanding[] {
    const { libp2p, book } = this.s
    const out = new Map<string, PeerStanding>()
    for (const p of book.list()) out.set(p.peerId, { peerId: p.peerId, connected: false, catching: false })
    for (const p of libp2p.services.membership.provenPeers()) {
      const session = libp2p.services.sync.sessionWith(p.deviceId)
      const catching = session !== undefined && (session.transfers.list().some(t => t.direction === 'in') || session.standing.lacksAny())
      out.set(p.deviceId, { peerId: p.deviceId, connected: true, catching })
    }
    return [...out.values()]
  }

  async peers (options: { rtt?: boolean } = {}): Promise<PeerStatus[]> {
    const { libp2p, book, via } = this.s
    const names = await this.s.vault.docNames()
    this.s.names.set(names)
    const out = new Map<string, PeerStatus>()
    for (const p of book.list()) {
      const failed = this.s.lastDialFailure(p.peerId)
      out.set(p.peerId, { peerId: p.peerId, label: p.label, capabilities: capabilitiesOf(p, this.s.vault.certs), addrs: p.addrs, connections: [], via: via.get(p.peerId) ?? 'remembered', state: 'offline', behind: {}, inFlight: {}, lacking: {}, inSync: false, diskFull: false, transfers: [], lastSeen: p.lastSeen, ...(failed !== undefined ? { lastDialFailed: { ...failed } } : {}) })
    }
    for (const p of libp2p.services.membership.provenPeers()) {
      const conns = libp2p.getConnections(peerIdFromString(p.deviceId))
      const session = libp2p.services.sync.sessionWith(p.deviceId)
      const behind: Record<string, number> = {}
      const lacking: Record<string, number> = {}
      const inFlight: Record<string, number> = {}
      for (const [hex, n] of session?.standing.behind() ?? []) behind[names.get(hex) ?? hex.slice(0, 12)] = n
      for (const [hex, n] of session?.standing.inFlight() ?? []) inFlight[names.get(hex) ?? hex.slice(0, 12)] = n
      for (const [hex, n] of session?.standing.lacking() ?? []) if (n > 0) lacking[names.get(hex) ?? hex.slice(0, 12)] = n
      const transfers = (session?.transfers.list() ?? []).map(t => transferStatus(t, p.label, names.get(t.doc)))
      // No session yet (the hello not done): not known to be in sync.
      const diskFull = session?.peerDiskFull === true
      // Equal counts are not enough: the content tips the peer reported must agree too.
      const diverged = (session?.standing.diverged() ?? []).map(hex => names.get(hex) ?? hex.slice(0, 12))
      const inSync = session !== undefined && !diskFull && transfers.length === 0 && diverged.length === 0 && Object.values(behind).every(n => n === 0) && Object.keys(inFlight).length === 0 && Object.keys(lacking).length === 0
      const incompatible = this.s.incompatible(p.deviceId)
      const st: PeerStatus = { peerId: p.deviceId, label: p.label, capabilities: [...p.capabilities], addrs: peerAddrs(book.get(p.deviceId)?.addrs, conns), connections: conns.map(c => ({ addr: c.remoteAddr.toString(), direction: c.direction })), via: via.get(p.deviceId) ?? 'unknown', state: 'connected', behind, inFlight, lacking, inSync, diskFull, transfers, lastSeen: Date.now(), ...(diverged.length > 0 ? { diverged } : {}), ...(incompatible !== undefined ? { incompatible } : {}) }
      if (options.rtt !== false) {
        try { st.rttMs = await libp2p.services.ping.ping(peerIdFromString(p.deviceId), { signal: AbortSignal.timeout(2000) }) } catch (err) { log('ping %s failed: %e', p.deviceId, err) }
      }
      out.set(p.deviceId, st)
    }
    return [...out.values()]
  }

  /** A transfer's progress as the node emits it, named if its name is known (MeshNode.onProgress rereads the names first when not). */
  progress (t: Transfer): ProgressEvent {
    return progressEvent(transferStatus(t, this.s.labelOf(t.peer), this.s.names.get(t.doc)))
  }

  /** What is in flight with every connected peer, per document and direction. */
  transfers (): TransferStatus[] {
    const { libp2p, names } = this.s
    const out: TransferStatus[] = []
    for (const peer of libp2p.services.sync.peers()) {
      for (const t of libp2p.services.sync.sessionWith(peer)?.transfers.list() ?? []) {
        if (!names.has(t.doc)) names.refresh()
        out.push(transferStatus(t, this.s.labelOf(peer), names.get(t.doc)))
      }
    }
    return out
  }

  /** The document ids (hex) a name may mean: a document's name, or a session's key. None on a mirror (it cannot name documents). */
  docIdsOf (name: string): Set<string> {
    const vault = this.s.vault
    if ('mirror' in vault) return new Set()
    const ids = new Set<string>([toHex(vault.docId(name))])
    try { ids.add(toHex(vault.docId(DOC_NAMES.session(parseSessionKey(name))))) } catch { /* not a session key: a document name only */ }
    return ids
  }

  /**
   * A session (by key, e.g. `agent:main:big` or `big`) or document (by name) still arriving from
   * a peer: who from and how far, so a node can say so instead of "no such session". Undefined
   * when nothing of it is in flight.
   */
  arriving (name: string): Arriving | undefined {
    const vault = this.s.vault
    if ('mirror' in vault) return undefined // a mirror cannot name documents
    // Asked before every session call of the API: nothing is hashed while nothing arrives.
    const incoming = this.transfers().filter(t => t.direction === 'in')
    if (incoming.length === 0) return undefined
    const ids = this.docIdsOf(name)
    for (const t of incoming) {
      if (!ids.has(t.docId)) continue
      const held = vault.store.vector(fromHex(t.docId)).size > 0
      return { peerId: t.peerId, from: t.label, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, entriesDone: t.entriesDone, entriesTotal: t.entriesTotal, rateBps: t.rateBps, etaMs: t.etaMs, held, updatedAt: t.updatedAt }
    }
    return undefined
  }
}
