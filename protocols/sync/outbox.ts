/**
 * A session's write side: frames go through a bounded queue, each written with one `stream.send`;
 * live entries of one tick share a frame. A peer too slow to keep up has live entries dropped and
 * is asked for its vectors again once the queue drains, which resends what it lacks.
 */
import type { Logger, Stream } from '@libp2p/interface'
import type { OnSettled } from './acks.js'
import { LIMITS } from './limits.js'
import { EMPTY, encodeFrame, frameBytes } from './messages.js'
import { nextTurn, turnSpent } from './slice.js'
import type { SyncMessage } from './pb/sync.js'
import type { EntryRef } from './source.js'

/** Tracked by the sending side per queued frame, counted once the stream took it. */
/** `doc` is absent for a frame whose entries belong to several documents (small ones share frames). */
export interface Track { doc?: string, snapshot?: number, entries?: number, bytes?: number }

export interface OutboxHost {
  peer: string
  log: Logger
  /** The session is closed: nothing more is queued or written. */
  closed: () => boolean
  /** Ends the session (a write failed). */
  close: () => void
  stats: { bytesSent: number }
  /** The stream took a tracked frame. */
  sent: (t: Track) => void
  /** The stream took a frame (every one counts, acks.ts); `settled` hears whether the peer took it. */
  sentFrame: (settled?: OnSettled) => void
  /** A frame of these live entries is about to be queued: what hears whether the peer took it. */
  liveFrame: (refs: EntryRef[]) => OnSettled
}

interface Queued { msg: SyncMessage, bytes: number, live: boolean, track?: Track, settled?: OnSettled, reply?: boolean, written?: () => void }

export class Outbox {
  private readonly queue: Queued[] = []
  private queued = 0
  private writing = false
  private dropped = false
  private idle: Array<() => void> = []
  private live: Uint8Array[] = []
  private liveRefs: EntryRef[] = []
  private liveBytes = 0
  private liveScheduled = false
  /** Bytes of replies to the peer's frames queued, and how many such frames were ever queued. */
  private replyBytes = 0
  private replyFrames = 0

  constructor (private readonly stream: Stream, private readonly host: OutboxHost) {}

  /**
   * A live entry (local, or stored from a peer): pushed unless the peer is the one it came from.
   * The first of a tick leaves at once, in that tick; the others of the same tick share one frame
   * once it ends, and while the stream waits to drain the next frame collects what arrives.
   */
  pushEntry (entry: Uint8Array, ref: EntryRef): void {
    if (this.host.closed()) return
    this.live.push(entry)
    this.liveRefs.push(ref)
    this.liveBytes += entry.byteLength
    if (this.liveBytes >= LIMITS.batchBytes) { this.takeLive(); return }
    if (this.writing || this.liveScheduled) return
    this.takeLive()
    this.liveScheduled = true
    queueMicrotask(() => { this.liveScheduled = false; if (!this.writing) this.takeLive() })
  }

  /** Nothing queued, collected or being written: a frame enqueued now goes to the stream at once. */
  quiet (): boolean { return !this.writing && this.queue.length === 0 && this.live.length === 0 && !this.host.closed() }

  /** Queues the live entries collected so far as one frame. */
  private takeLive (): void {
    if (this.live.length === 0) return
    const entries = this.live
    const refs = this.liveRefs
    this.live = []
    this.liveRefs = []
    this.liveBytes = 0
    // In flight until the peer says it took them (for `mesh peers`); a dropped frame never went.
    const settled = this.host.liveFrame(refs)
    if (!this.enqueue({ ...EMPTY(), entries: entries as Array<Uint8Array<ArrayBuffer>> }, true, undefined, false, settled)) settled(false)
  }

  /**
   * Queues a frame and writes what it can; false when the session is closed or a live frame was
   * dropped. `settled` hears whether the peer took the frame, once it says (acks.ts).
   */
  enqueue (msg: SyncMessage, live: boolean, track?: Track, urgent = false, settled?: OnSettled): boolean {
    return this.add({ msg, bytes: frameBytes(msg), live, track, settled }, urgent)
  }

  /**
   * Queues a reply to the peer's frames (vectors, ranges, answers); `written` runs once the stream
   * took it. Counted apart: past LIMITS.maxQueuedReplyBytes the frame that asked waits (repliesDrained).
   */
  reply (msg: SyncMessage, written?: () => void): void {
    const q: Queued = { msg, bytes: frameBytes(msg), live: false, reply: true, written }
    this.replyBytes += q.bytes
    this.replyFrames++
    if (!this.add(q, false)) { this.replyBytes -= q.bytes; written?.() }
  }

  /** How many replies were ever queued: a frame whose handling raised it asked for some. */
  get replies (): number { return this.replyFrames }

  /** Resolves once the replies queued weigh no more than LIMITS.maxQueuedReplyBytes (or the session closed). */
  async repliesDrained (): Promise<void> {
    while (this.replyBytes > LIMITS.maxQueuedReplyBytes && !this.host.closed()) await new Promise<void>(resolve => this.idle.push(resolve))
  }

  private add (q: Queued, urgent: boolean): boolean {
    if (this.host.closed()) return false
    if (q.live && this.queued + q.bytes > LIMITS.maxQueuedBytes) {
      // Too far behind: drop, and ask for its vectors once the queue drains.
      this.dropped = true
      return false
    }
    if (urgent) this.queue.unshift(q)
    else this.queue.push(q)
    this.queued += q.bytes
    this.flush()
    return true
  }

  /** Resolves once no more than `below` bytes wait in the queue (or the session closed). */
  async drained (below: number): Promise<void> {
    while (this.queued > below && !this.host.closed()) await new Promise<void>(resolve => this.idle.push(resolve))
  }

  /** The session ended: whoever waits for the queue to drain goes on (and sees it closed). */
  wake (): void {
    for (const wake of this.idle.splice(0)) wake()
  }

  /**
   * Writes queued frames, each with one `stream.send` in this tick; when the stream asks to
   * wait, the rest goes once it drains. Once sliced work has spent this turn's budget the rest
   * waits for the loop's next turn: each send encodes its frame and, as far as the peer's window
   * reaches, seals it for the wire at once, and a catch-up's queue written whole when a 4 MB
   * window opened held the loop for 40-70 ms. A large frame (a catch-up's) is sliced work from
   * its first: the stream's drain often resolves in a microtask of the same turn, and a flush
   * it resumed wrote its first frame unchecked, so a catch-up's sender chained six or seven
   * 512 KB frames into one turn of 35-40 ms (`--only=loop`, traced). A live frame still leaves
   * in the tick it was queued.
   */
  private flush (): void {
    if (this.writing) return
    this.writing = true
    try {
      if (this.queue.length === 0) this.takeLive() // what collected while the stream drained
      let wrote = false
      while (this.queue.length > 0 && !this.host.closed()) {
        if ((wrote || (this.queue[0]?.bytes ?? 0) >= LIMITS.slicedFrameBytes) && turnSpent()) {
          void nextTurn().then(() => { this.writing = false; this.flush() })
          return
        }
        wrote = true
        const next = this.queue.shift() as Queued
        const f = encodeFrame(next.msg)
        const more = this.stream.send(f)
        this.host.sentFrame(next.settled)
        this.queued -= next.bytes
        if (next.reply === true) this.replyBytes -= next.bytes
        next.written?.()
        this.host.stats.bytesSent += f.byteLength
        if (next.track !== undefined) this.host.sent(next.track)
        this.wake()
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
    if (!this.host.closed()) {
      this.host.log('sync write to %s failed: %s', this.host.peer, err?.message ?? err)
      this.host.close()
    }
  }
}
