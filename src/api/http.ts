/**
 * The local API over HTTP: one REST route per method (derived from METHODS[*].http; see
 * http-routes.ts), the event stream as a WebSocket at /api/events with resume from a cursor
 * (http-events.ts), the OpenAPI document, and the dashboard's static files (http-static.ts).
 * Listens on 127.0.0.1 unless told otherwise.
 *
 * Every /api request carries the home's bearer token (`api.token`, 32 random bytes in hex, 0600,
 * a new one at every start; see http-info.ts), else 401, but two: `/api/proof?nonce=N` answers anyone with the server's
 * proof that it holds the token (serverProof), which the dashboard asks for before it sends its
 * token to an address again, and `POST /api/login` trades a single-use code that a client holding
 * the token asked for (`POST /api/login-codes`) for the token, once (http-login.ts): the
 * dashboard's login link carries such a code, never the token. Static files need no token: they hold no data, only the page that
 * asks for it. The Host header must name the loopback address the server listens on, so a web
 * page that rebinds its own DNS name to 127.0.0.1 reaches nothing (it could not know the token
 * either).
 *
 * @example
 * const http = await serveHttp(api, { home })        // http://127.0.0.1:7433
 * // curl -H "Authorization: Bearer $(cat $HOME/.local/share/mesh/api.token)" http://127.0.0.1:7433/api/status
 * await http.close()
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join, resolve } from 'node:path'
import type { WebSocketServer } from 'ws'
import { isMeshError, UsageError } from '../errors.js'
import { atomicWrite } from '../store/files.js'
import { readConfig, savePort } from '../node/config.js'
import type { MeshApi } from './api.js'
import { EVENTS_PATH, serveEvents, WS_PROTOCOL } from './http-events.js'
import { INFO_FILE, PROOF_NONCE, PROOF_PATH, newApiToken, readHttpInfo, serverProof, type HttpInfo } from './http-info.js'
import { callRoute, compile, HttpError, readBody, refuseUnparsed, requestUrl, send, sendError, type Route } from './http-routes.js'
import { codeLoginUrl, LOGIN_CODE, LOGIN_CODE_MS, LOGIN_CODES_PATH, LOGIN_PATH, LoginCodes, MAX_LOGIN_BODY, type LoginCode } from './http-login.js'
import { portBusyError } from './http-port-busy.js'
import { guardDeadlines, NODE_CHECK_OFF, type Deadlines } from './http-deadlines.js'
import { defaultWebDir, serveStatic } from './http-static.js'
import type { OpenApiOptions } from './openapi.js'
import type { MethodDef, MethodName } from './schema.js'

/** The documented default port (unassigned by IANA); a busy port falls back to a free one. */
export const DEFAULT_HTTP_PORT = 7433
export interface HttpOptions {
  /** The home: holds api.token (a new one written at each serve) and api.json (the port in use). */
  home: string
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default DEFAULT_HTTP_PORT */
  port?: number
  /** Default: a new token, written to the home's api.token (newApiToken). */
  token?: string
  /** The dashboard's files. @default the package's web/ */
  webDir?: string
  /** When the port is busy, listen on a free one instead of failing. @default true */
  fallback?: boolean
  /** Tried before a random free port when `port` is busy: the one this home fell back to last. */
  fallbackPort?: number
  /** How long a client may take to send a request (http-deadlines.ts). @default DEFAULT_DEADLINES */
  deadlines?: Deadlines
  /** Connections open at once; one more closes the oldest that has sent no request for deadlines.silentMs, else is closed as it arrives. Requests without the token hold at most tokenlessShare() of them. @default MAX_CONNECTIONS */
  maxConnections?: number
}

/**
 * The most connections the server holds open at once: enough for dashboards (a browser opens up
 * to 6 per host, and an event stream each) and scripts, while a local client that opens them
 * without end cannot take every descriptor of the daemon (its libp2p connections and store too).
 */
export const MAX_CONNECTIONS = 128

/**
 * The share of the connections that requests without the token may hold at once (a quarter):
 * the page's files and a login need a few, and the rest stay free for clients with the token.
 */
export const tokenlessShare = (maxConnections: number): number => Math.max(1, Math.floor(maxConnections / 4))

