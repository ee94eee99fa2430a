/**
 * The vault: one home opened by one process. It holds the identity, the store, the certificate
 * registry and the open replicas, and it is the single admission path for entries, local or
 * received. It works without the wallet once the home is enrolled.
 *
 * Vault owns the home's lifecycle (open, then close of everything it started, in order), its
 * events and its public API; quarantine (quarantine.ts) and the documents' names stay here, since
 * every collaborator reports through them. Its collaborators each own one job: vault-admission.ts
 * accepting an entry, vault-lanes.ts this device's lanes found restored or copied,
 * vault-registry.ts certificates, the registry and the rights that follow from them (with the two
 * timers close() clears first), vault-replicas.ts the open replicas and their reference counts,
 * vault-snapshots.ts sealing, receiving and holding snapshots; vault-types.ts holds its options
 * and events.
 */
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { docKind, docVersion, DOC_NAMES, SessionsIndexDoc, type DocKind, type SessionKey } from '../../crdt/index.js'
import { ClosedError, DeviceRevokedError, HomeNotInitializedError, HomeReadOnlyError, messageTime, ReadOnlyError, WalletMismatchError } from '../errors.js'
import { recoveryKem, vaultSeedSignature, certificateRecordSealer, docIdFor, equals, fromHex, hasCapability, isExpired, streamKey, toHex, type ChainCertificate, type DocId, type Entry, type RegistryOp, type UnsignedEntry, type Wallet } from '../identity/index.js'
import { shownName } from './doc-names.js'
import { acquireLock, checkHome, ensureHomeDir, readHomeFormat, EntryStore, isInitialized, readOnlyHomeError, removeStagedTemps, type HeldLane, type HomeLock, type StoredSnapshot } from '../store/index.js'
import { CertRegistry } from './certs.js'
import { enrol, loadIdentity, refuseIfCertificateLost, type HomeIdentity } from './enrol.js'
import type { EnrolRequest, PeerVectors } from './registry-ops.js'
import { Lane } from './lane.js'
import { Budgets } from './limits.js'
import type { Replica } from './replica.js'
import type { LoadHost } from './load.js'
import { SetAside, type Fork, type Quarantined } from './quarantine.js'
import type { SnapshotReception } from './snapshot-receive.js'
import { Admission } from './vault-admission.js'
import { OwnLanes } from './vault-lanes.js'
import { Membership } from './vault-registry.js'
import { OpenReplicas } from './vault-replicas.js'
import { countFound } from './snapshot-scan.js'
import { Snapshots } from './vault-snapshots.js'
import type { AcceptResult, VaultEvents, VaultOptions } from './vault-types.js'

const log = logger('mesh:node:vault')

export { DISCHARGE_DELAY_MS, type AcceptResult, type RevokedEvent, type RightsEvent, type VaultEvents, type VaultOptions } from './vault-types.js'
export type { Fork, Quarantined } from './quarantine.js'

export class Vault extends EventEmitter<VaultEvents> {
  readonly home: string
  readonly identity: HomeIdentity
  readonly store: EntryStore
  readonly certs: CertRegistry
  /** The write lane local entries go into (see lane.ts). */
  readonly lane: Lane
  /** None when the home was opened only to read (readOnlyHome). */
  private readonly lock: HomeLock | undefined
  /**
   * Why this home was opened only to read (VaultOptions.readIfNotWritable): it cannot be written.
   * Nothing is written while it is open; every write is refused with HOME_READ_ONLY.
   */
  readonly readOnlyHome: HomeReadOnlyError | undefined
  /** The open replicas (vault-replicas.ts). */
  private readonly replicas: OpenReplicas
  /** Sealing, receiving and holding snapshots (vault-snapshots.ts). */
  private readonly snapshots: Snapshots
  /** The admission path for entries (vault-admission.ts). */
  private readonly admission: Admission
  /** This device's lanes found restored or copied (vault-lanes.ts). */
  private readonly ownLanes: OwnLanes
  /** Certificates, the registry and what follows from them (vault-registry.ts). */
  private readonly membership: Membership
  /** Document names by hex id, as far as this vault has seen them (the fixed ones, opened ones, indexed sessions). */
  private readonly names = new Map<string, string>()
  /** docNames() as last computed, with the sessions index's lanes then (held.ts lanes: a new list once it changes). */
  private namesOf: { lanes: readonly HeldLane[], version: number, names: Map<string, string> } | undefined
  private readonly background = new Set<Promise<unknown>>()
  private readonly opts: Required<Pick<VaultOptions, 'snapshotEvery' | 'snapshotOnClose' | 'clock'>>
  /** What one author may push into one document (`budgets.limits` may be changed at any time). */
  readonly budgets: Budgets
  private closing: Promise<void> | undefined

