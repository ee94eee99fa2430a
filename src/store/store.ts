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
import { parseStreamKey, parseTrustedEntry, streamKey, toHex, type Entry, type RecordSealer, type VectorItem } from '../identity/index.js'
import { ClosedError } from '../errors.js'
import { DiskState } from './disk.js'
import { RecordLog, type RecordRef, type Recovery } from './log.js'
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
interface AuthorIndex { seqs: Map<number, RecordRef | InFlight> }
interface DocIndex {
  doc: Uint8Array
  /** By `streamKey(author, lane)`. */
  authors: Map<string, AuthorIndex>
  snapshots: StoredSnapshot[]
  /** Cached count of entries no snapshot covers; undefined when it must be recounted. */
  uncovered?: number
}

/** Per author lane (`streamKey`), the highest contiguous sequence number held (through entries or a snapshot). */
export type Vector = Map<string, number>

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
  private closed = false
  recovered: Recovery[] = []
  damagedSnapshots: string[] = []
  /** Whether the disk is full (appends refused; reads go on), and its changes. */
  readonly disk: DiskState

  private constructor (dir: string) { this.dir = dir; this.disk = new DiskState(dir) }

  static async open (dir: string, options: EntryStoreOptions = {}): Promise<EntryStore> {
    const s = new EntryStore(dir)
    s.sealer = options.certificates
    const { snapshots, damaged } = await loadSnapshots(join(dir, 'snapshots'))
    s.damagedSnapshots = damaged
    for (const snap of snapshots) s.docIndex(snap.header.doc).snapshots.push(snap)
    const { log: l, recovered } = await RecordLog.open(join(dir, 'log'), (payload, ref) => { s.index(payload, ref) }, () => {
      for (const d of s.docs.values()) d.authors.clear()
      s.certs.length = 0
      s.certSeen.clear()
      s.certRefs.clear()
    })
    s.log = l
    l.onWrite = (err) => { s.disk.report(err) }
    s.recovered = recovered
    if (s.sealer !== undefined && [...s.certRefs.values()].some(c => !c.sealed)) await s.sealCertificates()
    return s
  }

  private docIndex (doc: Uint8Array): DocIndex {
    const id = toHex(doc)
    let d = this.docs.get(id)
    if (d === undefined) { d = { doc, authors: new Map(), snapshots: [] }; this.docs.set(id, d) }
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
    let e: Entry
    try {
      e = parseTrustedEntry(body)
    } catch (err) {
      log.error('store: unreadable entry at %d ignored: %e', ref.offset, err)
      return
    }
    const a = this.authorIndex(e.doc, streamKey(e))
    a.seqs.set(Number(e.seq), ref)
    this.docIndex(e.doc).uncovered = undefined
  }

  private authorIndex (doc: Uint8Array, key: string): AuthorIndex {
    const d = this.docIndex(doc)
    let a = d.authors.get(key)
    if (a === undefined) { a = { seqs: new Map() }; d.authors.set(key, a) }
    return a
  }

  private check (): void { if (this.closed) throw new ClosedError('store is closed') }

  has (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): boolean {
    const d = this.docs.get(toHex(doc))
    const key = streamKey({ author, lane })
    const a = d?.authors.get(key)
    if (a?.seqs.has(Number(seq)) === true) return true
    return d !== undefined && this.snapshotCovers(d, key) >= Number(seq)
  }

  private snapshotCovers (d: DocIndex, key: string): number {
    let max = 0
    for (const s of d.snapshots) {
      for (const c of s.header.covers) if (streamKey(c) === key && Number(c.seq) > max) max = Number(c.seq)
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
    const d = this.docIndex(entry.doc)
    if (d.uncovered !== undefined && seq > this.snapshotCovers(d, key)) d.uncovered++
    const payload = new Uint8Array(entry.bytes.byteLength + 1)
    payload[0] = T_ENTRY
    payload.set(entry.bytes, 1)
    try {
      const ref = await this.log.append(payload)
      if (a.seqs.get(seq) === placeholder) a.seqs.set(seq, ref)
    } catch (err) {
      if (a.seqs.get(seq) === placeholder) a.seqs.delete(seq)
      d.uncovered = undefined
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

  vector (doc: Uint8Array): Vector {
    const v: Vector = new Map()
    const d = this.docs.get(toHex(doc))
    if (d === undefined) return v
    for (const s of d.snapshots) {
      for (const c of s.header.covers) {
        const id = streamKey(c)
        v.set(id, Math.max(v.get(id) ?? 0, Number(c.seq)))
      }
    }
    for (const [id, a] of d.authors) {
      let n = v.get(id) ?? 0
      while (a.seqs.has(n + 1)) n++
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
      const seqs = [...a.seqs.keys()].filter(s => s > floor).sort((x, y) => x - y)
      for (const s of seqs) {
        const ref = a.seqs.get(s)
        if (ref === undefined) continue
        // An entry still being appended is read from memory: skipping it would let a replica
        // load without it while a snapshot claims it.
        if ('bytes' in ref) { yield ref.bytes; continue }
        // Resolved at read time: a compaction may have moved it since the list was taken.
        const payload = await this.log.read(() => {
          const cur = a.seqs.get(s)
          return cur !== undefined && !('bytes' in cur) ? cur : undefined
        })
        if (payload !== undefined) yield payload.subarray(1)
      }
    }
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

  /** Stores a verified snapshot and drops the snapshots it dominates. */
  async putSnapshot (header: Entry, ciphertext: Uint8Array): Promise<StoredSnapshot> {
    const staged = this.stageSnapshot(header)
    staged.write(ciphertext)
    return await staged.commit()
  }

  /**
   * Starts writing a snapshot's file, to be fed its ciphertext as it arrives (a snapshot from a
   * peer is written while it is received and verified). Nothing is visible, to readers, peers or
   * the next open (which removes a stray temp file), until `commit()`; `discard()` removes it.
   */
  stageSnapshot (header: Entry): StagedSnapshot {
    this.check()
    const staged = stageSnapshotFile(join(this.dir, 'snapshots'), header)
    return {
      write: staged.write,
      commit: async () => {
        const stored = await staged.commit()
        this.check()
        const d = this.docIndex(header.doc)
        const cover = vectorOf(header.covers)
        const kept: StoredSnapshot[] = [stored]
        for (const s of d.snapshots) {
          if (s.path === stored.path) continue
          if (dominates(cover, vectorOf(s.header.covers))) await removeSnapshot(s)
          else kept.push(s)
        }
        d.snapshots = kept
        d.uncovered = undefined
        return stored
      },
      discard: staged.discard
    }
  }

  readSnapshot (s: StoredSnapshot): Promise<Uint8Array> { return readSnapshotData(s) }

  snapshotPieces (s: StoredSnapshot, pieceBytes: number): AsyncGenerator<Uint8Array> { return readSnapshotPieces(s, pieceBytes) }

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
            if (seq <= floor) { covered += ref.length; drop.push(() => a.seqs.delete(seq)); continue }
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
