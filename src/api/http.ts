/**
 * The local API over HTTP: one REST route per method (derived from METHODS[*].http), the event
 * stream as a WebSocket at /api/events with resume from a cursor, the OpenAPI document, and the
 * dashboard's static files. Listens on 127.0.0.1 unless told otherwise.
 *
 * The stream's first message is `{ hello: { run, reset } }`, then one `{ seq, event }` per event.
 * A client that reconnects with `?after=<last seq>&run=<run>` gets every event it missed, unless
 * `reset` says it cannot (the daemon restarted, or the bounded buffer dropped some): then it
 * reloads what it shows.
 *
 * Every /api request carries the home's bearer token (`api.token`, 32 random bytes in hex, 0600),
 * else 401. Static files need no token: they hold no data, only the page that asks for it. The
 * Host header must name the loopback address the server listens on, so a web page that rebinds
 * its own DNS name to 127.0.0.1 reaches nothing (it could not know the token either).
 *
 * @example
 * const http = await serveHttp(api, { home })        // http://127.0.0.1:7433
 * // curl -H "Authorization: Bearer $(cat $HOME/.local/share/mesh/api.token)" http://127.0.0.1:7433/api/status
 * await http.close()
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, readFile, rm, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WebSocket, WebSocketServer } from 'ws'
import { isBadInputReason, isMeshError, UsageError } from '../errors.js'
import { atomicWrite } from '../store/files.js'
import type { EventRecord, MeshApi, SubscribeOptions } from './api.js'
import type { MethodDef, MethodName } from './schema.js'

/** The documented default port (unassigned by IANA); a busy port falls back to a free one. */
export const DEFAULT_HTTP_PORT = 7433
export const TOKEN_FILE = 'api.token'
export const INFO_FILE = 'api.json'
/** The subprotocol a browser asks for; it sends its token as a second one, `bearer.<token>`. */
export const WS_PROTOCOL = 'mesh.events'
/** Close code sent when a client's unread events exceed MAX_BUFFERED: reconnect with ?after=. */
export const WS_CLOSE_TOO_SLOW = 4008
/** Close code for a subscription the API refused (the reason says why). */
export const WS_CLOSE_BAD_INPUT = 4400
const MAX_BODY = 16 * 1024 * 1024
const MAX_BUFFERED = 8 * 1024 * 1024
const PING_EVERY_MS = 30_000

export interface HttpOptions {
  /** The home: holds api.token (created on first serve) and api.json (the port in use). */
  home: string
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default DEFAULT_HTTP_PORT */
  port?: number
  /** Default: the home's api.token, created when missing. */
  token?: string
  /** The dashboard's files. @default the package's web/ */
  webDir?: string
  /** When the port is busy, listen on a free one instead of failing. @default true */
  fallback?: boolean
}

export interface HttpServer {
  port: number
  /** http://HOST:PORT */
  url: string
  /** The dashboard with its token: what `mesh dashboard` prints and opens. */
  loginUrl: string
  /** The port asked for was busy and `port` is another one. */
  fellBack: boolean
  close: () => Promise<void>
}

/** What api.json records for clients (`mesh dashboard`, scripts) to find the server. */
export interface HttpInfo { url: string, host: string, port: number, pid: number }

// ---- token and api.json ----

/** The home's API token, created (32 random bytes, hex, mode 0600) when missing or malformed. */
export async function apiToken (home: string): Promise<string> {
  const existing = await readToken(home)
  if (existing !== undefined) {
    // A token readable by others (copied, or restored from a backup) is made owner-only again.
    const path = join(home, TOKEN_FILE)
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600)
    return existing
  }
  const token = randomBytes(32).toString('hex')
  await atomicWrite(join(home, TOKEN_FILE), token + '\n', 0o600)
  return token
}

export async function readToken (home: string): Promise<string | undefined> {
  try {
    const t = (await readFile(join(home, TOKEN_FILE), 'utf8')).trim()
    return /^[0-9a-f]{64}$/.test(t) ? t : undefined
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

export async function readHttpInfo (home: string): Promise<HttpInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(join(home, INFO_FILE), 'utf8')) as HttpInfo
    return typeof info?.url === 'string' && typeof info.port === 'number' ? info : undefined
  } catch (err: any) {
    if (err?.code === 'ENOENT' || err instanceof SyntaxError) return undefined
    throw err
  }
}

export const loginUrl = (url: string, token: string): string => `${url}/#token=${token}`

// ---- routes ----

interface Route {
  name: MethodName
  def: MethodDef
  re: RegExp
  params: string[]
  /** The input's JSON Schema properties: how to read each query/path string. */
  props: Record<string, any>
}

type Zod = typeof import('zod').z

