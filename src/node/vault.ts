/**
 * The vault: one home opened by one process. It holds the identity, the store, the certificate
 * registry and the open replicas, and it is the single admission path for entries, local or
 * received. It works without the wallet once the home is enrolled.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import * as Y from 'yjs'
import { DOC_NAMES, sealSnapshot, SnapshotOpener, SessionsIndexDoc, type SessionKey } from '../../crdt/index.js'
import { ClosedError, HomeNotInitializedError, MissingCapabilityError, NotFoundError, WalletMismatchError } from '../errors.js'
import { addEpochKey, certificateRecordSealer, checkEntrySignature, parseTrustedEntry, docIdFor, equals, hasCapability, isExpired, toHex, type DocId, type Entry, type RegistryOp, type Wallet } from '../identity/index.js'
import { acquireLock, ensureHomeDir, EntryStore, isInitialized, writeHomeFile, type HomeLock } from '../store/index.js'
import { admitSnapshot, admitSnapshotHeader, admitUpdate, isFromAuthor } from './admit.js'
import { CertRegistry } from './certs.js'
import { enrol, loadIdentity, type EnrolOptions, type HomeIdentity } from './enrol.js'
import { encodeKeyFile } from './keyfile.js'
import { rotation, unwrapMine } from './registry-ops.js'
import { Lane } from './lane.js'
import { Replica, type EntryEvent } from './replica.js'

const log = logger('mesh:node:vault')
/** How much received snapshot state is kept for a first open, and for how long (see keepFresh). */
const FRESH = { maxBytes: 64 * 1024 * 1024, ms: 30_000 } as const

export interface VaultOptions {
  home: string
  /** Needed only to create the home (or re-issue its certificate). */
  wallet?: Wallet
  /** Enrol options used when the home is created with the wallet. */
  enrol?: EnrolOptions
  /** Seal a snapshot once a document has this many entries no snapshot covers. @default 1000 */
  snapshotEvery?: number
  /** On close, snapshot documents with at least this many uncovered entries. @default 32 */
  snapshotOnClose?: number
  /** The clock certificate expiry is judged by (ms). @default Date.now */
  clock?: () => number
}

export type AcceptResult = 'stored' | 'duplicate'

export interface VaultEvents {
  entry: [EntryEvent]
  certificate: [Uint8Array]
  /** A device's rights changed (a newer certificate, a cutoff); `reloaded`: open documents reloaded without its refused entries. */
  rights: [RightsEvent]
  /** The disk filled up (true: appends are refused, reads go on) or has room again (false). */
  disk: [boolean]
  /** The registry revoked a device (every peer disconnects it at once). */
  revoked: [RevokedEvent]
  /** The registry changed (an operation was added): devices, epochs or debts may have. */
  registry: [RegistryOp]
}

export interface RevokedEvent { deviceKey: Uint8Array, deviceId: string, label: string }

/** How long a device that did not revoke waits before discharging an owed rotation, at random (de-duplication); it always does before its own next write. */
export const DISCHARGE_DELAY_MS = { min: 2000, max: 10_000 }

export interface RightsEvent { deviceId: string, label: string, capabilities: readonly string[], reloaded: string[] }

export class Vault extends EventEmitter<VaultEvents> {
  readonly home: string
  readonly identity: HomeIdentity
  readonly store: EntryStore
  readonly certs: CertRegistry
  /** The write lane local entries go into (see lane.ts). */
  readonly lane: Lane
  private readonly lock: HomeLock
  private readonly replicas = new Map<string, Promise<Replica>>()
  /** The current instance per document, set synchronously, so release and acquire cannot interleave. */
  private readonly instances = new Map<string, Replica>()
  private readonly snapshotting = new Set<string>()
  private readonly background = new Set<Promise<unknown>>()
  private readonly opts: Required<Pick<VaultOptions, 'snapshotEvery' | 'snapshotOnClose' | 'clock'>>
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
    store.disk.on('change', (full) => { this.emit('disk', full) })
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
      for (const r of store.recovered) log.error('store recovered: %s of %d bytes at %d (kept in %s)', r.kind, r.bytes, r.offset, r.quarantine)
      v.certs.add(identity.certificate.bytes)
      await store.putCertificate(identity.certificate.bytes)
      for (const c of store.certificates()) {
        try { v.certs.add(c) } catch (err) { log('stored certificate not accepted: %e', err) }
      }
      v.takeEpochKeys()
      v.scheduleDischarge()
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
  async acquire (name: string): Promise<Replica> {
    this.check()
    const id = this.docId(name)
    const key = toHex(id)
    let p = this.replicas.get(key)
    let inst = this.instances.get(key)
    if (p === undefined || inst === undefined) {
      const r = new Replica(this, id, name)
      inst = r
      p = r.load().then(() => r)
      this.replicas.set(key, p)
      this.instances.set(key, r)
      p.catch(() => { if (this.instances.get(key) === r) { this.replicas.delete(key); this.instances.delete(key) } })
    }
    // Counted before the first await, so a concurrent release sees this user.
    inst.refs++
    try {
      return await p
    } catch (err) {
      inst.refs--
      throw err
    }
  }

