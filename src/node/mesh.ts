/**
 * The mesh node: one libp2p node per home, whose key is the home's device key. Peers found by
 * mDNS, the DHT rendezvous, bootstrap addresses or the peer book are dialed; each must prove
 * membership before sync runs with it. Proven peers are remembered and redialed with back-off.
 *
 * MeshNode owns the node's lifecycle (start, then stop of everything it started, in order), its
 * events, and what happens on a connection (discovered, proven, refused, lost).
 * Its collaborators each own one job: mesh-libp2p.ts the libp2p node's config and start,
 * proven-links.ts what runs on a proven peer's connection (identify, the sync stream, the one
 * connection kept), redial.ts the redials and refusals' back-off, discovery.ts the discovery
 * paces and the DHT rendezvous, revocation.ts revocations, doc-names.ts the documents' names,
 * mesh-status.ts status and peers, timers.ts the timers stop() clears, listen-failure.ts a
 * listen address refused at start.
 */
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { ProvenPeer } from '../../protocols/membership/index.js'
import type { SessionStats, Transfer } from '../../protocols/sync/index.js'
import { equals, toHex, type RegistryOp } from '../identity/index.js'
import { DEFAULTS, readConfig, type NodeConfig } from './config.js'
import { Discovery } from './discovery.js'
import { DocNames } from './doc-names.js'
import { LIVENESS_DEFAULTS, Liveness } from './liveness.js'
import { buildLibp2p, type BuiltNode } from './mesh-libp2p.js'
import { StatusReport, type PeerStanding } from './mesh-status.js'
import type { MeshLibp2p, MeshNodeOptions, NodeEvent, NodeStatus, NodeVault, PeerStatus, Via } from './mesh-types.js'
import { listenFailure } from './listen-failure.js'
import { lastHeard } from './muxer.js'
import type { PaceMode } from './pace.js'
import { pairingCandidates, type PairingRendezvous, type RelayedCandidate } from './pair-relay.js'
import { PeerBook } from './peer-book.js'
import { ProvenLinks } from './proven-links.js'
import type { Arriving, ProgressEvent, TransferStatus } from './progress.js'
import { CutOffs, type CutOff } from './cut-off.js'
import { Redial } from './redial.js'
import type { RelayCounts, RelayVia } from './relay.js'
import type { PeerVectors } from './registry-ops.js'
import { Revocation } from './revocation.js'
import { Timers } from './timers.js'

export { DHT_PROTOCOL, MDNS_SERVICE_TAG, type MeshNodeOptions, type NodeEvent, type NodeStatus, type NodeVault, type PeerStatus, type Via } from './mesh-types.js'
export type { Arriving, ProgressEvent, TransferStatus } from './progress.js'
export type { CutOff } from './cut-off.js'

const log = logger('mesh:node')
/** How long the higher of two siblings found by mDNS waits for the lower one's dial before its own. */
const DIAL_YIELD_MS = 3000
/** A connected peer's `last seen` is written about once per this many ping intervals (5 min by default). */
const SEEN_EVERY = 5
/**
 * How long a discovered peer's `via` is kept while it is not connected: past its dial (the yield,
 * then 10 s) and the membership deadline. A peer never proven is then forgotten.
 */
const UNPROVEN_MS = 60_000

/**
 * `event`: what happened with peers and documents. `progress`: a transfer's progress, at most
 * about once a second per transfer that lasted over a second, and a final one (on a channel of
 * its own so that a listener of `event` meets only the kinds it knows). `caught-up`: a peer's
 * hello was answered and it lacks nothing this node holds.
 */