  private constructor (home: string, identity: HomeIdentity, store: EntryStore, lock: HomeLock | undefined, opts: VaultOptions, readOnlyHome?: HomeReadOnlyError) {
    super()
    this.home = home
    this.identity = identity
    this.store = store
    this.lock = lock
    this.readOnlyHome = readOnlyHome
    const clock = opts.clock ?? Date.now
    this.certs = new CertRegistry(identity.walletKey, identity.keys, clock)
    this.lane = new Lane(home, () => store.maxLane(identity.device.publicKey))
    this.opts = { snapshotEvery: opts.snapshotEvery ?? 1000, snapshotOnClose: opts.snapshotOnClose ?? 32, clock }
    this.budgets = new Budgets(opts.limits)
    for (const n of [DOC_NAMES.sessionsIndex, DOC_NAMES.memory, DOC_NAMES.skills]) this.names.set(toHex(this.docId(n)), n)
    store.disk.on('change', (full) => { this.emit('disk', full) })
    this.setAside = new SetAside(store, this.certs, this.names)
    const loader: LoadHost = { store, certs: this.certs, keys: identity.keys, self: identity.device.publicKey, takeFresh: (sig) => this.snapshots.takeFresh(sig), quarantineEntry: async (e, why) => { await this.quarantineEntry(e, why) }, quarantineSnapshot: async (st, why) => { await this.quarantineSnapshot(st, why) }, setAsideDamaged: async (st, why) => { await store.setAsideDamagedSnapshot(st, why) }, setAsideDamagedEntry: async (bytes, why) => { await this.setAsideDamagedEntry(bytes, why) } }
    this.replicas = new OpenReplicas({ vault: this, docId: (name) => this.docId(name), names: this.names, check: () => { this.check() }, loader, snapshotOnClose: (r) => this.snapshots.snapshotOnClose(r) })
    this.snapshots = new Snapshots({
      store,
      certs: this.certs,
      identity,
      budgets: this.budgets,
      every: this.opts.snapshotEvery,
      onClose: this.opts.snapshotOnClose,
      writable: () => this.writable,
      beforeWrite: () => { this.beforeWrite() },
      kindOf: (doc) => this.kindOf(doc),
      behindOwnLane: (doc, lane, seq) => this.behindOwnLane(doc, lane, seq),
      openReplica: (doc) => this.replicas.opening(doc),
      track: (p) => { this.track(p) },
      received: (header) => { this.emit('snapshot', { doc: header.doc as DocId }) }
    })
    this.membership = new Membership({
      home,
      identity,
      certs: this.certs,
      store,
      replicas: this.replicas,
      events: this,
      check: () => { this.check() },
      closed: () => this.closing !== undefined,
      writable: () => this.writable,
      readOnlyHome: readOnlyHome !== undefined,
      track: (p) => { this.track(p) }
    })
    this.ownLanes = new OwnLanes({ store, lane: this.lane, device: identity.device.publicKey, names: this.names })
    this.admission = new Admission({
      store,
      certs: this.certs,
      keys: identity.keys,
      budgets: this.budgets,
      replicas: this.replicas,
      check: () => { this.check() },
      events: this,
      setAside: this.setAside,
      kindOf: (doc) => this.kindOf(doc),
      quarantineEntry: (e, why) => this.quarantineEntry(e, why),
      holdingOfStored: (s) => this.snapshots.checks.holdingOfStored(s),
      noticeOwnLane: (e) => { this.ownLanes.notice(e) },
      emitEntry: (replica, entry, local, from) => { this.emitEntry(replica, entry, local, from) }
    })
  }

