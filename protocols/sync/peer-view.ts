/**
 * What this side knows the peer holds, per document: its vectors as last reported, advanced by
 * what was sent to it, and the content tips it reported. From them: how far behind each side is
 * (`mesh peers`), and where both hold the same position with different content.
 */
import { streamKey, toHex } from '../../src/identity/index.js'
import type { AuthorSeq, ReplicaSource } from './source.js'

export class PeerView {
  /** The peer's vectors as last reported, advanced by what we send it. */
  readonly theirs = new Map<string, Map<string, bigint>>()
  /** The content tips the peer reported, per document and lane: `seq` and the tip there (hex). */
  private readonly theirTips = new Map<string, Map<string, { seq: bigint, tip: string }>>()

  /** `agrees`: the document lies in a range reconciliation found equal (reconciler.ts). */
  constructor (private readonly source: ReplicaSource, private readonly agrees: (doc: string) => boolean) {}

  remember (doc: Uint8Array, items: AuthorSeq[]): void {
    const k = toHex(doc)
    let m = this.theirs.get(k)
    if (m === undefined) {
      m = new Map()
      this.theirs.set(k, m)
      // In a range found equal, the peer held what we held (reconciler.ts).
      if (this.agrees(k)) for (const i of this.source.vector(doc)) m.set(streamKey(i), i.seq)
    }
    for (const i of items) {
      const a = streamKey(i)
      if ((m.get(a) ?? 0n) < i.seq) m.set(a, i.seq)
    }
  }

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

  /** How many entries this side lacks per document, by the peer's last reported vector. */
  lacking (): Map<string, number> {
    const mine = new Map<string, Map<string, bigint>>()
    for (const v of this.source.vectors()) mine.set(toHex(v.doc), new Map(v.items.map(i => [streamKey(i), i.seq])))
    const out = new Map<string, number>()
    for (const [k, t] of this.theirs) {
      let n = 0
      for (const [a, seq] of t) {
        const have = mine.get(k)?.get(a) ?? 0n
        if (seq > have) n += Number(seq - have)
      }
      out.set(k, n)
    }
    return out
  }

  /** How many entries the peer lacks per document, by its last reported vector. */
  behind (): Map<string, number> {
    const out = new Map<string, number>()
    for (const mine of this.source.vectors()) {
      const k = toHex(mine.doc)
      const t = this.theirs.get(k)
      if (t === undefined && this.agrees(k)) { out.set(k, 0); continue }
      let n = 0
      for (const i of mine.items) {
        const have = t?.get(streamKey(i)) ?? 0n
        if (i.seq > have) n += Number(i.seq - have)
      }
      out.set(k, n)
    }
    return out
  }
}