export class MeshNode extends EventEmitter<{ event: [NodeEvent], 'caught-up': [string], progress: [ProgressEvent] }> {
  readonly libp2p: MeshLibp2p
  readonly config: NodeConfig
  private readonly vault: NodeVault
  private readonly book: PeerBook
  /**
   * How each peer was found: kept for the peers proven or connected, remembered, bootstrap or
   * relay-via; a discovered peer never proven is forgotten at its disconnect, or UNPROVEN_MS after
   * its discovery if it never connected (forgetUnproven): each fresh PeerId an mDNS answer named
   * added one entry, for good.
   */
  private readonly via = new Map<string, Via>()
  /** Peers the mDNS service announced, taken at their peer:discovery (mesh-libp2p.ts). */
  private readonly foundByMdns: Set<string>
  private readonly labels = new Map<string, string>()
  private readonly timers = new Timers()
  /** Devices refused at membership whatever they prove (exclude()), with the reason. */
  private readonly excluded = new Map<string, string>()
  /** The device exclude() is cutting off this moment: its refusal is the excluder's to say (revocation.ts says "revoked"). */
  private expelling: string | undefined
  private stopped = false
  private readonly relayVia: RelayVia
  private readonly relayCounts: RelayCounts
  private readonly pairRendezvous: PairingRendezvous | undefined
  private liveness: Liveness | undefined
  private readonly names: DocNames
  /** Progress reports waiting for their document's name (onProgress), the latest per transfer. */
  private readonly unnamedProgress = new Map<string, Transfer>()
  /** Catch-ups that stopped part way, per document (cut-off.ts). */
  private readonly cutOffs = new CutOffs()
  private readonly report: StatusReport
  private readonly redials: Redial
  private readonly discovery: Discovery
  private readonly revocation: Revocation
  /** Identify, the sync stream and the one connection kept with each proven peer (proven-links.ts). */
  private readonly links: ProvenLinks

  private constructor (vault: NodeVault, built: BuiltNode, config: NodeConfig, book: PeerBook) {
    super()
    // afterHello listens once per peer being proven (a relay proves many at once).
    this.setMaxListeners(Infinity)
    this.vault = vault
    this.libp2p = built.libp2p
    this.foundByMdns = built.foundByMdns
    this.config = config
    this.book = book
    this.relayVia = built.relayVia
    this.relayCounts = built.relayCounts
    this.pairRendezvous = built.rendezvous
    const stopped = (): boolean => this.stopped
    const emit = (e: NodeEvent): void => { this.emitEvent(e) }
    this.names = new DocNames(vault, this.timers, stopped)
    this.report = new StatusReport({ libp2p: this.libp2p, vault, book, via: this.via, names: this.names, labelOf: (id) => this.labelOf(id), relayVia: this.relayVia, relayCounts: this.relayCounts, lastDialFailure: (id) => this.redials.lastFailure(id), incompatible: (id) => this.links.incompatible(id) })
    this.redials = new Redial({ libp2p: this.libp2p, book, bootstrap: config.bootstrap, relayVia: config.relayVia, via: this.via, timers: this.timers, stopped, revoked: () => this.revoked !== undefined, mayRedial: (id) => !this.excluded.has(id) && !this.isRevokedPeer(id),
      unreachable: (peerId, via, reason, retryMs) => { this.emitEvent({ type: 'unreachable', peerId, label: book.get(peerId)?.label, via, reason, retryMs }) }
    })
    this.discovery = new Discovery({ libp2p: this.libp2p, vault, book, config, mdns: built.mdns, via: this.via, emit, addresses: () => this.addresses(), networkChanged: () => { this.liveness?.checkAll() } })
    this.links = new ProvenLinks({ libp2p: this.libp2p, config, timers: this.timers, stopped, incompatible: (peerId, reason) => { this.emitEvent({ type: 'incompatible', peerId, label: this.labelOf(peerId), reason }) }, answers: async (conn) => await (this.liveness?.answers(conn) ?? Promise.resolve(true)) })
    this.revocation = new Revocation({ vault, libp2p: this.libp2p, book, stopped, emit, exclude: (id, reason) => { this.exclude(id, reason) }, quiet: () => { this.discovery.stop(); this.relayVia.stop() } })
  }

