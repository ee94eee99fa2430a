/**
 * The blind mirror: a home with a device key and a certificate of the wallet but no vault keys,
 * run by `mesh join --mirror` on an always-on machine. It stores and forwards what members write
 * as the sealed bytes they wrote, so that two devices never online together hand off through it;
 * it can open none of it. Everything it takes is checked without the key, in admission order:
 * size, envelope, the signature over the received bytes, the author's certificate and rights at
 * that position (certs.ts: cutoffs, superseded certificates, read-only devices), and for a
 * snapshot its signed size and SHA-256 over the ciphertext. It never writes, never snapshots, and
 * never compacts: a snapshot's `covers` is a claim it cannot check without the key, so it keeps
 * every entry a snapshot claims to cover, and trusts a claim only on its author's own lanes
 * (mirror-claims.ts).
 *
 * @example
 * const mirror = await MirrorVault.open({ home })
 * const node = await MeshNode.start(mirror, { relay: true })
 */
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import type { AuthorSeq, DocVector, EntryRef, ReplicaSource, SyncPlan } from '../../protocols/sync/index.js'
import { ClosedError, HomeCorruptError, HomeNotInitializedError, InvalidEntryError, InvalidInputError, NotFoundError, WalletMismatchError } from '../errors.js'
import {
  deriveVaultKeys, deviceKeyToBytes, LABEL, toB64, ENTRY_KIND, membershipKey, vaultSeedSignature, equals, fromBase58, generateDeviceKey, isUpdateKind, issueChainCertificate, parseStreamKey,
  parseTrustedEntry, streamKey, toHex, verifyAnyCertificate, verifyEntry, type Certificate, type DeviceKey, type Entry, type Wallet, type WalletAddress
} from '../identity/index.js'
import { acquireLock, ensureHomeDir, EntryStore, homePath, isInitialized, readHomeFile, readHomeText, writeHomeFile, type HomeLock, type StoredSnapshot } from '../store/index.js'
import { checkLabel, readDeviceKey } from './enrol.js'
import { CertRegistry } from './certs.js'
import { keysCheck } from './keyfile.js'
import { Budgets, type Limits } from './limits.js'
import { authorOp } from './registry-ops.js'
import { LaneRetirer, holdersOf } from './retire.js'
import { servable, servesSlots, servesSnapshot } from './serving.js'
import { mirrorVector, ownClaims, supersedes } from './mirror-claims.js'
import { chooseSnapshots } from './tail.js'
import { tipEntries, tipsFor } from './tips.js'

const log = logger('mesh:node:mirror')


export interface MirrorIdentity {
  readonly home: string
  readonly wallet: WalletAddress
  readonly walletKey: Uint8Array
  readonly device: DeviceKey
  readonly certificate: Certificate
  /** Never present: a mirror holds no vault key. */
  readonly keys?: undefined
  /**
   * The vault's membership key (protocols/membership/SPEC.md): what the gate asks of every peer
   * before any certificate moves. It is an HKDF of the rendezvous key and opens nothing (no
   * document, no key, not the rendezvous itself); without it a mirror could not enter the mesh.
   */
  readonly membershipKey: Uint8Array
}

/** `check`: mirrorFileCheck() of the rest, base64; absent in a file written before it (read as it is). */
interface MirrorFile { version: 1, wallet: string, membershipKey?: string, check?: string }

/**
 * A digest of mirror.json's wallet and membership key: a key damaged on disk still decodes to 32
 * bytes, and used, the mirror's gate answered every member with a wrong key, saying nothing.
 */
function mirrorFileCheck (wallet: string, key: Uint8Array): string {
  return keysCheck(LABEL.mirrorFileCheck, [wallet, toB64(key)])
}

/** Whether a home is a mirror's (it holds a mirror.json and no vault keys). */
export async function isMirrorHome (home: string): Promise<boolean> {
  return (await readHomeText(home, 'mirror')) !== undefined
}

/**
 * mirror.json's text, its shape checked: a damaged one (null, its wallet gone or not base58) was
 * INTERNAL in a decoder's words, naming no file. The membership key is checked by the caller.
 */