  static async open (opts: VaultOptions): Promise<Vault> {
    const { lock, readOnly } = await Vault.take(opts)
    try {
      // What a process killed mid-write left (held.sum's, vault.keys' temps): gone with its pid.
      if (readOnly === undefined) await removeStagedTemps([opts.home, join(opts.home, 'data')]).catch((err: unknown) => { log('could not remove stale temp files: %e', err) })
      let identity: HomeIdentity
      if (!(await isInitialized(opts.home))) {
        if (opts.wallet === undefined) await refuseIfCertificateLost(opts.home)
        if (opts.wallet === undefined) throw new HomeNotInitializedError(`home ${opts.home} is not set up yet`, { home: opts.home }, { hint: { cli: 'run `mesh init` (a wallet is needed once, to certify this device)' } })
        identity = await enrol(opts.home, opts.wallet, opts.enrol)
        await Lane.create(opts.home)
      } else {
        identity = await loadIdentity(opts.home)
        if (opts.wallet !== undefined && opts.wallet.address !== identity.wallet) {
          throw WalletMismatchError.forHome(opts.home, identity.wallet, opts.wallet)
        }
      }
      const store = await EntryStore.open(join(opts.home, 'data'), { certificates: certificateRecordSealer(identity.keys), readOnly: readOnly !== undefined })
      const v = new Vault(opts.home, identity, store, lock, opts, readOnly)
      // With the wallet at hand, every rotation's recovery wrap opens: a machine set up with the
      // wallet after a rotation reads everything without any other device (kept in memory only).
      if (opts.wallet !== undefined) v.membership.recovery = recoveryKem(vaultSeedSignature(opts.wallet))
      await v.lane.peek()
      for (const r of store.recovered) log.error('store recovered: %s of %d bytes at %d (kept in %s)', r.kind, r.bytes, r.offset, r.quarantine)
      // What the log lost (a region cut out) or cannot place (an entry record that does not parse)
      // may be this device's tip: its seq must not be written again (see setAsideDamagedEntry).
      for (const r of store.recovered) v.lane.endFor(`cut:${r.quarantine}`)
      for (const h of store.unreadable) v.lane.endFor(h)
      if (store.shortened !== undefined) {
        log.error('store: %s', store.shortened.reason)
        v.lane.endFor(`cut:${store.shortened.id}`)
      }
      // An entry found at open that no longer verifies (a damaged document id files it where no
      // load finds it: EntryStore.damagedAtOpen) is set aside as a load sets one aside.
      for (const d of store.damagedAtOpen) await v.setAsideDamagedEntry(d.bytes, d.reason).catch((err: unknown) => { log.error('could not set aside a damaged entry: %e', err) })
      v.certs.add(identity.certificate.bytes)
      // Read-only: the store holds what it holds; this device's certificate is known all the same.
      if (readOnly === undefined) await store.putCertificate(identity.certificate.bytes)
      for (const c of store.certificates()) {
        try { v.certs.add(c, { stored: true }) } catch (err) { log('stored certificate not accepted: %e', err) }
      }
      v.membership.takeEpochKeys()
      // Both publish to the registry: nothing a home only read can do.
      if (readOnly === undefined) {
        v.membership.scheduleDischarge()
        v.membership.scheduleHeal()
      }
      return v
    } catch (err) {
      await lock?.release()
      throw err
    }
  }

  /**
   * The home made ready and its lock taken; or, for a set-up home that cannot be written when
   * `readIfNotWritable` asks for it, no lock and why (HOME_READ_ONLY): opened only to read. Only
   * a home the system refuses to write is: one whose lock another process holds is HOME_IN_USE.
   */
  private static async take (opts: VaultOptions): Promise<{ lock?: HomeLock, readOnly?: HomeReadOnlyError }> {
    try {
      await ensureHomeDir(opts.home)
      return { lock: await acquireLock(opts.home) }
    } catch (err) {
      if (!(err instanceof HomeReadOnlyError) || opts.readIfNotWritable !== true || !(await isInitialized(opts.home))) throw err
      // Judged as any home before it is read (ensureHomeDir may have stopped before it did).
      await checkHome(opts.home)
      await readHomeFormat(opts.home)
      return { readOnly: err }
    }
  }

