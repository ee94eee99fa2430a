/**
 * One peer's sync session over one long-lived stream. Both sides run the same grammar:
 * certificates, then vectors (what I have) ending with vectors_done; on the peer's vectors,
 * what it lacks (snapshots first, then entries in bounded batches); then live entries as they
 * are stored. Writes go through a bounded queue: a peer too slow to keep up has live entries
 * dropped and is asked for its vectors again once the queue drains, which resends what it lacks.
 */
import type { Logger, Stream } from '@libp2p/interface'
import { parseTrustedEntry, streamKey, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { FrameReader, frame } from './frames.js'
import { SyncMessage } from './pb/sync.js'
import type { AuthorSeq, DocVector, EntryRef, ReplicaSource, SnapshotSink } from './source.js'
import { Reconciler } from './reconciler.js'

export const LIMITS = {
  /** Largest frame accepted: below libp2p's 4 MiB default. */
  maxFrameBytes: 1024 * 1024 + 64 * 1024,
  /** Entries per frame, by total bytes. */
  batchBytes: 512 * 1024,
  /** Snapshot ciphertext per frame. */
  chunkBytes: 512 * 1024,
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
  maxRanges: 1024
} as const

const EMPTY = (): SyncMessage => ({ certificates: [], vectors: [], vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false, ranges: [], answer: false })

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
}

export class PeerSession {
  readonly peer: string
  private readonly queue: Array<{ msg: SyncMessage, bytes: number, live: boolean }> = []
  private queued = 0
  private writing = false
  private dropped = false
  private closed = false
  private idle: Array<() => void> = []
  /** The peer's vectors as last reported, advanced by what we send it. */
  readonly theirs = new Map<string, Map<string, bigint>>()
  private incoming: DocVector[] = []
  private live: Uint8Array[] = []
  private liveRefs: EntryRef[] = []
  private liveBytes = 0
  private liveScheduled = false
  private catchUp: Promise<void> = Promise.resolve()
  /** The snapshot being received; no sink when the data layer refused its header (its bytes are skipped). */
  private snapshot: { sink: SnapshotSink | undefined, size: number, got: number } | undefined
  private readonly reconciler: Reconciler
  /** Frame bytes written and read by this session (length prefixes included). */
  private readonly counted = { sentBytes: 0, receivedBytes: 0 }

  constructor (private readonly stream: Stream, peer: string, private readonly source: ReplicaSource, private readonly log: Logger, private readonly events: SessionEvents, private readonly options: SessionOptions = {}) {
    this.peer = peer
    this.reconciler = new Reconciler({
      index: () => this.source.index(),
      vector: (doc) => this.source.vector(doc),
      send: (f) => { this.enqueue({ ...EMPTY(), ranges: f.ranges, vectors: f.vectors, answer: f.answer } as SyncMessage, false) },
      catchUp: (theirs, docs) => { this.scheduleCatchUp(theirs, docs) },
      remember: (doc, items) => { this.remember(doc, items) },
      inSync: () => { this.events.caughtUp?.(this.peer) }
    })
  }