  async release (r: Replica): Promise<void> {
    r.refs--
    if (r.refs > 0) return
    await r.settle()
    await this.snapshotOnClose(r)
    if (r.refs > 0) return // acquired again meanwhile
    this.evict(r)
    await r.close()
  }

  /** Takes a replica out of the cache (synchronously) so the next open reloads from disk. */
  evict (r: Replica): void {
    const key = toHex(r.id)
    if (this.instances.get(key) === r) {
      this.instances.delete(key)
      this.replicas.delete(key)
    }
  }

  /** Called by a replica at load: snapshots first, then the entries they do not cover. */
  async loadInto (r: Replica): Promise<void> {
    for (const s of this.store.snapshots(r.id)) {
      try {
        const fresh = this.takeFresh(s.header.signature)
        const { header, state } = fresh ?? admitSnapshot(s.header.bytes, await this.store.readSnapshot(s), this.certs, this.identity.keys, { at: 'load' })
        r.applySnapshot(state, header.covers)
      } catch (err) {
        log.error('snapshot %s of %s refused at load: %e', s.path, r.name, err)
      }
    }
    const admitted: Array<{ entry: Entry, updates: Uint8Array[] }> = []
    for await (const bytes of this.store.uncovered(r.id)) {
      try {
        const entry = parseTrustedEntry(bytes)
        admitted.push({ entry, updates: admitUpdate(entry, this.certs, this.identity.keys, { at: 'load' }) })
      } catch (err) {
        log.error('stored entry of %s refused at load: %e', r.name, err)
      }
    }
    r.remote(() => { for (const a of admitted) r.applyRemote(a.updates, a.entry) })
  }

  /**
   * The admission path for an update entry from anywhere: verify, store (durably), apply to the
   * open replica. Throws the typed error of the first failed check; stores nothing then.
   * `from` is the PeerId of the authenticated channel it came over, if any.
   */
  async accept (bytes: Uint8Array, from?: string): Promise<{ result: AcceptResult, entry: Entry }> {
    this.check()
    const entry = parseTrustedEntry(bytes)
    let stored = from === undefined ? undefined : this.acceptFromAuthor(entry, from)
    if (stored === undefined) {
      const updates = admitUpdate(entry, this.certs, this.identity.keys, { at: 'receive', from })
      if (this.store.has(entry.doc, entry.author, entry.seq, entry.lane)) return { result: 'duplicate', entry }
      // putEntry indexes the entry before its first await, and the replica is looked up in the
      // same tick: a replica created later loads it from the index, one that exists gets it here.
      stored = this.store.putEntry(entry)
      const open = this.replicas.get(toHex(entry.doc))
      if (open !== undefined) (await open).applyRemote(updates, entry)
    }
    await stored
    this.emitEntry(undefined, entry, false, from)
    return { result: 'stored', entry }
  }

  /**
   * Straight from its author to a loaded replica: applied first (readers see it at once), then
   * the signature is checked and the entry stored, all in this tick. Undefined when that does
   * not apply (another author, a duplicate, no loaded replica): the caller takes the usual path.
   * Returns the store's write.
   */
  private acceptFromAuthor (entry: Entry, from: string): Promise<void> | undefined {
    if (!isFromAuthor(entry, from, this.certs)) return undefined
    const r = this.instances.get(toHex(entry.doc))
    if (r === undefined || !r.loaded || !r.readable) return undefined
    if (this.store.has(entry.doc, entry.author, entry.seq, entry.lane)) return undefined
    const updates = admitUpdate(entry, this.certs, this.identity.keys, { at: 'receive', from }, 'later')
    r.applyRemote(updates, entry)
    try {
      checkEntrySignature(entry)
    } catch (err: any) {
      log.error('entry from %s applied to %s, then its signature failed: the document is reloaded from the store', from, r.name)
      r.discard(err)
      throw err
    }
    return this.store.putEntry(entry)
  }

