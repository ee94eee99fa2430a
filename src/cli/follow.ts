/**
 * Following a home from a long-running front-end (`mesh mcp`, `mesh watch`) without ever holding
 * it: calls go to the running `mesh join` while one answers, else open the home for that one call
 * (as a short command does), so `mesh join` can start or stop at any time beside it; events come
 * from the daemon and are followed across its restarts.
 */
import { setMaxListeners } from 'node:events'
import { parseSessionKey } from '../../crdt/session-key.js'
import { AbortedError, DaemonNotRunningError, isMeshError, type HomeInUseError } from '../errors.js'
import { EventLog, type CallOptions, type EventRecord, type MeshApi, type SubscribeOptions } from '../api/api.js'
import { connectRpc, type RpcClient } from '../api/rpc-client.js'
import type { Input, MethodName, Output } from '../api/schema.js'
import { withApi, type Globals } from './context.js'

/** How often to look for a daemon while none runs (a connect attempt on a unix socket). */
const DAEMON_POLL_MS = 1000
/** How often a sessions.wait with no daemon looks for its session (and for a daemon). */
const WAIT_POLL_MS = 500
/** How long close() waits for the daemon to end the connection before dropping it. */
const CLOSE_WAIT_MS = 1000

/** Resolves after `ms`, or at once when `signal` aborts. */
async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * The API as a long-running front-end needs it: the daemon's while one runs, the home opened
 * per call otherwise; events re-numbered into one sequence of its own, because each daemon run
 * numbers its events from 1 and a front-end may see several runs.
 */
export class DaemonFollower implements MeshApi {
  private rpc: RpcClient | undefined
  /** Whether a daemon answers now. */
  get following (): boolean { return this.rpc !== undefined }
  private connecting: Promise<RpcClient | undefined> | undefined
  private upstreamOff: (() => void) | undefined
  /** Settles once the daemon holds a subscription carrying every pinned session (with the error that refused it). */
  private upstreamReady: Promise<Error | undefined> = Promise.resolve(undefined)
  private settleUpstream: ((error?: Error) => void) | undefined
  /**
   * The upstream subscription sent and not yet in place: until it is, a change of the pinned set
   * only marks it `stale`, and one successor then carries every change made meanwhile. Each
   * subscription carries every pinned session and the daemon pins each anew: one per change, a
   * client subscribing to thousands of sessions one by one made the daemon pin a growing set
   * thousands of times (quadratic), which kept it busy for minutes.
   */
  private inFlight: { ready: (error?: Error) => void, sessions: number } | undefined
  private stale = false
  /** The cursor in the current daemon run's numbering. */
  private upstreamLast: number | undefined
  private readonly events = new EventLog()
  /** Sessions the subscribers want in full, with how many subscribers want each. */
  private readonly pins = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  private closed = false
  /**
   * Aborted by close(): what waits for the daemon or for the home then ends (AbortedError). Each
   * call waiting meanwhile listens on it (removed when it ends): a burst of `mesh mcp` calls is
   * more than Node's default of 10 listeners, which it would warn of on stderr as a leak.
   */
  private readonly closing = new AbortController()
  /** Set once start() has said whether a daemon runs: onChange reports changes after that only. */
  private started = false
  /** The daemon closed the last connection while it runs: the next one is said as `again`. */
  private again = false
  /** When the daemon last closed a connection while it ran on (ms). */
  private againAt = 0
  /** Whether the daemon still runs, asked after it closed the connection: no reconnect meanwhile. */
  private askingWhy: Promise<boolean> | undefined

  /**
   * `onChange`: a daemon started or stopped after start(); `again` when it is the daemon that
   * closed this follower's connection while it ran on (it cuts off a client that takes nothing
   * of what it sends, rpc.ts): followed again, what came meanwhile read back, and never said
   * stopped. `homeBusy`: a call waits for the home another process holds (a long short
   * command), told as each such wait begins.
   */
  constructor (private readonly g: Globals, private readonly onChange: (daemon: boolean, again?: boolean) => void = () => {}, private readonly homeBusy?: (err: HomeInUseError) => void) {
    setMaxListeners(0, this.closing.signal)
  }