function compile (z: Zod, name: MethodName, def: MethodDef): Route {
  const params: string[] = []
  const pattern = def.http.path.split('/').map(seg => {
    const m = /^\{(\w+)\}$/.exec(seg)
    if (m === null) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    params.push(m[1] as string)
    return '([^/]+)'
  }).join('/')
  const schema = z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, any> }
  return { name, def, re: new RegExp(`^${pattern}$`), params, props: schema.properties ?? {} }
}

const typeOf = (s: any): string | undefined => {
  if (s === undefined || s === null) return undefined
  if (typeof s.type === 'string') return s.type
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    const t = typeOf(alt)
    if (t !== undefined && t !== 'null') return t
  }
  return undefined
}

/** A query or path string read as what the schema expects; zod then says whether it fits. */
function coerce (schema: any, values: string[]): unknown {
  const type = typeOf(schema)
  if (type === 'array') return values.flatMap(v => v.split(',')).map(v => coerce(schema.items, [v]))
  const v = values[values.length - 1] as string
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(v)
      return v.trim() !== '' && Number.isFinite(n) ? n : v
    }
    case 'boolean': return v === 'true' || v === '' || v === '1' ? true : v === 'false' || v === '0' ? false : v
    case 'object': try { return JSON.parse(v) } catch { return v }
    default: return v
  }
}

/**
 * HTTP status for an error code: the codes the CLI exits 2 for (src/cli/exit-codes.ts, a layer
 * above this one, hence the copy) are 400, except those HTTP has a closer status for.
 */
const BAD_INPUT = new Set<string>(['USAGE', 'INVALID_INPUT', 'INVALID_SESSION_KEY', 'INVALID_WALLET', 'WALLET_MISMATCH', 'NON_DETERMINISTIC_SIGNER', 'ENTRY_TOO_LARGE'])
export function httpStatusFor (code: string | undefined, details?: Record<string, unknown>): number {
  if (code === undefined) return 500
  // Before the code's own status: a wrong pairing code is a 400, where PAIRING_FAILED is a 409.
  if (isBadInputReason(code, details)) return 400
  if (code.endsWith('NOT_FOUND') && code !== 'DAEMON_NOT_RUNNING') return 404
  if (code === 'LEASE_HELD' || code === 'SESSION_EXISTS' || code === 'PAIRING_FAILED') return 409
  if (code === 'READ_ONLY' || code === 'MISSING_CAPABILITY' || code === 'NOT_ADMIN' || code === 'DEVICE_REVOKED') return 403
  if (code === 'UNAUTHORIZED') return 401
  if (code === 'ABORTED') return 499
  if (BAD_INPUT.has(code)) return 400
  return 500
}

class HttpError extends Error {
  constructor (readonly status: number, readonly code: string, message: string) { super(message) }
}

function send (res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body === undefined ? null : body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(head ? undefined : text)
}

function sendError (res: ServerResponse, err: unknown, errorToWire: (err: unknown) => unknown): void {
  if (err instanceof HttpError) { send(res, err.status, { error: { code: err.code, message: err.message } }); return }
  const wire = errorToWire(err) // logs what is not a MeshError
  send(res, isMeshError(err) ? httpStatusFor(err.code, err.details) : 500, { error: wire })
}

async function readBody (req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new HttpError(413, 'INVALID_INPUT', `request body over ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  // JSON only: a form post from another origin cannot reach a method (it has no token either).
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'INVALID_INPUT', 'send the body as application/json')
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err: any) {
    throw new HttpError(400, 'INVALID_INPUT', `the body is not JSON: ${err?.message ?? err}`)
  }
}

// ---- static files ----

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}
const PAGE_HEADERS = {
  // The page talks to this server only (the WebSocket too: 'self' covers ws: on the same host).
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

/** The package's web/ directory, from src/api/ (tests) or dist/src/api/ (the built CLI). */
export function defaultWebDir (): string {
  for (const up of ['../../web', '../../../web']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return fileURLToPath(new URL('../../web', import.meta.url))
}

async function serveStatic (webDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed here`)
  let rel: string
  try { rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname) } catch { throw new HttpError(400, 'INVALID_INPUT', 'bad path') }
  const file = resolve(webDir, '.' + rel)
  const type = TYPES[extname(file)]
  if (!file.startsWith(webDir + sep) || type === undefined) throw new HttpError(404, 'NOT_FOUND', `no ${pathname}`)
  let body: Buffer
  try {
    if (!(await stat(file)).isFile()) throw new HttpError(404, 'NOT_FOUND', `no ${pathname}`)
    body = await readFile(file)
  } catch (err: any) {
    if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') throw new HttpError(404, 'NOT_FOUND', `no ${pathname}`)
    throw err
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...PAGE_HEADERS })
  res.end(req.method === 'HEAD' ? undefined : body)
}

