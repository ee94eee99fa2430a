/**
 * A session's exchange of what each side holds: the hello (a digest for set reconciliation, or
 * every document's vector), the peer's vectors and ranges, retired lanes folded on the wire for a
 * peer that reads them and asked for lane by lane where they do not match, and the `holds` digest
 * told once what the peer sent has settled. What the peer lacks goes to the catch-up.
 */
import type { Logger } from '@libp2p/interface'
import { fromHex, toHex } from '../../src/identity/index.js'
import type { CatchUp } from './catch-up.js'
import { LIMITS } from './limits.js'
import { expandVector, foldVector } from './lanes.js'
import { EMPTY, LANES_VERSION } from './messages.js'
import type { Outbox } from './outbox.js'
import type { SyncMessage } from './pb/sync.js'
import type { PeerView } from './peer-view.js'
import { locate } from './reconcile.js'
import { Reconciler } from './reconciler.js'
import { turnSpent } from './slice.js'
import type { DocVector, ReplicaSource } from './source.js'

export interface VectorExchangeHost {
  peer: string
  log: Logger
  source: ReplicaSource
  closed: () => boolean
  outbox: Outbox
  view: PeerView
  catchUp: CatchUp
  /** The peer lacks nothing we hold (SessionEvents.caughtUp). */
  caughtUp: () => void
}

export class VectorExchange {
  private readonly reconciler: Reconciler
  /** The peer's vectors before its vectors_done, by document (hex); those of documents we do not hold at most LIMITS.maxUnknownDocs. */
  private incoming = new Map<string, DocVector>()
  private incomingUnknown = 0
  /** Documents of the vector exchange in progress whose retired lanes did not match ours. */
  private incomingSkip = new Set<string>()
  /** Whether the peer reads retired lanes (its held frame said so): only then are vectors folded. */
  private peerLanes = false
  /** The `holds` frame due once what the peer sent has settled, and the digest this side last told it. */
  private holdsTimer: ReturnType<typeof setTimeout> | undefined
  private toldDigest: string | undefined
  /** One callback for every full exchange: catch-ups that join one another run it once. */
  private readonly caughtUp = (): void => { this.host.caughtUp() }
  /** Our vectors are queued and not all written yet: asked again meanwhile, nothing more goes. */
  private resending = false

  constructor (private readonly host: VectorExchangeHost) {
    const { source, peer, outbox } = host
    this.reconciler = new Reconciler({
      index: () => source.index(),
      vector: (doc) => source.vector(doc),
      send: (f) => { outbox.reply({ ...EMPTY(), ranges: f.ranges, vectors: this.wire(f.vectors), answer: f.answer } as SyncMessage) },
      catchUp: (theirs, docs) => { host.catchUp.schedule(theirs, docs) },
      remember: (doc, items) => { host.view.remember(doc, items, true) },
      inSync: () => { source.heldBy?.(peer); host.caughtUp() },
      agreed: (docs) => { for (const doc of docs) source.heldBy?.(peer, doc) }
    })
  }

  /** The whole-vault digest (hex) this side last told the peer it holds (`holds`), if any. */
  get told (): string | undefined { return this.toldDigest }

  /** Whether a range holding this document was found equal on both sides (reconciler.ts). */
  agrees (doc: string): boolean { return this.reconciler.agrees(doc) }

  /** The rest of the hello, after the held frame: the digest (or, `reconcile` false, the full vectors). */
  hello (reconcile: boolean): void {
    if (!reconcile) {
      this.sendVectors()
      this.reconciler.open()
    } else this.reconciler.hello()
  }

  /** The held frame said whether the peer reads retired lanes. */
  noteLanes (msg: SyncMessage): void {
    if (msg.lanes >= LANES_VERSION) this.peerLanes = true
  }

  /** The session ended: no `holds` goes any more. */
  stop (): void {
    if (this.holdsTimer !== undefined) clearTimeout(this.holdsTimer)
  }

  /** A frame's vectors, ranges, end of vectors, lane-by-lane asks, `holds` and asks for our vectors. */
  onFrame (msg: SyncMessage): void {
    const { vectors, unresolved } = msg.vectors.length > 0 ? this.expand(msg.vectors) : { vectors: [], unresolved: new Set<string>() }
    if (msg.ranges.length > 0) {
      // Answering ranges is a pass over our documents: it counts against the turn's budget, and
      // frames read once that is spent wait for the loop's next turn (session.ts).
      turnSpent()
      this.reconciler.onRanges(msg.ranges, vectors, unresolved)
    }
    else if (msg.answer) this.reconciler.onAnswer(vectors)
    else if (msg.vectors.length > 0) { this.collect(vectors); for (const d of unresolved) this.incomingSkip.add(d) }
    if (msg.vectorsDone) {
      const got = [...this.incoming.values()]
      const skip = this.incomingSkip
      this.incoming = new Map()
      this.incomingUnknown = 0
      this.incomingSkip = new Set()
      // Documents asked for lane by lane are caught up on their answer, not as if the peer held none.
      const docs = skip.size === 0 ? undefined : this.host.source.index().items.filter(i => !skip.has(i.id)).map(i => i.doc)
      this.host.catchUp.schedule(got, docs, this.caughtUp)
    }
    if (msg.unfold.length > 0) this.sendUnfolded(msg.unfold)
    if (msg.holds.byteLength > 0) this.onHolds(msg.holds)
    if (msg.wantVectors) this.sendVectors()
  }