  /** Looks for the daemon now and then every DAEMON_POLL_MS; says whether one runs. */
  async start (): Promise<boolean> {
    const rpc = await this.daemon()
    this.started = true
    // A daemon that takes the connection and does not answer (suspended) is looked for again at
    // the next tick; a call made meanwhile asks again and fails with what it is (DaemonUnresponsiveError).
    this.timer = setInterval(() => { this.daemon().catch(() => undefined) }, DAEMON_POLL_MS)
    this.timer.unref()
    return rpc !== undefined
  }

  private async daemon (): Promise<RpcClient | undefined> {
    if (this.askingWhy !== undefined) await this.askingWhy
    if (this.rpc !== undefined || this.closed) return this.rpc
    this.connecting ??= connectRpc(this.g.home, { signal: this.closing.signal }).then(rpc => {
      this.connecting = undefined
      if (rpc !== undefined) this.attach(rpc)
      return rpc
    }, (err: unknown) => {
      // Asked again next time (a daemon that did not answer may answer now).
      this.connecting = undefined
      throw err
    })
    return await this.connecting
  }

  private attach (rpc: RpcClient): void {
    if (this.closed) { void rpc.close(); return }
    this.rpc = rpc
    this.upstreamLast = undefined
    this.upstreamOff = undefined
    this.inFlight = undefined
    this.stale = false
    this.follow()
    // Events come from the daemon only from the moment it holds the subscription: what was
    // written before (while no daemon ran, while this one started, before this follower found it)
    // came as no event. Once it holds it, each followed session is told as changed, so that its
    // subscribers read back what they have not seen (a session.changed, as a peer's change to a
    // session the daemon does not hold open is told); what the events bring after it comes again
    // in that read, and is theirs to tell once.
    const ready = this.upstreamReady
    void ready.then(() => {
      if (this.rpc !== rpc || this.closed) return
      for (const key of this.pins.keys()) this.events.push({ type: 'session.changed', key, remote: false })
    })
    const again = this.again
    this.again = false
    // The daemon found by start() is said by its caller; "runs now" is for one that started later,
    // "again" for the same one after it closed this connection alone.
    if (this.started) this.onChange(true, again)
    void rpc.closed().then(async () => {
      if (this.rpc !== rpc) return
      this.rpc = undefined
      this.upstreamOff = undefined
      // No daemon: a subscriber is in place at once (events come again once one runs), and so
      // is one that waited for a successor never sent.
      this.settleUpstream?.()
      this.upstreamReady = Promise.resolve(undefined)
      this.settleUpstream = undefined
      this.inFlight = undefined
      this.stale = false
      if (this.closed) return
      // Whether the daemon still runs (it closed this connection alone: a client that left what
      // it was sent unread, suspended with Ctrl-Z): then followed again at once, not said stopped.
      // No reconnect meanwhile, so "again" is said of the next connection, not "runs now".
      const asked = rpc.endedWith().then(err => err.details.running === true, () => false)
      this.askingWhy = asked
      const running = await asked
      this.askingWhy = undefined
      if (this.closed) return
      if (!running) { this.onChange(false); return }
      this.again = true
      // At once, unless it was cut off a moment ago too (a daemon that closes every connection):
      // then at the next look, a second on, not in a loop.
      const now = Date.now()
      const soon = now - this.againAt < DAEMON_POLL_MS
      this.againAt = now
      if (soon) return
      const next = await this.daemon().catch(() => undefined)
      // Gone meanwhile after all: said stopped, as a daemon that stopped is.
      if (next === undefined && this.rpc === undefined && !this.closed) { this.again = false; this.onChange(false) }
    })
  }

  /** A new promise for "the daemon holds every pinned session", returning its settle. */
  private expect (): (error?: Error) => void {
    let settle: (error?: Error) => void = () => {}
    this.upstreamReady = new Promise(resolve => { settle = resolve })
    this.settleUpstream = settle
    return settle
  }

