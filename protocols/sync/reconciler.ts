/**
 * One session's side of set reconciliation (SPEC.md, Reconciliation): sends the hello's digest,
 * answers the peer's ranges and listings with what reconcile.ts computes, and remembers which
 * ranges were found equal (so `behind()` need not hold a vector per document for a vault in sync).
 */
import { docFingerprint, equals, toHex } from '../../src/identity/index.js'
import { answerListing, checkDisjoint, digestRange, isDigest, locate, respond, span, within, type ReconcileIndex, type ReconcileItem, type WireRange } from './reconcile.js'
import type { AuthorSeq, DocVector } from './source.js'

export interface ReconcilerHost {
  index: () => ReconcileIndex
  vector: (doc: Uint8Array) => AuthorSeq[]
  /** Queues one frame: ranges (with the vectors of those listed), or an answer's vectors. */
  send: (frame: { ranges: WireRange[], vectors: DocVector[], answer: boolean }) => void
  /** Sends the peer what it lacks of these documents, by its vectors of them (absent: it holds none). */
  catchUp: (theirs: DocVector[], docs: Uint8Array[]) => void
  /** The peer holds exactly this vector of this document. */
  remember: (doc: Uint8Array, items: AuthorSeq[]) => void
  /** The peer's digest equals ours. */
  inSync?: () => void
  /** A range other than the whole vault was found equal: the peer holds exactly these documents as we do. */
  agreed?: (docs: Uint8Array[]) => void
}

export const RECONCILE_FRAME = {
  /** Ranges per frame this side sends (each under 60 bytes); it takes up to LIMITS.maxRanges. */
  ranges: 256,
  /** Document vectors per frame (the sync LIMITS.docsPerFrame). */
  vectors: 512
} as const

/** Bytewise order of two fingerprints. */
function before (a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < Math.min(a.byteLength, b.byteLength); i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number)
  return a.byteLength < b.byteLength
}

export class Reconciler {
  private sent: Uint8Array | undefined
  /**
   * The peer's ranges that arrived before this side's hello, answered once it is sent. Answering
   * them sooner would break two rules: the hello's frame `held` (the snapshots this side holds in
   * part) must reach the peer before anything that starts its catch-up, or it sends them from
   * byte 0; and a side that answers the peer's digest before sending its own looks, to itself,
   * like one that sent none, so both sides answered, each caught the other up on the same
   * documents, and a resumed snapshot's remainder went twice in one session.
   */
  private early: Array<() => void> | undefined = []
  /**
   * Documents of ranges found equal (hex), or all of them (the digests were equal): one set, each
   * document once, however often the peer sends the same ranges (a list of ranges grew per frame).
   */
  private readonly agreed = new Set<string>()
  private agreedAll = false
  /** The sub-ranges this side sent (hex bounds): one coming back is the peer saying it matched. */
  private readonly proposed = new Set<string>()

  constructor (private readonly host: ReconcilerHost) {}

  /** The hello's digest frame; then what the peer sent meanwhile is answered. */
  hello (): void {
    const r = digestRange(this.host.index())
    this.sent = r.fingerprint
    this.host.send({ ranges: [r], vectors: [], answer: false })
    this.open()
  }

  /**
   * This side's hello is out (a full vector exchange, when it sent no digest): answers what the
   * peer sent before it, and from now on as it arrives.
   */
  open (): void {
    const early = this.early
    this.early = undefined
    for (const f of early ?? []) f()
  }

  /**
   * A frame with ranges (and the vectors of its listings) from the peer. `unresolved`: listed
   * documents whose vectors were held back (retired lanes unlike ours, asked for lane by lane):
   * neither caught up nor answered here.
   */
  onRanges (ranges: readonly WireRange[], vectors: readonly DocVector[], unresolved?: ReadonlySet<string>): void {
    // Checked as the frame is read, also when its answer waits for our hello.
    checkDisjoint(ranges)
    if (this.early !== undefined) { this.early.push(() => { this.onRanges(ranges, vectors, unresolved) }); return }
    const index = this.host.index()
    const ask: WireRange[] = []
    // Every document the frame asks us to send, each once, by the peer's vector of it where it
    // listed one: the frame's ranges counting none and its listings are one catch-up.
    const send = new Map<string, Uint8Array>()
    const theirs = new Map<string, DocVector>()
    for (const r of ranges) {
      if (r.listed) { this.onListing(index, r, vectors, send, theirs, unresolved); continue }
      if (isDigest(r)) {
        if (r.count === index.items.length && equals(r.fingerprint, index.digest)) { this.agreedAll = true; this.host.inSync?.(); continue }
        // Both hellos carry a digest: the side whose digest sorts first answers the other's, so
        // the work is done once. A side that sent none (reconciliation off) answers.
        if (this.sent !== undefined && !before(this.sent, r.fingerprint)) continue
      }
      ask.push(r)
    }
    if (ask.length > 0) this.answerRanges(index, ask, send)
    if (send.size > 0) this.host.catchUp([...theirs.values()], [...send.values()])
  }

