/**
 * Sending the peer what it lacks, by its vectors: per document its totals announced first (the
 * peer's progress), then its snapshots, each from the byte the peer already holds of it and no
 * further ahead than the peer granted, then its entries in batches; small documents share frames.
 */
import type { Logger } from '@libp2p/interface'
import { parseTrustedEntry, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { SettleGroup, type OnSettled } from './acks.js'
import { LIMITS } from './limits.js'
import { EMPTY } from './messages.js'
import type { Outbox, Track } from './outbox.js'
import type { SyncMessage } from './pb/sync.js'
import type { PeerView } from './peer-view.js'
import { nextTurn, turnSpent, unitTurn } from './slice.js'
import type { AuthorSeq, DocVector, ReplicaSource, SyncPlan } from './source.js'
import type { Transfers } from './transfer.js'

export interface CatchUpHost {
  peer: string
  log: Logger
  source: ReplicaSource
  closed: () => boolean
  /** A catch-up failed: the session ends with this error. */
  abort: (err: Error) => void
  outbox: Outbox
  view: PeerView
  transfers: Transfers
  stats: { snapshotBytesSent: number, snapshotsSent: number, snapshotsResumed: number, catchUpEntriesSent: number }
}

/** A catch-up not yet started: all our documents or these (by hex), by the peer's latest vectors (by hex). */
interface Waiting { all: boolean, docs: Map<string, Uint8Array>, theirs: Map<string, DocVector>, done: Set<() => void> }

/** Names a snapshot held in part: its document, author and seq. */
const heldKey = (doc: Uint8Array, author: Uint8Array, seq: bigint): string => `${toHex(doc)}/${toHex(author)}/${seq}`

export class CatchUp {
  private chain: Promise<void> = Promise.resolve()
  /** The peer's snapshot window (0: it grants nothing, an older peer: no limit), and its grant for the snapshot being sent. */
  private peerWindow = 0
  private credit = { granted: Infinity, size: Infinity, waiters: [] as Array<() => void> }
  /** Snapshots the peer holds in part, by `doc/author/seq`: sending one resumes at that byte. */
  private readonly held = new Map<string, number>()
  /** The peer's held frame was read: no more partial snapshots are taken. */
  private heldRead = false
  /** The catch-up waiting for the one under way: what is asked for meanwhile joins it. */
  private next: Waiting | undefined
  /** The snapshot the peer last asked to skip (`doc/author/seq`): the one being sent stops if it is that one. */
  private skip: string | undefined

  constructor (private readonly host: CatchUpHost) {}

  /** What a frame of the peer says about this side's sending: snapshots it holds in part, its window, its grants. */
  note (msg: SyncMessage): void {
    // Only in the held frame (the first to carry a window), as the grammar says: taken from any
    // frame, a peer could grow this map by 512 made-up snapshots a frame.
    if (msg.partialSnapshots.length > 0 && (this.heldRead || msg.snapshotWindow === 0n)) throw new ProtocolError('partial_snapshots outside the held frame')
    if (msg.snapshotWindow > 0n && !this.heldRead) {
      this.heldRead = true
      for (const p of msg.partialSnapshots) this.held.set(heldKey(p.doc, p.author, p.seq), Number(p.offset))
    }
    if (msg.snapshotWindow > 0n) this.peerWindow = Number(msg.snapshotWindow)
    if (msg.snapshotCredit > 0n) {
      // A grant applies to the snapshot being sent. One past what its receiver could grant for it
      // (its size and window) was for the snapshot before (an older receiver grants past a
      // snapshot's end) and is ignored; none counts past the snapshot's size.
      const { size } = this.credit
      const grant = Number(msg.snapshotCredit)
      if (grant > size + Math.min(LIMITS.maxSnapshotWindowBytes, Math.max(this.peerWindow, Math.floor(size / 32)))) return
      this.credit.granted = Math.max(this.credit.granted, Math.min(grant, size))
      for (const wake of this.credit.waiters.splice(0)) wake()
    }
    const skip = msg.snapshotSkip
    if (skip !== undefined) {
      this.skip = heldKey(skip.doc, skip.author, skip.seq)
      for (const wake of this.credit.waiters.splice(0)) wake()
    }
  }

  /** The session ended: a snapshot waiting for the peer's grant goes on (and sees it closed). */
  wake (): void {
    for (const wake of this.credit.waiters.splice(0)) wake()
  }

  /**
   * Beside the reader, not inside it: if both sides waited for backpressure while neither read,
   * they would deadlock. Catch-ups run one after another. `docs`: only these of ours (all when
   * undefined).
   *
   * What is asked for while a catch-up waits its turn joins it, each document once, by the peer's
   * latest vector of it: at most one catch-up runs and one waits. Each asked separately, one frame
   * of 1,024 ranges counting no document scheduled the whole vault 1,024 times.
   */
  schedule (theirs: DocVector[], docs?: Uint8Array[], done?: () => void): void {
    const next = this.next ?? this.queue()
    for (const v of theirs) next.theirs.set(toHex(v.doc), v)
    if (docs === undefined) next.all = true
    else if (!next.all) for (const doc of docs) next.docs.set(toHex(doc), doc)
    if (done !== undefined) next.done.add(done)
  }

  /** The catch-up that waits its turn: what it sends is settled when it starts. */
  private queue (): Waiting {
    const next: Waiting = { all: false, docs: new Map(), theirs: new Map(), done: new Set() }
    this.next = next
    this.chain = this.chain.then(async () => {
      if (this.next === next) this.next = undefined
      await this.sendWhatTheyLack([...next.theirs.values()], next.all ? undefined : [...next.docs.values()])
      for (const done of next.done) done()
    }).catch((err: any) => {
      this.host.log.error('sending to %s failed: %s', this.host.peer, err?.message ?? err)
      this.host.abort(err instanceof Error ? err : new Error(String(err)))
    })
    return next
  }

  private async sendWhatTheyLack (theirs: DocVector[], docs?: Uint8Array[]): Promise<void> {
    const { source, outbox, view } = this.host
    const byDoc = new Map<string, AuthorSeq[]>()
    for (const v of theirs) byDoc.set(toHex(v.doc), v.items)
    for (const v of theirs) view.remember(v.doc, v.items, true)
    for (const v of theirs) view.rememberTips(v.doc, v.items)
    // Entries of many documents share frames (up to batchBytes): a vault of 10,000 small
    // documents would otherwise go as 10,000 frames, each its own group commit at the receiver.
    // What a document's entries tell (the peer then holds our vector of it) is recorded once the
    // peer took every frame that carried them (acks.ts).
    let batch: Uint8Array[] = []
    let bytes = 0
    let inBatch = new Map<string, { n: number, group: SettleGroup }>()
    let finished: SettleGroup[] = []
    const send = (): void => {
      if (batch.length > 0) {
        const counts = new Map([...inBatch].map(([k, v]) => [k, v.n]))
        const frames = [...inBatch.values()].map(v => v.group.frame())
        const flight = view.sendingFrame(counts)
        const settled: OnSettled = (ok) => { flight(ok); for (const f of frames) f(ok) }
        if (!outbox.enqueue({ ...EMPTY(), entries: batch as Array<Uint8Array<ArrayBuffer>> }, false, { entries: batch.length }, false, settled)) settled(false)
      }
      for (const g of finished) g.close()
      batch = []
      bytes = 0
      inBatch = new Map()
      finished = []
    }
    // A catch-up starts on a turn of its own (the frame that asked for it was handled in this
    // one), and each document's plan, which walks its store index, counts against the turn's
    // budget like a frame's encoding; checked without an await unless the budget is spent (an
    // await per document cost a fresh node's 10,000 small documents ~0.8 s).
    await unitTurn()
    const large: Array<{ mine: DocVector, plan: SyncPlan, size: number }> = []
    for (const mine of docs?.map(doc => ({ doc, items: source.vector(doc) })) ?? source.vectors()) {
      while (turnSpent()) await nextTurn()
      const key = toHex(mine.doc)
      const plan = source.plan(mine.doc, byDoc.get(key) ?? [])
      // A document with a snapshot or more than a frame of entries goes on its own, after the
      // others (below); small documents share frames.
      if (plan.snapshots.length > 0 || (plan.entryBytes ?? Infinity) > LIMITS.batchBytes) {
        large.push({ mine, plan, size: snapshotBytes(plan) + (plan.entryBytes ?? 0) })
        continue
      }
      const group = new SettleGroup(() => { view.remember(mine.doc, mine.items, true) })
      for await (const e of plan.entries) {
        if (bytes + e.byteLength > LIMITS.batchBytes && batch.length > 0) {
          // A frame's encoding is a unit of work: it waits for the turn's budget like an admission.
          await unitTurn()
          send()
          await outbox.drained(LIMITS.maxQueuedBytes / 2)
        }
        batch.push(e)
        bytes += e.byteLength
        const d = inBatch.get(key)
        if (d === undefined) inBatch.set(key, { n: 1, group })
        else d.n++
      }
      finished.push(group)
    }
    send()
    // Documents with a snapshot or more than a frame of entries last, smallest first, each with
    // its totals announced first (the peer's progress): the small ones (the sessions index that
    // names every session, memory, skills, short sessions) reach the peer while a big session is
    // still on its way, not after it.
    large.sort((x, y) => x.size - y.size)
    for (const { mine, plan } of large) await this.sendDoc(mine, plan)
  }

  /**
   * One document's catch-up: its totals announced first (the peer's progress), then its
   * snapshots, each from the byte the peer already holds of it, then its entries in batches.
   * Once the peer took all of it, it holds what the snapshots cover and our vector `mine`.
   */
  private async sendDoc (mine: DocVector, plan: SyncPlan): Promise<void> {
    const { outbox, transfers, stats, log, peer, view } = this.host
    const docId = mine.doc
    const doc = toHex(docId)
    const group = new SettleGroup(() => {
      for (const snap of plan.snapshots) view.remember(docId, snap.covers, true)
      view.remember(docId, mine.items, true)
    })
    /** Queues a frame of this document, counted in flight with its `entries`. */
    const enqueue = (msg: SyncMessage, track: Track | undefined, entries: number): void => {
      const flight = view.sendingFrame(new Map(entries > 0 ? [[doc, entries]] : []))
      const frame = group.frame()
      const settled: OnSettled = (ok) => { flight(ok); frame(ok) }
      if (!outbox.enqueue(msg, false, track, false, settled)) settled(false)
    }
    const snapshots = snapshotBytes(plan)
    const entries = plan.entryCount ?? 0
    const bytes = plan.entryBytes ?? 0
    if (snapshots > 0 || entries > 0) {
      outbox.enqueue({ ...EMPTY(), catchup: { doc: docId as Uint8Array<ArrayBuffer>, entries: BigInt(entries), bytes: BigInt(bytes), snapshotBytes: BigInt(snapshots) } }, false)
      transfers.plan('out', doc, snapshots, entries, bytes)
      log('catch-up of %s to %s: %d snapshot bytes, %d entries (%d bytes)', doc.slice(0, 12), peer, snapshots, entries, bytes)
    }
    for (const snap of plan.snapshots) {
      const h = parseTrustedEntry(snap.header)
      const size = Number(h.snapshotSize)
      const named = heldKey(h.doc, h.author, h.seq)
      const held = this.held.get(named) ?? 0
      const from = held > 0 && held <= size ? held : 0
      // Ahead of the peer's grants by at most its window (none announced: no limit).
      this.credit = { granted: this.peerWindow > 0 ? from + this.peerWindow : Infinity, size, waiters: [] }
      // Part of the document's group: a header the peer refuses fails it (its chunks are dropped).
      enqueue({ ...EMPTY(), snapshotHeader: snap.header as Uint8Array<ArrayBuffer>, snapshotOffset: BigInt(from) }, undefined, 0)
      if (from > 0) stats.snapshotsResumed++
      else stats.snapshotsSent++
      log('snapshot of %s to %s: %d bytes, from byte %d', doc.slice(0, 12), peer, size, from)
      transfers.snapshotBegins('out', doc, size, from)
      // A skip that came for a snapshot before (sent whole before it was read) is spent.
      this.skip = undefined
      let at = from
      for await (const piece of snap.pieces(LIMITS.chunkBytes, from)) {
        await this.granted(at + piece.byteLength, named)
        if (this.host.closed()) break
        if (this.skip === named) {
          // The peer refused it (it takes it from another transfer, or not at all now): it ends
          // here, and so does this document's catch-up, whose entries stand on it. The refused
          // header's frame keeps the peer from counting as holding any of it (acks.ts).
          outbox.enqueue({ ...EMPTY(), snapshotCut: true }, false)
          transfers.stop('out', doc)
          log('snapshot of %s to %s stopped at byte %d of %d: the peer skipped it', doc.slice(0, 12), peer, at, size)
          return
        }
        at += piece.byteLength
        enqueue({ ...EMPTY(), snapshotChunk: piece as Uint8Array<ArrayBuffer> }, { doc, snapshot: piece.byteLength }, 0)
        await outbox.drained(LIMITS.maxQueuedBytes / 2)
      }
    }
    let batch: Uint8Array[] = []
    let batchBytes = 0
    // A frame's encoding is a unit of work: it waits for the turn's budget like an admission.
    const sendBatch = async (): Promise<void> => {
      await unitTurn()
      enqueue({ ...EMPTY(), entries: batch as Array<Uint8Array<ArrayBuffer>> }, { doc, entries: batch.length, bytes: batchBytes }, batch.length)
      batch = []
      batchBytes = 0
    }
    for await (const e of plan.entries) {
      if (batchBytes + e.byteLength > LIMITS.batchBytes && batch.length > 0) {
        await sendBatch()
        await outbox.drained(LIMITS.maxQueuedBytes / 2)
      }
      batch.push(e)
      batchBytes += e.byteLength
    }
    if (batch.length > 0) await sendBatch()
    group.close()
  }

  /** Waits until the peer granted the current snapshot (`named`) up to `upTo` bytes, or skipped it. */
  private async granted (upTo: number, named: string): Promise<void> {
    while (this.credit.granted < upTo && !this.host.closed() && this.skip !== named) await new Promise<void>(resolve => this.credit.waiters.push(resolve))
  }

  /** What the stream took of a tracked frame counts in the sending side's progress. */
  sent (t: Track): void {
    if (t.snapshot !== undefined) {
      this.host.stats.snapshotBytesSent += t.snapshot
      if (t.doc !== undefined) this.host.transfers.snapshotBytes('out', t.doc, t.snapshot)
    }
    if (t.entries !== undefined) {
      this.host.stats.catchUpEntriesSent += t.entries
      // Small documents sharing a frame have no transfer of their own (none is announced for them).
      if (t.doc !== undefined) this.host.transfers.entries('out', t.doc, t.entries, t.bytes ?? 0)
    }
  }
}

/** The bytes of a plan's snapshots, as their signed headers give them. */
function snapshotBytes (plan: SyncPlan): number {
  return plan.snapshots.reduce((n, s) => n + Number(parseTrustedEntry(s.header).snapshotSize), 0)
}