// ---- the server ----

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export async function serveHttp (api: MeshApi, opts: HttpOptions): Promise<HttpServer> {
  // Loaded here, not at the top: `mesh dashboard` reads api.json and api.token from this module
  // and should not pay for them.
  const [{ errorToWire }, { logger }] = await Promise.all([import('./rpc.js'), import('@libp2p/logger')])
  // zod, the schemas, their routes, the OpenAPI document and ws: loaded by the first request, so
  // a daemon that no client talks to does not hold them (a few MB of an idle node's memory).
  let wss: WebSocketServer | undefined
  let loading: Promise<{ z: Zod, routes: Route[], openApiDocument: () => unknown, wss: WebSocketServer }> | undefined
  const load = async (): Promise<{ z: Zod, routes: Route[], openApiDocument: () => unknown, wss: WebSocketServer }> => await (loading ??= (async () => {
    const [{ z }, { METHODS }, { openApiDocument }, { WebSocketServer }] = await Promise.all([
      import('zod'), import('./schema.js'), import('./openapi.js'), import('ws')
    ])
    const routes = (Object.entries(METHODS) as Array<[MethodName, MethodDef]>).map(([name, def]) => compile(z, name, def))
    wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096, // clients only listen
      handleProtocols: (protocols) => protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false
    })
    return { z, routes, openApiDocument, wss }
  })())
  const log = logger('mesh:api:http')
  /** This run of the server (and so of the daemon's event numbering), sent in each stream's hello. */
  const run = randomBytes(8).toString('hex')
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? await apiToken(opts.home)
  const webDir = resolve(opts.webDir ?? defaultWebDir())
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  const expected = digest(token)
  // Equal-length digests, compared in constant time: neither the token nor its length leaks.
  const tokenOk = (given: string | undefined): boolean => given !== undefined && given !== '' && timingSafeEqual(digest(given), expected)
  let openapi: string | undefined
  let port = 0
  const hostOk = (h: string | undefined): boolean => {
    if (!LOOPBACK.has(host)) return true // configured to listen elsewhere: names are the user's choice
    if (h === undefined) return false
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(h)
    return m !== null && LOOPBACK.has((m[1] as string).toLowerCase()) && Number(m[2] ?? 80) === port
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req.headers.host)) throw new HttpError(421, 'INVALID_INPUT', 'this server answers only to its loopback address')
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) { await serveStatic(webDir, url.pathname, req, res); return }
    const auth = req.headers.authorization
    const m = auth !== undefined ? /^Bearer\s+(\S+)$/i.exec(auth) : null
    if (!tokenOk(m?.[1])) {
      res.setHeader('www-authenticate', 'Bearer realm="mesh"')
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong token: send Authorization: Bearer <the home\'s api.token> (`mesh dashboard` prints a login URL)')
    }
    const { routes, openApiDocument, z } = await load()
    if (url.pathname === '/api/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      openapi ??= JSON.stringify(openApiDocument())
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : openapi)
      return
    }
    const verb = req.method === 'HEAD' ? 'GET' : req.method
    let pathMatched = false
    for (const r of routes) {
      const match = r.re.exec(url.pathname)
      if (match === null) continue
      pathMatched = true
      if (r.def.http.verb !== verb) continue
      await callRoute(z, r, match, url, req, res)
      return
    }
    throw pathMatched
      ? new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed on ${url.pathname}`)
      : new HttpError(404, 'NOT_FOUND', `no API route ${req.method ?? ''} ${url.pathname}; see /api/openapi.json`)
  }

  const callRoute = async (z: Zod, r: Route, match: RegExpExecArray, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const verb = r.def.http.verb
    const raw: Record<string, unknown> = verb === 'GET' || verb === 'DELETE' ? {} : await readBody(req) as Record<string, unknown>
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HttpError(400, 'INVALID_INPUT', 'the body must be a JSON object')
    if (verb === 'GET' || verb === 'DELETE') {
      for (const k of new Set(url.searchParams.keys())) raw[k] = coerce(r.props[k], url.searchParams.getAll(k))
    }
    r.params.forEach((name, i) => {
      let v: string
      try { v = decodeURIComponent(match[i + 1] as string) } catch { throw new HttpError(400, 'INVALID_INPUT', `bad {${name}} in the path`) }
      raw[name] = coerce(r.props[name], [v])
    })
    const parsed = r.def.input.safeParse(raw)
    if (!parsed.success) throw new HttpError(400, 'INVALID_INPUT', `${r.name}: ${z.prettifyError(parsed.error)}`)
    // A client that goes away cancels its call.
    const ac = new AbortController()
    res.on('close', () => { if (!res.writableFinished) ac.abort() })
    const out = await api.call(r.name, parsed.data as any, { signal: ac.signal })
    send(res, 200, out, req.method === 'HEAD')
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) { log('an HTTP response failed half-way: %e', err); res.destroy(err as Error); return }
      sendError(res, err, errorToWire)
    })
  })

  // ---- events over a WebSocket ----
  const alive = new WeakSet<WebSocket>()
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/api/events') { refuse(socket, '404 Not Found'); return }
    if (!hostOk(req.headers.host)) { refuse(socket, '421 Misdirected Request'); return }
    // A browser names the page's origin: only our own page may open the stream.
    const origin = req.headers.origin
    if (origin !== undefined && !hostOk(hostOf(origin))) { refuse(socket, '403 Forbidden'); return }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map(s => s.trim())
    const given = url.searchParams.get('token') ?? offered.find(p => p.startsWith('bearer.'))?.slice('bearer.'.length)
    if (!tokenOk(given ?? undefined)) { refuse(socket, '401 Unauthorized'); return }
    const afterText = url.searchParams.get('after')
    const after = afterText === null ? undefined : Number(afterText)
    if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0)) { refuse(socket, '400 Bad Request'); return }
    // Sessions whose messages the client wants in full (the others give light events).
    const sessions = url.searchParams.getAll('sessions').flatMap(s => s.split(',')).filter(s => s !== '')
    // A cursor from another run of the daemon (seq restarts at 1) means nothing here: replay all.
    const clientRun = url.searchParams.get('run')
    const otherRun = after !== undefined && clientRun !== null && clientRun !== run
    // Until ws takes the socket (it listens for errors itself then), an error on it is logged.
    socket.on('error', (err) => { log('event stream socket error before the upgrade: %e', err) })
    load().then(
      ({ wss }) => { wss.handleUpgrade(req, socket, head, (ws) => { stream(ws, { after: otherRun ? 0 : after, sessions }, otherRun) }) },
      (err: unknown) => { log('loading the event stream failed: %e', err); refuse(socket, '500 Internal Server Error') }
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

  let fellBack = false
  const wanted = opts.port ?? DEFAULT_HTTP_PORT
  try {
    port = await listen(server, wanted, host)
  } catch (err: any) {
    if (err?.code !== 'EADDRINUSE' || wanted === 0 || opts.fallback === false) { stopPinger(); throw err }
    port = await listen(server, 0, host)
    fellBack = true
  }
  const shownHost = host.includes(':') ? `[${host}]` : host
  const url = `http://${shownHost}:${port}`
  const info: HttpInfo = { url, host, port, pid: process.pid }
  try {
    await atomicWrite(join(opts.home, INFO_FILE), JSON.stringify(info) + '\n', 0o600)
  } catch (err) {
    stopPinger()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    throw err
  }

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing ??= (async () => {
      stopPinger()
      for (const ws of wss?.clients ?? []) ws.close(1001, 'mesh join is stopping')
      const done = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
      server.closeAllConnections()
      for (const ws of wss?.clients ?? []) ws.terminate()
      await done
      // Only our own record: another daemon may have written its own since.
      if ((await readHttpInfo(opts.home))?.pid === process.pid) await rm(join(opts.home, INFO_FILE), { force: true })
    })()
    await closing
  }
  return { port, url, loginUrl: loginUrl(url, token), fellBack, close }
}

