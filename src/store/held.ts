/**
 * The entry store's in-memory index, rebuilt from the log at open: per document, per author lane
 * (`streamKey`), per seq, where the entry's record is (or its bytes, while its append runs) and a
 * prefix of its signature, beside the document's stored snapshots. It answers what is held —
 * vectors, content tips, lane tops, what no snapshot covers — from memory alone; reading the
 * bytes is the store's. Entries and snapshot claims set aside (quarantine.ts) count as held,
 * never as content; fork evidence (forks.ts) takes part in a slot's tip.
 */
import { entryPlace, parseStreamKey, streamKey, toHex, type VectorItem, type VectorLane } from '../identity/index.js'
import { Digest } from './digest.js'
import type { Forks } from './forks.js'
import type { RecordRef } from './log.js'
import type { Quarantine } from './quarantine.js'
import type { StoredSnapshot } from './snapshots.js'
import { dominates, vectorOf, type Vector } from './vector.js'

/** An entry whose append has not completed yet: readers get its bytes from memory. */
export interface InFlight extends RecordRef { readonly offset: -1, readonly bytes: Uint8Array }
export interface AuthorIndex {
  seqs: Map<number, RecordRef | InFlight>
  /** Per seq, a prefix of the held entry's signature: a different entry at the slot is a fork (kept after compaction too). */
  sigs: Map<number, string>
}
export interface DocIndex {
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
  /** Its lanes that hold something, with their tips, as lanes() gave them; dropped by every change (digest.ts). */
  lanes?: readonly HeldLane[]
}

/** A lane of a document's vector that holds something: up to which seq, and the content tip there when an entry is held. */
export interface HeldLane { readonly author: Uint8Array, readonly lane: number, readonly seq: bigint, readonly tip?: Uint8Array }

/** An entry's bytes by its index record: in memory while its append runs, else its record less the one type byte. */
const entryBytes = (ref: RecordRef | InFlight): number => 'bytes' in ref ? ref.bytes.byteLength : ref.length - 1

/** What tells two entries of one slot apart cheaply: their signatures (over different bodies) differ. */
export const sigPrefix = (signature: Uint8Array): string => Buffer.from(signature.buffer, signature.byteOffset, Math.min(12, signature.byteLength)).toString('base64')

export class HeldIndex {
  readonly docs = new Map<string, DocIndex>()
  /** The vault's digest over these documents' vectors. */
  readonly digest = new Digest<DocIndex>(d => this.lanesIn(d))

  /** Author lanes parsed once each: a vault has a few, and its digest names them for every document. */
  private readonly parsed = new Map<string, { author: Uint8Array, lane: number }>()
  private lane (key: string): { author: Uint8Array, lane: number } {
    let l = this.parsed.get(key)
    if (l === undefined) { l = parseStreamKey(key); this.parsed.set(key, l) }
    return l
  }

  constructor (private readonly quarantine: Quarantine, private readonly forks: Forks) {}

  get (doc: Uint8Array): DocIndex | undefined { return this.docs.get(toHex(doc)) }

  /** The document's index, made (empty) when it holds nothing yet. */
  doc (doc: Uint8Array): DocIndex {
    const id = toHex(doc)
    let d = this.docs.get(id)
    if (d === undefined) { d = { doc: new Uint8Array(doc), id, authors: new Map(), snapshots: [] }; this.docs.set(id, d); this.digest.changed(d) }
    return d
  }

  author (doc: Uint8Array, key: string): AuthorIndex { return this.authorIn(this.doc(doc), key) }

  private authorIn (d: DocIndex, key: string): AuthorIndex {
    let a = d.authors.get(key)
    if (a === undefined) { a = { seqs: new Map(), sigs: new Map() }; d.authors.set(key, a) }
    return a
  }

  /** An entry record read from the log. */
  add (e: { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, signature: Uint8Array }, ref: RecordRef): void {
    const d = this.doc(e.doc)
    const a = this.authorIn(d, streamKey(e))
    a.seqs.set(Number(e.seq), ref)
    a.sigs.set(Number(e.seq), sigPrefix(e.signature))
    d.uncovered = undefined
    this.digest.changed(d)
  }

  /** The entry record at this log offset is gone (a rewrite found it damaged and left it out): its slot is no longer held. Whether one held it. */
  forgetRecord (offset: number): boolean {
    for (const d of this.docs.values()) {
      for (const a of d.authors.values()) {
        for (const [seq, r] of a.seqs) {
          if (r.offset !== offset) continue
          a.seqs.delete(seq)
          a.sigs.delete(seq)
          d.uncovered = undefined
          this.digest.changed(d)
          return true
        }
      }
    }
    return false
  }