  /**
   * Whether this device may write now: its newest certificate (a home restored from before a
   * downgrade learns the newer one from its peers) has `write` and has not expired by its own
   * clock (no tolerance: the holder stops on time).
   */
  get writable (): boolean { return this.notWritable === undefined }

  /** Why this device may not write: revoked, a certificate without `write`, or one that expired; undefined when it may. */
  get notWritable (): 'home' | 'revoked' | 'read-only' | 'expired' | undefined {
    if (this.readOnlyHome !== undefined) return 'home'
    if (this.certs.isRevoked(this.identity.device.publicKey)) return 'revoked'
    const cert = this.certs.get(this.identity.device.publicKey) ?? this.identity.certificate
    if (!hasCapability(cert, 'write')) return 'read-only'
    if (isExpired(cert, this.opts.clock(), 0)) return 'expired'
    return undefined
  }
  /**
   * Throws why this device may not write, if it may not: DEVICE_REVOKED (with who revoked it and
   * when), or READ_ONLY. `what`: what was asked, for the message.
   */
  assertWritable (what = 'write'): void {
    if (this.writable) return
    const ro = this.readOnlyHome
    if (ro !== undefined) throw readOnlyHomeError(this.home, String(ro.details.path), ro.cause, `${what} was refused, nothing in it changed`) ?? ro
    const label = this.identity.certificate.label
    const r = this.certs.revocationOf(this.identity.device.publicKey)
    if (r !== undefined) {
      throw new DeviceRevokedError(`this device (${label}) was revoked by ${r.by.join(', ')} at ${messageTime(r.at)}${r.reason !== '' ? ` (${r.reason})` : ''}: it cannot ${what}. It keeps what it holds; every other device refuses anything it writes from now on`, { revokedAt: r.at, revokedBy: r.by, reason: r.reason })
    }
    if (this.notWritable === 'expired') {
      const cert = this.certs.get(this.identity.device.publicKey) ?? this.identity.certificate
      // READ_ONLY all the same (what every caller, HTTP's 403 and the follower, already handle), said as what it is.
      // Renewing takes the wallet or a pairing, a person's doing: an agent is told no command.
      throw new ReadOnlyError(`this device's certificate (${label}) expired at ${messageTime(cert.expiresAt as number)}: it cannot ${what} until it is renewed`, { reason: 'expired' }, { hint: { sep: ' ', cli: '(`mesh init --wallet PATH`, or paired again)' } })
    }
    throw new ReadOnlyError(`this device (${label}) is read-only: it cannot ${what}. Its certificate grants only read`)
  }

  /** The disk is full: appends fail with STORE_WRITE_FAILED until it has room again (reads go on). */
  get diskFull (): boolean { return this.store.disk.full }
  get closed (): boolean { return this.closing !== undefined }

  private check (): void { if (this.closing !== undefined) throw new ClosedError('vault is closed') }

  /** Derived ids, kept: naming every document (docNames) would otherwise derive each again per call. */
  private readonly ids = new Map<string, DocId>()
  docId (name: string): DocId {
    let id = this.ids.get(name)
    if (id === undefined) { id = docIdFor(this.identity.keys, name); this.ids.set(name, id) }
    return id
  }

  /** Opens (or shares) the replica of a named document. Pair with `release()`. */
  acquire (name: string): Promise<Replica> { return this.replicas.acquire(name) }

  release (r: Replica): Promise<void> { return this.replicas.release(r) }

  /** Takes a replica out of the cache (synchronously) so the next open reloads from disk. */
  evict (r: Replica): void { this.replicas.evict(r) }

  /** Called by a replica at load (see load.ts). */
  loadInto (r: Replica): Promise<void> { return this.replicas.loadInto(r) }

  /**
   * A stored entry damaged on this disk (load.ts): its slot freed and its bytes set aside
   * (EntryStore.setAsideDamagedEntry). This device's lane in use is left, whatever lane, author or
   * document the damaged bytes name: damage there may hide that it was this lane's tip, and the
   * next write would take its seq again, with other content than peers hold there. Once per damage
   * (lane.ts endFor): its record, read again at later opens until a rewrite drops it, ends no more.
   */
  private async setAsideDamagedEntry (bytes: Uint8Array, reason: string): Promise<void> {
    this.lane.endFor(createHash('sha256').update(bytes).digest('hex').slice(0, 16))
    await this.store.setAsideDamagedEntry(bytes, reason)
  }

