/**
 * The event stream over a WebSocket at /api/events. Its first message is `{ hello: { run, reset } }`,
 * then one `{ seq, event }` per event. A client that reconnects with `?after=<last seq>&run=<run>`
 * gets every event it missed, unless `reset` says it cannot (the daemon restarted, or the bounded
 * buffer dropped some): then it reloads what it shows. A client too far behind is closed with
 * WS_CLOSE_TOO_SLOW, and clients that stop answering pings are dropped.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '@libp2p/logger'
import type { WebSocket, WebSocketServer } from 'ws'
import type { EventRecord, MeshApi, SubscribeOptions } from './api.js'
import { HttpError, refuseSocket, requestUrl } from './http-routes.js'
import { afterRefusal } from './subscribe-input.js'

/** Where the stream is served. */
export const EVENTS_PATH = '/api/events'
/** The subprotocol a browser asks for; it sends its token as a second one, `bearer.<token>`. */
export const WS_PROTOCOL = 'mesh.events'
/** Close code sent when a client's unread events exceed MAX_BUFFERED: reconnect with ?after=. */
export const WS_CLOSE_TOO_SLOW = 4008
/** Close code for a subscription the API refused (the reason says why). */
export const WS_CLOSE_BAD_INPUT = 4400
const MAX_BUFFERED = 8 * 1024 * 1024
const PING_EVERY_MS = 30_000

export interface EventStreamInit {
  api: MeshApi
  /** This run of the server (and so of the daemon's event numbering), sent in each stream's hello. */
  run: string
  /** Whether a Host (or an Origin's host) names the address the server listens on. */
  hostOk: (host: string | undefined) => boolean
  /** Whether a token is the home's. */
  tokenOk: (token: string | undefined) => boolean
  /** The WebSocket server (made, with ws loaded, by the first request that needs it). */
  wss: () => Promise<WebSocketServer>
  /** Told when the WebSocket server has taken a socket (its pings watch it from then on). */
  accepted?: (socket: Duplex) => void
  log: Logger
}

export interface EventStreams {
  /** The clients connected now. */
  clients: () => Iterable<WebSocket>
  /** Stops pinging, destroys every socket still in its upgrade and every one that starts one later (the server is closing, or never listened). */
  stop: () => void
}

