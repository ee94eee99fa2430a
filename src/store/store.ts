/**
 * The entry store: verified entries and certificates in one record log, snapshots in files, and
 * an in-memory index of what is held (held.ts) rebuilt at open, checked against the sum the last
 * close wrote (held-sum.ts), and read back through entry-reads.ts. It stores bytes that the layer
 * above verified; it can hold them without the vault key. What each record of the log is:
 * log-records.ts.
 */
import { basename, dirname, join } from 'node:path'
import { logger } from '@libp2p/logger'
import { entryPlace, streamKey, toHex, type Entry, type RecordSealer, type VectorItem } from '../identity/index.js'
import { ClosedError, HomeReadOnlyError } from '../errors.js'
import { CertificateRecords } from './certificates.js'
import { planCompaction, type CompactionPlan } from './compaction-plan.js'
import { OwedCompaction } from './compaction-owed.js'
import type { FingerprintIndex } from './digest.js'
import { DiskState, freeBytes, isDiskFull, isShort, KEEP_FREE } from './disk.js'
import { dropDamaged, keepDamagedEntry, listDamaged, setAsideDamaged, type DamagedFile } from './damaged.js'
import { HeldIndex, sigPrefix, type HeldLane, type InFlight } from './held.js'
import { sinceLastClose, sumAtClose } from './held-sum.js'
import { EntryReads } from './entry-reads.js'
import { RecordLog, type Recovery } from './log.js'
import { LogRecords, recordBytes, T_ENTRY } from './log-records.js'
import { HEADER } from './log-format.js'
import type { PartialSnapshot } from './partial.js'
import { PartialSnapshots, type ReceivedSnapshot, type SnapshotReplace } from './partial-set.js'
import { Forks } from './forks.js'
import { RetiredLanes } from './retired.js'
import { Quarantine, type QuarantineRecord } from './quarantine.js'
import { loadSnapshots, openSnapshotFile, readSnapshotPieces, removeSnapshot, snapshotScratch, stageSnapshotFile, type OpenSnapshotFile, type SnapshotScratch, type StagedSnapshot, type StoredSnapshot } from './snapshots.js'
import { vectorOf, type Vector } from './vector.js'

const log = logger('mesh:store')

export interface EntryStoreOptions {
  /**
   * Seals certificate records (type 3) and opens them. Without one (a node without the vault
   * key), certificates are written in plaintext and sealed ones are skipped.
   */
  certificates?: RecordSealer
  /**
   * Opened only to read: a home that cannot be written (a backup mounted read-only), opened
   * without its lock. Nothing is written, removed or moved, at open or close or after (no
   * held.sum taken or written, no temp file swept, no repair, no damaged/ note, no certificate
   * sealing); what would be set aside is set aside in memory only, and every write is refused
   * with HOME_READ_ONLY. What the last close left is not checked (damagedAtOpen, shortened and
   * recovered stay empty): another process may be writing the log, and a home only read is not
   * said to be damaged for that.
   */
  readOnly?: boolean
}

export interface StoreStats { docs: number, entries: number, snapshots: number, certificates: number, logBytes: number }

export class EntryStore {
  readonly dir: string
  private idx!: HeldIndex
  private certs!: CertificateRecords
  private log!: RecordLog
  /** Reads entries back from the log (entry-reads.ts). */
  private reads!: EntryReads
  /** Entries and snapshots set aside as bad (see quarantine.ts): their slots count as held, never as content. */
  quarantine!: Quarantine
  /** Second entries found at held slots (see forks.ts). */
  forks!: Forks
  /** Lanes retired per document and author (see retired.ts). */
  retired!: RetiredLanes
  /** What each record of the log is (log-records.ts). */
  private records!: LogRecords
  private closed = false
  recovered: Recovery[] = []
  /** Entry records found at open that do not parse, by the start of their hash (LogRecords.unreadable). */
  get unreadable (): readonly string[] { return this.records.unreadable }
  /** The log was found cut shorter at open than its last close left it (damaged.ts noteShortened). */
  shortened: DamagedFile | undefined
  /**
   * Entries found at open that no longer verify, in documents whose slots moved since the last
   * close (held-sum.ts): damage to an entry's document id files it where no load finds it. Still
   * indexed where their bytes say: the vault sets each aside as a load would (setAsideDamagedEntry).
   */
  readonly damagedAtOpen: Array<{ bytes: Uint8Array, reason: string }> = []
  /** Snapshots received in part, one per document (see partial-set.ts). */
  private readonly partials: PartialSnapshots
  /** Whether the disk is full (appends refused; reads go on), and its changes. */
  readonly disk: DiskState
  /** A compaction that failed for lack of room, tried again where room is noticed (compaction-owed.ts). */
  private readonly owed: OwedCompaction