  /**
   * The slot an entry read back damaged names (as its bytes say) is no longer held, when it still
   * holds that record (its signature prefix; not an entry being appended there by now).
   */
  forgetDamaged (place: { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, signature: Uint8Array }): void {
    const d = this.get(place.doc)
    const a = d?.authors.get(streamKey(place))
    const seq = Number(place.seq)
    const ref = a?.seqs.get(seq)
    if (d !== undefined && a !== undefined && ref !== undefined && !('bytes' in ref) && a.sigs.get(seq) === sigPrefix(place.signature)) {
      a.seqs.delete(seq)
      a.sigs.delete(seq)
      d.uncovered = undefined
      this.digest.changed(d)
    }
  }

  /**
   * A committed snapshot file joins its document's snapshots, in this tick (two transfers of one
   * snapshot may commit at once). Returns the stored ones it replaces, whose files the caller
   * removes: the same snapshot under an earlier version's name, and those it dominates that
   * `replaces` allows (a claim alone deletes nothing).
   */
  adoptSnapshot (stored: StoredSnapshot, replaces?: (s: StoredSnapshot) => boolean): StoredSnapshot[] {
    const header = stored.header
    const d = this.doc(header.doc)
    const cover = vectorOf(header.covers)
    const kept: StoredSnapshot[] = [stored]
    const gone: StoredSnapshot[] = []
    for (const s of d.snapshots) {
      if (s.path === stored.path) continue
      // The same snapshot stored again: its file under an earlier version's name goes.
      if (toHex(s.header.signature) === toHex(header.signature)) { gone.push(s); continue }
      if (replaces?.(s) === true && dominates(cover, vectorOf(s.header.covers))) gone.push(s)
      else kept.push(s)
    }
    d.snapshots = kept
    d.uncovered = undefined
    this.digest.changed(d)
    return gone
  }

  /** Drops a stored snapshot from its document's index (its file is moved by the caller); returns the document. */
  forgetSnapshot (s: StoredSnapshot): DocIndex {
    const d = this.doc(s.header.doc)
    d.snapshots = d.snapshots.filter(x => x.path !== s.path)
    d.uncovered = undefined
    // What it covered counts no more: the vector (and the digest) may step back.
    this.digest.changed(d)
    return d
  }

  /** The log is read again from its start (it recovered a torn record): entries are indexed anew. */
  reset (): void {
    for (const d of this.docs.values()) { d.authors.clear(); this.digest.changed(d) }
  }