  /**
   * (Re)subscribes to the daemon for the pinned sessions, from the last event seen; while the
   * previous subscription is not yet in place, only once it is (see inFlight).
   */
  private follow (): void {
    const rpc = this.rpc
    if (rpc === undefined) return
    // One that pins nothing (the first, on connecting) is replaced at once: the daemon did no work for it.
    const replaced = this.inFlight
    if (replaced !== undefined && replaced.sessions > 0) {
      // Who subscribes meanwhile waits for the successor, which carries its sessions.
      if (!this.stale) { this.stale = true; this.expect() }
      return
    }
    // The successor's promise was made when the set changed; otherwise a new one.
    const ready = this.stale ? this.settleUpstream ?? this.expect() : this.expect()
    this.stale = false
    // A subscription replaced before the daemon held it is never answered: who waited for it
    // waits for its successor, which carries the same sessions and more.
    if (replaced !== undefined) void this.upstreamReady.then(replaced.ready)
    // A daemon that went away is not a refusal: the next one is followed from the last event seen.
    const gone = (err: unknown): boolean => err instanceof DaemonNotRunningError || err instanceof AbortedError
    const previous = this.upstreamOff
    const sessions = [...this.pins.keys()]
    const sent = { ready, sessions: sessions.length }
    const settled = (err?: Error): void => {
      ready(gone(err) ? undefined : err)
      if (this.inFlight !== sent) return
      this.inFlight = undefined
      // What changed meanwhile, in one subscription, sent once this one is in place.
      if (this.stale && this.rpc === rpc && !this.closed) this.follow()
    }
    this.inFlight = sent
    try {
      this.upstreamOff = rpc.subscribe((r: EventRecord) => {
        if (this.upstreamLast !== undefined && r.seq <= this.upstreamLast) return // replayed to the new subscription
        this.upstreamLast = r.seq
        this.events.push(r.event)
      }, { after: this.upstreamLast, sessions, ready: settled })
    } catch (err) {
      // The connection closed and this follower has not yet heard (a subscriber told so in the
      // same turn subscribes again): as with no daemon, in place at once; attach() subscribes
      // the next daemon for every pinned session.
      this.inFlight = undefined
      this.stale = false
      if (!gone(err)) throw err
      ready()
      return
    }
    previous?.()
  }

  async call<M extends MethodName>(method: M, input: Input<M>, options: CallOptions = {}): Promise<Output<M>> {
    if (this.rpc !== undefined) return await this.rpc.call(method, input, options)
    // Waiting for a session that may arrive in an hour is no call to hold the home for.
    if (method === 'sessions.wait') return await this.waitHere(input as Input<'sessions.wait'>, options) as Output<M>
    // A call its caller gave up on (an MCP client that hung up) does not open the home.
    options.signal?.throwIfAborted()
    // withApi takes this process's next turn at the home at once (calls run in the order made),
    // and uses a daemon that answers by then: this follower then follows it too. Its wait for the
    // home (another process may hold it for up to LOCK_WAIT_MS) ends when the caller gives up or
    // this follower closes.
    return await this.until(options.signal, async signal => await withApi(this.g, async (api, s) => {
      if (s.mode === 'daemon') this.daemon().catch(() => undefined)
      return await api.call(method, input, options)
    }, { signal, busy: this.homeBusy }))
  }