  private async quarantineEntry (entry: Entry, reason: string): Promise<void> { this.emit('quarantined', await this.setAside.entry(entry, reason)) }
  private async quarantineSnapshot (s: StoredSnapshot, reason: string): Promise<void> { this.emit('quarantined', await this.setAside.snapshot(s, reason)) }
  /** Sets bad entries and snapshots aside, and names what it set aside (see quarantine.ts). */
  private readonly setAside: SetAside

  /** What is in quarantine (`mesh doctor`), oldest first. */
  quarantined (): Quarantined[] { return this.store.quarantine.list().map(r => this.setAside.describe(r)) }

  /** Deletes one quarantined entry's or snapshot's evidence (`mesh doctor --drop ID`); its slot stays excluded. */
  async dropQuarantined (id: string): Promise<void> {
    this.check()
    await this.store.quarantine.drop(id)
  }

  /** The kind of a document by its id, when this vault can name it. */
  private kindOf (doc: Uint8Array): DocKind {
    const name = this.names.get(toHex(doc))
    return name === undefined ? 'other' : docKind(name)
  }

  /**
   * The admission path for an update entry from anywhere: verify, store (durably), apply to the
   * open replica (see vault-admission.ts). Throws the typed error of the first failed check;
   * stores nothing then. `from` is the PeerId of the authenticated channel it came over, if any.
   * An `Entry` instead of bytes: one parsed from received bytes (its signature may have been
   * checked ahead, off-thread, by verifyEntrySignatures; admitUpdate checks it otherwise).
   */
  accept (bytes: Uint8Array | Entry, from?: string): Promise<{ result: AcceptResult, entry: Entry }> { return this.admission.accept(bytes, from) }

  /** A body its author sent ahead of its signature (vault-admission.ts `early`). */
  acceptEarly (body: Uint8Array, from: string): ReturnType<Admission['early']> { return this.admission.early(body, from) }

  /**
   * What two nodes compare to know they hold the same content of a document: per author lane the
   * contiguous seq and the content tip there (store.tip: the least signature prefix of the entries
   * held at that slot, forks included), and every slot known to be forked, with a SHA-256 digest
   * over them. Equal digests mean the same entries at the tips and the same forks; equal vectors
   * alone do not. On the wire the same tips go in vectors and fingerprints (protocols/sync/SPEC.md,
   * Content tips).
   */
  contentSummary (doc: Uint8Array): { digest: string, lanes: Array<{ key: string, seq: number, tip?: string }>, forks: string[] } {
    const lanes = this.store.tips(doc).map(l => {
      const tip = this.store.tip(doc, l.key, l.seq)
      return tip === undefined ? { key: l.key, seq: l.seq } : { key: l.key, seq: l.seq, tip: toHex(tip) }
    })
    const hex = toHex(doc)
    const forks = [...new Set(this.store.forks.list().filter(f => f.doc === hex).map(f => `${streamKey({ author: fromHex(f.author), lane: f.lane })}/${f.seq}`))].sort()
    const digest = createHash('sha256').update(JSON.stringify({ lanes, forks })).digest('hex')
    return { digest, lanes, forks }
  }

  /** Every fork seen (`mesh doctor`, `mesh peers`), oldest first. */
  forks (): Fork[] { return this.store.forks.list().map(r => this.setAside.describeFork(r)) }

  /**
   * How many of each this node set aside (`mesh doctor` lists them): damaged parts of its store,
   * quarantined items, forks; and snapshots `mesh doctor` found damaged that still lie where they
   * were (its record, snapshot-scan.ts: nothing is checked again here).
   */
  async setAsideCounts (): Promise<{ damaged: number, quarantined: number, forks: number, unmoved: number }> {
    return { damaged: (await this.store.damaged()).length, quarantined: this.store.quarantine.list().length, forks: this.store.forks.list().length, unmoved: await countFound(this.store) }
  }

  /**
   * Whether a peer holds more of this device's lane in use than this home does: the home was
   * restored or copied. The lane is abandoned and true returned; the caller sends the peer this
   * device's own entries of that lane (see vault-lanes.ts).
   */
  behindOwnLane (doc: Uint8Array, lane: number, seq: bigint): boolean { return this.ownLanes.behind(doc, lane, seq) }

