/**
 * Deadlines for the HTTP API's clients, held by each socket while it is open, and the share of
 * connections that requests without the token may hold.
 *
 * Node enforces `headersTimeout` and `requestTimeout` with one interval per server that walks
 * every connection every 30 s (`connectionsCheckingInterval`), with or without connections: an
 * idle `mesh join` woke for it all day. Here Node's check is switched off (both timeouts 0, its
 * interval at the longest a timer can wait) and each socket carries one timer of its own instead,
 * so a daemon nobody talks to has no timer at all. The deadlines are the same as Node's:
 *
 *   - connected, or a response finished: the next request's headers within `headersMs`
 *     (a client that connects and sends nothing, or trickles headers, is answered 408 and closed);
 *   - headers received: the whole request (its body) within `requestMs` of them, or within
 *     `noTokenMs` for a request without the token (a login's code is a few bytes: a client
 *     without the token trickling a body held its connection for the whole `requestMs`);
 *   - a complete request being answered: no deadline while we compute the answer (the time is
 *     ours), but once our answer waits on the socket, the client must take some of it every
 *     `writeMs` (checked from `requestMs` after the request's headers, then every `writeMs`), else
 *     the socket is destroyed: a client that pipelines requests and never reads held its
 *     connection, and every answer queued on it, for ever;
 *   - more than `maxPipelined` requests on one connection still unanswered (pipelined behind each
 *     other): the connection is destroyed at the one past it, and requests already parsed after it
 *     are not served (http.ts skips a request whose socket is destroyed). Browsers do not pipeline;
 *   - an upgrade request: closed unless the WebSocket server takes it within `requestMs` (a
 *     refused one is closed once its answer is out; this is what ends one that hangs anyway);
 *   - taken by the WebSocket server (`accepted`): no deadline here (http-events.ts pings its clients).
 *
 * An idle keep-alive connection is closed by Node's own `keepAliveTimeout`, a socket timer too.
 *
 * Connections whose latest request came without the token are at most `tokenless.max` (a share of
 * the server's connection cap): one more closes the oldest of them (503 unless its answer has
 * begun). Else clients without the token, each holding a request open within its deadlines, took
 * every connection the server allows, and a client with the token was turned away at connect.
 * A connection that has sent no request yet is not counted there: its headers' deadline bounds
 * it. But the server holds `cap` connections at most, and clients that connect and send nothing
 * took all of them until their deadline (10 s, again and again): a client with the token was
 * turned away at connect. At the cap, a new connection closes the oldest one that has sent no
 * request for `silentMs` (a client that connects to send at once has sent its request by then);
 * only when there is none is the new one closed.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { AbortedError } from '../errors.js'
import { HttpError, rawError } from './http-routes.js'

export interface Deadlines {
  /** From connecting (or the previous response's end) to a request's complete headers. @default 10_000 */
  headersMs?: number
  /** From a request's headers to its complete body. @default 60_000 */
  requestMs?: number
  /** While our answer waits on the socket: the longest the client may take none of it. @default 30_000 */
  writeMs?: number
  /** Requests one connection may have unanswered at once; one more destroys it. @default 8 */
  maxPipelined?: number
  /** From the headers of a request without the token to its complete body (at most `requestMs`). @default 5_000 */
  noTokenMs?: number
  /** At the connection cap, a connection that has sent no request for this long is closed to make room for a new one. @default 1_000 */
  silentMs?: number
}

export const DEFAULT_DEADLINES: Required<Deadlines> = { headersMs: 10_000, requestMs: 60_000, writeMs: 30_000, maxPipelined: 8, noTokenMs: 5_000, silentMs: 1_000 }

/** Requests without the token: how the guard knows one, and how many connections they may hold. */
export interface Tokenless {
  /** Whether a request carries the API's token. */
  authorised: (req: IncomingMessage) => boolean
  /** Connections whose latest request came without the token, at most; one more closes the oldest of them. */
  max: number
}

/** The longest a Node timer can wait (a longer one fires after 1 ms). */
const TIMER_MAX_MS = 2_147_483_647

