/**
 * The entry store: verified entries and certificates in one record log, snapshots in files, and
 * an in-memory index (document -> author lane -> seq -> record) rebuilt at open. It stores bytes that
 * the layer above verified; it can hold them without the vault key.
 *
 * Record payloads: u8 type | bytes, type 1 an entry (SignedEntry), type 2 a certificate in
 * plaintext (written by older versions, and by a store given no sealer), type 3 a certificate
 * sealed by the sealer the store was opened with (see identity/record-seal.ts): certificates name
 * the wallet and the device's label, which a copy of `data/` alone must not reveal.
 */
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { FingerprintSum, docFingerprint, entryPlace, parseStreamKey, parseTrustedEntry, streamKey, toHex, type Entry, type RecordSealer, type VectorItem } from '../identity/index.js'
import { ClosedError, StoreWriteError } from '../errors.js'
import { DiskState } from './disk.js'
import { RecordLog, type RecordRef, type Recovery } from './log.js'
import { listPartials, partialPath, readPartial, readPartialPrefix, removePartial, writePartial, type PartialSnapshot } from './partial.js'
import { Forks } from './forks.js'
import { RetiredLanes } from './retired.js'
import { Quarantine, type QuarantineRecord } from './quarantine.js'
import { loadSnapshots, readSnapshotData, readSnapshotPieces, removeSnapshot, stageSnapshotFile, type StagedSnapshot, type StoredSnapshot } from './snapshots.js'

const log = logger('mesh:store')
const T_ENTRY = 1
const T_CERT = 2
const T_CERT_SEALED = 3

export interface EntryStoreOptions {
  /**
   * Seals certificate records (type 3) and opens them. Without one (a node without the vault
   * key), certificates are written in plaintext and sealed ones are skipped.
   */
  certificates?: RecordSealer
}

/** An entry whose append has not completed yet: readers get its bytes from memory. */
interface InFlight extends RecordRef { readonly offset: -1, readonly bytes: Uint8Array }
interface AuthorIndex {
  seqs: Map<number, RecordRef | InFlight>
  /** Per seq, a prefix of the held entry's signature: a different entry at the slot is a fork (kept after compaction too). */
  sigs: Map<number, string>
}
/** What tells two entries of one slot apart cheaply: their signatures (over different bodies) differ. */
const fingerprint = (signature: Uint8Array): string => Buffer.from(signature.subarray(0, 12)).toString('base64')
interface DocIndex {
  doc: Uint8Array
  /** `toHex(doc)`, which sorts as the bytes do. */
  id: string
  /** The fingerprint of the document's vector counted in the vault's digest; undefined while it holds nothing. */
  fp?: Uint8Array
  /** By `streamKey(author, lane)`. */
  authors: Map<string, AuthorIndex>
  snapshots: StoredSnapshot[]
  /** Cached count of entries no snapshot covers; undefined when it must be recounted. */
  uncovered?: number
}

export interface SnapshotReplace {
  /** Whether a stored snapshot may go once the new one is in (checked to be held by it). @default none */
  replaces?: (s: StoredSnapshot) => boolean
}

/** Per author lane (`streamKey`), the highest contiguous sequence number held (through entries or a snapshot). */
export type Vector = Map<string, number>

/** Documents that hold something, by id, with their vector fingerprints (identity/fingerprint.ts). */
export interface FingerprintIndex {
  /** Ascending by id. Each item's `fp` is current as of the last `fingerprints()` call. */
  readonly items: ReadonlyArray<{ readonly id: string, readonly doc: Uint8Array, readonly fp: Uint8Array }>
  /** The whole vault's fingerprint (over every item). */
  readonly digest: Uint8Array
}

export interface StoreStats { docs: number, entries: number, snapshots: number, certificates: number, logBytes: number }