  /** Opened only to read (EntryStoreOptions.readOnly). */
  readonly readOnly: boolean

  private constructor (dir: string, readOnly: boolean) {
    this.dir = dir
    this.readOnly = readOnly
    this.disk = new DiskState(dir)
    this.partials = new PartialSnapshots(join(dir, 'snapshots'))
    this.owed = new OwedCompaction(dir, async () => await this.compact(), () => this.closed)
    // Where room is noticed: a full disk's probe finding it, and (onWrite below) a write that succeeds.
    this.disk.on('change', (full) => { if (!full) this.owed.roomMaybe() })
  }

  static async open (dir: string, options: EntryStoreOptions = {}): Promise<EntryStore> {
    const readOnly = options.readOnly === true
    const s = new EntryStore(dir, readOnly)
    s.certs = new CertificateRecords(options.certificates)
    s.quarantine = await Quarantine.open(join(dir, 'quarantine'), { readOnly })
    s.forks = await Forks.open(join(dir, 'forks'))
    s.retired = await RetiredLanes.open(join(dir, 'retired.json'))
    s.idx = new HeldIndex(s.quarantine, s.forks)
    // A slot quarantined, a claim disproved or a fork kept from now on changes its document's vector or tips.
    s.quarantine.onChanged = s.forks.onChanged = (doc) => { s.idx.changedId(doc) }
    s.reads = new EntryReads(s.idx, s.quarantine, () => s.log)
    s.records = new LogRecords(s.idx, s.certs)
    const { snapshots, damaged } = await loadSnapshots(join(dir, 'snapshots'), { readOnly })
    for (const d of damaged) {
      // Not loaded, and left where it is: the next open that may write sets it aside.
      if (readOnly) continue
      // Left where it is when it cannot be moved (a read-only or full disk): skipped at every open, as before.
      await setAsideDamaged(dir, d.path, 'snapshot', d.reason).catch((err: unknown) => { log.error('could not set aside damaged snapshot %s: %e', d.path, err) })
    }
    for (const snap of snapshots) s.idx.doc(snap.header.doc).snapshots.push(snap)
    // Partial files are only resumed, and their load tidies them: a read-only store has none.
    if (!readOnly) await s.partials.load()
    const { log: l, recovered } = await RecordLog.open(join(dir, 'log'), (payload, ref) => { s.records.read(payload, ref) }, () => { s.records.reset() }, { readOnly })
    s.log = l
    s.certs.log = l
    l.onWrite = (err) => {
      s.disk.report(err)
      if (err === undefined) s.owed.roomMaybe()
    }
    s.recovered = recovered
    if (readOnly) return s
    // What the last close left (held-sum.ts): entries that no longer verify, a log cut shorter since.
    const since = await sinceLastClose(dir, s.idx.docs, l.bytes, recovered, (doc) => s.entriesAbove(doc, new Map()))
    s.damagedAtOpen.push(...since.damaged)
    s.shortened = since.shortened
    if (s.certs.unsealed()) await s.sealCertificates()
    return s
  }

  /** Seals the certificates of a home written before they were sealed (CertificateRecords.seal), if the disk has room. */
  private async sealCertificates (): Promise<void> {
    const free = await freeBytes(this.dir)
    try {
      // The copy must leave the appends' reserve, as a compaction's (disk.ts, KEEP_FREE).
      await this.certs.seal(this.records.all, (ref) => { this.records.lost(ref) }, (bytes) => !isShort(free, bytes + KEEP_FREE))
    } catch (err) {
      // The plaintext records stay, as they were: a full disk must not stop the store opening.
      if (!isDiskFull(err)) throw err
      log.error('store: no room to seal certificate records, left for a later open: %e', err)
    }
  }

