/**
 * What this side knows the peer holds, per document: its vectors as last reported, advanced by
 * what it said it took of what was sent to it (acks.ts), and the content tips it reported; and
 * what was sent and not yet acknowledged (in flight). From them: how far behind each side is
 * (`mesh peers`), and where both hold the same position with different content.
 */
import { fromHex, streamKey, toHex } from '../../src/identity/index.js'
import type { OnSettled } from './acks.js'
import { LIMITS } from './limits.js'
import type { AuthorSeq, ReplicaSource } from './source.js'

const MAX_HOLES = 4096

/** What others read of a PeerView: where the peer stands, without the means to change it. */
export type StandingView = Pick<PeerView, 'diverged' | 'lacking' | 'lackingOf' | 'lacksAny' | 'behind' | 'behindOf' | 'inFlight' | 'inFlightOf'>

export class PeerView {
  /** The peer's vectors as last reported, advanced by what it said it took of what we sent it. */
  readonly theirs = new Map<string, Map<string, bigint>>()
  /** The content tips the peer reported, per document and lane: `seq` and the tip there (hex). */
  private readonly theirTips = new Map<string, Map<string, { seq: bigint, tip: string }>>()

  /** Entries sent to the peer that it has not yet said it took (acks.ts), per document. */
  private readonly sending = new Map<string, number>()

  /**
   * Live entries the peer said it refused, per document and lane, until it is known to hold them:
   * a later entry of the lane taken raises `theirs` past them, which alone would hide the gap.
   */
  private readonly holes = new Map<string, Map<string, Set<bigint>>>()
  /** Refusals kept in `holes`, at most MAX_HOLES: a peer that refuses all and never asks again costs no more. */
  private holeCount = 0
  /** Views kept of documents this side did not hold when they were made, at most LIMITS.maxUnknownDocs. */
  private unknown = 0

  /** `agrees`: the document lies in a range reconciliation found equal (reconciler.ts). */
  constructor (private readonly source: ReplicaSource, private readonly agrees: (doc: string) => boolean) {}

  /**
   * The peer holds these entries; `through`: and every entry of their lanes below them (a vector
   * it reported, or what a catch-up or snapshot it took stands for), which fills the gaps known
   * there (else only an entry's own).
   */
  remember (doc: Uint8Array, items: AuthorSeq[], through = false): void {
    const m = this.viewOf(doc)
    const gaps = this.holes.size > 0 ? this.holes.get(toHex(doc)) : undefined
    for (const i of items) {
      const a = streamKey(i)
      if ((m.get(a) ?? 0n) < i.seq) m.set(a, i.seq)
      const lane = gaps?.get(a)
      if (lane === undefined) continue
      // Through: every gap below is filled; else only this very entry's.
      for (const seq of lane) if (through ? seq <= i.seq : seq === i.seq) { lane.delete(seq); this.holeCount-- }
      if (lane.size === 0) gaps?.delete(a)
    }
    if (gaps !== undefined && gaps.size === 0) this.holes.delete(toHex(doc))
  }

  /** What the peer holds of a document, as far as known; created on first use. */
  private viewOf (doc: Uint8Array, sending: readonly AuthorSeq[] = []): Map<string, bigint> {
    const k = toHex(doc)
    let m = this.theirs.get(k)
    if (m !== undefined) return m
    m = new Map()
    // A document we do not hold: what the peer holds of it only tells what we lack; a peer naming
    // made-up documents is kept to a bound (past it, the view is not kept).
    if (this.source.vector(doc).length === 0) {
      if (this.unknown >= LIMITS.maxUnknownDocs) return m
      this.unknown++
    }
    this.theirs.set(k, m)
    // In a range found equal, the peer held what we held then (reconciler.ts): what we hold now
    // less what we are sending it now, which it has not taken yet (the first change since).
    if (this.agrees(k)) {
      for (const i of this.source.vector(doc)) m.set(streamKey(i), i.seq)
      for (const i of sending) {
        const a = streamKey(i)
        const held = m.get(a)
        if (held !== undefined && held >= i.seq) {
          if (i.seq > 1n) m.set(a, i.seq - 1n)
          else m.delete(a)
        }
      }
    }
    return m
  }

  /**
   * One of our entries will go to the peer (live, or its body ahead of its signature). A document
   * in a range found equal that has no view yet gets it now, without this entry: otherwise a view
   * first made while the entry waits to be framed (the peer's own entry of the document arriving
   * meanwhile) would count it as held (see viewOf).
   */
  willSend (doc: Uint8Array, item: AuthorSeq): void {
    // Only for such a document: any other's view is made when it is framed or reported, as before.
    const k = toHex(doc)
    if (!this.theirs.has(k) && this.agrees(k)) this.viewOf(doc, [item])
  }