  has (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): boolean {
    const d = this.get(doc)
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
    const d = this.get(doc)
    if (d === undefined) return []
    const out: Array<{ key: string, seq: number, tip?: string }> = []
    for (const [key, seq] of this.vectorIn(d)) {
      if (seq === 0) continue
      const tip = d.authors.get(key)?.sigs.get(seq)
      out.push(tip === undefined ? { key, seq } : { key, seq, tip })
    }
    return out.sort((x, y) => x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  }

  /** Bytes this store holds of a document: its entries, and its largest snapshot. */
  docBytes (doc: Uint8Array): number {
    const d = this.get(doc)
    if (d === undefined) return 0
    let n = 0
    for (const a of d.authors.values()) for (const r of a.seqs.values()) n += r.length
    let snap = 0
    for (const s of d.snapshots) snap = Math.max(snap, Number(s.header.snapshotSize))
    return n + snap
  }

  /** Whether the entry held at this slot (if any is known) differs from one with this signature. */
  differs (doc: Uint8Array, author: Uint8Array, seq: bigint, lane: number, signature: Uint8Array): boolean {
    const fp = this.get(doc)?.authors.get(streamKey({ author, lane }))?.sigs.get(Number(seq))
    return fp !== undefined && fp !== sigPrefix(signature)
  }

  /**
   * Snapshots whose claim covers this slot (and was not shown false): the entry there is held
   * only if it is in their state, which the caller checks with the key before calling it a
   * duplicate (crdt/SPEC.md, Snapshot claims).
   */
  claimants (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): StoredSnapshot[] {
    const d = this.get(doc)
    if (d === undefined) return []
    const key = streamKey({ author, lane })
    return d.snapshots.filter(s => this.claimsOf(s).some(c => streamKey(c) === key && c.seq >= seq))
  }

  /** What a snapshot's claim counts for here: its covers, or nothing once an entry showed it false. */
  claimsOf (s: StoredSnapshot): readonly VectorItem[] { return this.quarantine.disproves(s.header.bytes) ? [] : s.header.covers }

  /** The highest seq of this author lane that the document's snapshots claim. */
  snapshotCovers (d: DocIndex, key: string): number {
    let max = 0
    for (const s of d.snapshots) {
      for (const c of this.claimsOf(s)) if (streamKey(c) === key && Number(c.seq) > max) max = Number(c.seq)
    }
    return max
  }

  /** Highest seq in this author's lane of this document (entries or snapshot), 0 if none. */
  maxSeq (doc: Uint8Array, author: Uint8Array, lane = 0): number {
    const d = this.get(doc)
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
  laneKeys (doc: Uint8Array): string[] { return [...(this.get(doc)?.authors.keys() ?? [])] }

  vector (doc: Uint8Array): Vector {
    const d = this.get(doc)
    return d === undefined ? new Map() : this.vectorIn(d)
  }

  /**
   * The document's lanes that hold something (seq above 0), each with the content tip at its
   * seq when an entry is held there: its vector as the sync protocol sends it. Kept until the
   * document changes (every change of its vector or tips marks it in the digest, which drops
   * them), so a status or a catch-up over 10,000 documents does not walk each one's entries.
   * Shared: read, never changed.
   */
  lanes (doc: Uint8Array): readonly HeldLane[] {
    const d = this.get(doc)
    return d === undefined ? [] : this.lanesIn(d)
  }

  /** A document's vector or tips changed other than through this index (a quarantine, a fork): its lanes and fingerprint go stale. */
  changedId (id: string): void {
    const d = this.docs.get(id)
    if (d !== undefined) this.digest.changed(d)
  }

  /** Every document with its lanes (lanes()), by its index: no document named in hex again for it. */
  allLanes (): Array<{ doc: Uint8Array, id: string, lanes: readonly HeldLane[] }> {
    const out: Array<{ doc: Uint8Array, id: string, lanes: readonly HeldLane[] }> = []
    for (const d of this.docs.values()) out.push({ doc: d.doc, id: d.id, lanes: this.lanesIn(d) })
    return out
  }

  private lanesIn (d: DocIndex): readonly HeldLane[] {
    if (d.lanes !== undefined) return d.lanes
    const out: HeldLane[] = []
    for (const [k, n] of this.vectorIn(d)) {
      if (n <= 0) continue
      const { author, lane } = this.lane(k)
      const tip = this.tipIn(d, k, n)
      out.push(tip === undefined ? { author, lane, seq: BigInt(n) } : { author, lane, seq: BigInt(n), tip })
    }
    d.lanes = out
    return out
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
      const set = this.quarantine.seqs(d.doc, id)
      const q = set.length > 0 ? new Set(set) : undefined
      while (a.seqs.has(n + 1) || q?.has(n + 1) === true) n++
      v.set(id, n)
    }
    return v
  }

  /**
   * The content tip of the entry at (doc, author lane, seq): the least of the first 12 bytes of
   * the signatures of the entry held there and of every fork evidence at that slot. Two stores
   * that hold the same entries there (forks included) have the same tip; a slot written twice
   * differently shows different tips until each holds both. Undefined when no entry is held there
   * (only a snapshot covers it, or it is quarantined). protocols/sync/SPEC.md, Content tips.
   */
  tip (doc: Uint8Array, key: string, seq: number): Uint8Array | undefined {
    const d = this.get(doc)
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

  /**
   * Whether the entries of a lane from `from` + 1 to `to` are all held as content (none missing,
   * none set aside), covered by a snapshot or not, and their bytes.
   */
  heldRun (doc: Uint8Array, key: string, from: number, to: number): { held: boolean, bytes: number } {
    const a = this.get(doc)?.authors.get(key)
    let bytes = 0
    for (let s = from + 1; s <= to; s++) {
      const ref = a?.seqs.get(s)
      if (ref === undefined || this.quarantine.holds(doc, key, s)) return { held: false, bytes }
      bytes += entryBytes(ref)
    }
    return { held: true, bytes }
  }

  /**
   * How many entries `entriesAbove(doc, after)` yields, and their bytes, from the index alone.
   * `serves`: whether an entry at a slot may go to a peer (CertRegistry.servesSlots), when some
   * may not.
   */
  aboveTotals (doc: Uint8Array, after: Vector, serves?: (key: string, seq: number) => boolean): { entries: number, bytes: number } {
    const d = this.get(doc)
    let entries = 0
    let bytes = 0
    if (d === undefined) return { entries, bytes }
    for (const [id, a] of d.authors) {
      const floor = after.get(id) ?? 0
      for (const [seq, ref] of a.seqs) {
        // As entriesAbove() and the servable() filter after it: quarantined entries and those the
        // registry holds back are not sent, so not counted.
        if (seq <= floor || this.quarantine.holds(d.doc, id, seq) || (serves !== undefined && !serves(id, seq))) continue
        entries++
        bytes += entryBytes(ref)
      }
    }
    return { entries, bytes }
  }

  uncoveredCount (doc: Uint8Array): number {
    const d = this.get(doc)
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
}