  static async start (vault: NodeVault, options: MeshNodeOptions = {}): Promise<MeshNode> {
    const fromFile = await readConfig(vault.home)
    const { membershipTimeoutMs, reconcile, early, ...nodeOptions } = options
    const config: NodeConfig = { ...DEFAULTS, ...fromFile, ...Object.fromEntries(Object.entries(nodeOptions).filter(([, v]) => v !== undefined)) }
    const book = new PeerBook(vault.home)
    const notes = await book.load()
    const built = await buildLibp2p(vault, config, { membershipTimeoutMs, reconcile, early })
    const self = new MeshNode(vault, built, config, book)
    for (const n of notes) self.emitEvent({ type: 'peers-file', ...n })
    built.bind({
      isRevokedPeer: (id) => self.isRevokedPeer(id),
      isMemberPeer: (id) => self.isMemberPeer(id),
      excluded: (peerId) => self.excluded.get(peerId) ?? (self.isRevokedPeer(peerId) ? 'revoked' : undefined),
      told: async (records, from) => { await self.told(records, from) },
      onSyncEnded: (id, reason) => { self.links.syncEnded(id, reason) },
      onReceived: (doc, n, from) => { self.onReceived(doc, n, from) },
      onEntryRefused: (reason, from) => { self.emitEvent({ type: 'entry-refused', peerId: from, label: self.labelOf(from), reason }) },
      onCaughtUp: (from) => { self.emit('caught-up', from) },
      onProgress: (t) => { self.onProgress(t) }
    })
    self.replayEarly()
    self.wire()
    // Revoked before this start (recorded in the registry): known before libp2p starts, whose
    // mDNS answers come in while it still starts (listening on every interface) and were dialed
    // then, each sibling refusing it, though this device says it dials no one.
    self.revocation.revokedSelf()
    let listening = false
    try {
      await built.start()
      listening = true
      // Names label events only: read when an event first needs one (doc-names.ts), not at start.
      self.afterStart()
    } catch (err) {
      // A start that fails once libp2p listens, or what follows it, must not leave it listening:
      // the process would never exit, and a retry would find its own port taken.
      await self.stop().catch((e: unknown) => { log.error('stopping libp2p after a failed start failed: %e', e) })
      throw listening ? err : listenFailure(err, config.listen)
    }
    vault.store.warm()
    return self
  }

  /**
   * Events before anyone listens are kept and replayed to the first listener: a sibling on the
   * LAN is often found and proven while start() is still running.
   */
  private early: NodeEvent[] | undefined = []
  private emitEvent (e: NodeEvent): void {
    if (this.early !== undefined && this.listenerCount('event') === 0) { this.early.push(e); return }
    this.emit('event', e)
  }

  private replayEarly (): void {
    (this as EventEmitter).on('newListener', (name: string | symbol) => {
      if (name !== 'event' || this.early === undefined) return
      const held = this.early
      this.early = undefined
      setImmediate(() => { for (const e of held) this.emit('event', e) })
    })
  }
  /**
   * The label of each device enrolled as this node knows it (from its start, then each enrolment
   * told): a certificate of a device known already is a re-certification, not a device added.
   */
  private enrolledLabels: Map<string, string> | undefined

  /** A device the registry enrolled, told as it comes (approved here, or by another admin). */
  private readonly onRegistryOp = (op: RegistryOp): void => {
    const c = op.enrol?.certificate
    if (c === undefined || this.stopped) return
    const certs = this.vault.certs
    const by = equals(op.author, this.vault.identity.walletKey) ? 'wallet' : (certs.get(op.author)?.label ?? toHex(op.author).slice(0, 8))
    const known = this.enrolledLabels ??= new Map()
    const was = known.get(c.deviceId)
    known.set(c.deviceId, c.label)
    this.emitEvent({ type: 'enrolled', deviceId: c.deviceId, label: c.label, capabilities: [...c.capabilities], by, self: c.deviceId === this.libp2p.peerId.toString(), ...(was !== undefined ? { was: { label: was } } : {}) })
  }

  private labelOf (peerId: string): string { return this.labels.get(peerId) ?? this.book.get(peerId)?.label ?? peerId.slice(-6) }

  /** How this device was revoked, once known (it dials no one from then on; revocation.ts). */
  get revoked (): { by: string[], at: number, reason: string } | undefined { return this.revocation.revoked }

  /** A peer sent this device's revocation instead of its certificate (revocation.ts). */
  private async told (records: Uint8Array[], from: string): Promise<void> {
    await this.revocation.told(records, from)
  }