  /**
   * Fingerprints every document changed since the last look, in slices, so that the first
   * connection finds the vault's digest ready (`fingerprints()` computes what is left at once). A
   * node calls it once it has started: during its start, the slices of a 10,000-document vault
   * would run between the start's own steps and hold it back.
   */
  warm (): void { this.idx.digest.warm(() => this.closed) }

  private check (): void { if (this.closed) throw new ClosedError('store is closed') }

  /** check(), and HOME_READ_ONLY in a store opened only to read (EntryStoreOptions.readOnly). */
  private writing (): void {
    this.check()
    if (this.readOnly) {
      const home = dirname(this.dir)
      throw new HomeReadOnlyError(`home ${home} is read-only (opened only to read): nothing in it may be changed`, { home, path: this.dir })
    }
  }

  has (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): boolean { return this.idx.has(doc, author, seq, lane) }
  tips (doc: Uint8Array): Array<{ key: string, seq: number, tip?: string }> { return this.idx.tips(doc) }
  docBytes (doc: Uint8Array): number { return this.idx.docBytes(doc) }
  differs (doc: Uint8Array, author: Uint8Array, seq: bigint, lane: number, signature: Uint8Array): boolean { return this.idx.differs(doc, author, seq, lane, signature) }
  claimants (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): StoredSnapshot[] { return this.idx.claimants(doc, author, seq, lane) }
  claimsOf (s: StoredSnapshot): readonly VectorItem[] { return this.idx.claimsOf(s) }
  maxSeq (doc: Uint8Array, author: Uint8Array, lane = 0): number { return this.idx.maxSeq(doc, author, lane) }
  maxLane (author: Uint8Array): number { return this.idx.maxLane(author) }
  laneTops (): Map<string, number> { return this.idx.laneTops() }
  laneKeys (doc: Uint8Array): string[] { return this.idx.laneKeys(doc) }
  vector (doc: Uint8Array): Vector { return this.idx.vector(doc) }
  tip (doc: Uint8Array, key: string, seq: number): Uint8Array | undefined { return this.idx.tip(doc, key, seq) }
  /** The document's lanes that hold something, with their tips (held.ts lanes): kept until it changes; read, never changed. */
  lanes (doc: Uint8Array): readonly HeldLane[] { return this.idx.lanes(doc) }
  /** Every document (as docIds() gives them, with its hex id) and its lanes. */
  allLanes (): Array<{ doc: Uint8Array, id: string, lanes: readonly HeldLane[] }> { return this.idx.allLanes() }
  /** How many entries `entriesAbove(doc, after)` yields, and their bytes (see HeldIndex.aboveTotals). */
  entriesAboveTotals (doc: Uint8Array, after: Vector, serves?: (key: string, seq: number) => boolean): { entries: number, bytes: number } { return this.idx.aboveTotals(doc, after, serves) }
  heldRun (doc: Uint8Array, key: string, from: number, to: number): { held: boolean, bytes: number } { return this.idx.heldRun(doc, key, from, to) }
  uncoveredCount (doc: Uint8Array): number { return this.idx.uncoveredCount(doc) }
  snapshots (doc: Uint8Array): readonly StoredSnapshot[] { return this.idx.get(doc)?.snapshots ?? [] }
  docIds (): Uint8Array[] { return [...this.idx.docs.values()].map(d => d.doc) }
  /** The same as hex strings, as the index keeps them (no conversion). */
  docHexIds (): string[] { return [...this.idx.docs.keys()] }
  certificates (): readonly Uint8Array[] { return this.certs.all() }

  /**
   * Every document that holds something, ascending, with its vector's fingerprint, and the
   * vault's digest. Only documents changed since the last call are hashed again (digest.ts).
   */
  fingerprints (): FingerprintIndex { return this.idx.digest.index(this.idx.docs.values()) }