function hostOf (origin: string): string | undefined {
  try { return new URL(origin).host } catch { return undefined }
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

export type HttpFlag = { port: number } | 'off'

/** Reads `--http PORT|off` (default: DEFAULT_HTTP_PORT); exit 2 naming the flag when malformed. Call it before starting anything. */
export function parseHttpFlag (flag: string | undefined): HttpFlag {
  if (flag === undefined) return { port: DEFAULT_HTTP_PORT }
  if (flag === 'off') return 'off'
  const port = /^\d{1,5}$/.test(flag) ? Number(flag) : NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--http takes a port (0-65535, 0 for any free one) or "off", not "${flag}"`)
  return { port }
}

/**
 * What `mesh join` runs: serve HTTP unless `--http off`. Returns the server (undefined when off)
 * and one line for join to print.
 */
export async function startHttp (api: MeshApi, home: string, flag: string | HttpFlag | undefined): Promise<{ server?: HttpServer, line: string }> {
  const want = typeof flag === 'object' || flag === 'off' ? flag : parseHttpFlag(flag)
  if (want === 'off') return { line: 'http:         off (--http off)' }
  const server = await serveHttp(api, { home, port: want.port })
  const note = server.fellBack ? ` (port ${want.port} is busy, using ${server.port})` : ''
  return { server, line: `http:         ${server.url}${note}; \`mesh dashboard\` opens the dashboard` }
}