  private wire (): void {
    const n = this.libp2p
    this.book.follow(n)
    this.vault.on('revoked', this.revocation.onRevoked)
    if (!('mirror' in this.vault)) {
      this.enrolledLabels = new Map(this.vault.certs.all().map(c => [c.deviceId, c.label]))
      this.vault.on('registry', this.onRegistryOp)
    }
    // An answer may take a while on a loaded machine (20 s), but never longer than an interval.
    // The end that does not ping judges a connection by what its muxer last received from the peer.
    // A proven peer alive now is remembered as seen now, every SEEN_EVERY pings or so: after a crash
    // of this node (no disconnect to note it) `last seen` is that recent, not when it was proven.
    const alive = (peer: string, at: number): void => { if (this.labels.has(peer)) void this.book.seen(peer, at, SEEN_EVERY * this.config.pingInterval) }
    const live = new Liveness(n, { intervalMs: this.config.pingInterval, timeoutMs: Math.min(LIVENESS_DEFAULTS.timeoutMs, this.config.pingInterval), heard: lastHeard, alive })
    this.liveness = live
    n.addEventListener('connection:open', (e) => {
      live.arm()
      // A second connection to a proven sibling (both dialed at once) is closed here.
      this.links.oneConnection(e.detail.remotePeer.toString())
    })
    n.addEventListener('peer:discovery', (e) => {
      const id = e.detail.id.toString()
      // Told in the same dispatch as the peer store's write this follows: needed no longer.
      const byMdns = this.foundByMdns.delete(id)
      if (id === n.peerId.toString() || n.getConnections(e.detail.id).length > 0) return
      // A revoked device may still answer mDNS (and the DHT may still name it): it is not dialed,
      // since it can prove nothing, and it is not reported found again.
      if (this.redials.coolingDown(id) || !this.mayDial(id)) return
      // Bootstrap and remembered peers are tagged before the peer store announces them.
      // Otherwise found through the DHT (a rendezvous answer, or a peer its queries named).
      const via: Via = this.via.get(id) ?? (byMdns ? 'mdns' : 'dht')
      this.via.set(id, via)
      this.timers.after(UNPROVEN_MS, () => { this.forgetUnproven(id) })
      this.emitEvent({ type: 'found', peerId: id, via })
      const dial = (): void => {
        // Checked again when it runs (DIAL_YIELD_MS later): this node or the peer may have been revoked meanwhile.
        if (!this.mayDial(id) || n.getConnections(e.detail.id).length > 0) return
        void n.dial(e.detail.id, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => { log('dial %s after discovery failed: %e', id, err) })
      }
      // Siblings on a LAN find each other by mDNS at the same moment: if both dial, they keep two
      // connections for good (twice the pings, timers and peer-store work of an idle node). The
      // lower PeerId dials at once; the higher one only if no connection came within DIAL_YIELD_MS.
      if (via !== 'mdns' || id > n.peerId.toString()) { dial(); return }
      this.timers.after(DIAL_YIELD_MS, dial)
    })
    const m = n.services.membership
    m.addEventListener('peer:proven', (e) => { this.redials.proven((e as CustomEvent<{ peer: { deviceId: string } }>).detail.peer.deviceId); void this.onProven((e as CustomEvent).detail) })
    m.addEventListener('peer:refused', (e) => {
      const d = (e as CustomEvent<{ peerId: string, reason: string }>).detail
      this.redials.refused(d.peerId)
      // On a relay, a peer refused at membership is a stranger refused: the gate stops its hop
      // requests before the relay sees them, so they are counted here.
      if (n.services.relay !== undefined) this.relayCounts.refused++
      // Cut off by exclude(): whoever excluded it said why (a revocation is one line, not two).
      if (d.peerId === this.expelling) return
      // A sibling this node knew (one that now refuses it, say) is named by its label; a revoked
      // one, forgotten by the peer book, by its certificate's.
      const label = this.labels.get(d.peerId) ?? this.book.get(d.peerId)?.label ?? this.vault.certs.all().find(c => c.deviceId === d.peerId)?.label
      this.emitEvent({ type: 'refused', peerId: d.peerId, reason: d.reason, ...(label !== undefined ? { label } : {}) })
    })
    n.addEventListener('peer:disconnect', (e) => {
      const id = e.detail.toString()
      if (!this.labels.has(id)) { this.forgetUnproven(id); return }
      this.emitEvent({ type: 'lost', peerId: id, label: this.labelOf(id) })
      this.labels.delete(id)
      // Seen until now (its own stop included; this node's stop notes its peers itself, see stop()).
      void this.book.seen(id, Date.now())
      this.discovery.wake('a sibling was lost')
      if (!this.stopped && this.book.get(id) !== undefined && !this.excluded.has(id) && !this.isRevokedPeer(id) && !this.redials.coolingDown(id)) this.redials.redial(id, 'remembered')
    })
  }

  /** Forgets how a peer was found unless it is connected or proven, or one this node dials of its own. */
  private forgetUnproven (peerId: string): void {
    if (this.labels.has(peerId) || this.redials.dials(peerId) || this.libp2p.getConnections(peerIdFromString(peerId)).length > 0) return
    this.via.delete(peerId)
  }

  /** This node or a peer proven now: the only peers the DHT knows or names. */
  private isMemberPeer (peerId: string): boolean {
    return peerId === this.libp2p.peerId.toString() || this.libp2p.services.membership.isProven(peerId)
  }