export interface HttpServer {
  port: number
  /** http://HOST:PORT */
  url: string
  /** This start's token (api.token). */
  token: string
  /** A single-use login code and the dashboard's URL carrying it, as `mesh dashboard` asks for one. */
  loginCode: () => LoginCode & { loginUrl: string }
  /** The port asked for was busy and `port` is another one. */
  fellBack: boolean
  close: () => Promise<void>
}

// ---- the server ----

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export async function serveHttp (api: MeshApi, opts: HttpOptions): Promise<HttpServer> {
  // Loaded here, not at the top: `mesh join` imports this module to read --http before it starts
  // anything, and should not pay for them then.
  const { logger } = await import('@libp2p/logger')
  // zod, the schemas, their routes, the OpenAPI document and ws: loaded by the first request, so
  // a daemon that no client talks to does not hold them (a few MB of an idle node's memory).
  let loading: Promise<{ routes: Route[], openApiDocument: (opts: OpenApiOptions) => unknown, wss: WebSocketServer }> | undefined
  const load = async (): Promise<{ routes: Route[], openApiDocument: (opts: OpenApiOptions) => unknown, wss: WebSocketServer }> => await (loading ??= (async () => {
    const [{ z }, { METHODS }, { openApiDocument }, { WebSocketServer }] = await Promise.all([
      import('zod'), import('./schema.js'), import('./openapi.js'), import('ws')
    ])
    const routes = (Object.entries(METHODS) as Array<[MethodName, MethodDef]>).map(([name, def]) => compile(z, name, def))
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096, // clients only listen
      handleProtocols: (protocols) => protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false
    })
    return { routes, openApiDocument, wss }
  })())
  const log = logger('mesh:api:http')
  /** This run of the server (and so of the daemon's event numbering), sent in each stream's hello. */
  const run = randomBytes(8).toString('hex')
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? await newApiToken(opts.home)
  const webDir = resolve(opts.webDir ?? defaultWebDir())
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  const expected = digest(token)
  // Equal-length digests, compared in constant time: neither the token nor its length leaks.
  const tokenOk = (given: string | undefined): boolean => given !== undefined && given !== '' && timingSafeEqual(digest(given), expected)
  /** Whether a request carries the token in its Authorization header. */
  const authorised = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization
    const m = auth !== undefined ? /^Bearer\s+(\S+)$/i.exec(auth) : null
    return tokenOk(m?.[1])
  }
  let openapi: string | undefined
  const codes = new LoginCodes()
  let port = 0
  /** http://HOST:PORT once listening. */
  let baseUrl = ''
  const hostOk = (h: string | undefined): boolean => {
    if (!LOOPBACK.has(host)) return true // configured to listen elsewhere: names are the user's choice
    if (h === undefined) return false
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(h)
    return m !== null && LOOPBACK.has((m[1] as string).toLowerCase()) && Number(m[2] ?? 80) === port
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req.headers.host)) throw new HttpError(421, 'INVALID_INPUT', 'this server answers only to its loopback address')
    const url = requestUrl(req)
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) { await serveStatic(webDir, url.pathname, req, res); return }
    // The event stream's upgrades never come here (http-events.ts takes them): a plain request
    // to it is told to upgrade (RFC 9110 15.5.22), before the token, since its token may be in
    // the query, which only the upgrade reads. A 404 said the documented route did not exist.
    if (url.pathname === EVENTS_PATH) {
      if (req.method === 'GET' || req.method === 'HEAD') throw new HttpError(426, 'INVALID_INPUT', `${EVENTS_PATH} is a WebSocket: open it with Upgrade: websocket (see /api/openapi.json)`, { upgrade: 'websocket', connection: 'Upgrade' })
      throw new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed on ${EVENTS_PATH} (it takes GET, with Upgrade: websocket)`, { allow: 'GET' })
    }
    // Before the token: a page asks for it to know it talks to the daemon before it sends one.
    if (url.pathname === PROOF_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed on ${PROOF_PATH} (it takes GET)`, { allow: 'GET, HEAD' })
      const nonce = url.searchParams.get('nonce') ?? ''
      if (!PROOF_NONCE.test(nonce)) throw new HttpError(400, 'INVALID_INPUT', `${PROOF_PATH} takes ?nonce= of 32 to 128 lowercase hex digits`)
      const body = JSON.stringify({ proof: serverProof(token, req.headers.host ?? '', nonce) })
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }
    // Before the token: the code is what the page holds instead of it.
    if (url.pathname === LOGIN_PATH) {
      onlyPost(req, LOGIN_PATH)
      const body = await readBody(req, MAX_LOGIN_BODY) as { code?: unknown } | null
      const code = body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 1 ? body.code : undefined
      if (typeof code !== 'string' || !LOGIN_CODE.test(code)) throw new HttpError(400, 'INVALID_INPUT', `${LOGIN_PATH} takes a JSON body {"code": "<the login link's code: 32 lowercase hex digits>"}`)
      if (!codes.redeem(code)) throw new HttpError(401, 'UNAUTHORIZED', `this login link was used already, has expired (a link logs in once, within ${LOGIN_CODE_MS / 60_000} minutes), or is from an earlier start of the daemon: run \`mesh dashboard\` for a new one`)
      send(res, 200, { token })
      return
    }
    if (!authorised(req)) {
      res.setHeader('www-authenticate', 'Bearer realm="mesh"')
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong token: send Authorization: Bearer <the home\'s api.token> (`mesh dashboard` prints a login URL)')
    }
    if (url.pathname === LOGIN_CODES_PATH) {
      onlyPost(req, LOGIN_CODES_PATH)
      send(res, 200, loginCode())
      return
    }
    const { routes, openApiDocument } = await load()
    if (url.pathname === '/api/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      // With this server's own address: a client generated from it sends the token there.
      openapi ??= JSON.stringify(openApiDocument({ serverUrl: baseUrl }))
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : openapi)
      return
    }
    const verb = req.method === 'HEAD' ? 'GET' : req.method
    const allowed: string[] = []
    for (const r of routes) {
      const match = r.re.exec(url.pathname)
      if (match === null) continue
      allowed.push(r.def.http.verb)
      if (r.def.http.verb !== verb) continue
      await callRoute(api, r, match, url, req, res)
      return
    }
    // A 405 says what the path takes (RFC 9110: Allow).
    const allow = [...new Set(allowed.flatMap(v => v === 'GET' ? ['GET', 'HEAD'] : [v]))].join(', ')
    throw allowed.length > 0
      ? new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed on ${url.pathname} (it takes ${allow})`, { allow })
      : new HttpError(404, 'NOT_FOUND', `no API route ${req.method ?? ''} ${url.pathname}; see /api/openapi.json`)
  }

  // Node's connections check would wake every 30 s for ever: each socket keeps its own deadline.
  const server: Server = createServer(NODE_CHECK_OFF, (req, res) => {
    // Destroyed by its deadlines' guard (a request past maxPipelined): nobody reads an answer.
    if (req.socket.destroyed) return
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) { log('an HTTP response failed half-way: %e', err); res.destroy(err as Error); return }
      if (!isMeshError(err)) log.error('internal error in an HTTP request: %e', err)
      sendError(res, err)
    })
  })

  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS
  // Requests without the token hold at most a share of the connections: one more closes the oldest.
  // At the cap, a new connection closes one that has sent nothing for a while, else itself.
  const deadlines = guardDeadlines(server, opts.deadlines, { authorised, max: tokenlessShare(maxConnections) }, maxConnections)
  // Past one more, Node closes each new connection at once (its handle, not a half-open end).
  server.maxConnections = maxConnections + 1
  // What Node's parser refuses is answered in the JSON error shape too, not with Node's empty body.
  server.on('clientError', refuseUnparsed)
  const events = serveEvents(server, { api, run, hostOk, tokenOk, wss: async () => (await load()).wss, accepted: deadlines.accepted, log })

  let fellBack = false
  const wanted = opts.port ?? DEFAULT_HTTP_PORT
  try {
    port = await listen(server, wanted, host)
  } catch (err: any) {
    if (err?.code !== 'EADDRINUSE' || wanted === 0 || opts.fallback === false) { events.stop(); throw err }
    // The port it fell back to last, so the dashboard's address (its origin) stays the same across restarts.
    const last = opts.fallbackPort
    port = last !== undefined && last !== wanted && last !== 0 ? await listen(server, last, host).catch(async (e: any) => { if (e?.code !== 'EADDRINUSE') throw e; return await listen(server, 0, host) }) : await listen(server, 0, host)
    fellBack = true
  }
  const shownHost = host.includes(':') ? `[${host}]` : host
  baseUrl = `http://${shownHost}:${port}`
  const url = baseUrl
  const info: HttpInfo = { url, host, port, pid: process.pid }
  try {
    await atomicWrite(join(opts.home, INFO_FILE), JSON.stringify(info) + '\n', 0o600)
  } catch (err) {
    events.stop()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    throw err
  }

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing ??= (async () => {
      // Sockets in an upgrade are no HTTP connection closeAllConnections() knows of, and no
      // WebSocket yet: left open, server.close() waited for their clients to hang up.
      events.stop()
      for (const ws of events.clients()) ws.close(1001, 'mesh join is stopping')
      const done = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
      server.closeAllConnections()
      for (const ws of events.clients()) ws.terminate()
      await done
      // Only our own record: another daemon may have written its own since.
      if ((await readHttpInfo(opts.home))?.pid === process.pid) await rm(join(opts.home, INFO_FILE), { force: true })
    })()
    await closing
  }
  function loginCode (): LoginCode & { loginUrl: string } {
    const c = codes.issue()
    return { ...c, loginUrl: codeLoginUrl(url, c.code) }
  }
  return { port, url, token, loginCode, fellBack, close }
}

