/**
 * The client side of the unix-socket API (see rpc.ts for the wire). It imports neither the
 * schema nor the data layer, so a CLI command that talks to a running daemon starts fast.
 * It talks only to a socket this user owns (ownSocket): the home's daemon, never a stand-in.
 */
import { lstat, stat } from 'node:fs/promises'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import { parseSessionKey } from '../../crdt/session-key.js'
import { AbortedError, ClosedError, DaemonNotRunningError, DaemonRunningError, errorFromCode, HomeUnsafeError, InvalidInputError, type MeshError } from '../errors.js'
import type { CallOptions, EventRecord, MeshApi, SubscribeOptions } from './api.js'
import { CONTROL_LINE_MAX, LineReader } from './line-reader.js'
import type { Input, MethodName, Output } from './schema.js'
import { writableBy } from '../file-mode.js'

/**
 * How long a daemon has to answer a connection's first request. The kernel accepts a connection
 * on the daemon's behalf (its listen backlog), so a daemon that is suspended (Ctrl-Z) or whose
 * loop is blocked connects and then answers nothing: every command waited on it for ever. Only
 * the first exchange is bounded: a call may take as long as its work does (a pairing, a wait).
 */
export const FIRST_ANSWER_MS = 5_000

/**
 * A daemon runs for the home (it holds it, its socket takes connections) but does not answer:
 * stopped by a signal or busy. Kept beside the client until errors.ts gives it a code of its own.
 */
export class DaemonUnresponsiveError extends DaemonRunningError {
  static override name = 'DaemonUnresponsiveError'
}

/**
 * A `mesh join` holds the home (its lock, and its socket takes connections) but hangs up on this
 * mesh's first request without an answer: another version of mesh, whose control protocol is
 * not this one's (a mesh from before this API spoke argv lines over the socket). Stopped with
 * `mesh stop` (stop.ts: by its pid, once known to hold the lock). `details.pid`.
 */
export class DaemonForeignError extends DaemonRunningError {
  static override name = 'DaemonForeignError'
}

/** A call awaiting its answer; `site` is the caller's stack, given to the daemon's error (made in a socket callback, its own stack names no line of the caller's). */
interface Pending { resolve: (v: any) => void, reject: (e: Error) => void, site: { stack?: string } }

/** The daemon's error rebuilt, its hint with it (its phrasing is for the front-end here to pick). */
function fromWire (e: any): MeshError {
  const h = e.hint
  const details = e.details ?? {}
  if (h === null || typeof h !== 'object' || typeof h.fact !== 'string') return errorFromCode(String(e.code), String(e.message), details)
  const text = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
  return errorFromCode(String(e.code), h.fact, details, { hint: { cli: text(h.cli), mcp: text(h.mcp), sep: text(h.sep) } })
}

/** The daemon's error with the stack of the call that got it. */
function atCallSite (err: Error, site: { stack?: string }): Error {
  const frames = site.stack?.split('\n').slice(1).join('\n')
  if (frames !== undefined && frames !== '') err.stack = `${err.name}: ${err.message}\n${frames}`
  return err
}

export class RpcClient implements MeshApi {
  private next = 1
  private readonly pending = new Map<number, Pending>()
  private readonly subs = new Map<number, (r: EventRecord) => void>()
  /** Subscriptions the daemon has not yet said are in place: their `ready`. */
  private readonly readies = new Map<number, (error?: Error) => void>()
  /** Subscriptions' onError: told when one ends other than by its caller. */
  private readonly ends = new Map<number, (error: MeshError) => void>()
  /** The answers' framing (line-reader.ts: linear, however large an answer and however it is cut). */
  readonly reader = new LineReader((line) => { if (line !== '') this.onLine(line) })
  private gone: MeshError | undefined
  private ended = false

  /**
   * `options.path`: the socket's path, to tell when the connection closes whether the daemon
   * still takes connections there (it closed this one) or stopped.
   */
  constructor (private readonly sock: Socket, options: { path?: string } = {}) {
    sock.on('data', (d: Buffer | string) => { this.reader.push(typeof d === 'string' ? Buffer.from(d) : d) })
    const end = (): void => {
      if (this.ended) return
      this.ended = true
      if (this.gone !== undefined || options.path === undefined) { this.fail(this.gone ?? new DaemonNotRunningError('the mesh daemon closed the connection')); return }
      // Calls made from now on are told at once; those waiting, once it is known whether the
      // daemon still runs (a connect to its socket, answered at once either way).
      this.gone = new DaemonNotRunningError('the mesh daemon closed the connection')
      void stillListening(options.path).then((up) => {
        if (up !== undefined) {
          this.gone = up
            ? new DaemonNotRunningError('the mesh daemon closed the connection (it still runs: connect again)', { running: true })
            : new DaemonNotRunningError('the mesh daemon closed the connection: it stopped', { running: false })
        }
        this.fail(this.gone as MeshError)
      })
    }
    sock.on('close', end)
    sock.on('error', end)
  }