  /** The bytes of the entry held at a slot (not quarantined), if the log still holds it: one read, not the lane's. */
  async read (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): Promise<Uint8Array | undefined> { return await this.reads.read(doc, author, seq, lane) }

  /** Records that a snapshot does not hold an entry it claims: its state stays (nothing is lost), its claim counts for nothing. */
  async disprove (s: StoredSnapshot, reason: string): Promise<QuarantineRecord> {
    const d = this.idx.doc(s.header.doc)
    d.uncovered = undefined
    return await this.quarantine.addClaim(s.header, reason)
  }

  /** The entries held of one author lane up to a seq (not quarantined), oldest first. */
  held (doc: Uint8Array, key: string, max: number): AsyncGenerator<Uint8Array> { return this.reads.held(doc, key, max) }

  /** Whether an entry's write may wait now (putEntry's `withinMs`): false once enough writes wait. */
  writeMayWait (entry: Entry): boolean { return this.log.mayWait(recordBytes(entry)) }

  /**
   * Appends a verified entry; resolves once it is durable. The index is updated at once, so a
   * concurrent `has` sees it and a duplicate is never written twice. `withinMs`: the write may
   * wait that long to share a later one's (RecordLog.append); its bytes are served from memory
   * meanwhile.
   */
  async putEntry (entry: Entry, withinMs = 0): Promise<void> {
    this.writing()
    const key = streamKey(entry)
    const a = this.idx.author(entry.doc, key)
    const seq = Number(entry.seq)
    if (a.seqs.has(seq)) return
    const placeholder: InFlight = { offset: -1, length: recordBytes(entry), bytes: entry.bytes }
    a.seqs.set(seq, placeholder)
    a.sigs.set(seq, sigPrefix(entry.signature))
    const d = this.idx.doc(entry.doc)
    this.idx.digest.changed(d)
    if (d.uncovered !== undefined && seq > this.idx.snapshotCovers(d, key)) d.uncovered++
    const payload = new Uint8Array(recordBytes(entry))
    payload[0] = T_ENTRY
    payload.set(entry.bytes, 1)
    try {
      const ref = await this.log.append(payload, withinMs)
      if (a.seqs.get(seq) === placeholder) a.seqs.set(seq, ref)
    } catch (err) {
      if (a.seqs.get(seq) === placeholder) { a.seqs.delete(seq); a.sigs.delete(seq) }
      d.uncovered = undefined
      this.idx.digest.changed(d)
      throw err
    }
  }

  /** Stores certificate bytes once; resolves true when they were new. */
  async putCertificate (bytes: Uint8Array): Promise<boolean> {
    this.writing()
    return await this.certs.put(bytes)
  }

  /** Entries of a document not covered by any stored snapshot (what a load applies after them), ordered by author lane then seq. */
  uncovered (doc: Uint8Array): AsyncGenerator<Uint8Array> {
    return this.reads.from(doc, (d, id) => this.idx.snapshotCovers(d, id))
  }

  /**
   * Every entry of a document held above `after`, covered by a snapshot or not (a catch-up that
   * sends a snapshot's recent tail instead of the snapshot: protocols/sync/SPEC.md, Catch-up from
   * the tail), ordered by author lane then seq.
   */
  entriesAbove (doc: Uint8Array, after: Vector): AsyncGenerator<Uint8Array> {
    return this.reads.from(doc, (_d, id) => after.get(id) ?? 0)
  }

  /** Stores a verified snapshot, dropping those it dominates that `replaces` allows (see stageSnapshot). */
  async putSnapshot (header: Entry, ciphertext: Uint8Array, opts: SnapshotReplace = {}): Promise<StoredSnapshot> {
    const staged = this.stageSnapshot(header, opts)
    staged.write(ciphertext)
    return await staged.commit()
  }

  /** Free bytes a compaction owed since it found no room waits for (compaction-owed.ts); undefined while none is owed. */
  get compactionWaitsFor (): number | undefined { return this.owed.waitsFor }

  /** Free bytes on the disk that holds the store (statfs); undefined when it cannot be told (disk.ts). */
  async freeBytes (): Promise<number | undefined> { return await freeBytes(this.dir) }