function parseMirrorFile (home: string, text: string): MirrorFile {
  const path = homePath(home, 'mirror')
  const hint = { sep: '. ', cli: 'What it holds comes again from the members: move the home aside and set the mirror up again (`mesh init --mirror --wallet PATH`, or `mesh pair --mirror`)', mcp: 'No tool can mend it: a person sets the mirror up again' }
  let file: unknown
  try { file = JSON.parse(text) } catch (err) { throw new HomeCorruptError(`${path} is not valid JSON`, { home, file: path }, { cause: err, hint }) }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new HomeCorruptError(`${path} holds ${Array.isArray(file) ? 'a list' : String(file)}, not a mirror's settings`, { home, file: path }, { hint })
  const wallet = (file as { wallet?: unknown }).wallet
  let key: Uint8Array | undefined
  try { key = typeof wallet === 'string' ? fromBase58(wallet) : undefined } catch { key = undefined }
  if (key?.byteLength !== 32) throw new HomeCorruptError(`${path}: the wallet's address is ${wallet === undefined ? 'missing' : 'damaged (not the base58 of a 32-byte key)'}`, { home, file: path }, { hint })
  return file as MirrorFile
}

export async function loadMirrorIdentity (home: string): Promise<MirrorIdentity> {
  const text = await readHomeText(home, 'mirror')
  if (text === undefined) throw new HomeNotInitializedError(`home ${home} is not a mirror's`, { home }, { hint: { cli: 'run `mesh init --mirror` with the wallet', mcp: 'a person sets it up as a mirror with the wallet, on this machine' } })
  const file = parseMirrorFile(home, text)
  const walletKey = fromBase58(file.wallet)
  const device = await readDeviceKey(home)
  let certificate: Certificate
  try {
    certificate = verifyAnyCertificate(await readHomeFile(home, 'certificate'), { wallet: walletKey, deviceKey: device.publicKey, expiry: false })
  } catch (err: any) {
    if (err?.code === 'HOME_NOT_INITIALIZED') throw err
    throw new HomeCorruptError(`the certificate in ${home} does not verify: ${err?.message}`, { home }, { cause: err })
  }
  if (typeof file.membershipKey !== 'string') throw new HomeCorruptError(`${homePath(home, 'mirror')} has no membership key`, { home }, { hint: { cli: 'run `mesh init --mirror` again with the wallet', mcp: 'a person sets the mirror up again with the wallet, on this machine' } })
  const membership = Buffer.from(file.membershipKey, 'base64')
  if (membership.byteLength !== 32) throw new HomeCorruptError(`${homePath(home, 'mirror')} holds a malformed membership key`, { home })
  if (file.check !== undefined && file.check !== mirrorFileCheck(file.wallet, membership)) {
    const path = homePath(home, 'mirror')
    throw new HomeCorruptError(`${path}: its membership key is not the one written there (it does not match the file's check): the file is damaged`, { home, file: path, membershipKey: 'damaged' }, { hint: { sep: '. ', cli: 'Set the mirror up again with the wallet (`mesh init --mirror --wallet PATH`, which writes the key again), or move the home aside and pair it again (`mesh pair --mirror`)', mcp: 'No tool can mend it: a person sets the mirror up again' } })
  }
  return { home, wallet: file.wallet as WalletAddress, walletKey, device, certificate, membershipKey: new Uint8Array(membership) }
}

/**
 * Creates a mirror's home with the wallet at hand: a device key, a version 3 certificate with the
 * capability `mirror` alone (no `read`, no KEM key: no epoch key is ever wrapped to it) and its
 * enrolment in the registry, signed by the wallet, sent to every member at the first sync. No
 * vault key: of what the wallet's seed signature derives, only the membership key is kept (an
 * HKDF of the rendezvous key that opens nothing; the gate asks for it). A home that holds vault keys
 * already is refused: it cannot be made blind. (An admin device can enrol a mirror without the
 * wallet: node/registry-ops.ts enrolDevice with capabilities ['mirror'].)
 */
