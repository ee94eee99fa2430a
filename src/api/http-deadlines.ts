/**
 * Deadlines for the HTTP API's clients, held by each socket while it is open.
 *
 * Node enforces `headersTimeout` and `requestTimeout` with one interval per server that walks
 * every connection every 30 s (`connectionsCheckingInterval`), with or without connections: an
 * idle `mesh join` woke for it all day. Here Node's check is switched off (both timeouts 0, its
 * interval at the longest a timer can wait) and each socket carries one timer of its own instead,
 * so a daemon nobody talks to has no timer at all. The deadlines are the same as Node's:
 *
 *   - connected, or a response finished: the next request's headers within `headersMs`
 *     (a client that connects and sends nothing, or trickles headers, is answered 408 and closed);
 *   - headers received: the whole request (its body) within `requestMs` of them;
 *   - a complete request being answered: no deadline (the time is ours, not the client's);
 *   - an upgrade request: closed unless the WebSocket server takes it within `requestMs` (a
 *     refused one is closed once its answer is out; this is what ends one that hangs anyway);
 *   - taken by the WebSocket server (`accepted`): no deadline here (http-events.ts pings its clients).
 *
 * An idle keep-alive connection is closed by Node's own `keepAliveTimeout`, a socket timer too.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { AbortedError } from '../errors.js'
import { rawError } from './http-routes.js'

export interface Deadlines {
  /** From connecting (or the previous response's end) to a request's complete headers. @default 10_000 */
  headersMs?: number
  /** From a request's headers to its complete body. @default 60_000 */
  requestMs?: number
}

export const DEFAULT_DEADLINES: Required<Deadlines> = { headersMs: 10_000, requestMs: 60_000 }

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
}

export interface DeadlineGuard {
  /** A socket the WebSocket server took from an upgrade: no deadline from here on. */
  accepted: (socket: Duplex) => void
}

/** Arms a deadline on every socket of `server` while it is open (call before `listen`). */
export function guardDeadlines (server: Server, deadlines: Deadlines = {}): DeadlineGuard {
  const { headersMs, requestMs } = { ...DEFAULT_DEADLINES, ...deadlines }
  const states = new Map<Duplex, State>()

  const expire = (socket: Duplex, s: State): void => {
    s.timer = undefined
    // Whatever answer it had is written; it is only let go.
    if (s.upgrade === true) { socket.destroy(); return }
    // Every byte of the request is here and we are still answering: not the client's delay.
    if (s.req?.complete === true) return
    // Like Node's own timeout: a 408 unless a response has begun, then the socket goes.
    if (s.res?.headersSent !== true && socket.writable) socket.write(s.req === undefined ? timedOut('headers', headersMs) : timedOut('body', requestMs))
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
  }

  server.on('connection', (socket: Socket) => {
    const s: State = {}
    states.set(socket, s)
    arm(socket, s, headersMs)
    socket.once('close', () => { drop(socket) })
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const s = states.get(req.socket)
    if (s === undefined) return // a socket that did not come through 'connection' (none today)
    s.req = req
    s.res = res
    arm(req.socket, s, requestMs)
    res.once('finish', () => {
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
    s.req = undefined
    s.res = undefined
    s.upgrade = true
    arm(socket, s, requestMs)
  })
  // The event stream's pings watch it from here.
  return { accepted: drop }
}