  /**
   * Runs until the stream ends; never throws. Resolves with the reason when the session failed
   * (the stream is aborted), undefined when it was closed on purpose.
   */
  async run (): Promise<string | undefined> {
    const ended = new Promise<Error | undefined>(resolve => {
      const pending = new Set<Promise<void>>()
      let done = false
      const finish = (err?: Error): void => { if (!done) { done = true; reader.stop(); resolve(err) } }
      const reader: FrameReader = new FrameReader(this.stream, {
        maxFrameBytes: LIMITS.maxFrameBytes,
        frameDeadlineMs: LIMITS.frameDeadlineMs,
        onFrame: (bytes) => {
          this.counted.receivedBytes += bytes.byteLength + varintLength(bytes.byteLength)
          const msg = SyncMessage.decode(bytes, { limits: { certificates: LIMITS.maxCertificates, vectors: LIMITS.docsPerFrame, entries: 4096, ranges: LIMITS.maxRanges } } as any)
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
      this.sendHello()
      const err = await ended
      if (this.closed) return undefined
      const reason = err?.message ?? 'ended'
      this.log.error('sync with %s ended: %s', this.peer, reason)
      this.stream.abort(err ?? new ProtocolError(reason))
      return reason
    } finally {
      this.closed = true
      this.snapshot?.sink?.abort()
      this.snapshot = undefined
      for (const wake of this.idle.splice(0)) wake()
    }
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.stream.abort(new ProtocolError('sync closed'))
  }

  private sendHello (): void {
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
    if (this.options.reconcile === false) this.sendVectors()
    else this.reconciler.hello()
  }

  private sendVectors (): void {
    const vs = this.source.vectors()
    for (let i = 0; i < vs.length || i === 0; i += LIMITS.docsPerFrame) {
      const part = vs.slice(i, i + LIMITS.docsPerFrame)
      this.enqueue({ ...EMPTY(), vectors: part as any, vectorsDone: i + LIMITS.docsPerFrame >= vs.length }, false)
    }
  }

  private async handle (msg: SyncMessage): Promise<void> {
    // Snapshot framing is checked and its bytes handed on before the first await, in read order.
    const { complete, wait } = this.assemble(msg)
    // Every certificate is registered before this frame yields, so entries of later frames
    // (handled while this one's writes are pending) find their authors.
    // (No await when there are none: a live frame's entries are then admitted in the tick it
    // was read, which puts them in front of whatever else that turn of the event loop does.)
    if (msg.certificates.length > 0) {
      const certs = await Promise.allSettled(msg.certificates.map(async c => { await this.source.addCertificate(c) }))
      for (const r of certs) if (r.status === 'rejected') this.events.refused(`certificate: ${r.reason?.message ?? r.reason}`, this.peer)
    }
    if (msg.ranges.length > 0) this.reconciler.onRanges(msg.ranges, msg.vectors)
    else if (msg.answer) this.reconciler.onAnswer(msg.vectors)
    else if (msg.vectors.length > 0) this.incoming.push(...msg.vectors)
    if (msg.vectorsDone) {
      const got = this.incoming
      this.incoming = []
      this.scheduleCatchUp(got, undefined, () => { this.events.caughtUp?.(this.peer) })
    }
    if (msg.wantVectors) this.sendVectors()
    const stored = new Map<string, { doc: Uint8Array, n: number }>()
    // All entries of a frame are admitted together so their writes share one group commit.
    const results = await Promise.allSettled(msg.entries.map(async e => await this.source.accept(e, this.peer)))
    for (const r of results) {
      if (r.status === 'rejected') {
        const err = r.reason
        this.events.refused(`entry ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
        continue
      }
      const k = toHex(r.value.doc)
      this.remember(r.value.doc, [r.value.item]) // the peer holds what it sent
      const s = stored.get(k) ?? { doc: r.value.doc, n: 0 }
      if (r.value.outcome === 'stored') s.n++
      stored.set(k, s)
    }
    for (const s of stored.values()) if (s.n > 0) this.events.received(s.doc, s.n, this.peer)
    // A snapshot's sink behind its disk holds this frame (past framesInFlight, the stream pauses).
    if (wait !== undefined) await wait
    if (complete !== undefined) {
      try {
        const r = await complete.end()
        this.events.received(r.doc, 0, this.peer)
      } catch (err: any) {
        this.events.refused(`snapshot ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
      }
    }
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
      let sink: SnapshotSink | undefined
      try {
        sink = this.source.receiveSnapshot(msg.snapshotHeader, this.peer)
      } catch (err: any) {
        this.events.refused(`snapshot ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
      }
      this.snapshot = { sink, size, got: 0 }
    }
    if (msg.snapshotChunk.byteLength > 0) {
      const s = this.snapshot
      if (s === undefined) throw new ProtocolError('snapshot chunk without a header')
      s.got += msg.snapshotChunk.byteLength
      if (s.got > s.size) throw new ProtocolError('snapshot longer than its header says')
      wait = s.sink?.write(msg.snapshotChunk)
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
      for (const snap of plan.snapshots) {
        this.enqueue({ ...EMPTY(), snapshotHeader: snap.header as Uint8Array<ArrayBuffer> }, false)
        for await (const piece of snap.pieces(LIMITS.chunkBytes)) {
          if (this.closed) break
          this.enqueue({ ...EMPTY(), snapshotChunk: piece as Uint8Array<ArrayBuffer> }, false)
          await this.drained(LIMITS.maxQueuedBytes / 2)
        }
        this.remember(mine.doc, snap.covers)
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

  pushCertificate (cert: Uint8Array): void {
    this.enqueue({ ...EMPTY(), certificates: [cert as Uint8Array<ArrayBuffer>] }, false)
  }

  /** Queues a frame and writes what it can; false when the session is closed or a live frame was dropped. */
  private enqueue (msg: SyncMessage, live: boolean): boolean {
    if (this.closed) return false
    const bytes = msg.entries.reduce((n, e) => n + e.byteLength, 0) + msg.snapshotChunk.byteLength + msg.snapshotHeader.byteLength + 64
    if (live && this.queued + bytes > LIMITS.maxQueuedBytes) {
      // Too far behind: drop, and ask for its vectors once the queue drains.
      this.dropped = true
      return false
    }
    this.queue.push({ msg, bytes, live })
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
        const next = this.queue.shift() as { msg: SyncMessage, bytes: number }
        const bytes = frame(SyncMessage.encode(next.msg))
        this.counted.sentBytes += bytes.byteLength
        const more = this.stream.send(bytes)
        this.queued -= next.bytes
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

  /** Bytes this session wrote and read so far. */
  stats (): { sentBytes: number, receivedBytes: number } { return { ...this.counted } }

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