export class EntryStore {
  readonly dir: string
  private readonly docs = new Map<string, DocIndex>()
  private readonly certs: Uint8Array[] = []
  private readonly certSeen = new Set<string>()
  /** Where each certificate's record is, and whether it is sealed. */
  private readonly certRefs = new Map<string, { ref: RecordRef, sealed: boolean }>()
  private sealer: RecordSealer | undefined
  private log!: RecordLog
  /** Entries and snapshots set aside as bad (see quarantine.ts): their slots count as held, never as content. */
  quarantine!: Quarantine
  /** Second entries found at held slots (see forks.ts). */
  forks!: Forks
  /** Lanes retired per document and author (see retired.ts). */
  retired!: RetiredLanes
  private closed = false
  /** Documents whose vector changed since their fingerprint was last counted. */
  private readonly dirty = new Set<DocIndex>()
  private readonly total = new FingerprintSum()
  private sorted: DocIndex[] | undefined
  recovered: Recovery[] = []
  damagedSnapshots: string[] = []
  /** Snapshots received in part, one per document (see partial.ts). */
  private readonly partials = new Map<string, PartialSnapshot>()
  /** Documents whose partial file a transfer is writing now. */
  private readonly receiving = new Set<string>()
  /** Whether the disk is full (appends refused; reads go on), and its changes. */
  readonly disk: DiskState

  private constructor (dir: string) { this.dir = dir; this.disk = new DiskState(dir) }

  static async open (dir: string, options: EntryStoreOptions = {}): Promise<EntryStore> {
    const s = new EntryStore(dir)
    s.sealer = options.certificates
    s.quarantine = await Quarantine.open(join(dir, 'quarantine'))
    s.forks = await Forks.open(join(dir, 'forks'))
    s.retired = await RetiredLanes.open(join(dir, 'retired.json'))
    const { snapshots, damaged } = await loadSnapshots(join(dir, 'snapshots'))
    s.damagedSnapshots = damaged
    for (const snap of snapshots) s.docIndex(snap.header.doc).snapshots.push(snap)
    for (const p of await listPartials(join(dir, 'snapshots'))) {
      const k = toHex(p.header.doc)
      const other = s.partials.get(k)
      // One per document: the one furthest along is kept.
      if (other !== undefined && other.held >= p.held) { await removePartial(p); continue }
      if (other !== undefined) await removePartial(other)
      s.partials.set(k, p)
    }
    const { log: l, recovered } = await RecordLog.open(join(dir, 'log'), (payload, ref) => { s.index(payload, ref) }, () => {
      for (const d of s.docs.values()) { d.authors.clear(); s.dirty.add(d) }
      s.certs.length = 0
      s.certSeen.clear()
      s.certRefs.clear()
    })
    s.log = l
    l.onWrite = (err) => { s.disk.report(err) }
    s.recovered = recovered
    if (s.sealer !== undefined && [...s.certRefs.values()].some(c => !c.sealed)) await s.sealCertificates()
    s.warm()
    return s
  }

  /**
   * Fingerprints every document once after open, a slice per turn of the event loop, so the first
   * connection finds the vault's digest ready and no single step hashes 10,000 documents at once.
   */
  private warm (): void {
    const slice = (): void => {
      if (this.closed || this.dirty.size === 0) return
      this.refresh(256)
      setImmediate(slice)
    }
    setImmediate(slice)
  }

  private docIndex (doc: Uint8Array): DocIndex {
    const id = toHex(doc)
    let d = this.docs.get(id)
    if (d === undefined) { d = { doc: doc.slice(), id, authors: new Map(), snapshots: [] }; this.docs.set(id, d); this.dirty.add(d) }
    return d
  }

  private index (payload: Uint8Array, ref: RecordRef): void {
    const type = payload[0]
    const body = payload.subarray(1)
    if (type === T_CERT || type === T_CERT_SEALED) {
      let cert = body
      if (type === T_CERT_SEALED) {
        if (this.sealer === undefined) return // kept, unread: only the vault key opens it
        try {
          cert = this.sealer.open(body)
        } catch (err) {
          log.error('store: certificate record at %d does not open, ignored: %e', ref.offset, err)
          return
        }
      }
      const id = toHex(cert)
      if (!this.certSeen.has(id)) { this.certSeen.add(id); this.certs.push(cert) }
      if (this.certRefs.get(id)?.sealed !== true) this.certRefs.set(id, { ref, sealed: type === T_CERT_SEALED })
      return
    }
    if (type !== T_ENTRY) { log.error('store: record of unknown type %d at %d ignored', type, ref.offset); return }
    let e: { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, signature: Uint8Array }
    try {
      e = entryPlace(body)
    } catch (err) {
      log.error('store: unreadable entry at %d ignored: %e', ref.offset, err)
      return
    }
    const a = this.authorIndex(e.doc, streamKey(e))
    a.seqs.set(Number(e.seq), ref)
    a.sigs.set(Number(e.seq), fingerprint(e.signature))
    const d = this.docIndex(e.doc)
    d.uncovered = undefined
    this.dirty.add(d)
  }