  /**
   * Takes a snapshot from a peer as it arrives: the signed header and its author's certificate
   * are checked first (a refused one costs no transfer), then each piece is decrypted, hashed
   * and written to a staged file while the rest is still on the wire. At the end the signed
   * digest decides: the file joins the store and the state is applied (or kept for the first
   * open), or everything is dropped. Throws, as `end()` does, the typed error of the first check
   * that failed. From `offset` > 0 it resumes a transfer that broke off (see store/partial.ts);
   * `abort()` keeps what arrived for that.
   */
  receiveSnapshot (headerBytes: Uint8Array, offset = 0): { write: (piece: Uint8Array) => Promise<void> | undefined, end: () => Promise<Entry>, abort: () => void } {
    this.check()
    const header = admitSnapshotHeader(headerBytes, this.certs, { at: 'receive' })
    const opener = new SnapshotOpener(this.identity.keys, header)
    const partial = offset > 0 ? this.store.partialFor(header) : undefined
    if (offset > 0 && (partial === undefined || partial.held < offset)) throw new NotFoundError(`no partial snapshot of ${offset} bytes is held to resume`, { offset })
    const file = this.store.receiveSnapshotFile(header, offset)
    let failed: unknown
    const feed = (piece: Uint8Array): void => {
      if (failed !== undefined) return
      try { opener.update(piece) } catch (err) { failed = err }
    }
    // A resume re-reads the bytes held first, in slices: the running digest and the decrypted
    // state are recomputed from what is on disk (nothing of a transfer is trusted before the
    // whole snapshot's signed digest matched). Pieces arriving meanwhile are fed after them.
    let loading: Promise<void> | undefined
    const chain = (next: () => void | Promise<void>): Promise<void> => {
      const p: Promise<void> = (loading ?? Promise.resolve()).then(next).catch((err: unknown) => { failed ??= err })
      loading = p
      void p.then(() => { if (loading === p) loading = undefined })
      return p
    }
    if (partial !== undefined) {
      void chain(async () => {
        for await (const piece of this.store.partialPrefix(partial, offset, 1024 * 1024)) {
          feed(piece)
          await new Promise(resolve => setImmediate(resolve)) // the event loop breathes between slices
        }
      })
    }
    return {
      write: (piece) => {
        if (failed !== undefined) return undefined
        const disk = file.write(piece)
        if (loading === undefined) { feed(piece); return disk }
        const fed = chain(() => { feed(piece) })
        return disk === undefined ? fed : Promise.all([fed, disk]).then(() => undefined)
      },
      end: async () => {
        let state: Uint8Array
        try {
          while (loading !== undefined) await loading
          if (failed !== undefined) throw failed
          state = opener.final()
        } catch (err) {
          await file.discard()
          throw err
        }
        await file.commit()
        const open = this.replicas.get(toHex(header.doc))
        if (open !== undefined) (await open).applySnapshot(state, header.covers)
        else this.keepFresh(header, state)
        return header
      },
      // Broken off: what arrived is kept for a resume, unless it already proved bad. In the
      // background (the session that broke off does not wait); close() waits for it.
      abort: () => {
        const p = failed !== undefined ? file.discard() : file.keep()
        this.keeping.add(p)
        this.track(p.finally(() => this.keeping.delete(p)))
      }
    }
  }

  /** Snapshots whose transfer broke off, still being synced to disk for a resume. */
  private readonly keeping = new Set<Promise<void>>()

  /**
   * Snapshots held in part, once those whose transfer just broke off are on disk: a session that
   * starts right after a dropped one announces what the dropped one received.
   */
  async heldSnapshots (): Promise<ReturnType<EntryStore['partialSnapshots']>> {
    await Promise.allSettled([...this.keeping])
    return this.store.partialSnapshots()
  }

  /**
   * The verified, decrypted state of snapshots just received for documents nobody has open,
   * kept briefly: such a document is usually opened next (`mesh resume`, a watcher waiting for
   * it), and its load then applies this instead of reading, verifying and decrypting the same
   * snapshot again. Bounded in bytes and age; used at most once.
   */
  private readonly fresh = new Map<string, { header: Entry, state: Uint8Array, until: number }>()

  private keepFresh (header: Entry, state: Uint8Array): void {
    const now = Date.now()
    for (const [k, f] of this.fresh) if (f.until <= now) this.fresh.delete(k)
    if (state.byteLength > FRESH.maxBytes) return
    let bytes = state.byteLength
    for (const f of this.fresh.values()) bytes += f.state.byteLength
    // The oldest go first (a Map keeps insertion order).
    for (const [k, f] of this.fresh) {
      if (bytes <= FRESH.maxBytes) break
      this.fresh.delete(k)
      bytes -= f.state.byteLength
    }
    this.fresh.set(toHex(header.signature), { header, state, until: now + FRESH.ms })
  }