  /** A scratch file for a snapshot of `doc` being taken, its chunks held there until its header is signed (see snapshots.ts). */
  snapshotScratch (doc: Uint8Array): SnapshotScratch {
    this.writing()
    return snapshotScratch(join(this.dir, 'snapshots'), doc)
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
    this.writing()
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
    // The index first, in this tick: two transfers of one snapshot may commit at once.
    for (const s of this.idx.adoptSnapshot(stored, opts.replaces)) await removeSnapshot(s)
    await this.partials.stored(stored.header.doc, vectorOf(stored.header.covers))
    return stored
  }

  /** Snapshots held in part (received until a transfer broke off), with how much of each. */
  partialSnapshots (): readonly PartialSnapshot[] { return this.partials.all() }

  /** The partial snapshot held for this header, if any (same document, author and seq). */
  partialFor (header: Entry): PartialSnapshot | undefined { return this.partials.for(header) }

  /** The first `upTo` held bytes of a partial snapshot, in pieces. */
  partialPrefix (p: PartialSnapshot, upTo: number, pieceBytes: number): AsyncGenerator<Uint8Array> { return this.partials.prefix(p, upTo, pieceBytes) }

  /**
   * Starts writing a snapshot received from a peer, from `offset` (0: from its start, replacing
   * any partial snapshot of the same document). Like stageSnapshot, nothing is visible until
   * `commit()`; `keep()` (the transfer broke off) leaves what was written for a resume.
   */
  receiveSnapshotFile (header: Entry, offset: number): ReceivedSnapshot {
    this.writing()
    return this.partials.receive(header, offset, {
      stage: (h) => stageSnapshotFile(join(this.dir, 'snapshots'), h),
      adopt: async (stored, opts) => await this.adopt(stored, opts),
      closed: () => this.closed
    })
  }

  /**
   * Moves a stored snapshot whose file is damaged on this disk aside (damaged.ts): no longer
   * offered, loaded or counted as covering anything, and taken again from a peer that has it.
   */
  async setAsideDamagedSnapshot (s: StoredSnapshot, reason: string): Promise<DamagedFile | undefined> {
    this.check()
    this.idx.digest.changed(this.idx.forgetSnapshot(s))
    // Read-only: no longer loaded by this opening, its file left where it is.
    if (this.readOnly) return undefined
    return await setAsideDamaged(this.dir, s.path, 'snapshot', reason)
  }

  /**
   * A stored snapshot `mesh doctor` found damaged where it lies, dropped by `mesh doctor --drop`:
   * set aside as a load does (setAsideDamagedSnapshot), then deleted (damaged.ts dropDamaged).
   * What it was, where it lay.
   */
  async dropDamagedSnapshot (s: StoredSnapshot, reason: string): Promise<DamagedFile | undefined> {
    this.writing()
    const d = await this.setAsideDamagedSnapshot(s, reason)
    if (d === undefined) return undefined
    await dropDamaged(this.dir, d.id)
    return { ...d, id: basename(s.path), path: s.path }
  }

  /**
   * An entry read from the log that no longer parses or verifies (its record's checksum was
   * computed over bytes already damaged, or the record was altered with its checksum): its slot
   * no longer counts as held (vectors, tips, duplicates), so a peer's good copy is taken and
   * appended (a later record of a slot is the one the next open indexes), and its bytes are kept
   * in `damaged/` (damaged.ts). The slot is left as it is when it holds another entry by now.
   * The index first: a copy that cannot be written (a full disk) is the caller's to log.
   */
  async setAsideDamagedEntry (bytes: Uint8Array, reason: string): Promise<DamagedFile | undefined> {
    this.check()
    const place = entryPlace(bytes)
    this.idx.forgetDamaged(place)
    if (this.readOnly) return undefined
    return await keepDamagedEntry(this.dir, bytes, toHex(place.doc), reason)
  }