/** Options for `createServer` that leave the deadlines to `guardDeadlines` (Node's check never due, and a no-op if it ever runs). */
export const NODE_CHECK_OFF: ServerOptions = { headersTimeout: 0, requestTimeout: 0, connectionsCheckingInterval: TIMER_MAX_MS }

/** The 408 for a request not in within its deadline: ABORTED with reason timeout, the code and status a wait's own timeout has. */
const timedOut = (what: string, ms: number): string => rawError(new AbortedError(`the request's ${what} did not arrive within ${ms} ms`, { reason: 'timeout', timeoutMs: ms }))

interface State {
  timer?: ReturnType<typeof setTimeout>
  /** The latest request on this socket and its response, until that response has finished. */
  req?: IncomingMessage
  res?: ServerResponse
  /** In an upgrade, not yet taken by the WebSocket server: the deadline only closes it. */
  upgrade?: boolean
  /** Requests received whose response has not finished. */
  unanswered: number
  /** sentBytes() at the last look, while a complete request is answered. */
  sent?: number
  /** The deadline of the latest request's body: requestMs, or noTokenMs without the token. */
  bodyMs?: number
  /** When it connected, while it has sent no request (nor an upgrade). */
  silentSince?: number
}

/**
 * Destroys the socket of a client that does not read, with a reset (RST): a plain close queued
 * its FIN behind the answers it never read, which the kernel kept for it, orphaned, a while more.
 */
function cutOff (socket: Duplex): void {
  const s = socket as Duplex & { resetAndDestroy?: () => void }
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy(); else socket.destroy()
}

/**
 * The bytes of ours the kernel has taken on this socket: dispatched, less what libuv still holds.
 * Node keeps both privately (its own bytesWritten getter reads _bytesDispatched); without them,
 * bytesWritten less what waits in the stream, which moves only as whole writes complete.
 */
export function sentBytes (socket: Duplex): number {
  const s = socket as Duplex & { _bytesDispatched?: number, _handle?: { writeQueueSize?: number } | null, bytesWritten?: number }
  if (typeof s._bytesDispatched === 'number') return s._bytesDispatched - (s._handle?.writeQueueSize ?? 0)
  return (s.bytesWritten ?? 0) - socket.writableLength
}

export interface DeadlineGuard {
  /** A socket the WebSocket server took from an upgrade: no deadline from here on. */
  accepted: (socket: Duplex) => void
}

/**
 * Arms a deadline on every socket of `server` while it is open (call before `listen`). `cap`: the
 * connections it holds at most, with Node's `server.maxConnections` one above it (the guard
 * decides which of the two goes: a silent one past `silentMs`, else the new one).
 */
