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

/** A bounded buffer of numbered events with live listeners (seq grows by one per event). */
export class EventLog {
  private readonly buf: EventRecord[] = []
  private readonly listeners = new Set<(r: EventRecord) => void>()
  private seq = 0

  constructor (private readonly size = EVENT_BUFFER) {}

  get last (): number { return this.seq }

  push (event: ApiEvent): void {
    const r = { seq: ++this.seq, event }
    this.buf.push(r)
    if (this.buf.length > this.size) this.buf.shift()
    for (const l of [...this.listeners]) l(r)
  }

  /** Replays what is buffered after `after` (synchronously), then delivers live events. */
  subscribe (fn: (r: EventRecord) => void, after?: number): () => void {
    if (after !== undefined) for (const r of this.buf) if (r.seq > after) fn(r)
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }
}