  private async onProven ({ peer, connection }: { peer: ProvenPeer, connection: any }): Promise<void> {
    const id = peer.deviceId
    // One side opens the sync stream: the smaller PeerId, so two connections never race. It opens
    // first of all, before the certificate's and the peer book's writes (files synced to disk),
    // which a reconnect need not wait for: the session sends every certificate first anyway.
    const opened = this.libp2p.peerId.toString() < id ? this.links.openSync(connection, id) : undefined
    // Now, and only now, each side learns the other's protocols (the DHT's routing table takes a
    // peer from them) and listen addresses (the peer book). It ran after the sync hellos for a
    // while (its signed peer record takes CPU a reconnect could use), but then a member that had
    // missed a rotation and knew only its relay never found the others by the DHT rendezvous
    // (test/netns/revocation-nat.test.ts): identify runs at proof, right after the sync stream opens.
    this.links.identify(connection, id)
    // The first member proven in this run wakes the DHT rendezvous (discovery.ts firstProven).
    this.afterHello(id, () => { this.discovery.firstProven() })
    this.labels.set(id, peer.label)
    const via = this.via.get(id) ?? this.dialedVia(id, connection.direction)
    this.via.set(id, via)
    try {
      await this.vault.addCertificate(peer.certificate)
    } catch (err) {
      log.error('certificate of proven peer %s not stored: %e', id, err)
    }
    this.emitEvent({ type: 'proven', peerId: id, label: peer.label, capabilities: peer.capabilities, via })
    await this.book.remember({ peerId: id, label: peer.label, capabilities: [...peer.capabilities], addrs: await this.book.addrsOf(this.libp2p, connection.remotePeer, connection), lastSeen: Date.now() })
    await opened
  }

  /**
   * How a peer no discovery of ours marked was reached: it dialed us; a relay we were told to use
   * (--relay-via, an address given as --bootstrap is); one in the peer book; otherwise a dial of
   * the DHT's own (its queries dial the peers their answers name).
   */
  private dialedVia (id: string, direction: 'inbound' | 'outbound'): Via {
    if (direction === 'inbound') return 'inbound'
    if (this.config.relayVia.some(a => a.endsWith(`/p2p/${id}`))) return 'bootstrap'
    return this.book.get(id) !== undefined ? 'remembered' : 'dht'
  }

  /** Runs `then` once the peer's sync hello has been answered here (caught-up), or after 2 s. */
  private afterHello (peerId: string, then: () => void): void {
    let done = false
    const run = (): void => {
      if (done) return
      done = true
      this.timers.cancel(t)
      this.off('caught-up', onCaught)
      if (!this.stopped) then()
    }
    const onCaught = (p: string): void => { if (p === peerId) run() }
    const t = this.timers.after(2000, run)
    this.on('caught-up', onCaught)
  }

  private isRevokedPeer (peerId: string): boolean {
    return this.vault.certs.isRevokedDevice(peerId)
  }

  /** Whether this node may dial a peer it found: neither stopped nor revoked, and the peer not revoked. */
  private mayDial (peerId: string): boolean {
    return !this.stopped && this.revoked === undefined && !this.isRevokedPeer(peerId)
  }

  /**
   * A transfer's progress, said with the document's name: one whose name is not read yet (names
   * are read when first needed, so a restarted node knows none) waits for one reread, its latest
   * report standing for those that came meanwhile; the sessions index arriving later renames it.
   */
  private onProgress (t: Transfer): void {
    this.cutOffs.note(t, this.labelOf(t.peer))
    if (t.quiet === true) return // too short to be shown
    if (this.names.has(t.doc)) { this.emit('progress', this.report.progress(t)); return }
    const key = `${t.peer}/${t.doc}/${t.direction}`
    const waiting = this.unnamedProgress.has(key)
    this.unnamedProgress.set(key, t)
    if (waiting) return
    this.names.refresh(() => {
      const last = this.unnamedProgress.get(key)
      this.unnamedProgress.delete(key)
      if (last !== undefined && !this.stopped) this.emit('progress', this.report.progress(last))
    })
  }

  /** Entries of a document arrived: reported once the document is named (doc-names.ts). */
  private onReceived (doc: Uint8Array, n: number, from: string): void {
    const hex = toHex(doc)
    this.names.whenNamed(hex, () => { this.emitEvent({ type: 'synced', peerId: from, label: this.labelOf(from), doc: this.names.get(hex) ?? hex.slice(0, 12), entries: n, snapshot: n === 0 }) })
  }

  /** What is in flight with every connected peer, per document and direction. */
  transfers (): TransferStatus[] { return this.report.transfers() }