  /**
   * A frame of these live entries (or of an early one's signature) goes to the peer: in flight
   * until it says whether it took the frame, and then, if it did, held by it. A document it was
   * found to hold as we did (reconciliation), first touched since, gets its view now, before
   * they count (see viewOf).
   */
  sendingEntries (refs: ReadonlyArray<{ doc: Uint8Array, item: AuthorSeq }>): OnSettled {
    const byDoc = new Map<string, { doc: Uint8Array, items: AuthorSeq[] }>()
    for (const r of refs) {
      const k = toHex(r.doc)
      const d = byDoc.get(k) ?? { doc: r.doc, items: [] }
      d.items.push(r.item)
      byDoc.set(k, d)
    }
    for (const d of byDoc.values()) this.viewOf(d.doc, d.items)
    const counts = new Map([...byDoc].map(([k, d]) => [k, d.items.length]))
    return this.sendingFrame(counts, () => { for (const d of byDoc.values()) this.remember(d.doc, d.items) }, () => {
      for (const [k, d] of byDoc) {
        let lanes = this.holes.get(k)
        if (lanes === undefined) { lanes = new Map(); this.holes.set(k, lanes) }
        for (const i of d.items) {
          const a = streamKey(i)
          let lane = lanes.get(a)
          if (lane === undefined) { lane = new Set(); lanes.set(a, lane) }
          if (this.holeCount >= MAX_HOLES || lane.has(i.seq)) continue
          lane.add(i.seq)
          this.holeCount++
        }
      }
    })
  }

  /**
   * A frame carrying `counts` entries per document (hex) goes to the peer: they are in flight
   * until the returned callback hears whether the peer took the frame, and then, if it did,
   * `then` records what it now holds.
   */
  sendingFrame (counts: ReadonlyMap<string, number>, then?: () => void, otherwise?: () => void): OnSettled {
    for (const [k, n] of counts) this.sending.set(k, (this.sending.get(k) ?? 0) + n)
    let once = false
    return (ok) => {
      if (once) return
      once = true
      for (const [k, n] of counts) {
        const left = (this.sending.get(k) ?? 0) - n
        if (left > 0) this.sending.set(k, left)
        else this.sending.delete(k)
      }
      if (ok) then?.()
      else otherwise?.()
    }
  }

  /** Entries sent and not yet acknowledged, per document (hex). */
  inFlight (): Map<string, number> { return new Map(this.sending) }

  /** Only tips the peer itself reported: what this side sent does not tell what the peer holds at a position it already had. */
  rememberTips (doc: Uint8Array, items: AuthorSeq[]): void {
    const k = toHex(doc)
    let m = this.theirTips.get(k)
    for (const i of items) {
      if (i.tip === undefined) continue
      if (m === undefined) { m = new Map(); this.theirTips.set(k, m) }
      m.set(streamKey(i), { seq: i.seq, tip: toHex(i.tip) })
    }
  }

  /**
   * Documents where both sides hold the same position of a lane with different content (a fork,
   * or a home restored from a backup): equal counts, different bytes, so never "in sync".
   */
  diverged (): string[] {
    const out: string[] = []
    for (const mine of this.source.vectors()) {
      const k = toHex(mine.doc)
      const t = this.theirTips.get(k)
      if (t === undefined) continue
      if (mine.items.some(i => { const o = t.get(streamKey(i)); return i.tip !== undefined && o !== undefined && o.seq === i.seq && o.tip !== toHex(i.tip) })) out.push(k)
    }
    return out
  }

  /**
   * How many entries this side lacks per document, by the peer's last reported vector. Only the
   * documents the peer reported are looked at, each by its own vector (not every document's).
   */
  lacking (): Map<string, number> {
    const out = new Map<string, number>()
    for (const k of this.theirs.keys()) out.set(k, this.lackingOf(k))
    return out
  }

  /** How many entries this side lacks of one document (hex), by the peer's last reported vector. */
  lackingOf (k: string): number {
    const t = this.theirs.get(k)
    if (t === undefined) return 0
    const mine = new Map(this.source.vector(fromHex(k)).map(i => [streamKey(i), i.seq]))
    let n = 0
    for (const [a, seq] of t) {
      const have = mine.get(a) ?? 0n
      if (seq > have) n += Number(seq - have)
    }
    return n
  }

  /** How many entries the peer lacks per document, by what it reported and acknowledged. */
  behind (): Map<string, number> {
    const out = new Map<string, number>()
    for (const mine of this.source.vectors()) {
      const k = toHex(mine.doc)
      out.set(k, this.behindIn(k, mine.items))
    }
    return out
  }

  /**
   * How many entries the peer lacks of one document (hex): a lease's take asks of its session
   * alone, where behind() walked every document of the vault (its cost grew with the vault).
   */
  behindOf (k: string): number {
    return this.behindIn(k, this.source.vector(fromHex(k)))
  }

  private behindIn (k: string, items: readonly AuthorSeq[]): number {
    const t = this.theirs.get(k)
    if (t === undefined && this.agrees(k)) return 0
    let n = 0
    const gaps = this.holes.get(k)
    for (const i of items) {
      const a = streamKey(i)
      const have = t?.get(a) ?? 0n
      if (i.seq > have) n += Number(i.seq - have)
      // Refused below what it holds of the lane: lacking all the same (above it, counted already).
      for (const seq of gaps?.get(a) ?? []) if (seq <= have && seq <= i.seq) n++
    }
    return n
  }

  /** Whether this side lacks anything the peer reported holding (at the first document that it does). */
  lacksAny (): boolean {
    for (const k of this.theirs.keys()) if (this.lackingOf(k) > 0) return true
    return false
  }

  /** Entries sent and not yet acknowledged of one document (hex). */
  inFlightOf (k: string): number { return this.sending.get(k) ?? 0 }
}
