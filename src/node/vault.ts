/**
 * The vault: one home opened by one process. It holds the identity, the store, the certificate
 * registry and the open replicas, and it is the single admission path for entries, local or
 * received. It works without the wallet once the home is enrolled.
 *
 * Vault owns the home's lifecycle (open, then close of everything it started, in order), its
 * events and its public API. Its collaborators each own one job: vault-replicas.ts the open
 * replicas and their reference counts, vault-snapshots.ts sealing, receiving and holding
 * snapshots; vault-types.ts holds its options and events.
 */
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { docKind, DOC_NAMES, holds, SessionsIndexDoc, updateWrites, type DocKind, type Problem, type SessionKey } from '../../crdt/index.js'
import { ClosedError, DeviceRevokedError, HomeNotInitializedError, MissingCapabilityError, ReadOnlyError, QuarantinedError, WalletMismatchError } from '../errors.js'
import { addEpochKey, recoveryKem, vaultSeedSignature, certificateRecordSealer, checkEntrySignature, parseTrustedEntry, docIdFor, equals, fromHex, hasCapability, isExpired, streamKey, toHex, type DocId, type Entry, type RegistryOp, type Wallet } from '../identity/index.js'
import { acquireLock, ensureHomeDir, EntryStore, isInitialized, writeHomeFile, type HomeLock, type StoredSnapshot } from '../store/index.js'
import { admitUpdate, isFromAuthor } from './admit.js'
import { CertRegistry } from './certs.js'
import { enrol, loadIdentity, type HomeIdentity } from './enrol.js'
import { encodeKeyFile } from './keyfile.js'
import { enrolDevice, grants, revokeDevices, rotation, unwrapMine, type EnrolRequest, type PeerVectors } from './registry-ops.js'
import { Lane } from './lane.js'
import { Budgets } from './limits.js'
import type { Replica } from './replica.js'
import type { LoadHost } from './load.js'
import { againstDoc, staticProblem } from './load-checks.js'
import { SetAside, type Fork, type Quarantined } from './quarantine.js'
import type { SnapshotReception } from './snapshot-receive.js'
import { OpenReplicas } from './vault-replicas.js'
import { Snapshots } from './vault-snapshots.js'
import { DISCHARGE_DELAY_MS, type AcceptResult, type RevokedEvent, type RightsEvent, type VaultEvents, type VaultOptions } from './vault-types.js'

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
  private readonly lock: HomeLock
  /** The open replicas (vault-replicas.ts). */
  private readonly replicas: OpenReplicas
  /** Sealing, receiving and holding snapshots (vault-snapshots.ts). */
  private readonly snapshots: Snapshots
  /** Document names by hex id, as far as this vault has seen them (the fixed ones, opened ones, indexed sessions). */
  private readonly names = new Map<string, string>()
  private readonly background = new Set<Promise<unknown>>()
  private readonly opts: Required<Pick<VaultOptions, 'snapshotEvery' | 'snapshotOnClose' | 'clock'>>
  /** What one author may push into one document (`budgets.limits` may be changed at any time). */
  readonly budgets: Budgets
  private closing: Promise<void> | undefined

  private constructor (home: string, identity: HomeIdentity, store: EntryStore, lock: HomeLock, opts: VaultOptions) {
    super()
    this.home = home
    this.identity = identity
    this.store = store
    this.lock = lock
    const clock = opts.clock ?? Date.now
    this.certs = new CertRegistry(identity.walletKey, identity.keys, clock)
    this.lane = new Lane(home, () => store.maxLane(identity.device.publicKey))
    this.opts = { snapshotEvery: opts.snapshotEvery ?? 1000, snapshotOnClose: opts.snapshotOnClose ?? 32, clock }
    this.budgets = new Budgets(opts.limits)
    for (const n of [DOC_NAMES.sessionsIndex, DOC_NAMES.memory, DOC_NAMES.skills]) this.names.set(toHex(this.docId(n)), n)
    store.disk.on('change', (full) => { this.emit('disk', full) })
    this.setAside = new SetAside(store, this.certs, this.names)
    const loader: LoadHost = { store, certs: this.certs, keys: identity.keys, takeFresh: (sig) => this.snapshots.takeFresh(sig), quarantineEntry: async (e, why) => { await this.quarantineEntry(e, why) }, quarantineSnapshot: async (st, why) => { await this.quarantineSnapshot(st, why) } }
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
      track: (p) => { this.track(p) }
    })
  }

  static async open (opts: VaultOptions): Promise<Vault> {
    await ensureHomeDir(opts.home)
    const lock = await acquireLock(opts.home)
    try {
      let identity: HomeIdentity
      if (!(await isInitialized(opts.home))) {
        if (opts.wallet === undefined) throw new HomeNotInitializedError(`home ${opts.home} is not set up yet: run \`mesh init\` (a wallet is needed once, to certify this device)`, { home: opts.home })
        identity = await enrol(opts.home, opts.wallet, opts.enrol)
        await Lane.create(opts.home)
      } else {
        identity = await loadIdentity(opts.home)
        if (opts.wallet !== undefined && opts.wallet.address !== identity.wallet) {
          throw new WalletMismatchError(`home ${opts.home} belongs to wallet ${identity.wallet}, not ${opts.wallet.address}`, { home: opts.home })
        }
      }
      const store = await EntryStore.open(join(opts.home, 'data'), { certificates: certificateRecordSealer(identity.keys) })
      const v = new Vault(opts.home, identity, store, lock, opts)
      // With the wallet at hand, every rotation's recovery wrap opens: a machine set up with the
      // wallet after a rotation reads everything without any other device (kept in memory only).
      if (opts.wallet !== undefined) v.recovery = recoveryKem(vaultSeedSignature(opts.wallet))
      await v.lane.peek()
      for (const r of store.recovered) log.error('store recovered: %s of %d bytes at %d (kept in %s)', r.kind, r.bytes, r.offset, r.quarantine)
      v.certs.add(identity.certificate.bytes)
      await store.putCertificate(identity.certificate.bytes)
      for (const c of store.certificates()) {
        try { v.certs.add(c) } catch (err) { log('stored certificate not accepted: %e', err) }
      }
      v.takeEpochKeys()
      v.scheduleDischarge()
      v.scheduleHeal()
      return v
    } catch (err) {
      await lock.release()
      throw err
    }
  }

  /**
   * Whether this device may write now: its newest certificate (a home restored from before a
   * downgrade learns the newer one from its peers) has `write` and has not expired by its own
   * clock (no tolerance: the holder stops on time).
   */
  get writable (): boolean {
    const cert = this.certs.get(this.identity.device.publicKey) ?? this.identity.certificate
    return hasCapability(cert, 'write') && !isExpired(cert, this.opts.clock(), 0) && !this.certs.isRevoked(this.identity.device.publicKey)
  }
  /**
   * Throws why this device may not write, if it may not: DEVICE_REVOKED (with who revoked it and
   * when), or READ_ONLY. `what`: what was asked, for the message.
   */
  assertWritable (what = 'write'): void {
    if (this.writable) return
    const label = this.identity.certificate.label
    const r = this.certs.revocationOf(this.identity.device.publicKey)
    if (r !== undefined) {
      throw new DeviceRevokedError(`this device (${label}) was revoked by ${r.by.join(', ')} at ${new Date(r.at).toISOString()}${r.reason !== '' ? ` (${r.reason})` : ''}: it cannot ${what}. It keeps what it holds; every other device refuses anything it writes from now on`, { revokedAt: r.at, revokedBy: r.by, reason: r.reason })
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
   * Applies an entry to an open replica. When it throws or breaks the shape, the replica is
   * broken (its memory holds part of it; the next open reloads from the store) and, when this
   * entry wrote the bad item, it is quarantined: the returned promise rejects with
   * QuarantinedError once that is durable. Another entry's item (one Yjs held back until this
   * one arrived) is found by the reload instead.
   */
  private applyChecked (r: Replica, updates: Uint8Array[], entry: Entry, checked?: { problem?: string, complete: boolean }): Promise<void> | undefined {
    // Checked against the open document first: most bad entries never touch it.
    const pre = checked ?? (r.readable ? againstDoc(r, updates) : { complete: false })
    const before = pre.problem
    if (before !== undefined) return this.quarantineEntry(entry, before).then(() => { throw new QuarantinedError(`entry quarantined: ${before}`, { reason: before }) })
    let p: Problem | undefined
    try {
      p = r.applyRemote(updates, entry, pre.complete)
    } catch (err: any) {
      p = { reason: `the update does not apply: ${String(err?.message ?? err)}` }
    }
    if (p === undefined) return undefined
    const problem = p
    r.discard(new QuarantinedError(`${r.name} was reloaded: a received entry broke it (${problem.reason})`))
    if (problem.at !== undefined && !updates.some(u => updateWrites(u, problem.at as { client: number, clock: number }))) return undefined
    return this.quarantineEntry(entry, problem.reason).then(() => { throw new QuarantinedError(`entry quarantined: ${problem.reason}`, { reason: problem.reason }) })
  }

  /**
   * The admission path for an update entry from anywhere: verify, store (durably), apply to the
   * open replica. Throws the typed error of the first failed check; stores nothing then.
   * `from` is the PeerId of the authenticated channel it came over, if any. An `Entry` instead of
   * bytes: one parsed from received bytes (its signature may have been checked ahead, off-thread,
   * by verifyEntrySignatures; admitUpdate checks it otherwise).
   */
  async accept (bytes: Uint8Array | Entry, from?: string): Promise<{ result: AcceptResult, entry: Entry }> {
    this.check()
    const entry = bytes instanceof Uint8Array ? parseTrustedEntry(bytes) : bytes
    let stored = from === undefined ? undefined : this.acceptFromAuthor(entry, from)
    if (stored === undefined) {
      const updates = admitUpdate(entry, this.certs, this.identity.keys, { at: 'receive', from })
      if (this.store.has(entry.doc, entry.author, entry.seq, entry.lane)) {
        return { result: (await this.checkFork(entry, updates, from)) ? 'stored' : 'duplicate', entry }
      }
      // Awaited only when a snapshot claims the slot: an await here would move the rest of the
      // admission (the shape check, the store's write) out of the caller's slice (sync/slice.ts).
      const claimed = this.store.claimants(entry.doc, entry.author, entry.seq, entry.lane)
      if (claimed.length > 0 && await this.claimedAndHeld(entry, updates, claimed)) return { result: 'duplicate', entry }
      this.budgets.take(entry.doc, entry.author, entry.bytes.byteLength)
      this.noticeOwnLane(entry)
      // Bytes Yjs cannot decode, or a wrong shape visible without the document: never stored.
      // (An open document checks each update against itself instead, before it is applied.)
      const loaded = this.replicas.instance(entry.doc)
      const pre = loaded?.loaded === true && loaded.readable ? againstDoc(loaded, updates) : undefined
      const bad = pre !== undefined ? pre.problem : staticProblem(this.kindOf(entry.doc), updates)
      if (bad !== undefined) {
        await this.quarantineEntry(entry, bad)
        throw new QuarantinedError(`entry quarantined: ${bad}`, { reason: bad })
      }
      // putEntry indexes the entry before its first await, and the replica is looked up in the
      // same tick: a replica created later loads it from the index, one that exists gets it here.
      stored = this.store.putEntry(entry)
      const open = this.replicas.opening(entry.doc)
      if (open !== undefined) {
        // A loaded replica is applied to in this call (its promise resolves to it), not after an
        // await: the apply is part of the caller's slice, and the check above surely still holds.
        const r = loaded?.loaded === true ? loaded : await open
        // The check above holds if nothing ran in between (the replica is the one checked, in this tick).
        const q = this.applyChecked(r, updates, entry, r === loaded ? pre : undefined)
        if (q !== undefined) stored = Promise.all([stored, q]).then(() => undefined)
      }
    }
    await stored
    this.emitEntry(undefined, entry, false, from)
    return { result: 'stored', entry }
  }

  /**
   * Straight from its author to a loaded replica: applied first (readers see it at once), then
   * the signature is checked and the entry stored, all in this tick. Undefined when that does
   * not apply (another author, a duplicate, no loaded replica, an update that does not decode):
   * the caller takes the usual path. Returns the store's write.
   */
  private acceptFromAuthor (entry: Entry, from: string): Promise<void> | undefined {
    if (!isFromAuthor(entry, from, this.certs)) return undefined
    const r = this.replicas.instance(entry.doc)
    if (r === undefined || !r.loaded || !r.readable) return undefined
    if (this.store.has(entry.doc, entry.author, entry.seq, entry.lane)) return undefined
    if (this.store.claimants(entry.doc, entry.author, entry.seq, entry.lane).length > 0) return undefined
    const updates = admitUpdate(entry, this.certs, this.identity.keys, { at: 'receive', from }, 'later')
    const pre = againstDoc(r, updates)
    if (pre.problem !== undefined) return undefined
    try { this.budgets.take(entry.doc, entry.author, entry.bytes.byteLength) } catch { return undefined } // the usual path refuses it, counting it once
    let applied: Promise<void> | undefined
    try {
      applied = this.applyChecked(r, updates, entry, pre)
      checkEntrySignature(entry)
    } catch (err: any) {
      log.error('entry from %s applied to %s, then its signature failed: the document is reloaded from the store', from, r.name)
      r.discard(err)
      throw err
    }
    const stored = this.store.putEntry(entry)
    return applied === undefined ? stored : Promise.all([stored, applied]).then(() => undefined)
  }

  /**
   * A second entry at a held slot: compared by signature, then by signed body. A different one is
   * a fork: kept as evidence, applied beside the held one (nothing either side wrote is lost),
   * reported, and sent to every peer together with the held one (which goes back to the peer
   * the second came from), so every node holds both and reports it. True when it was new.
   */
  private async checkFork (entry: Entry, updates: Uint8Array[], from?: string): Promise<boolean> {
    if (!this.store.differs(entry.doc, entry.author, entry.seq, entry.lane, entry.signature)) return false
    if (this.store.forks.has(entry.bytes)) return false
    const heldBytes = await this.store.read(entry.doc, entry.author, entry.seq, entry.lane)
    if (heldBytes === undefined) return false
    const held = parseTrustedEntry(heldBytes)
    if (Buffer.from(held.body).equals(Buffer.from(entry.body))) return false // same content, signed twice
    const bad = staticProblem(this.kindOf(entry.doc), updates)
    if (bad !== undefined) {
      await this.quarantineEntry(entry, bad)
      throw new QuarantinedError(`entry quarantined: ${bad}`, { reason: bad })
    }
    const rec = await this.store.forks.add(entry, held.signature)
    if (rec === undefined) return false
    this.store.forked(entry.doc)
    const open = this.replicas.opening(entry.doc)
    if (open !== undefined) await this.applyChecked(await open, updates, entry)
    const f = this.setAside.describeFork(rec)
    log.error('fork: two different entries of %s at %s lane %d seq %d (both kept and applied)', f.authorLabel ?? f.author.slice(0, 12), f.docName ?? f.doc.slice(0, 12), f.lane, f.seq)
    this.emit('fork', f)
    this.emitEntry(undefined, entry, false, from)
    this.emitEntry(undefined, held, false)
    return true
  }

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
   * Whether a peer holds more of this device's lane in use than this home does: the home was
   * restored or copied (or its lane file is stale). The lane is abandoned (the next write opens
   * a fresh one) and true returned; the caller sends the peer this device's own entries of that
   * lane, so any slot written twice is found as a fork on both sides.
   */
  behindOwnLane (doc: Uint8Array, lane: number, seq: bigint): boolean {
    const me = this.identity.device.publicKey
    // Once found, every peer holding the lane gets this home's entries of it (duplicates are cheap; a missed fork is not).
    if (this.restoredLanes.has(lane)) return seq > 0n
    if (lane !== this.lane.active) return false
    const mine = this.store.maxSeq(doc, me, lane)
    if (seq <= BigInt(mine)) return false
    this.restoredLanes.add(lane)
    log.error('a peer holds lane %d of this device up to %d, this home only to %d: it was restored or copied; new writes go to a fresh lane', lane, seq, mine)
    this.lane.abandon()
    return true
  }

  /**
   * A peer holds other content at a position of this lane (its content tip differs at the same
   * seq): a fork, found before any entry of it arrived twice. When the lane is this device's own
   * lane in use, this home was restored or copied and wrote again where its original had: its
   * next writes go to a fresh lane (see behindOwnLane).
   */
  divergedLane (doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint): void {
    log.error('a peer holds other content than this node at %s lane %d up to seq %d (author %s): exchanging that lane to find the fork', this.names.get(toHex(doc)) ?? toHex(doc).slice(0, 12), lane, seq, toHex(author).slice(0, 12))
    if (!Buffer.from(author).equals(Buffer.from(this.identity.device.publicKey)) || lane !== this.lane.active || this.restoredLanes.has(lane)) return
    this.restoredLanes.add(lane)
    log.error('this home wrote lane %d where a peer holds other entries of it: it was restored or copied; new writes go to a fresh lane', lane)
    this.lane.abandon()
  }

  /** Lanes of this device found behind what peers hold: every peer showing more of one is sent this home's entries of it. */
  private readonly restoredLanes = new Set<number>()

  /** An entry of this device's own lane in use that this home does not hold: see behindOwnLane. */
  private noticeOwnLane (entry: Entry): void {
    if (Buffer.from(entry.author).equals(Buffer.from(this.identity.device.publicKey))) this.behindOwnLane(entry.doc, entry.lane, entry.seq)
  }

  /**
   * An entry the store does not hold, in a slot a stored snapshot claims: a duplicate only if
   * that snapshot's state holds it. Otherwise the claim was false: it is recorded as such (the
   * snapshot's state stays, its coverage counts for nothing) and the entry is taken.
   */
  private async claimedAndHeld (entry: Entry, updates: Uint8Array[], claimed: StoredSnapshot[]): Promise<boolean> {
    for (const s of claimed) {
      const h = await this.snapshots.checks.holdingOfStored(s).catch((err: unknown) => { log.error('snapshot %s unreadable: %e', s.path, err); return undefined })
      if (h !== undefined && updates.every(u => holds(h, u))) return true
    }
    for (const s of claimed) {
      const rec = await this.store.disprove(s, `claims seq ${entry.seq} of ${streamKey(entry).slice(0, 12)} without holding it`)
      log.error('snapshot %s claims an entry its state does not hold: its coverage no longer counts', s.path)
      this.emit('quarantined', this.setAside.describe(rec))
    }
    return false
  }

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
  async addCertificate (bytes: Uint8Array): Promise<void> {
    this.check()
    const added = this.certs.add(bytes)
    if (added.registry === true) {
      this.onRegistry(added.revoked ?? [], bytes)
      if (await this.store.putCertificate(bytes)) this.emit('certificate', bytes)
      return
    }
    const { device, changed } = added
    const reloaded = changed ? this.rejudge(device) : []
    if (await this.store.putCertificate(bytes)) this.emit('certificate', bytes)
    const cert = this.certs.get(device)
    if (changed && cert !== undefined) this.emit('rights', { deviceId: cert.deviceId, label: cert.label, capabilities: cert.capabilities, reloaded })
  }

  // --- The registry (issue 14): operations this node makes, revocations, rotations ---

  /**
   * Publishes a registry operation this node made: judged and sent to every peer in this tick
   * (before any entry sealed after it, so an epoch is known before entries under it arrive), then
   * stored.
   */
  async publish (op: RegistryOp & { cutoffParts?: readonly Uint8Array[] }): Promise<void> {
    this.check()
    const added = this.certs.add(op.bytes)
    this.onRegistry(added.revoked ?? [], op.bytes)
    this.emit('certificate', op.bytes)
    // A revoke's cutoff parts (crdt/SPEC.md §Cutoff parts) right after it: a peer refuses a part before its head.
    for (const p of op.cutoffParts ?? []) { this.certs.add(p); this.emit('certificate', p) }
    await this.store.putCertificate(op.bytes)
    for (const p of op.cutoffParts ?? []) await this.store.putCertificate(p)
  }

  /**
   * Revokes devices (by their keys): the revoke is signed by this admin device, or by the wallet
   * when given (any member may publish it), published at once, and the rotation it owes is made
   * here in the same call when this device can write (otherwise the next device that can does).
   * Returns the revoke and the new epoch, if this device rotated. `heldElsewhere`: what connected
   * peers reported holding (MeshNode.peerVectors), so the cutoff keeps what only they hold.
   */
  async revoke (devices: readonly Uint8Array[], opts: { reason?: string, wallet?: Wallet, heldElsewhere?: readonly PeerVectors[] } = {}): Promise<{ op: RegistryOp & { cutoffParts: readonly Uint8Array[] }, epoch?: number }> {
    this.check()
    const op = revokeDevices(this.identity, this.certs, this.store, devices, opts)
    const stored = this.publish(op)
    const epoch = this.beforeWrite()
    await stored
    return { op, epoch }
  }

  /**
   * Enrols a device from this admin device (pairing, a mirror): its certificate (with the chain)
   * and the enrolment published. Hand the new device `certificate.bytes`, `this.certs.records()`
   * and the keys it is entitled to.
   */
  async enrolDevice (req: EnrolRequest): Promise<{ certificate: import('../identity/index.js').ChainCertificate, op: RegistryOp }> {
    this.check()
    const r = enrolDevice(this.identity, this.certs, req)
    await this.publish(r.op)
    return r
  }

  private onRegistry (revoked: Uint8Array[], bytes: Uint8Array): void {
    this.takeEpochKeys()
    for (const device of revoked) {
      const cert = this.certs.get(device)
      const reloaded = this.rejudge(device)
      const e = { deviceKey: device, deviceId: cert?.deviceId ?? toHex(device), label: cert?.label ?? toHex(device).slice(0, 8) }
      log('device %s (%s) revoked by the registry', e.label, e.deviceId)
      this.emit('revoked', e)
      if (cert !== undefined) this.emit('rights', { deviceId: cert.deviceId, label: cert.label, capabilities: [], reloaded })
    }
    this.scheduleDischarge()
    this.scheduleHeal()
    const op = this.certs.registryOps().find(o => equals(o.bytes, bytes))
    if (op !== undefined) this.emit('registry', op)
  }

  /** Unwraps the epoch keys wrapped to this device that it lacks, and keeps them in vault.keys. */
  private recovery: import('../identity/index.js').KemKeyPair | undefined

  private takeEpochKeys (): void {
    const added = unwrapMine(this.identity, this.certs, this.recovery)
    if (added.length > 0) {
      log('epoch keys %o unwrapped', added)
      this.saveKeys()
    }
  }

  private saveKeys (): void {
    this.track(writeHomeFile(this.home, 'vaultKeys', encodeKeyFile(this.identity.wallet, this.identity.keys)))
  }

  private healTimer: NodeJS.Timeout | undefined
  /** A reader without the wrap of an epoch this device holds: granted after a short random delay (one device usually does it). */
  private scheduleHeal (): void {
    if (this.closing !== undefined || this.healTimer !== undefined || this.certs.state.epochs.size === 0) return
    this.healTimer = setTimeout(() => {
      this.healTimer = undefined
      if (this.closing !== undefined) return
      for (const op of grants(this.identity, this.certs)) this.track(this.publish(op))
    }, 200 + Math.random() * 1300)
    this.healTimer.unref()
  }

  private dischargeTimer: NodeJS.Timeout | undefined
  /** An open debt: a device that can write discharges it after a random delay, unless another did first. */
  private scheduleDischarge (): void {
    if (this.closing !== undefined || this.dischargeTimer !== undefined || this.certs.state.owed.length === 0 || !this.writable) return
    const ms = DISCHARGE_DELAY_MS.min + Math.random() * (DISCHARGE_DELAY_MS.max - DISCHARGE_DELAY_MS.min)
    this.dischargeTimer = setTimeout(() => {
      this.dischargeTimer = undefined
      if (this.closing === undefined) this.beforeWrite()
    }, ms)
    this.dischargeTimer.unref()
  }

  /**
   * Discharges an owed rotation before this device seals anything: a new epoch key, wrapped to
   * every remaining reader and the recovery key, published, and used from this entry on. No
   * honest device that knows of a revocation writes under a key the revoked device holds.
   * Returns the new epoch, if it rotated.
   */
  beforeWrite (): number | undefined {
    if (this.certs.state.owed.length === 0 || !this.writable) return undefined
    const r = rotation(this.identity, this.certs)
    if (r === undefined) return undefined
    addEpochKey(this.identity.keys, r.epoch, r.key)
    this.saveKeys()
    log('rotated to epoch %d, discharging %d revocation(s)', r.epoch, r.op.epoch?.discharges.length)
    this.track(this.publish(r.op))
    return r.epoch
  }

  // --- Rights that changed (issue 12 §1; issue 14's revocation takes the same path) ---

  /**
   * A device's rights changed (a newer certificate, a new cutoff): an open document that applied
   * entries of it the change now refuses (above its cutoff, without `write`) is reloaded from the
   * store, whose load refuses them. They stay on disk but are never loaded or served (servable).
   */
  private rejudge (device: Uint8Array): string[] {
    const reloaded: string[] = []
    for (const r of this.replicas.all()) {
      if (!r.loaded || !r.readable) continue
      for (const c of r.coverVector()) {
        if (!equals(c.author, device)) continue
        try {
          this.certs.judgeUpdate({ author: device, doc: r.id, lane: c.lane ?? 0, seq: c.seq, epoch: this.identity.keys.currentEpoch }, { at: 'load' })
        } catch (err: any) {
          log.error('%s holds entries of a device whose rights changed: reloaded without them (%s)', r.name, err?.message)
          r.discard(new MissingCapabilityError(`document ${r.name} was reloaded: ${err?.message}`, {}, { cause: err }))
          reloaded.push(r.name)
          break
        }
      }
    }
    return reloaded
  }

  /** Whether a stored snapshot may be offered to a peer: the rule of servable(), for snapshots. */
  servableSnapshot (header: Entry): boolean {
    return this.certs.servesSnapshot(header, (err) => { log('stored snapshot held back from a peer: %e', err) })
  }


  /**
   * Stored entries as they may be handed to a peer: one that a changed certificate refuses (the
   * load rule) is held back, so nothing accepted before the change is forwarded after it.
   */
  async * servable (entries: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const bytes of entries) {
      if (!this.certs.restricting) { yield bytes; continue }
      try {
        const e = parseTrustedEntry(bytes)
        this.certs.judgeUpdate(e, { at: 'load' })
      } catch (err) {
        log('stored entry held back from a peer: %e', err)
        continue
      }
      yield bytes
    }
  }

  emitEntry (replica: Replica | undefined, entry: Entry, local: boolean, from?: string): void {
    this.emit('entry', { replica, doc: entry.doc as DocId, entry, local, from })
  }

  /** Names of the documents this vault can name: the fixed ones and every session in the index. */
  async docNames (): Promise<Map<string, string>> {
    const names = new Map<string, string>()
    for (const n of [DOC_NAMES.sessionsIndex, DOC_NAMES.memory, DOC_NAMES.skills]) names.set(toHex(this.docId(n)), n)
    const r = await this.acquire(DOC_NAMES.sessionsIndex)
    try {
      for (const s of new SessionsIndexDoc(r.doc).list()) {
        const hex = toHex(this.docId(DOC_NAMES.session(s.key as SessionKey)))
        names.set(hex, s.key)
        this.names.set(hex, DOC_NAMES.session(s.key as SessionKey))
      }
    } finally {
      await this.release(r)
    }
    return names
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
    if (this.dischargeTimer !== undefined) clearTimeout(this.dischargeTimer)
    if (this.healTimer !== undefined) clearTimeout(this.healTimer)
    this.closing = (async () => {
      while (this.background.size > 0) await Promise.allSettled([...this.background])
      await this.replicas.closeAll()
      this.snapshots.fresh.clear()
      await this.store.close()
      await this.lane.close()
      await this.lock.release()
    })()
    return await this.closing
  }
}