  /**
   * All our vectors, ending with vectors_done. Asked for again (want_vectors, or a refusal's
   * re-ask) while they still wait to be written, nothing more is queued: the peer gets them once,
   * not once per ask (a peer that stopped reading and sent 3-byte want_vectors made us queue
   * 400,000 frames).
   */
  /**
   * Keeps the peer's vectors until its vectors_done: each document once (the latest), and of
   * documents we do not hold (which only tell what we lack) at most LIMITS.maxUnknownDocs: a peer
   * that never sends vectors_done grew this list forever.
   */
  private collect (vectors: DocVector[]): void {
    const { items } = this.host.source.index()
    for (const v of vectors) {
      const id = toHex(v.doc)
      if (!this.incoming.has(id) && items[locate(items, id)]?.id !== id) {
        if (this.incomingUnknown >= LIMITS.maxUnknownDocs) continue
        this.incomingUnknown++
      }
      this.incoming.set(id, v)
    }
  }

  sendVectors (): void {
    if (this.resending) return
    this.resending = true
    const vs = this.host.source.vectors()
    for (let i = 0; i < vs.length || i === 0; i += LIMITS.docsPerFrame) {
      const part = vs.slice(i, i + LIMITS.docsPerFrame)
      const done = i + LIMITS.docsPerFrame >= vs.length
      this.host.outbox.reply({ ...EMPTY(), vectors: this.wire(part) as any, vectorsDone: done }, done ? () => { this.resending = false } : undefined)
    }
  }

  /**
   * After entries or a snapshot from the peer, once none came for a while: tells the peer this
   * side's whole-vault digest (`holds`). A peer whose digest is the same learns that this side
   * holds everything it holds, tails of closed lanes included, without a reconnect; that is what
   * lets it retire lanes while the connection stays up (SPEC.md, Retired lanes).
   */
  holdsLater (): void {
    if (!this.peerLanes || this.host.source.heldBy === undefined || this.host.closed()) return
    if (this.holdsTimer !== undefined) clearTimeout(this.holdsTimer)
    this.holdsTimer = setTimeout(() => { this.holdsTimer = undefined; this.sendHolds() }, LIMITS.holdsQuietMs)
    this.holdsTimer.unref?.()
  }

  private sendHolds (): void {
    if (this.host.closed()) return
    const digest = this.host.source.index().digest
    const hex = toHex(digest)
    if (hex === this.toldDigest) return
    this.toldDigest = hex
    this.host.log.trace('telling %s this side holds digest %s', this.host.peer, hex.slice(0, 8))
    this.host.outbox.enqueue({ ...EMPTY(), holds: digest as Uint8Array<ArrayBuffer> }, false)
  }

  /** The peer's `holds`: equal to our digest, it holds exactly our state; told once in return. */
  private onHolds (digest: Uint8Array): void {
    const mine = this.host.source.index().digest
    this.host.log.trace('%s holds digest %s, ours is %s', this.host.peer, toHex(digest).slice(0, 8), toHex(mine).slice(0, 8))
    if (toHex(mine) !== toHex(digest)) return
    this.host.source.heldBy?.(this.host.peer)
    if (this.peerLanes) this.sendHolds()
  }

  /** Vectors as they go on the wire: retired lanes folded for a peer that reads them. */
  private wire (vs: DocVector[]): DocVector[] {
    const retired = this.host.source.retired
    if (!this.peerLanes || retired === undefined) return vs
    return vs.map(v => {
      const bounds = retired(v.doc)
      if (bounds.length === 0) return v
      return { doc: v.doc, ...foldVector(v.items, bounds) }
    })
  }

  /**
   * The peer's vectors with their retired lanes expanded into ours (lanes.ts). A document whose
   * retired lanes this side holds otherwise is left out (`unresolved`): its vector is asked for
   * lane by lane (`unfold`), and ours goes to the peer the same way, so each side plans its
   * catch-up on whole vectors, never on a guess.
   */
  private expand (vs: readonly DocVector[]): { vectors: DocVector[], unresolved: Set<string> } {
    const { source, peer } = this.host
    const vectors: DocVector[] = []
    const unresolved = new Set<string>()
    for (const v of vs) {
      if ((v.retired ?? []).length === 0) {
        source.heldBy?.(peer, v.doc, v.items)
        vectors.push({ doc: v.doc, items: v.items })
        continue
      }
      const e = expandVector(v, source.vector(v.doc))
      if (e === undefined) { unresolved.add(toHex(v.doc)); continue }
      if (e.matched.length > 0) source.adoptRetired?.(v.doc, e.matched)
      source.heldBy?.(peer, v.doc, e.items)
      vectors.push({ doc: v.doc, items: e.items })
    }
    if (unresolved.size > 0) {
      const docs = [...unresolved].map(fromHex)
      this.host.log('%d vectors from %s hold retired lanes unlike ours: asking for them lane by lane', docs.length, peer)
      this.host.outbox.reply({ ...EMPTY(), unfold: docs as Array<Uint8Array<ArrayBuffer>> })
      this.sendUnfolded(docs)
    }
    return { vectors, unresolved }
  }

  /** Our vectors of these documents, lane by lane, as an `answer` (the peer catches us up on them). */
  private sendUnfolded (docs: Uint8Array[]): void {
    for (let k = 0; k < docs.length; k += LIMITS.docsPerFrame) {
      this.host.outbox.reply({ ...EMPTY(), vectors: docs.slice(k, k + LIMITS.docsPerFrame).map(doc => ({ doc, items: this.host.source.vector(doc), retired: [] })) as any, answer: true })
    }
  }
}