/** Serves the event stream on the HTTP server's upgrade requests. */
export function serveEvents (server: Server, init: EventStreamInit): EventStreams {
  const { api, run, hostOk, tokenOk, log } = init
  let wss: WebSocketServer | undefined
  const alive = new WeakSet<WebSocket>()
  /** Sockets in an upgrade (refused, or not yet taken by ws): neither Node nor ws closes them. */
  const upgrading = new Set<Duplex>()
  let stopped = false
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (stopped) { socket.destroy(); return }
    upgrading.add(socket)
    socket.once('close', () => { upgrading.delete(socket) })
    // Until ws takes the socket (it listens for errors itself then), an error on it, refused or
    // not (Node has removed its own listener), is logged.
    socket.on('error', (err) => { log('event stream socket error before the upgrade: %e', err) })
    let url: URL
    try { url = requestUrl(req) } catch (err) { refuseSocket(socket, err); return }
    if (url.pathname !== EVENTS_PATH) { refuseSocket(socket, new HttpError(404, 'NOT_FOUND', `no WebSocket at ${url.pathname}: the event stream is ${EVENTS_PATH}`)); return }
    if (!hostOk(req.headers.host)) { refuseSocket(socket, new HttpError(421, 'INVALID_INPUT', 'this server answers only to its loopback address')); return }
    // A browser names the page's origin: only our own page may open the stream.
    const origin = req.headers.origin
    if (origin !== undefined && !hostOk(hostOf(origin))) { refuseSocket(socket, new HttpError(403, 'UNAUTHORIZED', `a page of ${origin} may not open the event stream: only this server's own page may`)); return }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map(s => s.trim())
    const given = url.searchParams.get('token') ?? offered.find(p => p.startsWith('bearer.'))?.slice('bearer.'.length)
    if (!tokenOk(given ?? undefined)) { refuseSocket(socket, new HttpError(401, 'UNAUTHORIZED', 'missing or wrong token: send it as ?token=<the home\'s api.token>, or as the subprotocol "bearer.<token>" beside "mesh.events"', { 'www-authenticate': 'Bearer realm="mesh"' })); return }
    const refused = queryRefusal(url.searchParams)
    if (refused !== undefined) { refuseSocket(socket, new HttpError(400, 'INVALID_INPUT', refused)); return }
    const afterText = url.searchParams.get('after')
    const after = afterText === null ? undefined : Number(afterText)
    const badAfter = after === undefined ? undefined : afterRefusal(after, JSON.stringify(afterText))
    if (badAfter !== undefined) { refuseSocket(socket, new HttpError(400, 'INVALID_INPUT', badAfter)); return }
    // Sessions whose messages the client wants in full (the others give light events).
    const sessions = url.searchParams.getAll('sessions').flatMap(s => s.split(',')).filter(s => s !== '')
    // A cursor from another run of the daemon (seq restarts at 1) means nothing here: replay all.
    const clientRun = url.searchParams.get('run')
    const otherRun = after !== undefined && clientRun !== null && clientRun !== run
    init.wss().then(
      (w) => {
        wss = w
        if (stopped || socket.destroyed) { socket.destroy(); return }
        w.handleUpgrade(req, socket, head, (ws) => {
          // ws holds it now (its clients are closed by the server's close()).
          upgrading.delete(socket)
          init.accepted?.(socket)
          stream(ws, { after: otherRun ? 0 : after, sessions }, otherRun)
        })
      },
      (err: unknown) => { log('loading the event stream failed: %e', err); refuseSocket(socket, new HttpError(500, 'INTERNAL', 'the event stream could not start (the daemon\'s log says why)')) }
    )
  })

  const stream = (ws: WebSocket, options: SubscribeOptions, otherRun: boolean): void => {
    alive.add(ws)
    startPinger()
    ws.on('pong', () => { alive.add(ws) })
    let unsubscribe: (() => void) | undefined
    let closed = false
    ws.on('close', () => { closed = true; unsubscribe?.(); if ((wss?.clients.size ?? 0) === 0) stopPinger() })
    ws.on('error', (err) => { log('event stream client error: %e', err); ws.terminate() }) // 'close' follows and unsubscribes
    const deliver = (r: EventRecord): void => {
      if (closed || ws.readyState !== ws.OPEN) return
      // A reader this far behind reconnects with its cursor rather than growing our memory.
      if (ws.bufferedAmount > MAX_BUFFERED) { closed = true; ws.close(WS_CLOSE_TOO_SLOW, 'too far behind: reconnect with ?after=<last seq>'); return }
      ws.send(JSON.stringify(r))
    }
    // The replay after the cursor arrives during subscribe(): held back until the hello says
    // whether it is complete.
    let replay: EventRecord[] | undefined = []
    try {
      unsubscribe = api.subscribe((r) => { if (replay !== undefined) replay.push(r); else deliver(r) }, options)
    } catch (err: any) {
      // A bad session key in ?sessions=: said in the close frame (its reason holds 123 bytes).
      ws.close(WS_CLOSE_BAD_INPUT, `${err?.code ?? 'INTERNAL'}: ${err?.message ?? err}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 120))
      return
    }
    const held = replay
    replay = undefined
    // Events after the cursor that the bounded buffer no longer holds: the client must reload.
    const gap = options.after !== undefined && held[0] !== undefined && held[0].seq > options.after + 1
    ws.send(JSON.stringify({ hello: { run, reset: otherRun || gap } }))
    for (const r of held) deliver(r)
    if (closed) unsubscribe()
  }
  // Pings run only while a client is connected: an idle daemon has no timer that wakes for nothing.
  let pinger: ReturnType<typeof setInterval> | undefined
  const stopPinger = (): void => { clearInterval(pinger); pinger = undefined }
  const startPinger = (): void => {
    pinger ??= setInterval(() => {
      for (const ws of wss?.clients ?? []) {
        if (!alive.has(ws)) { ws.terminate(); continue }
        alive.delete(ws)
        ws.ping()
      }
    }, PING_EVERY_MS)
    pinger.unref()
  }

  const stop = (): void => {
    stopped = true
    stopPinger()
    for (const socket of upgrading) socket.destroy()
    upgrading.clear()
  }
  return { clients: () => wss?.clients ?? [], stop }
}

/** The query parameters the stream takes; only `sessions` may come more than once (its keys add up). */
const EVENT_PARAMS = ['after', 'run', 'sessions', 'token']

/**
 * Why the stream's query is refused, as the API's routes refuse theirs: a parameter it does not
 * take (it was ignored), or one given twice (the first one was read, unsaid).
 */
function queryRefusal (query: URLSearchParams): string | undefined {
  const keys = [...new Set(query.keys())]
  const unknown = keys.filter(k => !EVENT_PARAMS.includes(k))
  if (unknown.length > 0) return `events: ${unknown.length === 1 ? 'unknown query parameter' : 'unknown query parameters'} ${unknown.map(k => JSON.stringify(k)).join(', ')} (it takes ${EVENT_PARAMS.join(', ')})`
  const repeated = keys.find(k => k !== 'sessions' && query.getAll(k).length > 1)
  if (repeated !== undefined) return `events: query parameter "${repeated}" given ${query.getAll(repeated).length} times: it takes one value`
  return undefined
}

function hostOf (origin: string): string | undefined {
  try { return new URL(origin).host } catch { return undefined }
}
