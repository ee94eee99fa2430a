/**
 * Early entries (SPEC.md, Early entries): an author's own live entry goes to a peer on the
 * author's authenticated channel before its signature, and the signature follows in the same
 * tick, so the peer applies the change while the author signs. The peer stores and forwards the
 * entry only once the signature arrived and checked.
 *
 * Sending: a body goes ahead only to a peer that said it takes early entries, only when nothing
 * waits in the write queue (behind other frames it would not be early), and only for an entry of
 * live size; the signature then replaces the whole entry when the signed entry is pushed.
 * Receiving: each body is handed to the data layer at once (applied there when it can be), and
 * each signature completes the oldest body still unsigned.
 */
import { entryPlace, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { LIMITS } from './limits.js'
import { EARLY_VERSION, EMPTY } from './messages.js'
import type { Outbox } from './outbox.js'
import type { SyncMessage } from './pb/sync.js'
import type { AcceptOutcome, EarlyEntry, EntryRef, ReplicaSource } from './source.js'

const keyOf = (ref: EntryRef): string => `${toHex(ref.doc)}/${toHex(ref.item.author)}.${ref.item.lane ?? 0}/${ref.item.seq}`

export class EarlyEntries {
  /** The peer said (its held frame) that it takes early entries. */
  private peerTakes = false
  /**
   * The body sent ahead whose signature is owed to the peer. At most one: its signature follows in
   * the same tick, and if it never does (its signing failed) no other body goes ahead on this
   * session, so the peer can never pair a signature with the wrong body.
   */
  private owed: string | undefined
  /** Bodies received ahead, awaiting their signatures, oldest first, with when each came. */
  private readonly waiting: Array<{ e: EarlyEntry, bytes: number, at: number }> = []
  /** Runs while a body waits: its signature is overdue past LIMITS.earlySignatureMs. */
  private overdue: ReturnType<typeof setTimeout> | undefined
  private watched: { at: number } | undefined
  /**
   * `accept`: the data layer's acceptEarly, undefined when this side takes no early entries.
   * `fail`: ends the session (a signature overdue).
   */
  constructor (private readonly peer: string, private readonly accept: ReplicaSource['acceptEarly'], private readonly outbox: Outbox, private readonly stats: { earlySent: number, earlyReceived: number, earlyApplied: number }, private readonly fail: (err: Error) => void = () => {}) {}

  /** What this side says of itself in its held frame. */
  get held (): number { return this.accept !== undefined ? EARLY_VERSION : 0 }

  /** Reads the peer's held frame (in read order). */
  note (msg: SyncMessage): void {
    if (msg.early >= EARLY_VERSION) this.peerTakes = true
  }

  /** One of this node's own new entries, unsigned: sent ahead when that makes it early. */
  pushBody (body: Uint8Array, ref: EntryRef): void {
    if (!this.peerTakes || body.byteLength > LIMITS.earlyMaxBytes || !this.outbox.quiet() || this.owed !== undefined) return
    // Not a live frame: a signature owed must never be dropped, so neither is its body.
    if (this.outbox.enqueue({ ...EMPTY(), earlyEntries: [body as Uint8Array<ArrayBuffer>] }, false)) {
      this.owed = keyOf(ref)
      this.stats.earlySent++
    }
  }

  /**
   * A stored entry about to go to the peer: its signature alone when its body went ahead
   * (undefined otherwise: the entry goes whole).
   */
  signatureOf (entry: Uint8Array, ref: EntryRef): Uint8Array | undefined {
    if (this.owed === undefined || this.owed !== keyOf(ref)) return undefined
    this.owed = undefined
    return entryPlace(entry).signature
  }

  /**
   * A frame's early bodies and signatures, bodies first: each body goes to the data layer now;
   * each signature completes the oldest body still unsigned. Returns the completions, in order.
   * Throws ProtocolError for a signature with no body waiting, or too many bodies waiting.
   */
  receive (msg: SyncMessage): Array<{ done: ReturnType<EarlyEntry['sign']>, bytes: number }> {
    if (msg.earlyEntries.length === 0 && msg.signatures.length === 0) return []
    const accept = this.accept
    if (accept === undefined) throw new ProtocolError('early entries were sent to a node that did not ask for them')
    if (this.waiting.length + msg.earlyEntries.length > LIMITS.maxEarly) throw new ProtocolError(`more than ${LIMITS.maxEarly} early entries await their signatures`)
    // Checked before any body is taken or signature used: a frame that breaks the protocol changes nothing.
    if (msg.signatures.length > this.waiting.length + msg.earlyEntries.length) throw new ProtocolError('a signature arrived with no early entry waiting for it')
    if (msg.earlyEntries.some(b => b.byteLength > LIMITS.earlyMaxBytes)) throw new ProtocolError(`an early entry of more than ${LIMITS.earlyMaxBytes} bytes`)
    const now = Date.now()
    for (const body of msg.earlyEntries) {
      const e = accept(body, this.peer)
      this.stats.earlyReceived++
      if (e.applied) this.stats.earlyApplied++
      this.waiting.push({ e, bytes: body.byteLength, at: now })
    }
    const done = msg.signatures.map(sig => {
      const { e, bytes } = this.waiting.shift() as { e: EarlyEntry, bytes: number }
      return { done: e.sign(sig), bytes: bytes + sig.byteLength }
    })
    this.watch()
    return done
  }

  /** Keeps one timer on the oldest body still unsigned: past its deadline the session ends. */
  private watch (): void {
    const oldest = this.waiting[0]
    if (oldest === this.watched) return
    clearTimeout(this.overdue)
    this.overdue = undefined
    this.watched = oldest
    if (oldest === undefined) return
    this.overdue = setTimeout(() => {
      this.overdue = undefined
      this.fail(new ProtocolError(`an early entry waited ${LIMITS.earlySignatureMs} ms for its signature`))
    }, Math.max(0, oldest.at + LIMITS.earlySignatureMs - Date.now()))
    this.overdue.unref?.()
  }

  /** Bodies received whose signatures never came (the session ended). */
  get unsigned (): number { return this.waiting.length }

  /** The session ended: bodies still unsigned never will be; what was applied of them is undone. */
  end (): void {
    clearTimeout(this.overdue)
    this.overdue = undefined
    this.watched = undefined
    for (const { e } of this.waiting.splice(0)) e.abandon()
  }
}