export async function enrolMirror (home: string, wallet: Wallet, opts: { label?: string } = {}): Promise<MirrorIdentity> {
  await ensureHomeDir(home)
  if (await isInitialized(home)) {
    if (!(await isMirrorHome(home))) throw new InvalidInputError(`home ${home} holds vault keys: a mirror's home must never have had them`, { home }, { hint: { sep: '; ', cli: 'use a new --home for the mirror', mcp: 'a mirror is set up in a new home' } })
    const file = parseMirrorFile(home, await readHomeText(home, 'mirror') ?? '{}')
    if (file.wallet !== wallet.address) throw WalletMismatchError.forHome(home, file.wallet, wallet)
    // A mirror made before the gate lacks the membership key, and a damaged one fails its check:
    // the wallet at hand writes it (again).
    const damaged = file.check !== undefined && (typeof file.membershipKey !== 'string' || file.check !== mirrorFileCheck(file.wallet, new Uint8Array(Buffer.from(file.membershipKey, 'base64'))))
    if (file.membershipKey === undefined || damaged) await writeMirrorFile(home, wallet)
    return await loadMirrorIdentity(home)
  }
  const device = await generateDeviceKey()
  await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(device))
  const certificate = issueChainCertificate(wallet, undefined, { deviceKey: device.publicKey, capabilities: ['mirror'], label: opts.label !== undefined ? checkLabel(opts.label) : `${hostname()}-mirror`.slice(0, 128) })
  const store = await EntryStore.open(join(home, 'data'))
  try {
    const certs = new CertRegistry(wallet.publicKey)
    await store.putCertificate(authorOp(certs, wallet.publicKey, wallet, { enrol: { certificate: certificate.bytes } }).bytes)
  } finally {
    await store.close()
  }
  await writeMirrorFile(home, wallet)
  // Written last: its presence marks the home as initialized.
  await writeHomeFile(home, 'certificate', certificate.bytes)
  return await loadMirrorIdentity(home)
}

/** mirror.json: the wallet's address and the membership key, derived here and then dropped. */
async function writeMirrorFile (home: string, wallet: Wallet): Promise<void> {
  await writeMirrorKeyFile(home, wallet.address, membershipKey(deriveVaultKeys(vaultSeedSignature(wallet))))
}

/** mirror.json from a membership key at hand (a mirror enrolled by pairing receives it in its grant). */
export async function writeMirrorKeyFile (home: string, wallet: WalletAddress, key: Uint8Array): Promise<void> {
  const file: MirrorFile = { version: 1, wallet, membershipKey: Buffer.from(key).toString('base64'), check: mirrorFileCheck(wallet, key) }
  await writeHomeFile(home, 'mirror', JSON.stringify(file) + '\n')
}

export interface MirrorEvents {
  entry: [{ entry: Entry, from?: string }]
  certificate: [Uint8Array]
  disk: [boolean]
  /** The registry revoked a device: the node hangs up on it (as a member's vault does). */
  revoked: [{ deviceKey: Uint8Array, deviceId: string, label: string }]
}

/** A keyless vault over the store: what `mesh join --mirror` serves. */
export class MirrorVault extends EventEmitter<MirrorEvents> {
  readonly mirror = true
  readonly home: string
  readonly identity: MirrorIdentity
  readonly store: EntryStore
  readonly certs: CertRegistry
  /** What one author may push into one document, as a member's (limits.ts). */
  readonly budgets: Budgets
  private readonly lock: HomeLock
  private closing: Promise<void> | undefined
  private readonly keeping = new Set<Promise<void>>()

  private constructor (identity: MirrorIdentity, store: EntryStore, lock: HomeLock, clock: () => number, limits?: Partial<Limits>) {
    super()
    this.budgets = new Budgets(limits)
    this.home = identity.home
    this.identity = identity
    this.store = store
    this.lock = lock
    // No keys: the registry checks certificates and cutoffs only; epochs are checked in accept().
    this.certs = new CertRegistry(identity.walletKey, undefined, clock)
    store.disk.on('change', (full) => { this.emit('disk', full) })
  }

  static async open (opts: { home: string, clock?: () => number, limits?: Partial<Limits> }): Promise<MirrorVault> {
    await ensureHomeDir(opts.home)
    const lock = await acquireLock(opts.home)
    try {
      const identity = await loadMirrorIdentity(opts.home)
      // No sealer: certificates are stored as received (a mirror learns the registry anyway).
      const store = await EntryStore.open(join(opts.home, 'data'))
      const v = new MirrorVault(identity, store, lock, opts.clock ?? Date.now, opts.limits)
      v.certs.add(identity.certificate.bytes)
      await store.putCertificate(identity.certificate.bytes)
      for (const c of store.certificates()) {
        try { v.certs.add(c, { stored: true }) } catch (err) { log('stored certificate not accepted: %e', err) }
      }
      return v
    } catch (err) {
      await lock.release()
      throw err
    }
  }