  private failed: ((gone: MeshError) => void) | undefined
  private readonly failure = new Promise<MeshError>(resolve => { this.failed = resolve })

  /**
   * Why the connection ended, once it has and that is known: DaemonNotRunningError with
   * `details.running` true when the daemon still takes connections (it closed this one alone,
   * e.g. a client that read nothing of what it was sent), false when it stopped; ClosedError
   * after close().
   */
  async endedWith (): Promise<MeshError> { return await this.failure }

  /** The connection ended: every call, subscription and readiness waiting on it is told `gone`. */
  private fail (gone: MeshError): void {
    this.failed?.(gone)
    for (const p of this.pending.values()) p.reject(gone)
    this.pending.clear()
    for (const ready of this.readies.values()) ready(gone)
    this.readies.clear()
    // Every subscription ends with the connection: each is told (close() cleared its own first).
    this.subs.clear()
    const ends = [...this.ends.values()]
    this.ends.clear()
    // Each is told, even when one (a caller's onError) throws: that error is the caller's, and
    // is thrown once all are told, as an error of its own callback would be.
    let thrown: { err: unknown } | undefined
    for (const end of ends) {
      try { end(gone) } catch (err) { thrown ??= { err } }
    }
    if (thrown !== undefined) queueMicrotask(() => { throw thrown.err })
  }

  private onLine (line: string): void {
    let msg: any
    try { msg = JSON.parse(line) } catch { return }
    const id = msg.id
    if (msg.event !== undefined) { this.subs.get(id)?.(msg.event as EventRecord); return }
    if (this.subs.has(id) && (msg.subscribed !== undefined || msg.error !== undefined)) {
      // A subscription's answer: in place, or refused (then it is gone, told or not).
      const ready = this.readies.get(id)
      this.readies.delete(id)
      if (msg.error === undefined) { ready?.(); return }
      this.subs.delete(id)
      const end = this.ends.get(id)
      this.ends.delete(id)
      const err = fromWire(msg.error)
      ready?.(err)
      end?.(err)
      return
    }
    if (msg.subscribed !== undefined) return
    const p = this.pending.get(id)
    if (p === undefined) return
    this.pending.delete(id)
    if (msg.error !== undefined) p.reject(atCallSite(fromWire(msg.error), p.site))
    else p.resolve(msg.result)
  }

  private send (v: unknown): void {
    if (this.gone !== undefined) throw this.gone
    this.sock.write(JSON.stringify(v) + '\n')
  }

  /**
   * Sends a call's request; InvalidInputError, sending nothing, when it is longer than the daemon
   * reads (CONTROL_LINE_MAX): the daemon would refuse it unread, once it had all come.
   */
  private sendCall (id: number, method: string, params: unknown): void {
    if (this.gone !== undefined) throw this.gone
    const line = JSON.stringify({ id, method, params })
    // Measured in UTF-8 only when it could be over (a character is at most 3 bytes per UTF-16 unit).
    const bytes = line.length * 3 > CONTROL_LINE_MAX ? Buffer.byteLength(line) : line.length
    if (bytes > CONTROL_LINE_MAX) {
      throw new InvalidInputError(`the request of ${method} is ${bytes} bytes: the mesh daemon reads at most ${CONTROL_LINE_MAX} bytes per request (one message or value is far smaller)`, { method, bytes, limit: CONTROL_LINE_MAX })
    }
    this.sock.write(line + '\n')
  }

