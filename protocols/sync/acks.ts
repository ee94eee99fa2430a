/**
 * Acknowledgements (SPEC.md, Acknowledgements): what the peer took of the frames this side sent,
 * so that what `mesh peers` says the peer holds comes from the peer, not from what was queued.
 *
 * Both sides count every frame of the session from its first, the sender as the stream takes
 * each, the receiver as it reads each. The receiver tells the sender, at most `ackMs` after a
 * frame carrying entries, signatures or a snapshot settled, how many of its frames it has handled
 * (`settled`, all of them up to there) and which of those it did not take whole
 * (`refused_frames`). The sender keeps, per frame it sent, what that frame's taking would tell
 * (entries the peer then holds): run with `ok` once the frame is acknowledged, or once sent
 * toward a peer that announced no acknowledgements (what was sent then counts as held).
 */
import { ProtocolError } from '../../src/errors.js'
import { LIMITS } from './limits.js'
import { ACKS_VERSION, EMPTY } from './messages.js'
import type { Outbox } from './outbox.js'
import type { SyncMessage } from './pb/sync.js'

/** What the sender learns once the peer settled one frame: `ok`, it took all of it. */
export type OnSettled = (ok: boolean) => void

/**
 * One piece of knowledge resting on several frames (a document's catch-up): runs once every
 * frame added was taken whole and the group was closed; never if one was refused or the session
 * ended first.
 */
export class SettleGroup {
  private waiting = 0
  private failed = false
  private closed = false
  constructor (private readonly then: () => void) {}

  /** For one more frame of the group. */
  frame (): OnSettled {
    this.waiting++
    return (ok) => {
      this.waiting--
      if (!ok) this.failed = true
      this.maybeRun()
    }
  }

  /** No more frames: runs now if every frame was already taken. */
  close (): void {
    this.closed = true
    this.maybeRun()
  }

  private maybeRun (): void {
    if (!this.closed || this.waiting > 0 || this.failed) return
    this.failed = true // once
    this.then()
  }
}