  get diskFull (): boolean { return this.store.disk.full }
  /** A mirror never writes. */
  get writable (): boolean { return false }

  private check (): void { if (this.closing !== undefined) throw new ClosedError('mirror is closed') }

  /** A mirror cannot name documents (names are derived with the vault key): none are named. */
  async docNames (): Promise<Map<string, string>> { return new Map() }

  /** A certificate, cutoff or registry operation from a peer: verified, stored, forwarded. */
  async addCertificate (bytes: Uint8Array): Promise<void> {
    this.check()
    const added = this.certs.add(bytes)
    if (await this.store.putCertificate(bytes)) this.emit('certificate', bytes)
    for (const device of added.revoked ?? []) {
      const cert = this.certs.get(device)
      this.emit('revoked', { deviceKey: device, deviceId: cert?.deviceId ?? toHex(device), label: cert?.label ?? toHex(device).slice(0, 8) })
    }
  }

  /**
   * Admission without the key: the author's rights at that position (certs.ts: revoked beyond its
   * cutoff, read-only, superseded) and an epoch the registry announced (or 0).
   */
  private admit (entry: Entry, from: string | undefined): void {
    if (entry.kind === ENTRY_KIND.snapshot) this.certs.judgeSnapshot(entry, { at: 'receive', from })
    else this.certs.judgeUpdate(entry, { at: 'receive', from })
  }

  async accept (bytes: Uint8Array, from?: string): Promise<{ result: 'stored' | 'duplicate', entry: Entry }> {
    this.check()
    const entry = verifyEntry(bytes)
    if (!isUpdateKind(entry.kind)) throw new InvalidEntryError('expected an update entry')
    this.admit(entry, from)
    if (this.store.has(entry.doc, entry.author, entry.seq, entry.lane)) return { result: (await this.checkFork(entry, from)) ? 'stored' : 'duplicate', entry }
    this.budgets.take(entry.doc, entry.author, entry.bytes.byteLength)
    await this.store.putEntry(entry)
    this.emit('entry', { entry, from })
    return { result: 'stored', entry }
  }

  /**
   * A second entry at a held slot, compared as a member compares it (vault-admission.ts), which
   * needs no key: by signature, then by signed body. A different one is a fork (crdt/SPEC.md,
   * Forks): kept as evidence and sent on together with the held one (which goes back to the peer
   * the second came from), so that every member holds both and reports it. True when it was new.
   */
  private async checkFork (entry: Entry, from: string | undefined): Promise<boolean> {
    const store = this.store
    if (!store.differs(entry.doc, entry.author, entry.seq, entry.lane, entry.signature)) return false
    if (store.forks.has(entry.bytes)) return false
    const heldBytes = await store.read(entry.doc, entry.author, entry.seq, entry.lane)
    if (heldBytes === undefined) return false
    const held = parseTrustedEntry(heldBytes)
    if (equals(held.body, entry.body)) return false // the same content, signed twice
    if (await store.forks.add(entry, held.signature) === undefined) return false
    log.error('fork: two different entries of %s at %s lane %d seq %d (both kept and forwarded)', toHex(entry.author).slice(0, 12), toHex(entry.doc).slice(0, 12), entry.lane, entry.seq)
    this.emit('entry', { entry, from })
    this.emit('entry', { entry: held })
    return true
  }