  async call<M extends MethodName>(method: M, input: Input<M>, options: CallOptions = {}): Promise<Output<M>> {
    if (options.signal?.aborted === true) throw AbortedError.bySignal(method, options.signal, ' before it was sent')
    const id = this.next++
    const site: { stack?: string } = {}
    Error.captureStackTrace(site, this.call)
    return await new Promise<Output<M>>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id)
        try { this.send({ id, cancel: true }) } catch { /* the daemon is gone: nothing to cancel */ }
        reject(AbortedError.bySignal(method, options.signal))
      }
      this.pending.set(id, {
        resolve: (v) => { options.signal?.removeEventListener('abort', onAbort); resolve(v) },
        reject: (e) => { options.signal?.removeEventListener('abort', onAbort); reject(e) },
        site
      })
      options.signal?.addEventListener('abort', onAbort, { once: true })
      try { this.sendCall(id, method, input) } catch (err) { this.pending.delete(id); options.signal?.removeEventListener('abort', onAbort); reject(err as Error) }
    })
  }

  /**
   * Whether the daemon answers a request within `ms`: 'answered' for any answer (its loop runs),
   * 'closed' when it hangs up first, 'silent' when nothing comes. The request names no method, so
   * the daemon refuses it from its read loop without calling the API (rpc.ts): the cheapest
   * exchange the protocol has, which loads and reads nothing there.
   */
  async probe (ms: number, signal?: AbortSignal): Promise<'answered' | 'closed' | 'silent' | 'aborted'> {
    const id = this.next++
    return await new Promise(resolve => {
      const t = setTimeout(() => { settle('silent') }, ms)
      const settle = (r: 'answered' | 'closed' | 'silent' | 'aborted'): void => { clearTimeout(t); this.pending.delete(id); signal?.removeEventListener('abort', gone); resolve(r) }
      const gone = (): void => { settle('aborted') }
      if (signal?.aborted === true) { settle('aborted'); return }
      signal?.addEventListener('abort', gone, { once: true })
      this.pending.set(id, {
        resolve: () => { settle('answered') },
        // Refused is an answer; the connection ending before one is not.
        reject: (e) => { settle(e instanceof DaemonNotRunningError ? 'closed' : 'answered') },
        site: {}
      })
      try { this.send({ id, method: null }) } catch { settle('closed') }
    })
  }

  /** Ends the connection at once, unanswered calls rejected: for a daemon that may never read again (end() waits for its side). */
  destroy (): void {
    this.gone ??= new ClosedError('this client of the mesh daemon was closed')
    this.sock.destroy()
  }

  subscribe (fn: (r: EventRecord) => void, options: SubscribeOptions = {}): () => void {
    // A bad key throws here, as in the process (the daemon would refuse it too).
    for (const k of options.sessions ?? []) parseSessionKey(k)
    const id = this.next++
    this.subs.set(id, fn)
    if (options.ready !== undefined) this.readies.set(id, options.ready)
    if (options.onError !== undefined) this.ends.set(id, options.onError)
    try { this.send({ id, subscribe: { after: options.after, sessions: options.sessions } }) } catch (err) { this.subs.delete(id); this.readies.delete(id); this.ends.delete(id); throw err }
    return () => {
      this.readies.delete(id)
      this.ends.delete(id)
      if (!this.subs.delete(id)) return
      try { this.send({ id, unsubscribe: true }) } catch { /* already gone */ }
    }
  }

  /** Resolves when the daemon goes away (it stopped, or the connection broke). */
  closed (): Promise<void> {
    if (this.sock.destroyed) return Promise.resolve()
    return new Promise(resolve => { this.sock.once('close', () => { resolve() }) })
  }

  async close (): Promise<void> {
    // Calls after this one are told the client was closed, not that the daemon went away.
    this.gone ??= new ClosedError('this client of the mesh daemon was closed (close() was called)')
    // Its caller ended them: no onError.
    this.subs.clear()
    this.ends.clear()
    const closed = new AbortedError('the connection to the daemon was closed by its client')
    for (const ready of this.readies.values()) ready(closed)
    this.readies.clear()
    if (this.sock.destroyed) return
    await new Promise<void>(resolve => { this.sock.once('close', () => { resolve() }); this.sock.end() })
  }
}

/**
 * Whether there is a socket at `path` to try. A socket another user made (in a home they can
 * write to, or linked there) would be sent every call, with what it carries (session text, a
 * pairing code), and could answer anything: only one this user owns, in a home no one else can
 * write to (so it cannot be swapped between this check and the connect), is tried; any other is
 * HomeUnsafeError, said before a byte is sent. Another user cannot make a socket this user owns.
 */
async function ownSocket (home: string, path: string): Promise<boolean> {
  const uid = process.getuid?.()
  let st
  try { st = await lstat(path) } catch { return false } // none there (or none reachable): no daemon
  if (uid === undefined) return true // no POSIX owners (Windows): nothing to compare
  const unsafe = (why: string): HomeUnsafeError => new HomeUnsafeError(`${why}: another user may have put it there, and mesh sends it nothing. If you did not, remove it (\`rm ${path}\`) and check who else can write to ${home}`, { home, path })
  if (st.isSymbolicLink()) throw unsafe(`${path} is a symbolic link, not the daemon's socket`)
  if (!st.isSocket()) return true // the connect fails, as for a stale socket; the daemon replaces it
  if (st.uid !== uid) throw unsafe(`${path} is owned by uid ${st.uid}, not by you (uid ${uid})`)
  const h = await stat(home)
  if (h.uid !== uid || (h.mode & 0o022) !== 0) {
    throw new HomeUnsafeError(`${home} is ${h.uid !== uid ? `owned by uid ${h.uid}` : `writable by ${writableBy(h.mode)} (mode ${(h.mode & 0o777).toString(8)})`}: another user could swap the daemon's socket there, so mesh sends it nothing. Run \`chmod go-w ${home}\` if it is yours`, { home, path })
  }
  return true
}