  private answerRanges (index: ReconcileIndex, ask: WireRange[], send: Map<string, Uint8Array>): void {
    const res = respond(index, ask)
    // A range the peer sent that matches goes back to it as it came: the peer learns only from
    // that that it holds those documents as we do (its `behind()` would count every entry of
    // them as lacking here). One that we sent and that came back is that answer: not sent again.
    const echoes: Array<{ range: WireRange, items?: undefined }> = []
    for (const r of res.matched) {
      this.agree(index, r)
      if (!this.proposed.delete(bounds(r))) echoes.push({ range: r })
    }
    for (const i of res.lacking) send.set(i.id, i.doc)
    let frame: { ranges: WireRange[], vectors: DocVector[], answer: boolean } = { ranges: [], vectors: [], answer: false }
    for (const { range } of res.reply) if (!range.listed) this.proposed.add(bounds(range))
    for (const { range, items } of [...res.reply, ...echoes]) {
      const vs = (items ?? []).map(i => ({ doc: i.doc, items: this.host.vector(i.doc) }))
      if (frame.ranges.length >= RECONCILE_FRAME.ranges || frame.vectors.length + vs.length > RECONCILE_FRAME.vectors) {
        this.host.send(frame)
        frame = { ranges: [], vectors: [], answer: false }
      }
      frame.ranges.push(range)
      frame.vectors.push(...vs)
    }
    if (frame.ranges.length > 0) this.host.send(frame)
  }

  private onListing (index: ReconcileIndex, r: WireRange, vectors: readonly DocVector[], send: Map<string, Uint8Array>, theirsOf: Map<string, DocVector>, unresolved?: ReadonlySet<string>): void {
    const theirs = vectors.filter(v => within(toHex(v.doc), r))
    const a = answerListing(index, r, theirs)
    if (unresolved !== undefined && unresolved.size > 0) {
      a.send = a.send.filter(i => !unresolved.has(i.id))
      a.answer = a.answer.filter(doc => !unresolved.has(toHex(doc)))
    }
    for (const i of a.equal) this.host.remember(i.doc, this.host.vector(i.doc))
    for (const v of theirs) theirsOf.set(toHex(v.doc), v)
    for (const i of a.send) send.set(i.id, i.doc)
    for (let k = 0; k < a.answer.length; k += RECONCILE_FRAME.vectors) {
      this.host.send({ ranges: [], vectors: a.answer.slice(k, k + RECONCILE_FRAME.vectors).map(doc => ({ doc, items: this.host.vector(doc) })), answer: true })
    }
    // The documents found equal go back as ranges (their runs): the side that listed them learns
    // only from these that we hold them (its `behind()` would count every entry of each as
    // lacking here). It answers each range it matches with the range itself (onRanges).
    for (const r of a.equalRuns) this.proposed.add(bounds(r))
    for (let k = 0; k < a.equalRuns.length; k += RECONCILE_FRAME.ranges) {
      this.host.send({ ranges: a.equalRuns.slice(k, k + RECONCILE_FRAME.ranges), vectors: [], answer: false })
    }
  }

  /**
   * The peer's vectors answering our listing: catch it up on those documents; those it holds as
   * we do (answered so that we know it) are only remembered.
   */
  onAnswer (vectors: readonly DocVector[]): void {
    if (this.early !== undefined) { this.early.push(() => { this.onAnswer(vectors) }); return }
    const { items } = this.host.index()
    const docs: DocVector[] = []
    for (const v of vectors) {
      const id = toHex(v.doc)
      const mine = items[locate(items, id)]
      if (mine?.id !== id) continue
      if (equals(docFingerprint(v.doc, v.items), mine.fp)) this.host.remember(v.doc, v.items)
      else docs.push(v)
    }
    if (docs.length > 0) this.host.catchUp(docs, docs.map(v => v.doc))
  }

  /** Whether a range holding this document was found equal on both sides. */
  agrees (id: string): boolean { return this.agreedAll || this.agreed.has(id) }

  /** A range found equal: the peer holds its documents as we do (told to the host once each). */
  private agree (index: ReconcileIndex, r: WireRange): void {
    const [from, to] = span(index.items, r)
    const docs: Uint8Array[] = []
    for (let i = from; i < to; i++) {
      const item = index.items[i] as ReconcileItem
      if (this.agreed.has(item.id)) continue
      this.agreed.add(item.id)
      docs.push(item.doc)
    }
    if (docs.length > 0) this.host.agreed?.(docs)
  }
}

const bounds = (r: Pick<WireRange, 'lower' | 'upper'>): string => `${toHex(r.lower)}|${toHex(r.upper)}`