export class Acks {
  /** The peer said (its held frame) that it acknowledges frames: what was sent waits for its word. */
  private peerAcks = false
  // Sending side.
  private sent = 0
  private confirmed = 0
  private readonly pending: Array<{ index: number, settled: OnSettled }> = []
  // Receiving side.
  private read = 0
  private settledUpTo = 0
  private readonly done = new Set<number>()
  private told = 0
  /** Frames of the peer carrying what it counts on us taking (or refused), handled and not yet told. */
  private tracked: number[] = []
  private refused: number[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private ended = false

  /**
   * `abort` ends the session for a violation found on the sending side (the peer's silence), which
   * no read of its frames would throw for.
   */
  constructor (private readonly outbox: Outbox, private readonly abort: (err: ProtocolError) => void) {}

  /** What this side says of itself in its held frame. */
  get held (): number { return ACKS_VERSION }

  /** Frames sent that the peer has not acknowledged yet, and are waited on. */
  get unsettled (): number { return this.pending.length }

  /**
   * A frame of the peer, in read order: its index (for `settle`). Reads its held frame's `acks`
   * and its acknowledgements of our frames; throws ProtocolError for one that acknowledges a frame
   * never sent, or goes back.
   */
  note (msg: SyncMessage): number {
    if (msg.acks >= ACKS_VERSION && !this.peerAcks) {
      this.peerAcks = true
      // Frames handled before its held frame arrived (it waits on the peer's disk) are told now.
      this.schedule()
    }
    if (msg.settled > 0n || msg.refusedFrames.length > 0) this.onAck(msg)
    return ++this.read
  }

  /** The stream took our next frame; `settled` runs once the peer acknowledged it (at once toward a peer that does not). */
  sentFrame (settled?: OnSettled): void {
    const index = ++this.sent
    if (settled === undefined) return
    if (!this.peerAcks) { settled(true); return }
    // An honest peer acknowledges within ackMs: one that announced acknowledgements and sends none
    // would have this side keep what every frame tells for as long as the session lasts.
    // It is a protocol violation, not a failed write: said so, and the frame's knowledge is dropped.
    if (this.pending.length >= LIMITS.maxUnacknowledged) {
      this.abort(new ProtocolError(`the peer acknowledged none of the last ${LIMITS.maxUnacknowledged} frames it was sent`))
      return
    }
    this.pending.push({ index, settled })
  }

  private onAck (msg: SyncMessage): void {
    // Its held frame may come after its first acknowledgement (it waits on the peer's disk): an
    // acknowledgement says the same. Frames sent before counted as taken once sent.
    if (!this.peerAcks) { this.peerAcks = true; this.schedule() }
    const upTo = Number(msg.settled)
    if (!Number.isSafeInteger(upTo) || upTo < this.confirmed || upTo > this.sent) throw new ProtocolError(`an acknowledgement of frame ${msg.settled} when ${this.sent} were sent and ${this.confirmed} acknowledged`)
    const refused = new Set<number>()
    for (const f of msg.refusedFrames) {
      const i = Number(f)
      if (i <= this.confirmed || i > upTo) throw new ProtocolError(`an acknowledgement refused frame ${f}, outside the frames it acknowledges (${this.confirmed + 1} to ${upTo})`)
      refused.add(i)
    }
    this.confirmed = upTo
    while (this.pending.length > 0 && (this.pending[0] as { index: number }).index <= upTo) {
      const p = this.pending.shift() as { index: number, settled: OnSettled }
      p.settled(!refused.has(p.index))
    }
  }

  /**
   * The peer's frame `index` was handled: `tracked`, it carried what the peer counts on us taking
   * (entries, signatures, a snapshot); `refused`, not all of that was taken.
   */
  settle (index: number, tracked: boolean, refused: boolean): void {
    if (this.ended) return
    this.done.add(index)
    while (this.done.delete(this.settledUpTo + 1)) this.settledUpTo++
    if (tracked || refused) {
      this.tracked.push(index)
      // Toward a peer that has not said it reads them, only whether there are any matters.
      if (!this.peerAcks && this.tracked.length > 64) this.tracked = this.tracked.slice(-1)
    }
    if (refused) {
      this.refused.push(index)
      // Toward a peer that never says it reads them, kept within a bound (the oldest go).
      if (!this.peerAcks && this.refused.length > 4 * LIMITS.maxRefusedPerAck) this.refused.shift()
    }
    if (this.peerAcks && this.refused.filter(i => i <= this.settledUpTo).length >= LIMITS.maxRefusedPerAck) { this.tell(); return }
    this.schedule()
  }

  /**
   * Tells the peer within ackMs once frames it counts on are handled and not yet told: also when
   * an earlier frame carrying nothing it counts on finishes last, or its held frame came late.
   */
  private schedule (): void {
    if (this.ended || !this.peerAcks || this.timer !== undefined) return
    if (!this.tracked.some(i => i <= this.settledUpTo)) return
    this.timer = setTimeout(() => { this.timer = undefined; this.tell() }, LIMITS.ackMs)
    this.timer.unref?.()
  }

  /** Acknowledges every frame settled so far, naming the refused ones among them. */
  private tell (): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    if (this.ended || this.settledUpTo === this.told) return
    const upTo = this.settledUpTo
    const refused = this.refused.filter(i => i <= upTo).sort((a, b) => a - b)
    const named = refused.slice(0, LIMITS.maxRefusedPerAck)
    // Past the bound, acknowledged only up to the first refused frame left unnamed (the next names it).
    const through = refused.length > named.length ? (refused[named.length] as number) - 1 : upTo
    this.refused = this.refused.filter(i => i > through)
    this.tracked = this.tracked.filter(i => i > through)
    this.told = through
    this.outbox.enqueue({ ...EMPTY(), settled: BigInt(through), refusedFrames: named.map(BigInt) }, false)
    if (refused.length > named.length) {
      this.timer = setTimeout(() => { this.timer = undefined; this.tell() }, 0)
      this.timer.unref?.()
    } else {
      this.schedule()
    }
  }

  /** The session ended: nothing more is told, and what waited on the peer's word never runs. */
  end (): void {
    this.ended = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.pending.length = 0
  }
}