/**
 * Connects to the daemon of a home; undefined when none answers (no socket, a stale one, or one
 * that hangs up at once). HomeUnsafeError for a socket this user does not own (ownSocket);
 * DaemonUnresponsiveError for a daemon that takes the connection but does not answer its first
 * request within `answerMs` (default FIRST_ANSWER_MS), naming its pid; AbortedError once `signal`
 * aborts while it waits for that answer (`details.reason` 'timeout' when its reason is a timeout).
 */
export async function connectRpc (home: string, options: { answerMs?: number, signal?: AbortSignal } = {}): Promise<RpcClient | undefined> {
  const path = join(home, 'control.sock')
  const stopped = (): AbortedError => AbortedError.ofWait('the daemon to answer', options.signal, { home })
  if (options.signal?.aborted === true) throw stopped()
  if (!(await ownSocket(home, path))) return undefined
  const sock = await new Promise<Socket | undefined>((resolve) => {
    const s = createConnection(path)
    s.once('connect', () => { resolve(s) })
    s.once('error', () => { resolve(undefined) })
  })
  if (sock === undefined) return undefined
  const rpc = new RpcClient(sock, { path })
  const answer = await rpc.probe(options.answerMs ?? FIRST_ANSWER_MS, options.signal)
  if (answer === 'answered') return rpc
  rpc.destroy()
  if (answer === 'aborted') throw stopped()
  if (answer !== 'closed') throw await unresponsive(home)
  // Hung up before any answer: a daemon stopping (then its socket refuses connections now), or
  // one that does not speak this protocol, whose process holds the home and still listens.
  if (await stillListening(path) !== true) return undefined
  const holder = await (await import('../store/lock.js')).lockHolder(home)
  if (holder === undefined) return undefined
  throw foreign(home, holder.pid)
}

/** What a command says of a daemon that holds the home and does not speak this mesh's protocol. */
function foreign (home: string, pid: number): DaemonForeignError {
  return new DaemonForeignError(`a mesh join (pid ${pid}) holds home ${home} but does not answer this mesh (another version of mesh?)`, { home, pid, answering: false, reason: 'foreign' }, {
    hint: { sep: ': ', cli: `stop it (\`mesh stop\` or \`kill ${pid}\`), then start it again with this mesh (\`mesh join\`)`, mcp: `it must be stopped (\`mesh stop\` or \`kill ${pid}\`) and \`mesh join\` started again with this mesh` }
  })
}

/**
 * Whether a daemon still takes connections at `path` (undefined when that is not known within
 * STILL_LISTENING_MS). The kernel answers a connect to a unix socket at once: accepted while the
 * daemon listens, refused once it closed its socket (as it does, before its connections, when it
 * stops) or its process ended.
 */
async function stillListening (path: string): Promise<boolean | undefined> {
  return await new Promise(resolve => {
    const s = createConnection(path)
    const settle = (up: boolean | undefined): void => { clearTimeout(t); s.destroy(); resolve(up) }
    const t = setTimeout(() => { settle(undefined) }, STILL_LISTENING_MS)
    s.once('connect', () => { settle(true) })
    s.once('error', () => { settle(false) })
  })
}
const STILL_LISTENING_MS = 1_000

/** What a command says of a daemon that does not answer: its pid (from the home's lock) and what to do. */
async function unresponsive (home: string): Promise<DaemonUnresponsiveError> {
  // Loaded only here: a command that talks to a daemon that answers reads no lock file.
  const pid = await (await import('../store/lock.js')).readLockPid(home)
  const who = pid !== undefined ? `mesh join (pid ${pid})` : `the mesh join of home ${home}`
  const resume = pid !== undefined ? `\`kill -CONT ${pid}\` or \`fg\`` : '`fg`, or `kill -CONT` its pid'
  return new DaemonUnresponsiveError(`${who} accepted the connection but does not answer: suspended (${resume}) or busy`, { home, pid, answering: false })
}