  private authorIndex (doc: Uint8Array, key: string): AuthorIndex {
    const d = this.docIndex(doc)
    let a = d.authors.get(key)
    if (a === undefined) { a = { seqs: new Map(), sigs: new Map() }; d.authors.set(key, a) }
    return a
  }

  private check (): void { if (this.closed) throw new ClosedError('store is closed') }

  has (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): boolean {
    const d = this.docs.get(toHex(doc))
    const key = streamKey({ author, lane })
    const a = d?.authors.get(key)
    if (a?.seqs.has(Number(seq)) === true) return true
    // A snapshot's claim is not enough: whether the entry is in its state is the vault's check (claimants).
    return this.quarantine.holds(doc, key, Number(seq))
  }

  /**
   * Per author lane: the contiguous seq held and the fingerprint of the entry there (when this
   * node still knows it). Two nodes whose vectors are equal can still hold different entries at
   * a slot (an undetected fork): comparing these, not the vectors, says whether they agree.
   */
  tips (doc: Uint8Array): Array<{ key: string, seq: number, tip?: string }> {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return []
    const out: Array<{ key: string, seq: number, tip?: string }> = []
    for (const [key, seq] of this.vector(doc)) {
      if (seq === 0) continue
      const tip = d.authors.get(key)?.sigs.get(seq)
      out.push(tip === undefined ? { key, seq } : { key, seq, tip })
    }
    return out.sort((x, y) => x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  }

  /** Bytes this store holds of a document: its entries, and its largest snapshot. */
  docBytes (doc: Uint8Array): number {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return 0
    let n = 0
    for (const a of d.authors.values()) for (const r of a.seqs.values()) n += r.length
    let snap = 0
    for (const s of d.snapshots) snap = Math.max(snap, Number(s.header.snapshotSize))
    return n + snap
  }

  /** Whether the entry held at this slot (if any is known) differs from one with this signature. */
  differs (doc: Uint8Array, author: Uint8Array, seq: bigint, lane: number, signature: Uint8Array): boolean {
    const fp = this.docs.get(toHex(doc))?.authors.get(streamKey({ author, lane }))?.sigs.get(Number(seq))
    return fp !== undefined && fp !== fingerprint(signature)
  }

  /** The bytes of the entry held at a slot (not quarantined), if the log still holds it: one read, not the lane's. */
  async read (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): Promise<Uint8Array | undefined> {
    const key = streamKey({ author, lane })
    const d = this.docs.get(toHex(doc))
    const a = d?.authors.get(key)
    const s = Number(seq)
    if (d === undefined || a === undefined || this.quarantine.holds(d.doc, key, s)) return undefined
    const ref = a.seqs.get(s)
    if (ref === undefined) return undefined
    if ('bytes' in ref) return ref.bytes
    const payload = await this.log.read(() => {
      const cur = a.seqs.get(s)
      return cur !== undefined && !('bytes' in cur) ? cur : undefined
    })
    return payload?.subarray(1)
  }

  /**
   * Snapshots whose claim covers this slot (and was not shown false): the entry there is held
   * only if it is in their state, which the caller checks with the key before calling it a
   * duplicate (crdt/SPEC.md, Snapshot claims).
   */
  claimants (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): StoredSnapshot[] {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return []
    const key = streamKey({ author, lane })
    return d.snapshots.filter(s => this.claimsOf(s).some(c => streamKey(c) === key && c.seq >= seq))
  }

  /** What a snapshot's claim counts for here: its covers, or nothing once an entry showed it false. */
  claimsOf (s: StoredSnapshot): readonly VectorItem[] { return this.quarantine.disproves(s.header.bytes) ? [] : s.header.covers }

  /** Records that a snapshot does not hold an entry it claims: its state stays (nothing is lost), its claim counts for nothing. */
  async disprove (s: StoredSnapshot, reason: string): Promise<QuarantineRecord> {
    const d = this.docIndex(s.header.doc)
    d.uncovered = undefined
    return await this.quarantine.addClaim(s.header, reason)
  }

  /** The entries held of one author lane up to a seq (not quarantined), oldest first. */
  async * held (doc: Uint8Array, key: string, max: number): AsyncGenerator<Uint8Array> {
    const d = this.docs.get(toHex(doc))
    const a = d?.authors.get(key)
    if (d === undefined || a === undefined) return
    const seqs = [...a.seqs.keys()].filter(s => s <= max && !this.quarantine.holds(d.doc, key, s)).sort((x, y) => x - y)
    for (const s of seqs) {
      const ref = a.seqs.get(s)
      if (ref === undefined) continue
      if ('bytes' in ref) { yield ref.bytes; continue }
      const payload = await this.log.read(() => {
        const cur = a.seqs.get(s)
        return cur !== undefined && !('bytes' in cur) ? cur : undefined
      })
      if (payload !== undefined) yield payload.subarray(1)
    }
  }

  private snapshotCovers (d: DocIndex, key: string): number {
    let max = 0
    for (const s of d.snapshots) {
      for (const c of this.claimsOf(s)) if (streamKey(c) === key && Number(c.seq) > max) max = Number(c.seq)
    }
    return max
  }

  /**
   * Appends a verified entry; resolves once it is durable. The index is updated at once, so a
   * concurrent `has` sees it and a duplicate is never written twice.
   */
  async putEntry (entry: Entry): Promise<void> {
    this.check()
    const key = streamKey(entry)
    const a = this.authorIndex(entry.doc, key)
    const seq = Number(entry.seq)
    if (a.seqs.has(seq)) return
    const placeholder: InFlight = { offset: -1, length: entry.bytes.byteLength + 1, bytes: entry.bytes }
    a.seqs.set(seq, placeholder)
    a.sigs.set(seq, fingerprint(entry.signature))
    const d = this.docIndex(entry.doc)
    this.dirty.add(d)
    if (d.uncovered !== undefined && seq > this.snapshotCovers(d, key)) d.uncovered++
    const payload = new Uint8Array(entry.bytes.byteLength + 1)
    payload[0] = T_ENTRY
    payload.set(entry.bytes, 1)
    try {
      const ref = await this.log.append(payload)
      if (a.seqs.get(seq) === placeholder) a.seqs.set(seq, ref)
    } catch (err) {
      if (a.seqs.get(seq) === placeholder) { a.seqs.delete(seq); a.sigs.delete(seq) }
      d.uncovered = undefined
      this.dirty.add(d)
      throw err
    }
  }

  /** Stores certificate bytes once; resolves true when they were new. */
  async putCertificate (bytes: Uint8Array): Promise<boolean> {
    this.check()
    const id = toHex(bytes)
    if (this.certSeen.has(id)) return false
    this.certSeen.add(id)
    try {
      await this.appendCertificate(id, bytes)
      this.certs.push(bytes)
      return true
    } catch (err) {
      this.certSeen.delete(id)
      throw err
    }
  }

  private async appendCertificate (id: string, bytes: Uint8Array): Promise<void> {
    const body = this.sealer?.seal(bytes) ?? bytes
    const payload = new Uint8Array(body.byteLength + 1)
    payload[0] = this.sealer !== undefined ? T_CERT_SEALED : T_CERT
    payload.set(body, 1)
    const ref = await this.log.append(payload)
    this.certRefs.set(id, { ref, sealed: this.sealer !== undefined })
  }

  /**
   * A home written before certificates were sealed: each is appended again sealed, then the log
   * is rewritten without the plaintext records (every entry kept), so `data/` stops naming the
   * wallet. Sealed copies are durable before the plaintext ones go: a crash loses neither.
   */
  private async sealCertificates (): Promise<void> {
    for (const [id, c] of [...this.certRefs]) {
      if (c.sealed) continue
      const cert = this.certs.find(b => toHex(b) === id)
      if (cert !== undefined) await this.appendCertificate(id, cert)
    }
    const moves = new Map<number, (r: RecordRef) => void>()
    await this.log.rewrite(() => {
      const keep: RecordRef[] = []
      for (const d of this.docs.values()) {
        for (const a of d.authors.values()) {
          for (const [seq, ref] of a.seqs) {
            if (ref.offset < 0) continue
            keep.push(ref)
            moves.set(ref.offset, (r) => a.seqs.set(seq, r))
          }
        }
      }
      for (const [id, c] of this.certRefs) {
        if (!c.sealed) continue
        keep.push(c.ref)
        moves.set(c.ref.offset, (r) => this.certRefs.set(id, { ref: r, sealed: true }))
      }
      return keep.sort((x, y) => x.offset - y.offset)
    }, { onMoved: (from, to) => moves.get(from.offset)?.(to) })
    log('store: %d certificate records sealed', this.certRefs.size)
  }

  certificates (): readonly Uint8Array[] { return this.certs }

  docIds (): Uint8Array[] { return [...this.docs.values()].map(d => d.doc) }

  /** Highest seq in this author's lane of this document (entries or snapshot), 0 if none. */
  maxSeq (doc: Uint8Array, author: Uint8Array, lane = 0): number {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return 0
    const key = streamKey({ author, lane })
    let max = this.snapshotCovers(d, key)
    for (const s of d.authors.get(key)?.seqs.keys() ?? []) if (s > max) max = s
    return max
  }

  /** The highest lane of this author seen in any document (entries or snapshots), 0 if none. */
  maxLane (author: Uint8Array): number {
    const hex = toHex(author)
    let max = 0
    for (const d of this.docs.values()) {
      for (const k of d.authors.keys()) {
        const s = parseStreamKey(k)
        if (toHex(s.author) === hex) max = Math.max(max, s.lane)
      }
      for (const s of d.snapshots) for (const c of s.header.covers) if (toHex(c.author) === hex) max = Math.max(max, c.lane ?? 0)
    }
    return max
  }

  /**
   * Per author (hex), the highest lane it holds of it in any document (entries or snapshot
   * covers): a lane below it is closed (its device writes on a newer one). One pass over the index.
   */
  laneTops (): Map<string, number> {
    const out = new Map<string, number>()
    const raise = (author: string, lane: number): void => { if ((out.get(author) ?? -1) < lane) out.set(author, lane) }
    for (const d of this.docs.values()) {
      for (const k of d.authors.keys()) {
        const dot = k.indexOf('.')
        raise(dot < 0 ? k : k.slice(0, dot), dot < 0 ? 0 : Number(k.slice(dot + 1)))
      }
      for (const s of d.snapshots) for (const c of s.header.covers) raise(toHex(c.author), c.lane ?? 0)
    }
    return out
  }

  /** The author lanes (`streamKey`) a document's index holds entries of, from the index alone (cheap). */
  laneKeys (doc: Uint8Array): string[] { return [...(this.docs.get(toHex(doc))?.authors.keys() ?? [])] }

  vector (doc: Uint8Array): Vector {
    const d = this.docs.get(toHex(doc))
    return d === undefined ? new Map() : this.vectorIn(d)
  }

  /**
   * Every document that holds something, ascending, with its vector's fingerprint, and the
   * vault's digest. Only documents changed since the last call are hashed again (their old
   * fingerprint leaves the running sum, the new one joins it): a reconnect does not rehash the
   * vault.
   */
  fingerprints (): FingerprintIndex {
    this.refresh(Infinity)
    this.sorted ??= [...this.docs.values()].filter(d => d.fp !== undefined).sort((x, y) => x.id < y.id ? -1 : 1)
    return { items: this.sorted as FingerprintIndex['items'], digest: this.total.fingerprint() }
  }

  /** Rehashes up to `max` changed documents. */
  private refresh (max: number): void {
    let done = 0
    for (const d of this.dirty) {
      if (done++ >= max) return
      this.dirty.delete(d)
      const old = d.fp
      const items = [...this.vectorIn(d)].filter(([, n]) => n > 0).map(([k, n]) => ({ ...parseStreamKey(k), seq: n, tip: this.tipIn(d, k, n) }))
      const fp = items.length > 0 ? docFingerprint(d.doc, items) : undefined
      if (old !== undefined) this.total.sub(old)
      if (fp !== undefined) this.total.add(fp)
      if ((old === undefined) !== (fp === undefined)) this.sorted = undefined
      d.fp = fp
    }
  }

  /**
   * The content tip of the entry at (doc, author lane, seq): the least of the first 12 bytes of
   * the signatures of the entry held there and of every fork evidence at that slot. Two stores
   * that hold the same entries there (forks included) have the same tip; a slot written twice
   * differently shows different tips until each holds both. Undefined when no entry is held there
   * (only a snapshot covers it, or it is quarantined). protocols/sync/SPEC.md, Content tips.
   */
  tip (doc: Uint8Array, key: string, seq: number): Uint8Array | undefined {
    const d = this.docs.get(toHex(doc))
    return d === undefined ? undefined : this.tipIn(d, key, seq)
  }

  private tipIn (d: DocIndex, key: string, seq: number): Uint8Array | undefined {
    const held = d.authors.get(key)?.sigs.get(seq)
    if (held === undefined) return undefined
    let tip: Buffer = Buffer.from(held, 'base64')
    if (this.forks.count() > 0) {
      for (const f of this.forks.ofDoc(d.doc)) {
        const place = entryPlace(f)
        if (place.seq !== BigInt(seq) || streamKey(place) !== key) continue
        const fp = Buffer.from(place.signature.subarray(0, 12))
        if (Buffer.compare(fp, tip) < 0) tip = fp
      }
    }
    return new Uint8Array(tip)
  }

  /** A fork evidence of this document was kept: its fingerprint takes the slot's new tip. */
  forked (doc: Uint8Array): void {
    const d = this.docs.get(toHex(doc))
    if (d !== undefined) this.dirty.add(d)
  }

  private vectorIn (d: DocIndex): Vector {
    const v: Vector = new Map()
    for (const s of d.snapshots) {
      for (const c of this.claimsOf(s)) {
        const id = streamKey(c)
        v.set(id, Math.max(v.get(id) ?? 0, Number(c.seq)))
      }
    }
    for (const [id, a] of d.authors) {
      let n = v.get(id) ?? 0
      const q = new Set(this.quarantine.seqs(d.doc, id))
      while (a.seqs.has(n + 1) || q.has(n + 1)) n++
      v.set(id, n)
    }
    return v
  }

  snapshots (doc: Uint8Array): readonly StoredSnapshot[] { return this.docs.get(toHex(doc))?.snapshots ?? [] }

  /** Entries of a document not covered by any stored snapshot, ordered by author lane then seq. */
  async * uncovered (doc: Uint8Array, after?: Vector): AsyncGenerator<Uint8Array> {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return
    for (const [id, a] of d.authors) {
      const floor = Math.max(this.snapshotCovers(d, id), after?.get(id) ?? 0)
      const seqs = [...a.seqs.keys()].filter(s => s > floor && !this.quarantine.holds(d.doc, id, s)).sort((x, y) => x - y)
      // In groups of up to 512 KiB, each read together (log.readMany), so neither a thread-pool
      // trip per entry nor a whole large document is held at once.
      for (let i = 0; i < seqs.length;) {
        let bytes = 0
        let j = i
        while (j < seqs.length && (j === i || bytes < 512 * 1024)) { bytes += a.seqs.get(seqs[j] as number)?.length ?? 0; j++ }
        const group = seqs.slice(i, j)
        i = j
        // Resolved at read time: a compaction may have moved them since the list was taken. An
        // entry still being appended then is taken from memory at that same moment: its append
        // may end while the others are read, and it would be neither in memory nor among what
        // was read (a replica loading beside a received entry lost it until its next open).
        const appending = new Map<number, Uint8Array>()
        const payloads = await this.log.readMany(() => group.map((s, k) => {
          const cur = a.seqs.get(s)
          if (cur !== undefined && 'bytes' in cur) appending.set(k, cur.bytes)
          return cur !== undefined && !('bytes' in cur) ? cur : undefined
        }))
        for (let k = 0; k < group.length; k++) {
          const payload = payloads[k]
          if (payload !== undefined) { yield payload.subarray(1); continue }
          const bytes = appending.get(k)
          if (bytes !== undefined) yield bytes
        }
      }
    }
  }

  /** How many entries `uncovered(doc, after)` yields, and their bytes, from the index alone. */
  uncoveredTotals (doc: Uint8Array, after?: Vector): { entries: number, bytes: number } {
    const d = this.docs.get(toHex(doc))
    let entries = 0
    let bytes = 0
    if (d === undefined) return { entries, bytes }
    for (const [id, a] of d.authors) {
      const floor = Math.max(this.snapshotCovers(d, id), after?.get(id) ?? 0)
      for (const [seq, ref] of a.seqs) {
        if (seq <= floor) continue
        entries++
        // A record is the entry and its one type byte.
        bytes += 'bytes' in ref ? ref.bytes.byteLength : ref.length - 1
      }
    }
    return { entries, bytes }
  }

  uncoveredCount (doc: Uint8Array): number {
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return 0
    if (d.uncovered !== undefined) return d.uncovered
    let n = 0
    for (const [id, a] of d.authors) {
      const floor = this.snapshotCovers(d, id)
      for (const s of a.seqs.keys()) if (s > floor) n++
    }
    d.uncovered = n
    return n
  }

  /** Stores a verified snapshot, dropping those it dominates that `replaces` allows (see stageSnapshot). */
  async putSnapshot (header: Entry, ciphertext: Uint8Array, opts: SnapshotReplace = {}): Promise<StoredSnapshot> {
    const staged = this.stageSnapshot(header, opts)
    staged.write(ciphertext)
    return await staged.commit()
  }

  /**
   * Starts writing a snapshot's file, to be fed its ciphertext as it arrives (a snapshot from a
   * peer is written while it is received and verified). Nothing is visible, to readers, peers or
   * the next open (which removes a stray temp file), until `commit()`; `discard()` removes it.
   * A stored snapshot whose covers the new one dominates is removed only when `replaces` says
   * so: a claim alone never deletes anything (the caller checks, with the key, that the new
   * state holds the old one; a node without the key keeps both).
   */
  stageSnapshot (header: Entry, opts: SnapshotReplace = {}): StagedSnapshot & { commit: (late?: SnapshotReplace) => Promise<StoredSnapshot> } {
    this.check()
    const staged = stageSnapshotFile(join(this.dir, 'snapshots'), header)
    return {
      write: staged.write,
      commit: async (late?: SnapshotReplace) => await this.adopt(await staged.commit(), late ?? opts),
      discard: staged.discard
    }
  }

  /**
   * A committed snapshot file joins the index; the snapshots it dominates go only when
   * `replaces` allows (a claim alone deletes nothing), and a partial transfer it dominates goes.
   */
  private async adopt (stored: StoredSnapshot, opts: SnapshotReplace = {}): Promise<StoredSnapshot> {
    this.check()
    const header = stored.header
    const d = this.docIndex(header.doc)
    const cover = vectorOf(header.covers)
    const kept: StoredSnapshot[] = [stored]
    const gone: StoredSnapshot[] = []
    for (const s of d.snapshots) {
      if (s.path === stored.path) continue
      if (opts.replaces?.(s) === true && dominates(cover, vectorOf(s.header.covers))) gone.push(s)
      else kept.push(s)
    }
    // The index first, in this tick: two transfers of one snapshot may commit at once.
    d.snapshots = kept
    d.uncovered = undefined
    this.dirty.add(d)
    for (const s of gone) await removeSnapshot(s)
    const p = this.partials.get(toHex(header.doc))
    if (p !== undefined && dominates(cover, vectorOf(p.header.covers))) {
      this.partials.delete(toHex(header.doc))
      await removePartial(p)
    }
    return stored
  }

  /** Snapshots held in part (received until a transfer broke off), with how much of each. */
  partialSnapshots (): readonly PartialSnapshot[] { return [...this.partials.values()] }

  /** The partial snapshot held for this header, if any (same document, author and seq). */
  partialFor (header: Entry): PartialSnapshot | undefined {
    const p = this.partials.get(toHex(header.doc))
    return p !== undefined && toHex(p.header.signature) === toHex(header.signature) ? p : undefined
  }

  /** The first `upTo` held bytes of a partial snapshot, in pieces. */
  partialPrefix (p: PartialSnapshot, upTo: number, pieceBytes: number): AsyncGenerator<Uint8Array> { return readPartialPrefix(p, upTo, pieceBytes) }

  /**
   * Starts writing a snapshot received from a peer, from `offset` (0: from its start, replacing
   * any partial snapshot of the same document). Like stageSnapshot, nothing is visible until
   * `commit()`; `keep()` (the transfer broke off) leaves what was written for a resume.
   */
  receiveSnapshotFile (header: Entry, offset: number): StagedSnapshot & { commit: (opts?: SnapshotReplace) => Promise<StoredSnapshot>, keep: () => Promise<void> } {
    this.check()
    const k = toHex(header.doc)
    if (this.receiving.has(k)) {
      // Another transfer of this document is writing its partial file (two peers sending the
      // same snapshot at once): this one gets a private temp file, and is not resumable.
      if (offset > 0) throw new StoreWriteError(`a transfer of this snapshot is already being received; it cannot be resumed beside it`, { offset })
      const staged = this.stageSnapshot(header)
      return { ...staged, keep: staged.discard }
    }
    this.receiving.add(k)
    const done = (): void => { this.receiving.delete(k) }
    const old = this.partials.get(k)
    if (old !== undefined && (offset === 0 || toHex(old.header.signature) !== toHex(header.signature))) {
      this.partials.delete(k)
      if (toHex(old.header.signature) !== toHex(header.signature)) void removePartial(old).catch((err: unknown) => { log.error('removing partial snapshot %s failed: %e', old.path, err) })
    }
    const w = writePartial(join(this.dir, 'snapshots'), header, offset)
    const sig = toHex(header.signature)
    const forget = (): void => { const p = this.partials.get(k); if (p !== undefined && toHex(p.header.signature) === sig) this.partials.delete(k) }
    return {
      write: w.write,
      commit: async (opts?: SnapshotReplace) => {
        forget()
        try { return await this.adopt(await w.commit(), opts) } finally { done() }
      },
      keep: async () => {
        try {
          await w.keep()
          // What the disk holds, not what was handed over: a write may have failed.
          const p = await readPartial(partialPath(join(this.dir, 'snapshots'), header))
          if (!this.closed) this.partials.set(k, p)
        } finally { done() }
      },
      discard: async () => { forget(); try { await w.discard() } finally { done() } }
    }
  }

  /** Moves a stored snapshot into quarantine: it is no longer offered, loaded or counted as covering anything. */
  async setAsideSnapshot (s: StoredSnapshot, reason: string): Promise<QuarantineRecord> {
    this.check()
    const d = this.docIndex(s.header.doc)
    d.snapshots = d.snapshots.filter(x => x.path !== s.path)
    d.uncovered = undefined
    return await this.quarantine.addSnapshot(s, reason)
  }

  readSnapshot (s: StoredSnapshot): Promise<Uint8Array> { return readSnapshotData(s) }

  snapshotPieces (s: StoredSnapshot, pieceBytes: number, from = 0): AsyncGenerator<Uint8Array> { return readSnapshotPieces(s, pieceBytes, from) }

  /** Rewrites the log without entries that snapshots cover, once they are over half of it. */
  async compact (options: { force?: boolean } = {}): Promise<{ before: number, after: number } | undefined> {
    this.check()
    const before = this.log.bytes
    const moves = new Map<number, (r: RecordRef) => void>()
    let certs: Uint8Array[] = []
    const done = await this.log.rewrite(() => {
      const keep: RecordRef[] = []
      let covered = 0
      const drop: Array<() => void> = []
      for (const d of this.docs.values()) {
        for (const [id, a] of d.authors) {
          const floor = this.snapshotCovers(d, id)
          for (const [seq, ref] of a.seqs) {
            // The signature goes with the entry: a tip is known only where an entry is held (as
            // after a restart, which reads the rewritten log), or the digest would disagree with a
            // peer's that holds the same snapshot (protocols/sync/SPEC.md, Content tips).
            if (seq <= floor) { covered += ref.length; drop.push(() => { a.seqs.delete(seq); a.sigs.delete(seq); this.dirty.add(d) }); continue }
            if (ref.offset < 0) continue // held back by the rewrite: appended to the new file after it
            keep.push(ref)
            moves.set(ref.offset, (r) => a.seqs.set(seq, r))
          }
        }
      }
      if (options.force !== true && covered * 2 < before) return undefined
      for (const f of drop) f()
      for (const d of this.docs.values()) d.uncovered = undefined
      certs = [...this.certs]
      return keep.sort((x, y) => x.offset - y.offset)
    }, { onMoved: (from, to) => moves.get(from.offset)?.(to) })
    if (!done) return undefined
    // Certificates were not carried over by the rewrite: append them again.
    this.certSeen.clear()
    this.certRefs.clear()
    this.certs.length = 0
    for (const c of certs) await this.putCertificate(c)
    return { before, after: this.log.bytes }
  }

  stats (): StoreStats {
    let entries = 0
    let snapshots = 0
    for (const d of this.docs.values()) {
      snapshots += d.snapshots.length
      for (const a of d.authors.values()) entries += a.seqs.size
    }
    return { docs: this.docs.size, entries, snapshots, certificates: this.certs.length, logBytes: this.log.bytes }
  }

  async flush (): Promise<void> { await this.log.drain() }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.disk.close()
    await this.log.close()
  }
}

export function vectorOf (items: readonly VectorItem[]): Vector {
  const v: Vector = new Map()
  for (const i of items) v.set(streamKey(i), Number(i.seq))
  return v
}

export function dominates (a: Vector, b: Vector): boolean {
  for (const [k, n] of b) if ((a.get(k) ?? 0) < n) return false
  return true
}