  /**
   * A session (by key, e.g. `agent:main:big` or `big`) or document (by name) still arriving from
   * a peer: who from and how far, so a node can say so instead of "no such session". Undefined
   * when nothing of it is in flight.
   */
  arriving (name: string): Arriving | undefined { return this.report.arriving(name) }

  /**
   * A session (by key) or document (by name) whose catch-up from a peer stopped part way while
   * this node ran, and has not moved again since: who from and how far it came.
   */
  cutOff (name: string): CutOff | undefined {
    for (const id of this.report.docIdsOf(name)) {
      const c = this.cutOffs.get(id)
      if (c !== undefined) return c
    }
    return undefined
  }

  /** What the sync sessions moved since start: bytes each way, snapshots sent and resumed. */
  syncStats (): SessionStats { return this.libp2p.services.sync.stats() }

  private afterStart (): void {
    // Revoked before this start (start() looked before libp2p started): nothing is dialed.
    if (this.revoked !== undefined) return
    this.redials.dialKnown()
    this.discovery.start()
  }

  /** How often each discovery mechanism is looking now (node/pace.ts). */
  discoveryPace (): { mdns?: PaceMode, dht?: PaceMode } { return this.discovery.mode() }

  /**
   * Cuts a device off now and refuses it at membership from then on, before either side shows its
   * certificate (a revoked device: it still knows the membership key). Not redialed. Its
   * connections closing now make no 'refused' event: the caller says why (revocation.ts).
   */
  exclude (deviceId: string, reason: string): void {
    this.excluded.set(deviceId, reason)
    this.expelling = deviceId
    try {
      this.libp2p.services.membership.expel(deviceId, reason)
    } finally {
      this.expelling = undefined
    }
  }

  /**
   * Asks the relays this node holds proven connections to for devices being paired under
   * `nameplate`; `dialer` (the approver's throw-away pairing node) may then reach them by circuit.
   */
  async pairingCandidates (nameplate: string, dialer: PeerId, options: AbortOptions = {}): Promise<RelayedCandidate[]> {
    return await pairingCandidates(this.libp2p, (id) => this.libp2p.services.membership.isProven(id) && !this.isRevokedPeer(id), nameplate, dialer, options)
  }

  /**
   * What each connected member (not revoked, not in `except`) reported holding, from its sync
   * session: a revoke's cutoff takes it into account (registry-ops.ts cutoffFor).
   */
  peerVectors (except: readonly string[] = []): PeerVectors[] {
    const sync = this.libp2p.services.sync
    return sync.peers()
      .filter(p => !except.includes(p) && !this.isRevokedPeer(p) && this.libp2p.services.membership.isProven(p))
      .flatMap(p => { const s = sync.sessionWith(p); return s === undefined ? [] : [s.theirs] })
  }

  /** Dials a multiaddr now (used by tests and `--bootstrap`). */
  async dial (addr: string): Promise<void> {
    await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
  }

  addresses (): string[] { return this.libp2p.getMultiaddrs().map(a => a.toString()) }

  isOnline (deviceId: string): boolean { return this.libp2p.services.membership.isProven(deviceId) }

  /** How many peers are proven members right now. */
  provenCount (): number { return this.libp2p.services.membership.provenPeers().length }
  /** This node's own state, for `mesh status` and `mesh peers`. */
  status (): NodeStatus { return this.report.status() }

  async peers (options: { rtt?: boolean } = {}): Promise<PeerStatus[]> { return await this.report.peers(options) }

  /** Each peer, and whether this node is still taking something in from it (StatusReport.standings). */
  standings (): PeerStanding[] { return this.report.standings() }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.relayVia.stop()
    this.pairRendezvous?.stop()
    this.vault.off('revoked', this.revocation.onRevoked)
    if (!('mirror' in this.vault)) this.vault.off('registry', this.onRegistryOp)
    this.discovery.stop()
    this.liveness?.stop()
    this.timers.clear()
    // libp2p's stop closes the connections without a peer:disconnect (its connection manager
    // stops listening first): every peer proven until now is noted seen now, so `last seen` after
    // this node stops is the stop, not the moment the peer was proven. The book's close below
    // waits for the write.
    const now = Date.now()
    for (const id of this.labels.keys()) void this.book.seen(id, now)
    await this.libp2p.stop()
    // A peer proven just before the stop may still be writing peers.json into the home, which
    // the caller closes (or removes) next.
    await this.book.close()
  }
}