  /** Files of this store found damaged and set aside, and regions its log cut out (damaged.ts). */
  async damaged (): Promise<DamagedFile[]> { return await listDamaged(this.dir) }
  /** Deletes one damaged file set aside (damaged.ts dropDamaged), by its id; undefined when none has it. */
  async dropDamaged (id: string): Promise<DamagedFile | undefined> { this.writing(); return await dropDamaged(this.dir, id) }

  /** Moves a stored snapshot into quarantine: it is no longer offered, loaded or counted as covering anything. */
  async setAsideSnapshot (s: StoredSnapshot, reason: string): Promise<QuarantineRecord> {
    this.check()
    this.idx.forgetSnapshot(s)
    return await this.quarantine.addSnapshot(s, reason)
  }

  snapshotPieces (s: StoredSnapshot, pieceBytes: number, from = 0, opts: { reuse?: boolean } = {}): AsyncGenerator<Uint8Array> { return readSnapshotPieces(s, pieceBytes, from, opts) }

  /** A stored snapshot's file held open for several reads (see snapshots.ts openSnapshotFile). */
  async openSnapshotFile (s: StoredSnapshot): Promise<OpenSnapshotFile> {
    this.check()
    return await openSnapshotFile(s)
  }

  /**
   * Rewrites the log without entries that snapshots cover, once they are over half of it. Each
   * document keeps the newest of them, its tail (compaction-plan.ts): a peer a little behind is sent those
   * instead of the whole snapshot. One that finds no room for its copy (or fails for lack of it)
   * is owed, and tried again where the store notices room (compaction-owed.ts), not only at the
   * next snapshot.
   */
  async compact (options: { force?: boolean } = {}): Promise<{ before: number, after: number } | undefined> {
    this.writing()
    const before = this.log.bytes
    const free = await freeBytes(this.dir)
    let plan: CompactionPlan | undefined
    let copy = 0
    let short = false
    let done: boolean
    try {
      done = await this.log.rewrite(() => {
        // Planned here, in the rewrite's own turn: records still being written are marked then (offset < 0).
        plan = planCompaction(this.idx)
        if (options.force !== true && plan.covered * 2 < before) return undefined
        this.certs.carry(plan.keep, plan.moves)
        this.records.carryUnknown(plan.keep, plan.moves)
        for (const r of plan.keep) copy += HEADER + r.length
        // A copy that would not leave the appends' reserve is not begun: it would fail part way,
        // the log's appends held back while it wrote (disk.ts, KEEP_FREE).
        if (isShort(free, copy + KEEP_FREE)) { short = true; return undefined }
        return plan.keep.sort((x, y) => x.offset - y.offset)
      }, {
        onDamaged: (ref) => { this.records.lost(ref) },
        onMoved: (from, to) => plan?.moves.get(from.offset)?.(to),
        // The index forgets the dropped entries only once the new file is the log: a rewrite that fails (a full disk) leaves it as the file is.
        onDone: () => {
          for (const f of plan?.drop ?? []) f()
          this.certs.rewritten()
          for (const d of this.idx.docs.values()) d.uncovered = undefined
        }
      })
    } catch (err) {
      this.owed.ended(err, copy)
      throw err
    }
    if (short) {
      log('compaction owed: its copy of the log takes %d bytes, and %d are free', copy, free)
      this.owed.short(copy)
      return undefined
    }
    this.owed.ended(undefined, 0)
    if (!done) return undefined
    return { before, after: this.log.bytes }
  }

  stats (): StoreStats {
    let entries = 0
    let snapshots = 0
    for (const d of this.idx.docs.values()) {
      snapshots += d.snapshots.length
      for (const a of d.authors.values()) entries += a.seqs.size
    }
    return { docs: this.idx.docs.size, entries, snapshots, certificates: this.certs.all().length, logBytes: this.log.bytes }
  }

  async flush (): Promise<void> { await this.log.drain() }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.disk.close()
    await this.owed.idle()
    await this.log.close()
    // Nothing to sum of a store only read: the sum the last writer left stays for its next open.
    if (this.readOnly) return
    // Every write settled: what the next open should find where (held-sum.ts).
    await sumAtClose(this.dir, this.log.bytes, this.idx.docs, this.stats().entries)
  }
}