export function guardDeadlines (server: Server, deadlines: Deadlines = {}, tokenless?: Tokenless, cap?: number): DeadlineGuard {
  const headersMs = deadlines.headersMs ?? DEFAULT_DEADLINES.headersMs
  const requestMs = deadlines.requestMs ?? DEFAULT_DEADLINES.requestMs
  const writeMs = deadlines.writeMs ?? DEFAULT_DEADLINES.writeMs
  const maxPipelined = deadlines.maxPipelined ?? DEFAULT_DEADLINES.maxPipelined
  const noTokenMs = Math.min(deadlines.noTokenMs ?? DEFAULT_DEADLINES.noTokenMs, requestMs)
  const silentMs = deadlines.silentMs ?? DEFAULT_DEADLINES.silentMs
  const states = new Map<Duplex, State>()
  /** Sockets that have sent no request yet, the one that connected first first. */
  const silent = new Set<Duplex>()
  /** Sockets whose latest request came without the token, the one that sent it longest ago first. */
  const unauthorised = new Set<Duplex>()

  const expire = (socket: Duplex, s: State): void => {
    s.timer = undefined
    // Whatever answer it had is written; it is only let go.
    if (s.upgrade === true) { socket.destroy(); return }
    if (s.req?.complete === true) {
      // Every byte of the request is here and we are still answering: not the client's delay,
      // unless our answer waits on the socket and the client took none of it since the last look.
      const sent = sentBytes(socket)
      if (socket.writableLength > 0 && sent === s.sent) { cutOff(socket); return }
      s.sent = sent
      arm(socket, s, writeMs)
      return
    }
    // Like Node's own timeout: a 408 unless a response has begun, then the socket goes.
    if (s.res?.headersSent !== true && socket.writable) socket.write(s.req === undefined ? timedOut('headers', headersMs) : timedOut('body', s.bodyMs ?? requestMs))
    socket.destroy()
  }
  /** Closes the connection of the oldest request without the token, to make room for a newer one. */
  const evict = (socket: Duplex): void => {
    unauthorised.delete(socket)
    const s = states.get(socket)
    // A connection idle between requests has nothing to be answered: it is only closed.
    if (s !== undefined && s.req !== undefined && s.res?.headersSent !== true && socket.writable) {
      socket.write(rawError(new HttpError(503, 'RATE_LIMITED', `this server holds ${tokenless?.max ?? 0} requests without the token at once, and this was the oldest when another came: send it again, or with the token`, { 'retry-after': '1' })))
    }
    socket.destroy()
  }
  const arm = (socket: Duplex, s: State, ms: number): void => {
    clearTimeout(s.timer)
    s.timer = setTimeout(() => { expire(socket, s) }, ms)
    // The socket keeps the process alive while it is open; this timer need not.
    s.timer.unref()
  }
  const drop = (socket: Duplex): void => {
    clearTimeout(states.get(socket)?.timer)
    states.delete(socket)
    unauthorised.delete(socket)
    silent.delete(socket)
  }
  const spoke = (socket: Duplex, s: State): void => {
    delete s.silentSince
    silent.delete(socket)
  }
  /** Past the cap: the oldest connection silent for silentMs goes, else this new one. */
  const makeRoom = (socket: Socket): boolean => {
    const now = Date.now()
    for (const old of silent) {
      const since = states.get(old)?.silentSince ?? now
      if (now - since < silentMs) break
      drop(old)
      old.destroy()
      return true
    }
    socket.destroy()
    return false
  }

  server.on('connection', (socket: Socket) => {
    if (cap !== undefined && states.size >= cap && !makeRoom(socket)) return
    const s: State = { unanswered: 0, silentSince: Date.now() }
    states.set(socket, s)
    silent.add(socket)
    arm(socket, s, headersMs)
    socket.once('close', () => { drop(socket) })
  })
  // Before the server's own handler: a request past maxPipelined finds its socket destroyed.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const s = states.get(req.socket)
    if (s === undefined) return // a socket that did not come through 'connection' (none today)
    spoke(req.socket, s)
    if (++s.unanswered > maxPipelined) { cutOff(req.socket); return }
    s.req = req
    s.res = res
    s.sent = sentBytes(req.socket)
    s.bodyMs = requestMs
    if (tokenless !== undefined) {
      unauthorised.delete(req.socket)
      if (!tokenless.authorised(req)) {
        s.bodyMs = noTokenMs
        unauthorised.add(req.socket)
        if (unauthorised.size > tokenless.max) evict(unauthorised.values().next().value as Duplex)
      }
    }
    arm(req.socket, s, s.bodyMs)
    res.once('finish', () => {
      s.unanswered--
      // A pipelined request after this one keeps its own deadline.
      if (s.res !== res || !states.has(req.socket)) return
      s.req = undefined
      s.res = undefined
      arm(req.socket, s, headersMs)
    })
  })
  // The socket leaves HTTP, but keeps a deadline until the WebSocket server has it: a refused
  // or stalled upgrade is not left open for as long as its client likes.
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    const s = states.get(socket)
    if (s === undefined) return
    spoke(socket, s)
    s.req = undefined
    s.res = undefined
    s.upgrade = true
    arm(socket, s, requestMs)
  })
  // The event stream's pings watch it from here.
  return { accepted: drop }
}