  /** A peer holds other content at a position of this lane: a fork, found before any entry of it arrived twice (see vault-lanes.ts). */
  divergedLane (doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint): void { this.ownLanes.diverged(doc, author, lane, seq) }

  /**
   * Takes a snapshot from a peer as it arrives (see snapshot-receive.ts). From `offset` > 0 it
   * resumes a transfer that broke off; `abort()` keeps what arrived for that.
   */
  receiveSnapshot (headerBytes: Uint8Array, offset = 0): SnapshotReception {
    this.check()
    return this.snapshots.receive(headerBytes, offset)
  }

  /**
   * Snapshots held in part, once those whose transfer just broke off are on disk: a session that
   * starts right after a dropped one announces what the dropped one received.
   */
  heldSnapshots (): Promise<ReturnType<EntryStore['partialSnapshots']>> { return this.snapshots.held() }

  /**
   * Adds a certificate or cutoff (of this wallet) learned from a peer, persisting it. A superseded
   * certificate is refused (SUPERSEDED_CERTIFICATE) and not stored.
   */
  addCertificate (bytes: Uint8Array): Promise<void> { return this.membership.addCertificate(bytes) }

  // --- The registry (issue 14): operations this node makes, revocations, rotations (vault-registry.ts) ---

  /**
   * Publishes a registry operation this node made: judged and sent to every peer in this tick
   * (before any entry sealed after it, so an epoch is known before entries under it arrive), then
   * stored.
   */
  publish (op: RegistryOp & { cutoffParts?: readonly Uint8Array[] }): Promise<void> { return this.membership.publish(op) }

  /**
   * Revokes devices (by their keys): the revoke is signed by this admin device, or by the wallet
   * when given (any member may publish it), published at once, and the rotation it owes is made
   * here in the same call when this device can write (otherwise the next device that can does).
   * Returns the revoke and the new epoch, if this device rotated. `heldElsewhere`: what connected
   * peers reported holding (MeshNode.peerVectors), so the cutoff keeps what only they hold.
   */
  revoke (devices: readonly Uint8Array[], opts: { reason?: string, wallet?: Wallet, heldElsewhere?: readonly PeerVectors[] } = {}): Promise<{ op: RegistryOp & { cutoffParts: readonly Uint8Array[] }, epoch?: number }> {
    return this.membership.revoke(devices, opts)
  }

  /**
   * Enrols a device from this admin device (pairing, a mirror): its certificate (with the chain)
   * and the enrolment published. Hand the new device `certificate.bytes`, `this.certs.records()`
   * and the keys it is entitled to.
   */
  enrolDevice (req: EnrolRequest): Promise<{ certificate: ChainCertificate, op: RegistryOp }> { return this.membership.enrolDevice(req) }

  /**
   * Discharges an owed rotation before this device seals anything: a new epoch key, wrapped to
   * every remaining reader and the recovery key, published, and used from this entry on. No
   * honest device that knows of a revocation writes under a key the revoked device holds.
   * Returns the new epoch, if it rotated.
   */
  beforeWrite (): number | undefined { return this.membership.beforeWrite() }

  /** Whether a stored snapshot may be offered to a peer: the rule of servable(), for snapshots. */
  servableSnapshot (header: Entry): boolean { return this.membership.servableSnapshot(header) }