  private takeFresh (signature: Uint8Array): { header: Entry, state: Uint8Array } | undefined {
    const k = toHex(signature)
    const f = this.fresh.get(k)
    if (f === undefined) return undefined
    this.fresh.delete(k)
    return f.until > Date.now() ? f : undefined
  }

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
  async publish (op: RegistryOp): Promise<void> {
    this.check()
    const added = this.certs.add(op.bytes)
    this.onRegistry(added.revoked ?? [], op.bytes)
    this.emit('certificate', op.bytes)
    await this.store.putCertificate(op.bytes)
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
    const op = this.certs.registryOps().find(o => equals(o.bytes, bytes))
    if (op !== undefined) this.emit('registry', op)
  }

  /** Unwraps the epoch keys wrapped to this device that it lacks, and keeps them in vault.keys. */
  private takeEpochKeys (): void {
    const added = unwrapMine(this.identity, this.certs)
    if (added.length > 0) {
      log('epoch keys %o unwrapped', added)
      this.saveKeys()
    }
  }

  private saveKeys (): void {
    this.track(writeHomeFile(this.home, 'vaultKeys', encodeKeyFile(this.identity.wallet, this.identity.keys)))
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
    for (const r of [...this.instances.values()]) {
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
    if (!this.certs.restricting) return true
    try {
      this.certs.judgeSnapshot(header, { at: 'load' })
      return true
    } catch (err) {
      log('stored snapshot held back from a peer: %e', err)
      return false
    }
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
      for (const s of new SessionsIndexDoc(r.doc).list()) names.set(toHex(this.docId(DOC_NAMES.session(s.key as SessionKey))), s.key)
    } finally {
      await this.release(r)
    }
    return names
  }

  maybeSnapshot (r: Replica): void {
    if (this.store.uncoveredCount(r.id) < this.opts.snapshotEvery) return
    this.track(this.snapshotIfNeeded(r, this.opts.snapshotEvery))
  }

  private track (p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => { log.error('background work failed: %e', err) }).finally(() => this.background.delete(t))
    this.background.add(t)
  }

  /** Seals the replica's full state as a snapshot covering the store's vector, then compacts. */
  async snapshotIfNeeded (r: Replica, threshold: number): Promise<boolean> {
    if (!this.writable || !r.readable) return false
    this.beforeWrite()
    const key = toHex(r.id)
    if (this.snapshotting.has(key)) return false
    if (this.store.uncoveredCount(r.id) < Math.max(1, threshold)) return false
    this.snapshotting.add(key)
    try {
      await r.settle()
      // What the doc holds, not what the store holds: the two differ while entries are in flight.
      const covers = r.coverVector()
      const state = Y.encodeStateAsUpdate(r.doc)
      const me = this.identity.device.publicKey
      let seq = Date.now()
      for (const s of this.store.snapshots(r.id)) if (toHex(s.header.author) === toHex(me)) seq = Math.max(seq, Number(s.header.seq) + 1)
      const sealed = sealSnapshot({ keys: this.identity.keys, signer: this.identity.device.signer }, r.id, BigInt(seq), state, covers)
      await this.store.putSnapshot(sealed.header, sealed.ciphertext)
      await this.store.compact()
      return true
    } finally {
      this.snapshotting.delete(key)
    }
  }

  /** A snapshot is an optimisation: failing to write one (a full disk) loses nothing, so it is logged. */
  private async snapshotOnClose (r: Replica): Promise<void> {
    if (!r.readable) return
    await this.snapshotIfNeeded(r, this.opts.snapshotOnClose).catch((err: unknown) => { log.error('snapshot of %s on close failed: %e', r.name, err) })
  }

  async close (): Promise<void> {
    if (this.closing !== undefined) return await this.closing
    if (this.dischargeTimer !== undefined) clearTimeout(this.dischargeTimer)
    this.closing = (async () => {
      while (this.background.size > 0) await Promise.allSettled([...this.background])
      for (const p of [...this.replicas.values()]) {
        try {
          const r = await p
          await r.settle()
          await this.snapshotOnClose(r)
          await r.close()
        } catch (err) {
          log.error('closing a replica failed: %e', err)
        }
      }
      this.replicas.clear()
      this.fresh.clear()
      await this.store.close()
      await this.lane.close()
      await this.lock.release()
    })()
    return await this.closing
  }
}
