/**
 * The shape every front-end talks to: typed calls and an event stream with a cursor. The
 * in-process implementation (local.ts) and the unix-socket client (rpc-client.ts) both
 * implement it, so a caller's code is the same whether or not `mesh join` runs.
 *
 * This file has no run-time imports of the schema (zod) or the data layer: the CLI loads it on
 * its fast path.
 */
import type { MeshError } from '../errors.js'
import type { ApiEvent, Input, MethodName, Output } from './schema.js'

export interface CallOptions {
  signal?: AbortSignal
  /**
   * Aborts once the caller is gone (its control connection closed: a Ctrl-C, a killed client).
   * What a call holds for its caller past the call (a pairing waiting for its decision) is dropped then.
   */
  client?: AbortSignal
}

export interface EventRecord { seq: number, event: ApiEvent }

export interface SubscribeOptions {
  /** Replay buffered events after this cursor before live ones (a reconnecting client misses nothing the buffer holds). */
  after?: number
  /** Sessions whose messages, task and lease changes the subscriber wants in full (kept open while subscribed). */
  sessions?: string[]
  /**
   * Called once every event from then on reaches `fn`: when the sessions it names are open (a
   * peer's entry that arrives while one opens is loaded with it, not told), and over the daemon's
   * socket when the daemon says so. Before then an event is told only if `after` asks for it. A
   * bad session key throws from `subscribe`; a subscription the daemon refuses for another reason
   * calls it with the error; a client closed first calls it with `ABORTED`.
   */
  ready?: (error?: Error) => void
  /**
   * Called once if the subscription ends without its caller ending it (its unsubscribe, or the
   * client's close()): through a daemon, DaemonNotRunningError when the daemon went away (it
   * stopped or died, so no event comes any more; subscribe again once one runs), or the error the
   * daemon refused it with (which `ready` is told too). In the process a subscription ends only
   * by its caller, so it is never called there.
   */
  onError?: (error: MeshError) => void
}

export interface MeshApi {
  call: <M extends MethodName>(method: M, input: Input<M>, options?: CallOptions) => Promise<Output<M>>
  /** Calls `fn` for each event; returns the unsubscribe. */
  subscribe: (fn: (r: EventRecord) => void, options?: SubscribeOptions) => () => void
  close: () => Promise<void>
}

/** How many events are kept for replay from a cursor. */
export const EVENT_BUFFER = 1000
/**
 * And how much of memory they may hold at most (as weighed by eventWeight): a `message.appended`
 * carries its messages whole, so a thousand big appends held about a GB in a daemon that stayed
 * quiet after them.
 */
export const EVENT_BUFFER_BYTES = 32 * 1024 * 1024

/**
 * About what an event holds in memory: its messages' text (two bytes a character): contents, a
 * tool result's output, a tool call's input; and a little for the rest.
 */
export function eventWeight (e: ApiEvent): number {
  let n = 256
  const ms = (e as { messages?: unknown }).messages
  if (!Array.isArray(ms)) return n
  for (const m of ms) {
    n += 256
    if (typeof m?.content === 'string') n += 2 * m.content.length
    if (typeof m?.toolResult?.output === 'string') n += 2 * m.toolResult.output.length
    if (m?.toolCall !== undefined) n += 2 * (JSON.stringify(m.toolCall)?.length ?? 0)
  }
  return n
}

/** A bounded buffer of numbered events with live listeners (seq grows by one per event). */
export class EventLog {
  private readonly buf: Array<EventRecord & { weight: number }> = []
  private readonly listeners = new Set<(r: EventRecord) => void>()
  private seq = 0
  private weight = 0

  constructor (private readonly size = EVENT_BUFFER, private readonly bytes = EVENT_BUFFER_BYTES) {}

  get last (): number { return this.seq }

  /** What the buffer holds now: how many events, and their weight. */
  get held (): { events: number, weight: number } { return { events: this.buf.length, weight: this.weight } }

  push (event: ApiEvent): void {
    const r = { seq: ++this.seq, event }
    const weight = eventWeight(event)
    this.buf.push({ ...r, weight })
    this.weight += weight
    // The oldest go first, past either bound (the newest is always kept, whatever it weighs).
    while (this.buf.length > 1 && (this.buf.length > this.size || this.weight > this.bytes)) this.weight -= (this.buf.shift() as { weight: number }).weight
    for (const l of [...this.listeners]) l(r)
  }

  /** Replays what is buffered after `after` (synchronously), then delivers live events. */
  subscribe (fn: (r: EventRecord) => void, after?: number): () => void {
    if (after !== undefined) for (const { seq, event } of this.buf) if (seq > after) fn({ seq, event })
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }
}
