/**
 * Range-based set reconciliation over per-document fingerprints (after Negentropy), as pure
 * functions: the session (session.ts) sends and receives what they compute. Two nodes in sync
 * exchange one whole-vault fingerprint each; where they differ, the sorted document-id space is
 * split into ranges whose fingerprints are compared, recursing into the ranges that differ until
 * one side holds few enough documents there to list their vectors. Only the vectors of documents
 * that differ are then exchanged. Grammar: SPEC.md, Reconciliation.
 */
import { FingerprintSum, docFingerprint, equals, fromHex, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import type { DocVector } from './source.js'

export const RECONCILE = {
  /** Sub-ranges a differing range is split into. */
  fanout: 16,
  /** At most this many documents in a differing range: list their vectors instead of splitting. */
  leaf: 32
} as const

/** A document that holds something: its id (hex, which sorts as the bytes do) and vector fingerprint. */
export interface ReconcileItem { readonly id: string, readonly doc: Uint8Array, readonly fp: Uint8Array }
export interface ReconcileIndex {
  /** Ascending by id. */
  readonly items: readonly ReconcileItem[]
  /** The fingerprint of all items (kept up to date by the store, not recomputed here). */
  readonly digest: Uint8Array
}

/** A range of document ids `[lower, upper)` as on the wire (`pb/sync.proto` Range). */
export interface WireRange {
  /** Inclusive lower bound; empty: the start of the id space. */
  lower: Uint8Array
  /** Exclusive upper bound; empty: the end of the id space. */
  upper: Uint8Array
  /** The sender's fingerprint of the range (empty when listed). */
  fingerprint: Uint8Array
  /** How many documents the sender holds in the range. */
  count: number
  /** The sender's vectors of every document it holds in the range are in the same frame. */
  listed: boolean
}

const NONE = new Uint8Array(0)

/** The whole-vault range a hello carries. */
export function digestRange (index: ReconcileIndex): WireRange {
  return { lower: NONE, upper: NONE, fingerprint: index.digest, count: index.items.length, listed: false }
}

/** A fingerprint range over the whole id space: only a hello sends one. */
export const isDigest = (r: WireRange): boolean => !r.listed && r.lower.byteLength === 0 && r.upper.byteLength === 0

/** The first index whose id is at or after `bound` (hex). */
export function locate (items: readonly ReconcileItem[], bound: string): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((items[mid] as ReconcileItem).id < bound) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Refuses a frame whose ranges overlap, repeat, or end before they start. An honest side's ranges
 * of one frame never do (they split, list, or echo disjoint ranges of the peer's, down from the
 * hello's one range), and the work of answering a frame is then at most one pass over our
 * documents: 1,024 copies of the whole id space in one 5 KB frame were 1,024 passes (seconds of
 * a blocked event loop over 10,000 documents).
 */
export function checkDisjoint (ranges: ReadonlyArray<Pick<WireRange, 'lower' | 'upper'>>): void {
  if (ranges.length === 0) return
  const rs = ranges.map(r => ({ lower: toHex(r.lower), upper: toHex(r.upper) }))
  for (const r of rs) if (r.upper !== '' && r.upper <= r.lower) throw new ProtocolError('a range that ends where it starts or before')
  rs.sort((x, y) => x.lower < y.lower ? -1 : x.lower > y.lower ? 1 : 0)
  for (let i = 1; i < rs.length; i++) {
    const prev = rs[i - 1] as { upper: string }
    if (prev.upper === '' || prev.upper > (rs[i] as { lower: string }).lower) throw new ProtocolError('ranges of one frame overlap')
  }
}

/** The items of `[lower, upper)`, as index bounds. */
export function span (items: readonly ReconcileItem[], r: Pick<WireRange, 'lower' | 'upper'>): [number, number] {
  const from = r.lower.byteLength === 0 ? 0 : locate(items, toHex(r.lower))
  const to = r.upper.byteLength === 0 ? items.length : locate(items, toHex(r.upper))
  return [from, Math.max(from, to)]
}

/** Whether a document id lies in `[lower, upper)`. */
export function within (id: string, r: Pick<WireRange, 'lower' | 'upper'>): boolean {
  return (r.lower.byteLength === 0 || id >= toHex(r.lower)) && (r.upper.byteLength === 0 || id < toHex(r.upper))
}

export function fingerprintOf (items: readonly ReconcileItem[], from: number, to: number): Uint8Array {
  const sum = new FingerprintSum()
  for (let i = from; i < to; i++) sum.add((items[i] as ReconcileItem).fp)
  return sum.fingerprint()
}

/**
 * The shortest id prefix `p` with `a < p <= b` (hex, whole bytes): the bound between two
 * neighbouring ids costs a byte or two on the wire instead of a whole id.
 */
export function between (a: string, b: string): string {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return b.slice(0, Math.min(b.length, (Math.floor(i / 2) + 1) * 2))
}

/** Splits `[from, to)` (more than `fanout` items, bounds `lower`/`upper`) into `fanout` ranges of nearly equal counts. */
export function split (items: readonly ReconcileItem[], from: number, to: number, r: Pick<WireRange, 'lower' | 'upper'>, fanout: number = RECONCILE.fanout): WireRange[] {
  const n = to - from
  const out: WireRange[] = []
  let lower = r.lower
  let start = from
  for (let k = 1; k <= fanout; k++) {
    const end = k === fanout ? to : from + Math.floor(n * k / fanout)
    if (end === start) continue
    const upper = end === to ? r.upper : fromHex(between((items[end - 1] as ReconcileItem).id, (items[end] as ReconcileItem).id))
    out.push({ lower, upper, fingerprint: fingerprintOf(items, start, end), count: end - start, listed: false })
    lower = upper
    start = end
  }
  return out
}

/** What to answer the peer's fingerprint ranges with. */
export interface Response {
  /** The peer's ranges that we hold exactly as it does. */
  matched: WireRange[]
  /** Ranges to send: sub-ranges with fingerprints, and listings with the items whose vectors go with them. */
  reply: Array<{ range: WireRange, items?: readonly ReconcileItem[] }>
  /** Documents the peer holds nothing of (it counted none in their range): send them whole, no listing needed. */
  lacking: ReconcileItem[]
}

/** Answers the peer's fingerprint ranges (not its digest, not its listings). */
export function respond (index: ReconcileIndex, theirs: readonly WireRange[], options: { fanout?: number, leaf?: number } = {}): Response {
  const leaf = options.leaf ?? RECONCILE.leaf
  const out: Response = { matched: [], reply: [], lacking: [] }
  for (const r of theirs) {
    const [from, to] = span(index.items, r)
    const n = to - from
    if (r.count === n && equals(fingerprintOf(index.items, from, to), r.fingerprint)) { out.matched.push(r); continue }
    // One at a time: a spread of a whole vault's documents overflowed the call stack (~125,000).
    if (r.count === 0) { for (let i = from; i < to; i++) out.lacking.push(index.items[i] as (typeof out.lacking)[number]); continue }
    if (n <= leaf) out.reply.push({ range: { lower: r.lower, upper: r.upper, fingerprint: NONE, count: n, listed: true }, items: index.items.slice(from, to) })
    else for (const sub of split(index.items, from, to, r, options.fanout)) out.reply.push({ range: sub })
  }
  return out
}

/** What the peer's listing of a range (its vectors there) asks of us. */
export interface ListingAnswer {
  /** Our documents in the range that the peer lacks or holds differently: catch it up on these. */
  send: ReconcileItem[]
  /** Documents it listed that we hold differently or not at all: send our vectors of these (answer). */
  answer: Uint8Array[]
  /** Our documents it holds exactly as we do. */
  equal: ReconcileItem[]
  /**
   * The runs of those (in the order of both sides' documents of the range, nothing else between)
   * as fingerprint ranges: sent back, they tell the peer that we hold them as it does, a range
   * each instead of a vector per document.
   */
  equalRuns: WireRange[]
}

export function answerListing (index: ReconcileIndex, range: WireRange, vectors: readonly DocVector[]): ListingAnswer {
  const listed = new Map<string, Uint8Array>()
  for (const v of vectors) {
    const id = toHex(v.doc)
    if (within(id, range)) listed.set(id, docFingerprint(v.doc, v.items))
  }
  const [from, to] = span(index.items, range)
  const out: ListingAnswer = { send: [], answer: [], equal: [], equalRuns: [] }
  // Our documents of the range, by id: their place in the index.
  const mine = new Map<string, number>()
  for (let i = from; i < to; i++) {
    const item = index.items[i] as ReconcileItem
    mine.set(item.id, i)
    const fp = listed.get(item.id)
    if (fp !== undefined && equals(fp, item.fp)) { out.equal.push(item); continue }
    out.send.push(item)
    if (fp !== undefined) out.answer.push(item.doc)
  }
  for (const v of vectors) if (!mine.has(toHex(v.doc)) && listed.has(toHex(v.doc)) && v.items.some(i => i.seq > 0n)) out.answer.push(v.doc)
  if (out.equal.length === 0) return out
  const equal = new Set(out.equal.map(i => i.id))
  const ids = [...new Set([...mine.keys(), ...listed.keys()])].sort()
  for (let i = 0; i < ids.length;) {
    if (!equal.has(ids[i] as string)) { i++; continue }
    let j = i
    while (j + 1 < ids.length && equal.has(ids[j + 1] as string)) j++
    // The whole range equal would not have been listed; a run of all of it is sent as nothing.
    // A run is one stretch of our index too (only its documents lie between its ends, on both sides).
    if (i > 0 || j < ids.length - 1) {
      out.equalRuns.push({
        lower: i === 0 ? range.lower : fromHex(between(ids[i - 1] as string, ids[i] as string)),
        upper: j === ids.length - 1 ? range.upper : fromHex(between(ids[j] as string, ids[j + 1] as string)),
        fingerprint: fingerprintOf(index.items, mine.get(ids[i] as string) as number, (mine.get(ids[j] as string) as number) + 1),
        count: j - i + 1,
        listed: false
      })
    }
    i = j + 1
  }
  return out
}
