/**
 * One peer's sync session over one long-lived stream. Both sides run the same grammar:
 * certificates, then vectors (what I have) ending with vectors_done; on the peer's vectors,
 * what it lacks (snapshots first, then entries in bounded batches); then live entries as they
 * are stored. Writes go through a bounded queue: a peer too slow to keep up has live entries
 * dropped and is asked for its vectors again once the queue drains, which resends what it lacks.
 *
 * This file reads frames and hands each part to its module: the write queue (outbox.ts), what the
 * peer holds (peer-view.ts), vectors, reconciliation and `holds` (vector-exchange.ts), sending
 * what the peer lacks (catch-up.ts), receiving a snapshot (snapshot-receiver.ts); entries are
 * admitted here.
 */
import type { Logger, Stream } from '@libp2p/interface'
import { entryPlace, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { Acks } from './acks.js'
import { CatchUp } from './catch-up.js'
import { EarlyEntries } from './early.js'
import { FrameReader } from './frames.js'
import { LIMITS } from './limits.js'
import { DISK, EMPTY, LANES_VERSION, decodeMessage, wireLength } from './messages.js'
import { Outbox } from './outbox.js'
import { PeerView, type StandingView } from './peer-view.js'
import type { SyncMessage } from './pb/sync.js'
import { chunksInSlices, nextTurn, settleInSlices, turnOver, turnSpent } from './slice.js'
import { SnapshotReceiver } from './snapshot-receiver.js'
import type { AcceptOutcome, EntryRef, ReplicaSource } from './source.js'
import { Transfers, type Transfer } from './transfer.js'
import { VectorExchange } from './vector-exchange.js'

export { LIMITS } from './limits.js'

/** A frame whose taking the peer counts on (acks.ts): entries, signatures of early ones, a snapshot's parts. */
const tracked = (msg: SyncMessage): boolean => msg.entries.length > 0 || msg.signatures.length > 0 || msg.snapshotChunk.byteLength > 0 || msg.snapshotHeader.byteLength > 0

/**
 * Refusals that say nothing about the entry, only about this moment: a budget whose window moves,
 * an author whose certificate comes later, a disk that fills and empties, a vault closing. The
 * sender learns of the refusal (acks.ts) but does not send the entry again on its own, so without
 * asking again an honest entry refused this way would be missing until the next session.
 */
const RETRY = new Set(['RATE_LIMITED', 'UNKNOWN_AUTHOR', 'UNKNOWN_EPOCH', 'STORE_WRITE_FAILED'])

export interface SessionOptions {
  /**
   * Open with set reconciliation (a digest, then ranges) instead of every document's vector.
   * @default true
   */
  reconcile?: boolean
  /**
   * Take early entries (and say so in the held frame): SPEC.md, Early entries.
   * @default true
   */
  early?: boolean
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
  /** Early entries (early.ts): bodies sent ahead of their signatures, received, and received and applied on arrival. */
  earlySent: number
  earlyReceived: number
  earlyApplied: number
}

export class PeerSession {
  readonly peer: string
  private closed = false
  private readonly outbox: Outbox
  private readonly view: PeerView
  private readonly catchUp: CatchUp
  private readonly vectors: VectorExchange
  private readonly snapshotIn: SnapshotReceiver
  private readonly early: EarlyEntries
  private readonly acks: Acks
  /** The pending re-ask after a passing refusal, and when it fires. */
  private refetch: { timer: ReturnType<typeof setTimeout>, at: number } | undefined
  /** What is in flight, per document and direction. */
  readonly transfers: Transfers
  readonly stats: SessionStats = { bytesSent: 0, bytesReceived: 0, snapshotBytesSent: 0, snapshotsSent: 0, snapshotsResumed: 0, catchUpEntriesSent: 0, earlySent: 0, earlyReceived: 0, earlyApplied: 0 }
  /** The peer said its disk is full (it refuses writes): it is not in sync, whatever the vectors say. */
  peerDiskFull = false
  /** Ended by `fail`: counts as closed for everything that sends. */
  private failed = false

  constructor (readonly stream: Stream, peer: string, private readonly source: ReplicaSource, private readonly log: Logger, private readonly events: SessionEvents, private readonly options: SessionOptions = {}) {
    this.peer = peer
    this.transfers = new Transfers(peer, (t) => { events.progress?.(t) }, Date.now, LIMITS.maxTransfersIn)
    const closed = (): boolean => this.closed || this.failed
    this.view = new PeerView(source, (doc) => this.vectors.agrees(doc))
    this.outbox = new Outbox(stream, {
      peer,
      log,
      closed,
      close: () => { this.close() },
      stats: this.stats,
      sent: (t) => { this.catchUp.sent(t) },
      sentFrame: (settled) => { this.acks.sentFrame(settled) },
      liveFrame: (refs) => this.view.sendingEntries(refs)
    })
    this.acks = new Acks(this.outbox, (err) => { this.fail(err) })
    const parts = { peer, log, source, closed, outbox: this.outbox, view: this.view, transfers: this.transfers }
    this.catchUp = new CatchUp({ ...parts, stats: this.stats, abort: (err) => { this.fail(err) } })
    this.vectors = new VectorExchange({ ...parts, catchUp: this.catchUp, caughtUp: () => { this.events.caughtUp?.(this.peer) } })
    this.snapshotIn = new SnapshotReceiver({ ...parts, refused: (err) => { this.refusedSnapshot(err) } })
    this.early = new EarlyEntries(peer, options.early === false ? undefined : source.acceptEarly, this.outbox, this.stats, (err) => { this.fail(err) })
  }

  /** The peer's vectors as last reported, advanced by what it said it took of what we sent. */
  get theirs (): Map<string, Map<string, bigint>> { return this.view.theirs }

  /** The whole-vault digest (hex) this side last told the peer it holds (`holds`), if any. */
  get told (): string | undefined { return this.vectors.told }

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
      /** What a frame's handling threw ends the session: in line, in its promise, or in a held frame's turn (nothing else reads those). */
      const failed = (err: unknown): void => { finish(err instanceof Error ? err : new ProtocolError(String(err))) }
      const take = (bytes: Uint8Array): void => {
        this.stats.bytesReceived += wireLength(bytes)
        let msg: ReturnType<typeof decodeMessage>
        let index: number
        try {
          // A frame that is not a message ends the session here, wherever `take` was called from
          // (FrameReader's drain, or a held frame's next turn, where nothing else would catch it).
          msg = decodeMessage(bytes)
          index = this.acks.note(msg)
        } catch (err: unknown) {
          failed(err)
          return
        }
        // Up to framesInFlight frames are handled at once; past that the stream is paused.
        const p: Promise<void> = this.handle(msg).then(
          (handled) => {
            // Settled (acks.ts) once its live entries' deferred writes are done too, so a write
            // that fails late is told as a refusal; the stream reads on meanwhile. Settled
            // whatever those writes end in: one frame never settled would stop every later
            // acknowledgement.
            const counts = tracked(msg)
            if (handled.writes === undefined) this.acks.settle(index, counts, handled.refused())
            else {
              const settle = (): void => { this.acks.settle(index, counts, handled.refused()) }
              handled.writes.then(settle, (err: unknown) => { this.log.error('a deferred write of a frame from %s: %e', this.peer, err); settle() })
            }
            pending.delete(p)
            if (pending.size < LIMITS.framesInFlight && held.length === 0) reader.resume()
          },
          failed
        )
        pending.add(p)
        if (pending.size >= LIMITS.framesInFlight) reader.pause()
      }
      // Frames read once sliced work has spent this turn's budget (a catch-up's admissions) wait,
      // in read order, for the loop's next turn: decoding a catch-up's frame of 1,700 entries,
      // its reading and the parse that follows otherwise ran in the same turn as the slice, one
      // block of 50-140 ms. The stream is paused meanwhile (its flow control holds the sender).
      const held: Uint8Array[] = []
      // A frame as big as a catch-up's is sliced work itself: its decoding starts the turn's clock
      // (a catch-up's first frames, read together, were decoded before any admission had started it).
      const spent = (bytes: Uint8Array): boolean => bytes.byteLength >= LIMITS.slicedFrameBytes ? turnSpent() : turnOver()
      const takeHeld = (): void => {
        while (held.length > 0 && !done) {
          if (spent(held[0] as Uint8Array)) { nextTurn().then(takeHeld).catch(failed); return }
          take(held.shift() as Uint8Array)
        }
        if (!done && pending.size < LIMITS.framesInFlight) reader.resume()
      }
      const reader: FrameReader = new FrameReader(this.stream, {
        maxFrameBytes: LIMITS.maxFrameBytes,
        frameDeadlineMs: LIMITS.frameDeadlineMs,
        onFrame: (bytes) => {
          if (held.length === 0 && !spent(bytes)) { take(bytes); return }
          held.push(bytes)
          reader.pause()
          if (held.length === 1) nextTurn().then(takeHeld).catch(failed)
        },
        onEnd: (err) => { finish(err ?? new ProtocolError('the peer closed the sync stream')) }
      })
    })
    try {
      try {
        await this.sendHeld()
        // Frames the peer sent meanwhile (ranges, listings) are handled here: what they throw ends
        // this session like any frame's violation, never the node.
        this.vectors.hello(this.options.reconcile !== false)
      } catch (err) {
        this.fail(err instanceof Error ? err : new ProtocolError(String(err)))
      }
      const err = await ended
      // Closed on purpose, unless a violation (fail) came first: its reason is the session's end.
      if (this.closed && !this.failed) return undefined
      const reason = err?.message ?? 'ended'
      this.log.error('sync with %s ended: %s', this.peer, reason)
      this.stream.abort(err ?? new ProtocolError(reason))
      return reason
    } finally {
      this.closed = true
      if (this.refetch !== undefined) clearTimeout(this.refetch.timer)
      this.vectors.stop()
      this.snapshotIn.end()
      this.transfers.end()
      const st = this.stats
      this.log('session with %s ended: %d bytes sent, %d received; snapshots sent %d, resumed %d, %d snapshot bytes sent; %d catch-up entries sent; early entries sent %d, received %d (%d applied on arrival, %d left unsigned)', this.peer, st.bytesSent, st.bytesReceived, st.snapshotsSent, st.snapshotsResumed, st.snapshotBytesSent, st.catchUpEntriesSent, st.earlySent, st.earlyReceived, st.earlyApplied, this.early.unsigned)
      this.early.end()
      this.acks.end()
      this.outbox.wake()
      this.catchUp.wake()
    }
  }

  /**
   * Ends the session for a violation found outside the read of a frame (a catch-up's, the peer's
   * silence): nothing more is sent, and `run` resolves with its reason.
   */
  private fail (err: Error): void {
    if (this.closed || this.failed) return
    this.failed = true
    this.stream.abort(err)
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.stream.abort(new ProtocolError('sync closed'))
    // Now, not once run() unwinds: a new session with the same peer (which replaces this one,
    // index.ts run) announces what this one received of a snapshot, and the source waits for
    // what is being kept only if it is kept before the new session asks.
    this.snapshotIn.end()
  }

  private sendCertificates (): void {
    // At most 64 records and batchBytes per frame: a cutoff record can be far larger than a
    // certificate (crdt/SPEC.md, Cutoff), and a frame over the limit would end the session.
    let batch: Uint8Array[] = []
    let bytes = 0
    for (const c of this.source.certificates()) {
      if (batch.length > 0 && (batch.length >= 64 || bytes + c.byteLength > LIMITS.batchBytes)) {
        this.outbox.enqueue({ ...EMPTY(), certificates: batch as Array<Uint8Array<ArrayBuffer>> }, false)
        batch = []
        bytes = 0
      }
      batch.push(c)
      bytes += c.byteLength
    }
    this.outbox.enqueue({ ...EMPTY(), certificates: batch as Array<Uint8Array<ArrayBuffer>> }, false)
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
    this.outbox.enqueue({ ...EMPTY(), partialSnapshots: partialSnapshots as any, snapshotWindow: BigInt(LIMITS.snapshotWindowBytes), disk, lanes: LANES_VERSION, early: this.early.held, acks: this.acks.held }, false)
  }

  /** Transfer bookkeeping of a frame, in read order (before the frame's first await). */
  private noteTransfers (msg: SyncMessage): void {
    if (msg.disk === DISK.full) this.peerDiskFull = true
    else if (msg.disk === DISK.room) {
      // It refused entries while full (STORE_WRITE_FAILED) and asked again itself; nothing more here.
      this.peerDiskFull = false
    }
    this.catchUp.note(msg)
    this.vectors.noteLanes(msg)
    this.early.note(msg)
    const c = msg.catchup
    if (c !== undefined) this.transfers.plan('in', toHex(c.doc), Number(c.snapshotBytes), Number(c.entries), Number(c.bytes))
  }

  /**
   * One frame of the peer. Resolves once it is handled (the stream may read on), with whether
   * anything of it was refused, known for certain once `writes` (its live entries' deferred
   * writes, if any) are done.
   */
  private async handle (msg: SyncMessage): Promise<{ refused: () => boolean, writes?: Promise<void> }> {
    let refusedAny = false
    // Snapshot framing is checked and its bytes handed on before the first await, in read order.
    const { complete, settled, wait, skipped } = this.snapshotIn.assemble(msg)
    // A part of a snapshot whose header was refused is dropped: the sender must not count it held.
    if (skipped === true) refusedAny = true
    this.noteTransfers(msg)
    // Every certificate is registered before this frame yields, so entries of later frames
    // (handled while this one's writes are pending) find their authors.
    // (No await when there are none: a live frame's entries are then admitted in the tick it
    // was read, which puts them in front of whatever else that turn of the event loop does.)
    if (msg.certificates.length > 0) {
      const certs = await Promise.allSettled(msg.certificates.map(async c => { await this.source.addCertificate(c) }))
      for (const r of certs) if (r.status === 'rejected') this.events.refused(`certificate: ${r.reason?.message ?? r.reason}`, this.peer)
    }
    const replies = this.outbox.replies
    this.vectors.onFrame(msg)
    // A frame that asked for replies (vectors, ranges, answers) while too many wait for the
    // peer to read them stays in flight until they drain: past framesInFlight such frames the
    // stream pauses and yamux holds the peer back. Only such a frame waits, so two honest sides
    // each replying to the other go on reading each other's replies.
    const replied = this.outbox.replies > replies
    // Early bodies are applied now, in read order; signatures complete them (early.ts).
    const signed = this.early.receive(msg)
    // A catch-up's frame: its signatures are checked on another thread first, while the event
    // loop admits the frames before it (SPEC.md, Receiving). A live frame is admitted at once.
    if (msg.entries.length >= LIMITS.verifyAheadEntries && this.source.verifyAhead !== undefined) {
      try {
        // Parsed and handed to the worker a chunk at a time, within the turn's budget: a frame
        // of 1,700 entries parsed at once held the loop for 20-40 ms beside the admissions.
        const verifyAhead = this.source.verifyAhead
        await chunksInSlices(msg.entries, LIMITS.verifyAheadChunk, async chunk => { await verifyAhead(chunk) })
      } catch (err: any) {
        // Nothing was taken as checked: each entry's admission checks its signature itself.
        this.log('checking signatures ahead failed, checked one by one: %s', err?.message ?? err)
      }
    }
    const refused = (err: any): void => {
      refusedAny = true
      this.events.refused(`entry ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
      this.refetchLater(err)
    }
    // What a frame's admissions hold: the peer holds what it sent; each refusal is said.
    // `docOf`: a refused entry's document, so that a catch-up's progress counts it handled (it is
    // asked for again later, in a transfer of its own): else the transfer never ended, and its
    // session stayed "arriving" (refusing a resume) for as long as the connection lasted.
    const tally = (results: Array<PromiseSettledResult<{ outcome: AcceptOutcome } & EntryRef>>, sizes: number[], docOf?: (i: number) => Uint8Array | undefined): void => {
      const stored = new Map<string, { doc: Uint8Array, n: number, held: number, bytes: number }>()
      results.forEach((r, i) => {
        const ok = r.status === 'fulfilled' ? r.value : undefined
        if (r.status === 'rejected') refused(r.reason)
        else this.view.remember(r.value.doc, [r.value.item]) // the peer holds what it sent
        const doc = ok?.doc ?? docOf?.(i)
        if (doc === undefined) return
        const k = toHex(doc)
        const s = stored.get(k) ?? { doc, n: 0, held: 0, bytes: 0 }
        if (ok?.outcome === 'stored') s.n++
        // Held now (stored or already here), or refused: what a catch-up's progress counts.
        s.held++
        s.bytes += sizes[i] ?? 0
        stored.set(k, s)
      })
      for (const [k, s] of stored) {
        this.transfers.entries('in', k, s.held, s.bytes)
        if (s.n > 0) this.events.received(s.doc, s.n, this.peer)
      }
      if (results.some(r => r.status === 'fulfilled')) this.vectors.holdsLater()
    }
    // The signatures of early bodies complete with their author's run (node/live-runs.ts: one
    // check for the run, up to 10 ms after its first entry) and their writes within a batch: the
    // frame does not wait for either (it would hold the stream, framesInFlight frames at a time,
    // while the bodies behind them could already be shown). It settles (acks.ts) once both are
    // done, a refusal or a failed write counted then.
    const writes: Array<Promise<void>> = []
    if (signed.length > 0) {
      writes.push((async () => {
        const done = await Promise.allSettled(signed.map(async s => await s.done))
        if (!this.closed) tally(done, signed.map(s => s.bytes))
        await Promise.all(done.map(async r => { if (r.status === 'fulfilled' && r.value.durable !== undefined) await r.value.durable.then(() => {}, refused) }))
      })())
    }
    // All entries of a frame are admitted together so their writes share one group commit.
    const docOf = (i: number): Uint8Array | undefined => { try { return entryPlace(msg.entries[i] as Uint8Array).doc } catch { return undefined } }
    tally(await settleInSlices(msg.entries, async e => await this.source.accept(e, this.peer)), msg.entries.map(e => e.byteLength), docOf)
    // A snapshot's sink behind its disk holds this frame (past framesInFlight, the stream pauses),
    // and the sender's next grant with it.
    if (wait !== undefined) {
      try {
        await wait
      } catch (err) {
        // The last piece's write failed: its sink left the receiver with that piece (assemble),
        // so the session's end would not abort it. What arrived is kept for a resume.
        complete?.abort()
        throw err
      }
    }
    this.snapshotIn.grant()
    if (complete !== undefined) {
      try {
        const r = await complete.end()
        // The peer holds what the snapshot it sent covers (it showed as lacking it, otherwise).
        this.view.remember(r.doc, (r.covers ?? []).map(c => ({ author: c.author, lane: c.lane ?? 0, seq: c.seq })), true)
        this.events.received(r.doc, 0, this.peer)
        this.vectors.holdsLater()
      } catch (err: any) {
        refusedAny = true
        this.refusedSnapshot(err)
      } finally {
        settled?.()
      }
    }
    if (replied) await this.outbox.repliesDrained()
    return { refused: () => refusedAny, writes: writes.length > 0 ? Promise.all(writes).then(() => {}) : undefined }
  }

  private refusedSnapshot (err: any): void {
    // A wait for another transfer of it to end (store/partial-set.ts): no refusal to tell a person of.
    if (err?.details?.busy === true) this.log('snapshot from %s waits: %s', this.peer, err?.message)
    else this.events.refused(`snapshot ${err?.code ?? ''}: ${err?.message ?? err}`, this.peer)
    this.refetchLater(err)
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
      this.vectors.sendVectors()
    }, at - Date.now())
    timer.unref?.()
    this.refetch = { timer, at }
  }

  /**
   * A live entry (local, or stored from a peer), for a peer it did not come from (outbox.ts); its
   * signature alone when its body went ahead (early.ts).
   */
  pushEntry (entry: Uint8Array, ref: EntryRef): void {
    this.view.willSend(ref.doc, ref.item)
    const signature = this.early.signatureOf(entry, ref)
    if (signature === undefined) { this.outbox.pushEntry(entry, ref); return }
    const settled = this.view.sendingEntries([ref])
    if (!this.outbox.enqueue({ ...EMPTY(), signatures: [signature as Uint8Array<ArrayBuffer>] }, false, undefined, false, settled)) settled(false)
  }

  /** One of this node's own new entries before its signature: sent ahead when that makes it early (early.ts). */
  pushEarly (body: Uint8Array, ref: EntryRef): void {
    this.view.willSend(ref.doc, ref.item)
    this.early.pushBody(body, ref)
  }

  /** This node's disk filled up or has room again: the peer is told (SPEC.md, Disk). */
  pushDisk (full: boolean): void {
    this.outbox.enqueue({ ...EMPTY(), disk: full ? DISK.full : DISK.room }, false, undefined, true)
  }

  pushCertificate (cert: Uint8Array): void {
    this.outbox.enqueue({ ...EMPTY(), certificates: [cert as Uint8Array<ArrayBuffer>] }, false)
  }

  /**
   * Where the peer stands, read only (peer-view.ts): how far behind each side is, per document or
   * of one, what is in flight, where both hold different content at one position.
   */
  get standing (): StandingView { return this.view }
}