  /**
   * Takes a snapshot as it arrives: header signature and author first, then the ciphertext is
   * hashed as it is written to a staged file; at the end its size and SHA-256 must equal the
   * signed header's, or it is dropped. Resumes from `offset` over a partial file held.
   */
  receiveSnapshot (headerBytes: Uint8Array, offset = 0): { write: (piece: Uint8Array) => Promise<void> | undefined, end: () => Promise<Entry>, abort: () => void } {
    this.check()
    const header = verifyEntry(headerBytes)
    if (header.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError('expected a snapshot header')
    this.admit(header, undefined)
    // Refused from its header, before its bytes come, as a member refuses it (snapshot-receive.ts).
    this.budgets.checkSnapshot(Number(header.snapshotSize), header.covers, mirrorVector(this.store, header.doc), this.store.docBytes(header.doc))
    const partial = offset > 0 ? this.store.partialFor(header) : undefined
    if (offset > 0 && (partial === undefined || partial.held < offset)) throw new NotFoundError(`no partial snapshot of ${offset} bytes is held to resume`, { offset })
    const file = this.store.receiveSnapshotFile(header, offset)
    const hash = createHash('sha256')
    let got = 0
    let failed: unknown
    const feed = (piece: Uint8Array): void => {
      got += piece.byteLength
      if (got > Number(header.snapshotSize)) failed ??= new InvalidEntryError('snapshot ciphertext is longer than its signed size')
      else hash.update(piece)
    }
    // A resume hashes the bytes held first; pieces arriving meanwhile wait for it.
    let prefix: Promise<void> | undefined
    const queued: Uint8Array[] = []
    if (partial !== undefined) {
      prefix = (async () => {
        for await (const piece of this.store.partialPrefix(partial, offset, 1024 * 1024)) feed(piece)
        for (const q of queued.splice(0)) feed(q)
      })().catch((err: unknown) => { failed ??= err }).finally(() => { prefix = undefined })
    }
    return {
      write: (piece) => {
        if (prefix !== undefined) queued.push(piece)
        else feed(piece)
        return file.write(piece)
      },
      end: async () => {
        try {
          while (prefix !== undefined) await prefix
          if (failed !== undefined) throw failed
          if (got !== Number(header.snapshotSize)) throw new InvalidEntryError('snapshot ciphertext has the wrong size')
          if (!equals(new Uint8Array(hash.digest()), header.snapshotDigest)) throw new InvalidEntryError('snapshot ciphertext does not match its signed digest')
        } catch (err) {
          await file.discard()
          throw err
        }
        // Its author's earlier snapshots it covers go (its author answers for its own: no key is
        // needed to trust that); one that a later snapshot of its author covers is not kept.
        const by = (s: StoredSnapshot): boolean => equals(s.header.author, header.author)
        if (this.store.snapshots(header.doc).some(s => by(s) && supersedes(s.header, header))) {
          await file.discard()
          return header
        }
        await file.commit({ replaces: (s) => by(s) && supersedes(header, s.header) })
        return header
      },
      abort: () => {
        const p = failed !== undefined ? file.discard() : file.keep()
        this.keeping.add(p)
        void p.catch((err: unknown) => { log.error('keeping a partial snapshot failed: %e', err) }).finally(() => this.keeping.delete(p))
      }
    }
  }

  /**
   * Stored entries as they may be handed on: one the registry now refuses (its author revoked
   * beyond its cutoff, made read-only) is held back, as a member's vault holds it back.
   */
  private servable (entries: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    return servable(this.certs, entries)
  }


  private servableSnapshot (header: Entry): boolean {
    return servesSnapshot(this.certs, header)
  }


  /** The sync protocol's data layer over this mirror: the same plan as a member's, from ciphertext. */
  source (): ReplicaSource {
    const store = this.store
    // With content tips, as a member's: retired lanes are folded over them (protocols/sync/SPEC.md).
    // Claims on other devices' lanes count only as far as entries held here (mirror-claims.ts).
    const vectorOf = (doc: Uint8Array): AuthorSeq[] => [...mirrorVector(store, doc)].filter(([, n]) => n > 0).map(([k, n]) => {
      const tip = store.tip(doc, k, n)
      return tip === undefined ? { ...parseStreamKey(k), seq: BigInt(n) } : { ...parseStreamKey(k), seq: BigInt(n), tip }
    })
    const lanes = new LaneRetirer({ store, holders: () => holdersOf(this.certs, this.identity.certificate.deviceId), vector: vectorOf })
    return {
      retired: (doc) => lanes.retired(doc),
      heldBy: (peer, doc, items) => { lanes.heldBy(peer, doc, items) },
      adoptRetired: (doc, bounds) => { lanes.adopt(doc, bounds) },
      certificates: () => this.certs.records(),
      addCertificate: async (bytes) => { await this.addCertificate(bytes) },
      vectors: (): DocVector[] => store.docIds().map(doc => ({ doc, items: vectorOf(doc) })),
      vector: vectorOf,
      index: () => store.fingerprints(),
      plan: (doc, theirs): SyncPlan => {
        const have = new Map<string, number>()
        for (const i of theirs) have.set(streamKey(i), Number(i.seq))
        // As a member's (tail.ts): a mirror never compacts, so a peer a little behind is sent the
        // entries it lacks unless the mirror took the document as a snapshot itself.
        // A snapshot stands in only for entries of its author's own lanes (mirror-claims.ts): those
        // of other devices the mirror holds go beside it, where the member that takes both drops
        // them as held or finds the claim false; one standing in for nothing is not offered.
        // Counted as servable() will let them go: the peer's progress ends at its total.
        const serves = servesSlots(this.certs, doc)
        // Of an author's snapshots, only the latest goes (one a later servable one of its covers:
        // kept from before the mirror dropped such snapshots as they came).
        const stored = store.snapshots(doc)
        const latest = (s: StoredSnapshot): boolean => !stored.some(t => t !== s && equals(t.header.author, s.header.author) && supersedes(t.header, s.header) && this.servableSnapshot(t.header))
        const { snapshots, floor } = chooseSnapshots(store, doc, have, { servable: (s) => this.servableSnapshot(s.header) && latest(s), claims: ownClaims, restricts: (a) => this.certs.restricts(a), serves, blind: true })
        const totals = store.entriesAboveTotals(doc, floor, serves)
        // The entries at lane tips the peer would hold none of, as a member's plan sends them
        // (tips.ts): else a member that took a snapshot here never agrees with the mirror's digest.
        // One above its lane's floor goes with the entries already.
        const tips = tipsFor(store, doc, theirs, snapshots, serves).filter(t => Number(t.seq) <= (floor.get(streamKey(t)) ?? 0))
        // As a member's (source.ts): the peer holds other content at a position of a lane (its
        // content tip differs at the same seq), so the mirror's entries of that lane up to there go
        // and the peer finds each slot written twice as a fork; and every fork evidence held goes.
        const again: Array<AsyncIterable<Uint8Array>> = []
        for (const i of theirs) {
          if (i.tip === undefined) continue
          const key = streamKey(i)
          const tip = store.tip(doc, key, Number(i.seq))
          if (tip === undefined || equals(tip, i.tip)) continue
          log.error('a peer holds other content than the mirror at %s lane %d up to seq %d (author %s): sending the lane to find the fork', toHex(doc).slice(0, 12), i.lane, i.seq, toHex(i.author).slice(0, 12))
          again.push(store.held(doc, key, Number(i.seq)))
        }
        return { snapshots, entries: this.servable(concat(store.entriesAbove(doc, floor), ...again, store.forks.ofDoc(doc), tipEntries(store, doc, tips))), entryCount: totals.entries + tips.length, entryBytes: totals.bytes }
      },
      accept: async (entry, from) => {
        const { result, entry: e } = await this.accept(entry, from)
        return { outcome: result, ...refOf(e) }
      },
      receiveSnapshot: (header, _from, offset) => this.receiveSnapshot(header, offset),
      heldSnapshots: async () => {
        await Promise.allSettled([...this.keeping])
        return store.partialSnapshots().map(p => ({ doc: p.header.doc, author: p.header.author, seq: p.header.seq, offset: p.held }))
      },
      onEntry: (cb) => {
        const f = (e: { entry: Entry, from?: string }): void => { cb(e.entry.bytes, refOf(e.entry), e.from) }
        this.on('entry', f)
        return () => { this.off('entry', f) }
      },
      // As a member's (source.ts): a peer holds its writes to a mirror whose disk is full.
      diskFull: () => this.diskFull,
      onDisk: (cb) => {
        this.on('disk', cb)
        return () => { this.off('disk', cb) }
      },
      onCertificate: (cb) => {
        this.on('certificate', cb)
        return () => { this.off('certificate', cb) }
      }
    }
  }

  async close (): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.keeping])
      try { await this.store.close() } finally { await this.lock.release() }
    })()
    await this.closing
  }
}

async function * concat (...parts: Array<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield * p
}

const refOf = (e: Entry): EntryRef => ({ doc: e.doc, item: { author: e.author, lane: e.lane, seq: e.seq } })