  /**
   * sessions.wait with no daemon, without holding the home: a look every WAIT_POLL_MS (the home
   * opened for that look only, so `mesh join` and this process's other calls go in between),
   * handed to the daemon once one answers (it hears the peers that bring the session).
   */
  private async waitHere (given: Input<'sessions.wait'>, options: CallOptions): Promise<Output<'sessions.wait'>> {
    // Refused as the process refuses it (the looks below ask for no wait of their own).
    const { METHODS } = await import('../api/schema.js')
    const { parseInput } = await import('../api/input.js')
    const input = parseInput('sessions.wait', METHODS['sessions.wait'], given ?? {}) as Input<'sessions.wait'>
    const key = parseSessionKey(input.key)
    const started = Date.now()
    const left = (): number | undefined => input.timeoutMs === undefined ? undefined : Math.max(0, input.timeoutMs - (Date.now() - started))
    const timedOut = (cause?: unknown): AbortedError => new AbortedError(`session ${key} did not appear within ${String(input.timeoutMs)} ms`, { key, timeoutMs: input.timeoutMs, reason: 'timeout' }, { cause })
    const isTimeout = (err: unknown): boolean => isMeshError(err) && err.code === 'ABORTED' && err.details.reason === 'timeout'
    const aborted = (): boolean => options.signal?.aborted === true
    for (;;) {
      // Ended by the caller: said as the call says it in the process and through a daemon.
      if (aborted()) throw AbortedError.bySignal('sessions.wait', options.signal)
      const rpc = this.rpc ?? await this.daemon()
      if (rpc !== undefined) {
        try {
          return await rpc.call('sessions.wait', { key: input.key, timeoutMs: left() }, options)
        } catch (err) {
          // The daemon's timeout counts from when it was asked: said as the caller's.
          if (isTimeout(err) && !aborted()) throw timedOut(err)
          // It stopped: looked for here again (and for the next daemon), after a pause.
          if (!(err instanceof DaemonNotRunningError) || aborted()) throw err
        }
      } else {
        try {
          // A look, no wait: the home is not kept for what can only come later.
          return await this.until(options.signal, async signal => await withApi(this.g, async api => await api.call('sessions.wait', { key: input.key, timeoutMs: 0 }), { signal }))
        } catch (err) {
          // The caller's own timeout, come while the look waited for the home, is no "not there yet".
          if (aborted()) throw AbortedError.bySignal('sessions.wait', options.signal)
          if (!isTimeout(err)) throw err
        }
      }
      const ms = left()
      if (ms === 0) throw timedOut()
      await sleep(Math.min(WAIT_POLL_MS, ms ?? WAIT_POLL_MS), options.signal)
    }
  }

  subscribe (fn: (r: EventRecord) => void, options: SubscribeOptions = {}): () => void {
    const keys = options.sessions ?? []
    // A bad key throws here, as in the process: sent on, the daemon would refuse the follower's
    // one subscription, and every subscriber's sessions with it.
    for (const k of keys) parseSessionKey(k)
    let added = false
    for (const k of keys) {
      const n = this.pins.get(k) ?? 0
      this.pins.set(k, n + 1)
      if (n === 0) added = true
    }
    if (added) this.follow()
    const off = this.events.subscribe(fn, options.after)
    // In place once the daemon has the subscription that carries these sessions (none runs: now).
    if (options.ready !== undefined) void this.upstreamReady.then(options.ready)
    let done = false
    return () => {
      if (done) return
      done = true
      off()
      let removed = false
      for (const k of keys) {
        const n = (this.pins.get(k) ?? 1) - 1
        if (n > 0) this.pins.set(k, n)
        else { this.pins.delete(k); removed = true }
      }
      if (removed) this.follow()
    }
  }

  /**
   * Runs `fn` with a signal that aborts when `signal` does or this follower closes. Not
   * AbortSignal.any: on Node 20 its signal is held weakly by its sources (see timed-signal.ts).
   */
  private async until<T> (signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal === undefined) return await fn(this.closing.signal)
    const ac = new AbortController()
    const follow = (): void => { ac.abort(signal.aborted ? signal.reason : this.closing.signal.reason) }
    if (signal.aborted || this.closing.signal.aborted) follow()
    signal.addEventListener('abort', follow, { once: true })
    this.closing.signal.addEventListener('abort', follow, { once: true })
    try {
      return await fn(ac.signal)
    } finally {
      signal.removeEventListener('abort', follow)
      this.closing.signal.removeEventListener('abort', follow)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    this.closing.abort()
    clearInterval(this.timer)
    this.upstreamOff?.()
    // Who still waits is told its follower is gone.
    const closed = new AbortedError('the follower was closed')
    this.inFlight?.ready(closed)
    this.settleUpstream?.(closed)
    const rpc = this.rpc
    if (rpc === undefined) return
    // The daemon ends its side once it has read what was sent; one too busy (or suspended) to
    // read does not hold this process's end: the connection is then dropped (its subscriptions
    // and calls end with it, there as here).
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([rpc.close(), new Promise<void>(resolve => { timer = setTimeout(resolve, CLOSE_WAIT_MS) })])
    clearTimeout(timer)
    rpc.destroy()
  }
}
