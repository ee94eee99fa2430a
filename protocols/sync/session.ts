/**
 * One peer's sync session over one long-lived stream. Both sides run the same grammar:
 * certificates, then vectors (what I have) ending with vectors_done; on the peer's vectors,
 * what it lacks (snapshots first, then entries in bounded batches); then live entries as they
 * are stored. Writes go through a bounded queue: a peer too slow to keep up has live entries
 * dropped and is asked for its vectors again once the queue drains, which resends what it lacks.
 */
import type { Logger, Stream } from '@libp2p/interface'
import { fromHex, parseTrustedEntry, streamKey, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { FrameReader, frame } from './frames.js'
import { SyncMessage } from './pb/sync.js'
import type { AuthorSeq, DocVector, EntryRef, ReplicaSource, SnapshotSink, SyncPlan } from './source.js'
import { Reconciler } from './reconciler.js'
import { expandVector, foldVector } from './lanes.js'
import { settleInSlices } from './slice.js'
import { Transfers, type Transfer } from './transfer.js'

export const LIMITS = {
  /** Largest frame accepted: below libp2p's 4 MiB default. */
  maxFrameBytes: 1024 * 1024 + 64 * 1024,
  /** Entries per frame, by total bytes. */
  batchBytes: 512 * 1024,
  /** Snapshot ciphertext per frame. */
  chunkBytes: 64 * 1024,
  /**
   * Snapshot bytes a sender may have sent ahead of what this receiver took (its grants): what a
   * cut connection can waste, and what a resume sends again. Small against a snapshot (5 cuts of
   * a 7 MB snapshot must cost under 30%), large enough for a LAN (≈ window / round trip).
   */
  snapshotWindowBytes: 256 * 1024,
  /**
   * Once a snapshot's header arrived the receiver grants up to 1/32 of its size ahead (5 cuts
   * then waste under 16% of it), between snapshotWindowBytes and this: a long transfer needs
   * fewer round trips per byte.
   */
  maxSnapshotWindowBytes: 4 * 1024 * 1024,
  /** A receiver grants more once it took this much since its last grant. */
  snapshotGrantBytes: 64 * 1024,
  /** Documents per vectors frame. */
  docsPerFrame: 512,
  /** Live bytes queued for one peer before live pushes are dropped. */
  maxQueuedBytes: 16 * 1024 * 1024,
  /** Largest snapshot accepted from a peer. */
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxCertificates: 1024,
  /** Longest a frame may take from its first byte to its last. */
  frameDeadlineMs: 30_000,
  /** Frames handled at once: a frame's checks run when it is read, its disk writes overlap the next frames'. */
  framesInFlight: 4,
  /** Reconciliation ranges per frame. */
  maxRanges: 1024,
  /** Snapshots held in part announced at the start of a session. */
  maxHeldSnapshots: 512,
  /**
   * After an entry or snapshot was refused for a reason that passes (see RETRY), this side sends
   * its vectors again this long after (or when the error says), and the peer's catch-up resends
   * what is still missing.
   */
  refetchMs: 5_000,
  /** A frame with at least this many entries has their signatures checked ahead, off-thread (verifyAhead). */
  verifyAheadEntries: 64,
  /** After entries from the peer, this long without more before this side tells it its digest (`holds`). */
  holdsQuietMs: 1_000
} as const

/**
 * Refusals that say nothing about the entry, only about this moment: a budget whose window moves,
 * an author whose certificate comes later, a disk that fills and empties, a vault closing. The
 * sender counts what it sent as held by this side for the rest of the session, so without asking
 * again an honest entry refused this way would be missing until the next session.
 */
const RETRY = new Set(['RATE_LIMITED', 'UNKNOWN_AUTHOR', 'UNKNOWN_EPOCH', 'STORE_WRITE_FAILED'])

const EMPTY = (): SyncMessage => ({ certificates: [], vectors: [], vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false, ranges: [], answer: false, partialSnapshots: [], snapshotOffset: 0n, snapshotWindow: 0n, snapshotCredit: 0n, disk: 0, lanes: 0, unfold: [], holds: new Uint8Array(0) })

/** The `lanes` field of the held frame: this side reads and sends retired lanes (SPEC.md, Retired lanes). */
const LANES_VERSION = 1

/** The `disk` field: 0 says nothing (an older peer, or no change). */
const DISK = { full: 1, room: 2 } as const

export interface SessionOptions {
  /**
   * Open with set reconciliation (a digest, then ranges) instead of every document's vector.
   * @default true
   */
  reconcile?: boolean
}

export interface SessionEvents {
  received: (doc: Uint8Array, stored: number, from: string) => void
  refused: (reason: string, from: string) => void
  /**
   * The peer's hello is answered and it lacks nothing we hold: its digest equals ours, or (a full
   * vector exchange) everything it lacked has been queued.
   */
  caughtUp?: (peer: string) => void
  /** A transfer's progress (see transfer.ts): at most about once a second, and a final one. */
  progress?: (t: Transfer) => void
}

/** What a session moved, for tests and the benchmark: bytes on the stream and snapshot transfers. */
export interface SessionStats {
  bytesSent: number
  bytesReceived: number
  /** Snapshot ciphertext bytes sent. */
  snapshotBytesSent: number
  /** Snapshots this side began sending from byte 0, and from an offset the peer held. */
  snapshotsSent: number
  snapshotsResumed: number
  /** Entries sent by catch-ups (not live ones). */
  catchUpEntriesSent: number
}

/** Names a snapshot held in part: its document, author and seq. */
const heldKey = (doc: Uint8Array, author: Uint8Array, seq: bigint): string => `${toHex(doc)}/${toHex(author)}/${seq}`

/** Tracked by the sending side per queued frame, counted once the stream took it. */
interface Track { doc: string, snapshot?: number, entries?: number, bytes?: number }

export class PeerSession {
  readonly peer: string
  private readonly queue: Array<{ msg: SyncMessage, bytes: number, live: boolean, track?: Track }> = []
  private queued = 0
  private writing = false
  private dropped = false
  private closed = false
  private idle: Array<() => void> = []
  /** The peer's vectors as last reported, advanced by what we send it. */
  readonly theirs = new Map<string, Map<string, bigint>>()
  /** The content tips the peer reported, per document and lane: `seq` and the tip there (hex). */
  private readonly theirTips = new Map<string, Map<string, { seq: bigint, tip: string }>>()
  private incoming: DocVector[] = []
  /** Documents of the vector exchange in progress whose retired lanes did not match ours. */
  private incomingSkip = new Set<string>()
  private live: Uint8Array[] = []
  private liveRefs: EntryRef[] = []
  private liveBytes = 0
  private liveScheduled = false
  private catchUp: Promise<void> = Promise.resolve()
  /** The snapshot being received; no sink when the data layer refused its header (its bytes are skipped). */
  private snapshot: { sink: SnapshotSink | undefined, size: number, got: number, doc: string, granted: number, window: number } | undefined
  private readonly reconciler: Reconciler
  /** The peer's snapshot window (0: it grants nothing, an older peer: no limit), and its grant for the snapshot being sent. */
  private peerWindow = 0
  private credit = { granted: Infinity, waiters: [] as Array<() => void> }
  /** Snapshots the peer holds in part, by `doc/author/seq`: sending one resumes at that byte. */
  private readonly held = new Map<string, number>()
  /** The pending re-ask after a passing refusal, and when it fires. */
  private refetch: { timer: ReturnType<typeof setTimeout>, at: number } | undefined
  /** What is in flight, per document and direction. */
  readonly transfers: Transfers
  readonly stats: SessionStats = { bytesSent: 0, bytesReceived: 0, snapshotBytesSent: 0, snapshotsSent: 0, snapshotsResumed: 0, catchUpEntriesSent: 0 }

  constructor (private readonly stream: Stream, peer: string, private readonly source: ReplicaSource, private readonly log: Logger, private readonly events: SessionEvents, private readonly options: SessionOptions = {}) {
    this.peer = peer
    this.reconciler = new Reconciler({
      index: () => this.source.index(),
      vector: (doc) => this.source.vector(doc),
      send: (f) => { this.enqueue({ ...EMPTY(), ranges: f.ranges, vectors: this.wire(f.vectors), answer: f.answer } as SyncMessage, false) },
      catchUp: (theirs, docs) => { this.scheduleCatchUp(theirs, docs) },
      remember: (doc, items) => { this.remember(doc, items) },
      inSync: () => { this.source.heldBy?.(this.peer); this.events.caughtUp?.(this.peer) },
      agreed: (docs) => { for (const doc of docs) this.source.heldBy?.(this.peer, doc) }
    })
    this.transfers = new Transfers(peer, (t) => { events.progress?.(t) })
  }

  /**
   * Runs until the stream ends; never throws. Resolves with the reason when the session failed
   * (the stream is aborted), undefined when it was closed on purpose.
   */
  async run (): Promise<string | undefined> {
    // The certificates go first, queued before any frame of the peer is read: a frame of it can
    // start a catch-up (or a live entry can go) while `sendHeld` still waits on the data layer,
    // and a snapshot or entry that arrives ahead of its author's certificate is refused by a
    // peer that has not met that author, and counts as sent for the rest of the session.
    this.sendCertificates()
    const ended = new Promise<Error | undefined>(resolve => {
      const pending = new Set<Promise<void>>()
      let done = false
      const finish = (err?: Error): void => { if (!done) { done = true; reader.stop(); resolve(err) } }
      const reader: FrameReader = new FrameReader(this.stream, {
        maxFrameBytes: LIMITS.maxFrameBytes,
        frameDeadlineMs: LIMITS.frameDeadlineMs,
        onFrame: (bytes) => {
          this.stats.bytesReceived += bytes.byteLength + varintLength(bytes.byteLength)
          const msg = SyncMessage.decode(bytes, { limits: { certificates: LIMITS.maxCertificates, vectors: LIMITS.docsPerFrame, entries: 4096, ranges: LIMITS.maxRanges, partialSnapshots: LIMITS.maxHeldSnapshots } } as any)
          // Up to framesInFlight frames are handled at once; past that the stream is paused.
          const p: Promise<void> = this.handle(msg).then(
            () => { pending.delete(p); if (pending.size < LIMITS.framesInFlight) reader.resume() },
            (err: unknown) => { finish(err instanceof Error ? err : new ProtocolError(String(err))) }
          )
          pending.add(p)
          if (pending.size >= LIMITS.framesInFlight) reader.pause()
        },
        onEnd: (err) => { finish(err ?? new ProtocolError('the peer closed the sync stream')) }
      })
    })
    try {
      await this.sendHeld()
      this.sendDigest()
      const err = await ended
      if (this.closed) return undefined
      const reason = err?.message ?? 'ended'
      this.log.error('sync with %s ended: %s', this.peer, reason)
      this.stream.abort(err ?? new ProtocolError(reason))
      return reason
    } finally {
      this.closed = true
      if (this.refetch !== undefined) clearTimeout(this.refetch.timer)
      if (this.holdsTimer !== undefined) clearTimeout(this.holdsTimer)
      // What arrived of a snapshot is kept: the next session resumes it (see sendHeld).
      if (this.snapshot !== undefined) this.log('snapshot from %s broke off at %d of %d bytes; kept for a resume', this.peer, this.snapshot.got, this.snapshot.size)
      this.snapshot?.sink?.abort()
      this.snapshot = undefined
      this.transfers.end()
      const st = this.stats
      this.log('session with %s ended: %d bytes sent, %d received; snapshots sent %d, resumed %d, %d snapshot bytes sent; %d catch-up entries sent', this.peer, st.bytesSent, st.bytesReceived, st.snapshotsSent, st.snapshotsResumed, st.snapshotBytesSent, st.catchUpEntriesSent)
      for (const wake of this.idle.splice(0)) wake()
      for (const wake of this.credit.waiters.splice(0)) wake()
    }
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.stream.abort(new ProtocolError('sync closed'))
  }

  private sendCertificates (): void {
    // At most 64 records and batchBytes per frame: a cutoff record can be far larger than a
    // certificate (crdt/SPEC.md, Cutoff), and a frame over the limit would end the session.
    let batch: Uint8Array[] = []
    let bytes = 0
    for (const c of this.source.certificates()) {
      if (batch.length > 0 && (batch.length >= 64 || bytes + c.byteLength > LIMITS.batchBytes)) {
        this.enqueue({ ...EMPTY(), certificates: batch as Array<Uint8Array<ArrayBuffer>> }, false)
        batch = []
        bytes = 0
      }
      batch.push(c)
      bytes += c.byteLength
    }
    this.enqueue({ ...EMPTY(), certificates: batch as Array<Uint8Array<ArrayBuffer>> }, false)
  }

  /** The rest of the hello, after the held frame: the digest (or the full vectors). */
  private sendDigest (): void {
    if (this.options.reconcile === false) {
      this.sendVectors()
      this.reconciler.open()
    } else this.reconciler.hello()
  }

  private sendVectors (): void {
    const vs = this.source.vectors()
    for (let i = 0; i < vs.length || i === 0; i += LIMITS.docsPerFrame) {
      const part = vs.slice(i, i + LIMITS.docsPerFrame)
      this.enqueue({ ...EMPTY(), vectors: this.wire(part) as any, vectorsDone: i + LIMITS.docsPerFrame >= vs.length }, false)
    }
  }

  /** Whether the peer reads retired lanes (its held frame said so): only then are vectors folded. */
  private peerLanes = false
  /** The `holds` frame due once what the peer sent has settled, and the digest this side last told it. */
  private holdsTimer: ReturnType<typeof setTimeout> | undefined
  private toldDigest: string | undefined
  /** The whole-vault digest (hex) this side last told the peer it holds (`holds`), if any. */
  get told (): string | undefined { return this.toldDigest }

  /**
   * After entries or a snapshot from the peer, once none came for a while: tells the peer this
   * side's whole-vault digest (`holds`). A peer whose digest is the same learns that this side
   * holds everything it holds, tails of closed lanes included, without a reconnect; that is what
   * lets it retire lanes while the connection stays up (SPEC.md, Retired lanes).
   */
  private holdsLater (): void {
    if (!this.peerLanes || this.source.heldBy === undefined || this.closed) return
    if (this.holdsTimer !== undefined) clearTimeout(this.holdsTimer)
    this.holdsTimer = setTimeout(() => { this.holdsTimer = undefined; this.sendHolds() }, LIMITS.holdsQuietMs)
    this.holdsTimer.unref?.()
  }

  private sendHolds (): void {
    if (this.closed) return
    const digest = this.source.index().digest
    const hex = toHex(digest)
    if (hex === this.toldDigest) return
    this.toldDigest = hex
    this.log.trace('telling %s this side holds digest %s', this.peer, hex.slice(0, 8))
    this.enqueue({ ...EMPTY(), holds: digest as Uint8Array<ArrayBuffer> }, false)
  }

  /** The peer's `holds`: equal to our digest, it holds exactly our state; told once in return. */
  private onHolds (digest: Uint8Array): void {
    const mine = this.source.index().digest
    this.log.trace('%s holds digest %s, ours is %s', this.peer, toHex(digest).slice(0, 8), toHex(mine).slice(0, 8))
    if (toHex(mine) !== toHex(digest)) return
    this.source.heldBy?.(this.peer)
    if (this.peerLanes) this.sendHolds()
  }

  /** Vectors as they go on the wire: retired lanes folded for a peer that reads them. */
  private wire (vs: DocVector[]): DocVector[] {
    const retired = this.source.retired
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
    const vectors: DocVector[] = []
    const unresolved = new Set<string>()
    for (const v of vs) {
      if ((v.retired ?? []).length === 0) {
        this.source.heldBy?.(this.peer, v.doc, v.items)
        vectors.push({ doc: v.doc, items: v.items })
        continue
      }
      const e = expandVector(v, this.source.vector(v.doc))
      if (e === undefined) { unresolved.add(toHex(v.doc)); continue }
      if (e.matched.length > 0) this.source.adoptRetired?.(v.doc, e.matched)
      this.source.heldBy?.(this.peer, v.doc, e.items)
      vectors.push({ doc: v.doc, items: e.items })
    }
    if (unresolved.size > 0) {
      const docs = [...unresolved].map(fromHex)
      this.log('%d vectors from %s hold retired lanes unlike ours: asking for them lane by lane', docs.length, this.peer)
      this.enqueue({ ...EMPTY(), unfold: docs as Array<Uint8Array<ArrayBuffer>> }, false)
      this.sendUnfolded(docs)
    }
    return { vectors, unresolved }
  }

  /** Our vectors of these documents, lane by lane, as an `answer` (the peer catches us up on them). */
  private sendUnfolded (docs: Uint8Array[]): void {
    for (let k = 0; k < docs.length; k += LIMITS.docsPerFrame) {
      this.enqueue({ ...EMPTY(), vectors: docs.slice(k, k + LIMITS.docsPerFrame).map(doc => ({ doc, items: this.source.vector(doc), retired: [] })) as any, answer: true }, false)
    }
  }

  /**
   * First of all, before the hello: the snapshots this side holds in part, so that the peer's
   * catch-up (which starts on our vectors_done) resumes them instead of starting from zero.
   */
  private async sendHeld (): Promise<void> {
    let held: Awaited<ReturnType<NonNullable<ReplicaSource['heldSnapshots']>>> = []
    try {
      held = await (this.source.heldSnapshots?.() ?? [])
    } catch (err: any) {
      // Nothing is lost: the snapshots are then sent from their start.
      this.log.error('listing snapshots held in part failed: %s', err?.message ?? err)
    }
    if (this.closed) return
    const partialSnapshots = held.slice(0, LIMITS.maxHeldSnapshots).map(h => ({ doc: h.doc, author: h.author, seq: h.seq, offset: BigInt(h.offset) }))
    // A full disk is said once here and on every change: the peer must not show this node in sync
    // while it refuses what it is sent.
    const disk = this.source.diskFull?.() === true ? DISK.full : 0
    this.enqueue({ ...EMPTY(), partialSnapshots: partialSnapshots as any, snapshotWindow: BigInt(LIMITS.snapshotWindowBytes), disk, lanes: LANES_VERSION }, false)
  }

  /** Receiving: grants the sender more of the current snapshot once enough of it was taken. */
  private grant (): void {
    const s = this.snapshot
    if (s === undefined || s.got >= s.size) return
    if (s.got + s.window - s.granted < LIMITS.snapshotGrantBytes) return
    s.granted = s.got + s.window
    // Ahead of whatever this side is sending the peer itself (its own catch-up may queue
    // megabytes): the peer's snapshot waits on this frame.
    this.enqueue({ ...EMPTY(), snapshotCredit: BigInt(s.granted) }, false, undefined, true)
  }

  /** Sending: waits until the peer granted the current snapshot up to `upTo` bytes. */
  private async granted (upTo: number): Promise<void> {
    while (this.credit.granted < upTo && !this.closed) await new Promise<void>(resolve => this.credit.waiters.push(resolve))
  }

  /** Transfer bookkeeping of a frame, in read order (before the frame's first await). */
  private noteTransfers (msg: SyncMessage): void {
    if (msg.disk === DISK.full) this.peerDiskFull = true
    else if (msg.disk === DISK.room) {
      // It refused entries while full (STORE_WRITE_FAILED) and asked again itself; nothing more here.
      this.peerDiskFull = false
    }
    for (const p of msg.partialSnapshots) this.held.set(heldKey(p.doc, p.author, p.seq), Number(p.offset))
    if (msg.snapshotWindow > 0n) this.peerWindow = Number(msg.snapshotWindow)
    if (msg.lanes >= LANES_VERSION) this.peerLanes = true
    if (msg.snapshotCredit > 0n) {
      this.credit.granted = Math.max(this.credit.granted, Number(msg.snapshotCredit))
      for (const wake of this.credit.waiters.splice(0)) wake()
    }
    const c = msg.catchup
    if (c !== undefined) this.transfers.plan('in', toHex(c.doc), Number(c.snapshotBytes), Number(c.entries), Number(c.bytes))
  }

  private async handle (msg: SyncMessage): Promise<void> {
    // Snapshot framing is checked and its bytes handed on before the first await, in read order.
    const { complete, wait } = this.assemble(msg)
    this.noteTransfers(msg)
    // Every certificate is registered before this frame yields, so entries of later frames
    // (handled while this one's writes are pending) find their authors.
    // (No await when there are none: a live frame's entries are then admitted in the tick it
    // was read, which puts them in front of whatever else that turn of the event loop does.)
    if (msg.certificates.length > 0) {
      const certs = await Promise.allSettled(msg.certificates.map(async c => { await this.source.addCertificate(c) }))
      for (const r of certs) if (r.status === 'rejected') this.events.refused(`certificate: ${r.reason?.message ?? r.reason}`, this.peer)
    }
    const { vectors, unresolved } = msg.vectors.length > 0 ? this.expand(msg.vectors) : { vectors: [], unresolved: new Set<string>() }
    if (msg.ranges.length > 0) this.reconciler.onRanges(msg.ranges, vectors, unresolved)
    else if (msg.answer) this.reconciler.onAnswer(vectors)
    else if (msg.vectors.length > 0) { this.incoming.push(...vectors); for (const d of unresolved) this.incomingSkip.add(d) }
    if (msg.vectorsDone) {
      const got = this.incoming
      const skip = this.incomingSkip
      this.incoming = []
      this.incomingSkip = new Set()
      // Documents asked for lane by lane are caught up on their answer, not as if the peer held none.
      const docs = skip.size === 0 ? undefined : this.source.index().items.filter(i => !skip.has(i.id)).map(i => i.doc)
      this.scheduleCatchUp(got, docs, () => { this.events.caughtUp?.(this.peer) })
    }
    if (msg.unfold.length > 0) this.sendUnfolded(msg.unfold)
    if (msg.holds.byteLength > 0) this.onHolds(msg.holds)
    if (msg.wantVectors) this.sendVectors()
    // A catch-up's frame: its signatures are checked on another thread first, while the event
    // loop admits the frames before it (SPEC.md, Receiving). A live frame is admitted at once.
    if (msg.entries.length >= LIMITS.verifyAheadEntries && this.source.verifyAhead !== undefined) {
      try {
        await this.source.verifyAhead(msg.entries)
      } catch (err: any) {
        // Nothing was taken as checked: each entry's admission checks its signature itself.
        this.log('checking signatures ahead failed, checked one by one: %s', err?.message ?? err)
      }
    }
    const stored = new Map<string, { doc: Uint8Array, n: number, held: number, bytes: number }>()
    // All entries of a frame are admitted together so their writes share one group commit.
    const results = await settleInSlices(msg.entries, async e => await this.source.accept(e, this.peer))
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const err = r.reason
        this.events.refused(`entry ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
        this.refetchLater(err)
        return
      }
      const k = toHex(r.value.doc)
      this.remember(r.value.doc, [r.value.item]) // the peer holds what it sent
      const s = stored.get(k) ?? { doc: r.value.doc, n: 0, held: 0, bytes: 0 }
      if (r.value.outcome === 'stored') s.n++
      // Held now, stored or already here: what a catch-up's progress counts.
      s.held++
      s.bytes += msg.entries[i]?.byteLength ?? 0
      stored.set(k, s)
    })
    for (const [k, s] of stored) {
      this.transfers.entries('in', k, s.held, s.bytes)
      if (s.n > 0) this.events.received(s.doc, s.n, this.peer)
    }
    if (stored.size > 0) this.holdsLater()
    // A snapshot's sink behind its disk holds this frame (past framesInFlight, the stream pauses),
    // and the sender's next grant with it.
    if (wait !== undefined) await wait
    this.grant()
    if (complete !== undefined) {
      try {
        const r = await complete.end()
        this.events.received(r.doc, 0, this.peer)
        this.holdsLater()
      } catch (err: any) {
        this.events.refused(`snapshot ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
        this.refetchLater(err)
      }
    }
  }

  /**
   * After a refusal that passes (RETRY): this side's vectors go again once it may take what was
   * refused, and the peer's catch-up resends what is still missing (one re-ask for many refusals).
   */
  private refetchLater (err: any): void {
    if (this.closed || !RETRY.has(err?.code)) return
    const after = Number(err?.details?.retryAfterMs ?? LIMITS.refetchMs)
    const at = Date.now() + (Number.isFinite(after) ? Math.max(0, after) : LIMITS.refetchMs) + 10
    if (this.refetch !== undefined && this.refetch.at >= at) return
    if (this.refetch !== undefined) clearTimeout(this.refetch.timer)
    const timer = setTimeout(() => {
      this.refetch = undefined
      if (this.closed) return
      this.log('asking %s again for what it sent and was refused', this.peer)
      this.sendVectors()
    }, at - Date.now())
    timer.unref?.()
    this.refetch = { timer, at }
  }

  /**
   * Hands a frame's snapshot header or chunk to the data layer as it is read. Returns the sink
   * once the snapshot's last byte arrived, and what to wait for when the sink is behind.
   */
  private assemble (msg: SyncMessage): { complete?: SnapshotSink, wait?: Promise<void> } {
    let wait: Promise<void> | undefined
    if (msg.snapshotHeader.byteLength > 0) {
      if (this.snapshot !== undefined) throw new ProtocolError('a snapshot began before the last one ended')
      const h = parseTrustedEntry(msg.snapshotHeader)
      const size = Number(h.snapshotSize)
      if (size > LIMITS.maxSnapshotBytes) throw new ProtocolError(`snapshot of ${size} bytes exceeds the limit`)
      const offset = Number(msg.snapshotOffset)
      if (offset > size) throw new ProtocolError(`snapshot resumed at ${offset}, past its ${size} bytes`)
      let sink: SnapshotSink | undefined
      try {
        sink = this.source.receiveSnapshot(msg.snapshotHeader, this.peer, offset)
      } catch (err: any) {
        this.events.refused(`snapshot ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
        this.refetchLater(err)
      }
      const doc = toHex(h.doc)
      const window = Math.min(LIMITS.maxSnapshotWindowBytes, Math.max(LIMITS.snapshotWindowBytes, Math.floor(size / 32)))
      this.snapshot = { sink, size, got: offset, doc, granted: offset + LIMITS.snapshotWindowBytes, window }
      this.log('snapshot of %s from %s: %d bytes, from byte %d', doc.slice(0, 12), this.peer, size, offset)
      this.transfers.snapshotBegins('in', doc, size, offset)
    }
    if (msg.snapshotChunk.byteLength > 0) {
      const s = this.snapshot
      if (s === undefined) throw new ProtocolError('snapshot chunk without a header')
      s.got += msg.snapshotChunk.byteLength
      if (s.got > s.size) throw new ProtocolError('snapshot longer than its header says')
      wait = s.sink?.write(msg.snapshotChunk)
      this.transfers.snapshotBytes('in', s.doc, msg.snapshotChunk.byteLength)
    }
    const s = this.snapshot
    if (s === undefined || s.got !== s.size || (msg.snapshotHeader.byteLength === 0 && msg.snapshotChunk.byteLength === 0)) return { wait }
    this.snapshot = undefined
    return { complete: s.sink, wait }
  }

  /**
   * Beside the reader, not inside it: if both sides waited for backpressure while neither read,
   * they would deadlock. Catch-ups run one after another. `docs`: only these of ours (all when
   * undefined).
   */
  private scheduleCatchUp (theirs: DocVector[], docs?: Uint8Array[], done?: () => void): void {
    this.catchUp = this.catchUp.then(async () => { await this.sendWhatTheyLack(theirs, docs); done?.() }).catch((err: any) => {
      this.log.error('sending to %s failed: %s', this.peer, err?.message ?? err)
      this.stream.abort(err instanceof Error ? err : new Error(String(err)))
    })
  }

  private async sendWhatTheyLack (theirs: DocVector[], docs?: Uint8Array[]): Promise<void> {
    const byDoc = new Map<string, AuthorSeq[]>()
    for (const v of theirs) byDoc.set(toHex(v.doc), v.items)
    for (const v of theirs) this.remember(v.doc, v.items)
    for (const v of theirs) this.rememberTips(v.doc, v.items)
    // Entries of many documents share frames (up to batchBytes): a vault of 10,000 small
    // documents would otherwise go as 10,000 frames, each its own group commit at the receiver.
    let batch: Uint8Array[] = []
    let bytes = 0
    let sent: DocVector[] = []
    const send = (): void => {
      if (batch.length > 0) this.enqueue({ ...EMPTY(), entries: batch as Array<Uint8Array<ArrayBuffer>> }, false)
      for (const v of sent) this.remember(v.doc, v.items) // what was queued counts as held by the peer
      batch = []
      bytes = 0
      sent = []
    }
    for (const mine of docs?.map(doc => ({ doc, items: this.source.vector(doc) })) ?? this.source.vectors()) {
      const key = toHex(mine.doc)
      const plan = this.source.plan(mine.doc, byDoc.get(key) ?? [])
      // A document with a snapshot or more than a frame of entries goes on its own, its totals
      // announced first (the peer's progress); small documents share frames.
      if (plan.snapshots.length > 0 || (plan.entryBytes ?? Infinity) > LIMITS.batchBytes) {
        send()
        await this.sendCatchUp(mine.doc, plan)
        this.remember(mine.doc, mine.items)
        continue
      }
      for await (const e of plan.entries) {
        if (bytes + e.byteLength > LIMITS.batchBytes && batch.length > 0) {
          send()
          await this.drained(LIMITS.maxQueuedBytes / 2)
        }
        batch.push(e)
        bytes += e.byteLength
      }
      sent.push(mine)
    }
    send()
  }

  /**
   * One document's catch-up: its totals announced first (the peer's progress), then its
   * snapshots, each from the byte the peer already holds of it, then its entries in batches.
   */
  private async sendCatchUp (docId: Uint8Array, plan: SyncPlan): Promise<void> {
    const doc = toHex(docId)
    const snapshotBytes = plan.snapshots.reduce((n, s) => n + Number(parseTrustedEntry(s.header).snapshotSize), 0)
    const entries = plan.entryCount ?? 0
    const bytes = plan.entryBytes ?? 0
    if (snapshotBytes > 0 || entries > 0) {
      this.enqueue({ ...EMPTY(), catchup: { doc: docId as Uint8Array<ArrayBuffer>, entries: BigInt(entries), bytes: BigInt(bytes), snapshotBytes: BigInt(snapshotBytes) } }, false)
      this.transfers.plan('out', doc, snapshotBytes, entries, bytes)
      this.log('catch-up of %s to %s: %d snapshot bytes, %d entries (%d bytes)', doc.slice(0, 12), this.peer, snapshotBytes, entries, bytes)
    }
    for (const snap of plan.snapshots) {
      const h = parseTrustedEntry(snap.header)
      const size = Number(h.snapshotSize)
      const held = this.held.get(heldKey(h.doc, h.author, h.seq)) ?? 0
      const from = held > 0 && held <= size ? held : 0
      // Ahead of the peer's grants by at most its window (none announced: no limit).
      this.credit = { granted: this.peerWindow > 0 ? from + this.peerWindow : Infinity, waiters: [] }
      this.enqueue({ ...EMPTY(), snapshotHeader: snap.header as Uint8Array<ArrayBuffer>, snapshotOffset: BigInt(from) }, false)
      if (from > 0) this.stats.snapshotsResumed++
      else this.stats.snapshotsSent++
      this.log('snapshot of %s to %s: %d bytes, from byte %d', doc.slice(0, 12), this.peer, size, from)
      this.transfers.snapshotBegins('out', doc, size, from)
      let at = from
      for await (const piece of snap.pieces(LIMITS.chunkBytes, from)) {
        await this.granted(at + piece.byteLength)
        if (this.closed) break
        at += piece.byteLength
        this.enqueue({ ...EMPTY(), snapshotChunk: piece as Uint8Array<ArrayBuffer> }, false, { doc, snapshot: piece.byteLength })
        await this.drained(LIMITS.maxQueuedBytes / 2)
      }
      this.remember(docId, snap.covers)
    }
    let batch: Uint8Array[] = []
    let batchBytes = 0
    for await (const e of plan.entries) {
      if (batchBytes + e.byteLength > LIMITS.batchBytes && batch.length > 0) {
        this.enqueue({ ...EMPTY(), entries: batch as Array<Uint8Array<ArrayBuffer>> }, false, { doc, entries: batch.length, bytes: batchBytes })
        batch = []
        batchBytes = 0
        await this.drained(LIMITS.maxQueuedBytes / 2)
      }
      batch.push(e)
      batchBytes += e.byteLength
    }
    if (batch.length > 0) this.enqueue({ ...EMPTY(), entries: batch as Array<Uint8Array<ArrayBuffer>> }, false, { doc, entries: batch.length, bytes: batchBytes })
  }

  /** What the stream took of a tracked frame counts in the sending side's progress. */
  private sent (t: Track): void {
    if (t.snapshot !== undefined) {
      this.stats.snapshotBytesSent += t.snapshot
      this.transfers.snapshotBytes('out', t.doc, t.snapshot)
    }
    if (t.entries !== undefined) {
      this.stats.catchUpEntriesSent += t.entries
      this.transfers.entries('out', t.doc, t.entries, t.bytes ?? 0)
    }
  }

  private remember (doc: Uint8Array, items: AuthorSeq[]): void {
    const k = toHex(doc)
    let m = this.theirs.get(k)
    if (m === undefined) {
      m = new Map()
      this.theirs.set(k, m)
      // In a range found equal, the peer held what we held (reconciler.ts).
      if (this.reconciler.agrees(k)) for (const i of this.source.vector(doc)) m.set(streamKey(i), i.seq)
    }
    for (const i of items) {
      const a = streamKey(i)
      if ((m.get(a) ?? 0n) < i.seq) m.set(a, i.seq)
    }
  }

  /**
   * A live entry (local, or stored from a peer): pushed unless the peer is the one it came from.
   * The first of a tick leaves at once, in that tick; the others of the same tick share one frame
   * once it ends, and while the stream waits to drain the next frame collects what arrives.
   */
  pushEntry (entry: Uint8Array, ref: EntryRef): void {
    if (this.closed) return
    this.live.push(entry)
    this.liveRefs.push(ref)
    this.liveBytes += entry.byteLength
    if (this.liveBytes >= LIMITS.batchBytes) { this.takeLive(); return }
    if (this.writing || this.liveScheduled) return
    this.takeLive()
    this.liveScheduled = true
    queueMicrotask(() => { this.liveScheduled = false; if (!this.writing) this.takeLive() })
  }

  /** Queues the live entries collected so far as one frame. */
  private takeLive (): void {
    if (this.live.length === 0) return
    const entries = this.live
    const refs = this.liveRefs
    this.live = []
    this.liveRefs = []
    this.liveBytes = 0
    // After the send: what was queued counts as held by the peer (for `mesh peers`).
    if (this.enqueue({ ...EMPTY(), entries: entries as Array<Uint8Array<ArrayBuffer>> }, true)) {
      for (const r of refs) this.remember(r.doc, [r.item])
    }
  }

  /** This node's disk filled up or has room again: the peer is told (SPEC.md, Disk). */
  pushDisk (full: boolean): void {
    this.enqueue({ ...EMPTY(), disk: full ? DISK.full : DISK.room }, false, undefined, true)
  }

  /** The peer said its disk is full (it refuses writes): it is not in sync, whatever the vectors say. */
  peerDiskFull = false

  pushCertificate (cert: Uint8Array): void {
    this.enqueue({ ...EMPTY(), certificates: [cert as Uint8Array<ArrayBuffer>] }, false)
  }

  /** Queues a frame and writes what it can; false when the session is closed or a live frame was dropped. */
  private enqueue (msg: SyncMessage, live: boolean, track?: Track, urgent = false): boolean {
    if (this.closed) return false
    const bytes = msg.entries.reduce((n, e) => n + e.byteLength, 0) + msg.snapshotChunk.byteLength + msg.snapshotHeader.byteLength + 64
    if (live && this.queued + bytes > LIMITS.maxQueuedBytes) {
      // Too far behind: drop, and ask for its vectors once the queue drains.
      this.dropped = true
      return false
    }
    if (urgent) this.queue.unshift({ msg, bytes, live, track })
    else this.queue.push({ msg, bytes, live, track })
    this.queued += bytes
    this.flush()
    return true
  }

  private async drained (below: number): Promise<void> {
    while (this.queued > below && !this.closed) await new Promise<void>(resolve => this.idle.push(resolve))
  }

  /**
   * Writes queued frames, each with one `stream.send` in this tick; when the stream asks to
   * wait, the rest goes once it drains.
   */
  private flush (): void {
    if (this.writing) return
    this.writing = true
    try {
      if (this.queue.length === 0) this.takeLive() // what collected while the stream drained
      while (this.queue.length > 0 && !this.closed) {
        const next = this.queue.shift() as { msg: SyncMessage, bytes: number, track?: Track }
        const f = frame(SyncMessage.encode(next.msg))
        const more = this.stream.send(f)
        this.queued -= next.bytes
        this.stats.bytesSent += f.byteLength
        if (next.track !== undefined) this.sent(next.track)
        for (const wake of this.idle.splice(0)) wake()
        if (this.queue.length === 0) this.takeLive()
        if (this.queue.length === 0 && this.dropped) {
          this.dropped = false
          this.queue.push({ msg: { ...EMPTY(), wantVectors: true }, bytes: 64, live: false })
          this.queued += 64
        }
        if (!more) {
          // The stream holds a frame it could not pass on yet: nothing more goes to it until it
          // drains, so what waits is counted in `queued` (and live entries are dropped past its
          // bound) instead of piling up unbounded in the stream's own buffer.
          this.stream.onDrain().then(() => { this.writing = false; this.flush() }, (err: unknown) => { this.writeFailed(err) })
          return
        }
      }
      this.writing = false
    } catch (err: unknown) {
      this.writeFailed(err)
    }
  }

  private writeFailed (err: any): void {
    this.writing = false
    if (!this.closed) {
      this.log('sync write to %s failed: %s', this.peer, err?.message ?? err)
      this.close()
    }
  }

  /** Only tips the peer itself reported: what this side sent does not tell what the peer holds at a position it already had. */
  private rememberTips (doc: Uint8Array, items: AuthorSeq[]): void {
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
      if (t === undefined && this.reconciler.agrees(k)) { out.set(k, 0); continue }
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

const varintLength = (n: number): number => n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4