function onlyPost (req: IncomingMessage, path: string): void {
  if (req.method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed on ${path} (it takes POST)`, { allow: 'POST' })
}

async function listen (server: Server, port: number, host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject)
      const a = server.address()
      resolve(typeof a === 'object' && a !== null ? a.port : port)
    })
  })
}

// ---- `mesh join --http PORT|off` ----

/** A port asked for (`explicit`: by --http, so it is taken or the start fails), or `off`. */
export type HttpFlag = { port: number, explicit?: boolean } | 'off'

/** Reads `--http PORT|off` (default: DEFAULT_HTTP_PORT, not explicit); exit 2 naming the flag when malformed. Call it before starting anything. */
export function parseHttpFlag (flag: string | undefined): HttpFlag {
  if (flag === undefined) return { port: DEFAULT_HTTP_PORT }
  if (flag === 'off') return 'off'
  const port = /^\d{1,5}$/.test(flag) ? Number(flag) : NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--http takes a port (0-65535, 0 for any free one) or "off", not "${flag}"`)
  return { port, explicit: true }
}

/**
 * What `mesh join` runs: serve HTTP unless `--http off`. Returns the server (undefined when off)
 * and one line for join to print.
 */
export async function startHttp (api: MeshApi, home: string, flag: string | HttpFlag | undefined): Promise<{ server?: HttpServer, line: string }> {
  const want = typeof flag === 'object' || flag === 'off' ? flag : parseHttpFlag(flag)
  if (want === 'off') return { line: 'http:         off (--http off)' }
  const config = await readConfig(home).catch(() => ({ httpPort: undefined }))
  // A port given with --http is the one asked for: busy, the start fails (exit 2) and nothing is
  // remembered. Only the default falls back to a free port.
  const server = await serveHttp(api, { home, port: want.port, fallback: want.explicit !== true, fallbackPort: config.httpPort }).catch(async (err: any) => {
    if (want.explicit === true && err?.code === 'EADDRINUSE') throw await portBusyError(want.port, '127.0.0.1', DEFAULT_HTTP_PORT, err)
    throw err
  })
  // Not remembered (config.json cannot be written): the next start picks a free port again.
  if (server.fellBack) await savePort(home, server.port, 'httpPort').catch(async (err: unknown) => { (await import('@libp2p/logger')).logger('mesh:api:http')('cannot remember HTTP port %d: %e', server.port, err) })
  const note = server.fellBack ? ` (port ${want.port} is busy, using ${server.port}${server.port === config.httpPort ? ', as last time' : ''})` : ''
  return { server, line: `http:         ${server.url}${note}; \`mesh dashboard\` opens the dashboard` }
}