  /**
   * Stored entries as they may be handed to a peer: one that a changed certificate refuses (the
   * load rule) is held back, so nothing accepted before the change is forwarded after it.
   */
  servable (entries: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> { return this.membership.servable(entries) }

  /** One of this device's own new entries, before its signature: peers that take it get it ahead. */
  emitEarly (entry: UnsignedEntry): void {
    if (this.listenerCount('early') > 0) this.emit('early', { entry })
  }

  emitEntry (replica: Replica | undefined, entry: Entry, local: boolean, from?: string): void {
    this.emit('entry', { replica, doc: entry.doc as DocId, entry, local, from })
  }

  /** Names of the documents this vault can name: the fixed ones and every session in the index. */
  /**
   * On a revoked device: its own entries that lie beyond its revocation's cutoff (written after it,
   * before the device knew, or never sent before it), which no other device takes, and the
   * documents holding them, as docNames() names them (a session's key; `session list`, `memory`,
   * `skills`). They stay readable here (load.ts reads a
   * device's own entries for its own view). Undefined when this device is not revoked.
   */
  async notTaken (): Promise<{ entries: number, documents: string[] } | undefined> {
    const w = this.ownBeyondCutoff()
    if (w === undefined || w.entries === 0) return w
    const names = await this.docNames().catch(() => new Map<string, string>())
    return { entries: w.entries, documents: w.documents.map(id => shownName(names.get(id) ?? id)) }
  }

  /** notTaken() from the store's index alone, at once: the documents by hex id. */
  ownBeyondCutoff (): { entries: number, documents: string[] } | undefined {
    const me = this.identity.device.publicKey
    if (!this.certs.isRevoked(me)) return undefined
    let entries = 0n
    const documents: string[] = []
    for (const { doc, id, lanes } of this.store.allLanes()) {
      let n = 0n
      for (const l of lanes) if (equals(l.author, me)) n += this.certs.beyondRevocation(me, doc, l.lane, l.seq)
      if (n > 0n) { entries += n; documents.push(id) }
    }
    return { entries: Number(entries), documents }
  }

  async docNames (): Promise<Map<string, string>> {
    // The same as last time while the sessions index has not changed: its lanes (kept by the store
    // until it does) are the same list, and its open replica, if one is open, holds no change the
    // store does not yet (a local write on its way, an early body not yet checked). A status or
    // peers.list over 2,000 sessions loaded the index and derived every session's id each call.
    const indexId = this.docId(DOC_NAMES.sessionsIndex)
    const lanes = this.store.lanes(indexId)
    const open = this.replicas.instance(indexId)
    const cached = this.namesOf
    if (cached !== undefined && cached.lanes === lanes && lanes.length > 0 && (open === undefined || docVersion(open.doc) === cached.version)) return new Map(cached.names)
    const names = new Map<string, string>()
    for (const n of [DOC_NAMES.sessionsIndex, DOC_NAMES.memory, DOC_NAMES.skills]) names.set(toHex(this.docId(n)), n)
    const r = await this.acquire(DOC_NAMES.sessionsIndex)
    let version: number
    try {
      for (const key of new SessionsIndexDoc(r.doc).keys()) {
        const hex = toHex(this.docId(DOC_NAMES.session(key as SessionKey)))
        names.set(hex, key)
        this.names.set(hex, DOC_NAMES.session(key as SessionKey))
      }
      version = docVersion(r.doc)
    } finally {
      await this.release(r)
    }
    this.namesOf = { lanes, version, names: new Map(names) }
    return names
  }

  /** Documents whose snapshot waits for room, named (a session by its key), with the free bytes each needs at least. */
  async snapshotsWaiting (): Promise<Array<{ doc: string, needsBytes: number }>> {
    const waiting = this.snapshots.waiting()
    if (waiting.length === 0) return []
    const names = await this.docNames()
    return waiting.map(w => ({ doc: names.get(w.doc) ?? w.doc.slice(0, 12), needsBytes: w.needsBytes }))
  }

  /** Seals a snapshot of the replica in the background once `snapshotEvery` entries are uncovered. */
  maybeSnapshot (r: Replica): void { this.snapshots.maybeSnapshot(r) }

  private track (p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => { log.error('background work failed: %e', err) }).finally(() => this.background.delete(t))
    this.background.add(t)
  }

  /** Seals the replica's full state as a snapshot covering the store's vector, then compacts. */
  snapshotIfNeeded (r: Replica, threshold: number): Promise<boolean> { return this.snapshots.snapshotIfNeeded(r, threshold) }

  async close (): Promise<void> {
    if (this.closing !== undefined) return await this.closing
    this.membership.stop()
    this.closing = (async () => {
      this.admission.close()
      while (this.background.size > 0) await Promise.allSettled([...this.background])
      await this.replicas.closeAll()
      this.snapshots.fresh.clear()
      await this.store.close()
      // A home only read keeps its lane file as its last writer left it.
      if (this.lock !== undefined) await this.lane.close()
      await this.lock?.release()
    })()
    return await this.closing
  }
}
