/**
 * The API's REST routes, one per method, derived from METHODS[*].http: matching a path, reading
 * a method's input from the path and from the query (GET, DELETE) or the JSON body (POST, PUT),
 * each string read as the schema expects and zod then judging it, and the HTTP status of an
 * error, by its stable code.
 */
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { AbortedError, isBadInputReason, isMeshError, MeshError, NotFoundError, type ErrorCode } from '../errors.js'
import type { MeshApi } from './api.js'
import { parseSessionKey } from '../../crdt/session-key.js'
import { parseInput } from './input.js'
import type { MethodDef, MethodName } from './schema.js'
import { errorToWire } from './wire-error.js'

/** The largest body a request with the token may send (a request without it is held to its route's own limit). */
export const MAX_BODY = 16 * 1024 * 1024

export interface Route {
  name: MethodName
  def: MethodDef
  re: RegExp
  params: string[]
  /** The input's JSON Schema properties: how to read each query/path string. */
  props: Record<string, any>
}

export type Zod = typeof import('zod').z

export function compile (z: Zod, name: MethodName, def: MethodDef): Route {
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
  const v = values[0] as string
  switch (type) {
    // Decimal digits only, as the CLI reads a count: Number() took 0x10, 1e3 and " 1" as well.
    case 'integer': return /^-?\d+$/.test(v) ? Number(v) : v
    case 'number': return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
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
  if (code === 'LEASE_HELD' || code === 'LEASE_NOT_HELD' || code === 'SESSION_EXISTS' || code === 'PAIRING_FAILED' || code === 'AGENT_BUSY' || code === 'FILE_EXISTS') return 409
  if (code === 'READ_ONLY' || code === 'MISSING_CAPABILITY' || code === 'NOT_ADMIN' || code === 'DEVICE_REVOKED') return 403
  if (code === 'UNAUTHORIZED') return 401
  // A wait's own timeout ran out (408), or the client went away (499: nobody reads it).
  if (code === 'ABORTED') return details?.reason === 'timeout' ? 408 : 499
  if (BAD_INPUT.has(code)) return 400
  return 500
}

/** A refusal of the HTTP layer itself (before a method runs), with its status and code: a MeshError, so its body has the one wire shape. */
export class HttpError extends MeshError {
  static override name = 'HttpError'
  /** `headers`: sent with the error (a 405's Allow). */
  constructor (readonly status: number, code: ErrorCode, message: string, readonly headers: Record<string, string> = {}) { super(code, message) }
}

/**
 * The request's target as a URL. Node's parser lets through targets that are no URL
 * (`GET http://[::1 HTTP/1.1`): a 400, where it was a 500 INTERNAL "Invalid URL" (and, on an
 * upgrade, an exception that ended the daemon).
 */
export function requestUrl (req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://localhost')
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', 'the request target is neither a path nor a URL')
  }
}

export function send (res: ServerResponse, status: number, body: unknown, head = false, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body === undefined ? null : body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(head ? undefined : text)
}

/** The status an error is answered with. */
const statusOf = (err: unknown): number => err instanceof HttpError ? err.status : isMeshError(err) ? httpStatusFor(err.code, err.details) : 500

export function sendError (res: ServerResponse, err: unknown): void {
  send(res, statusOf(err), { error: errorToWire(err) }, false, err instanceof HttpError ? err.headers : {})
}

/**
 * An error answered straight on a socket, where there is no response object (a request deadline
 * that ran out, an event stream refused before its upgrade): the one JSON shape sendError gives,
 * so a client reads every failure the same way; the connection closes after it.
 */
export function rawError (err: unknown): string {
  const status = statusOf(err)
  const text = JSON.stringify({ error: errorToWire(err) })
  const headers: Record<string, string | number> = {
    ...(err instanceof HttpError ? err.headers : {}),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close'
  }
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${text}`
}

/** How long a refused socket may take to take its answer before it is destroyed anyway. */
const REFUSED_LINGER_MS = 2_000

/**
 * Answers `err` straight on a socket and closes it. end() alone sends only our FIN: the server
 * allows half-open sockets, so one whose client never closes its side stayed open (a descriptor
 * each, and server.close() waited for it). It is destroyed once the answer is written, or after
 * REFUSED_LINGER_MS if the client does not take it.
 */
export function refuseSocket (socket: Duplex, err: unknown): void {
  const timer = setTimeout(() => { socket.destroy() }, REFUSED_LINGER_MS)
  timer.unref()
  socket.once('close', () => { clearTimeout(timer) })
  socket.once('finish', () => { socket.destroy() })
  socket.end(rawError(err))
}

/**
 * Node's answer to a request its parser refuses (server 'clientError'), in the API's error shape:
 * Node's own 400 and 431 have empty bodies. A socket already reset or closed is only let go, and
 * so is one whose answer to an earlier (pipelined) request has begun: ours would land inside it.
 */
export function refuseUnparsed (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true) { socket.destroy(); return }
  const refusal = err.code === 'HPE_HEADER_OVERFLOW'
    ? new HttpError(431, 'INVALID_INPUT', `the request's headers are larger than this server reads (${maxHeaderSize} bytes)`)
    : new HttpError(400, 'INVALID_INPUT', `malformed HTTP request (${err.code ?? err.message})`)
  // Destroyed once the answer is out, as every refused socket is: end() alone left the socket of
  // a client that never closes its side open for ever (a descriptor each, until none was left).
  refuseSocket(socket, refusal)
}

/**
 * A refusal of a body the server does not read to its end: the connection closes once the answer
 * is out (Node then destroys the socket), so a client that sends on is not read further.
 */
const unread = (status: number, message: string): HttpError => new HttpError(status, 'INVALID_INPUT', message, { connection: 'close' })
const tooLarge = (max: number): HttpError => unread(413, `request body over ${max} bytes`)
/** The client went before its body was all in. */
const closedEarly = (): AbortedError => new AbortedError('the client closed its connection before its request body was in', { reason: 'closed' })

/**
 * The request's body, whole, at most `max` bytes: past them `refusal()` is thrown, before a byte
 * is read when the Content-Length says so, else as soon as the bytes pass it (a chunked body);
 * nothing past `max` is buffered. Reading the body to its end before looking at it let a client
 * without the token make the server hold 16 MiB per connection (a login body is a few bytes).
 */
async function readRaw (req: IncomingMessage, max: number, refusal: () => HttpError = () => tooLarge(max)): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > max) throw refusal()
  if (req.readableEnded) return Buffer.alloc(0)
  // Aborted before this read began: its close has been told already, and would never come again.
  if (req.destroyed) throw closedEarly()
  return await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      // Not read further: the refusal closes the connection.
      if (size > max) { settle(); req.pause(); reject(refusal()); return }
      chunks.push(chunk)
    }
    const onEnd = (): void => { settle(); resolve(Buffer.concat(chunks, size)) }
    const onError = (err: Error): void => { settle(); reject(err) }
    const onClose = (): void => { settle(); reject(closedEarly()) }
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', onError)
    req.once('close', onClose)
  })
}

/**
 * The request's JSON body (`{}` when empty; 413, 415 or 400 when too large, not JSON or
 * malformed). The type is looked at first: a body of another type is refused unread.
 */
export async function readBody (req: IncomingMessage, max = MAX_BODY): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  // JSON only: a form post from another origin cannot reach a method (it has no token either).
  const json = /^application\/json\b/i.test(type)
  const body = json ? await readRaw(req, max) : await readRaw(req, 0, () => unread(415, 'send the body as application/json'))
  if (body.length === 0) return {}
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err: any) {
    throw new HttpError(400, 'INVALID_INPUT', `the body is not JSON: ${err?.message ?? err}`)
  }
}

/** What a route takes besides its path parameters, said as inputIssues says it. */
function takes (r: Route): string {
  const fields = Object.keys(r.def.input.shape).filter(k => !r.params.includes(k))
  return fields.length > 0 ? `it takes ${fields.join(', ')}` : 'it takes nothing besides its path'
}

/**
 * A method's input comes from one place besides its path: the query for GET and DELETE, the JSON
 * body for the others. Input sent in the other place is refused rather than dropped unsaid, as a
 * field the method does not take is: `POST /api/sessions?title=x` created a session without its
 * title, `?force=true` on an append did not force it, and a caller could not tell.
 */
async function refuseMisplaced (r: Route, url: URL, req: IncomingMessage): Promise<void> {
  const where = `${req.method ?? r.def.http.verb} ${url.pathname}`
  if (r.def.http.verb === 'GET' || r.def.http.verb === 'DELETE') {
    // Refused at its first byte (or its Content-Length), unread: the connection closes after the answer.
    await readRaw(req, 0, () => unread(400, `${r.name}: a request body is refused: ${where} takes its input in the query string (${takes(r)})`))
    return
  }
  const keys = [...new Set(url.searchParams.keys())]
  if (keys.length > 0) {
    throw new HttpError(400, 'INVALID_INPUT', `${r.name}: ${keys.length === 1 ? 'query parameter' : 'query parameters'} ${keys.map(k => `"${k}"`).join(', ')} refused: ${where} takes its input as a JSON body (${takes(r)})`)
  }
}

/** Calls a route's method with the input read from its path and its query or body, and sends the result. */
export async function callRoute (api: MeshApi, r: Route, match: RegExpExecArray, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const verb = r.def.http.verb
  await refuseMisplaced(r, url, req)
  const raw: Record<string, unknown> = verb === 'GET' || verb === 'DELETE' ? {} : await readBody(req) as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HttpError(400, 'INVALID_INPUT', 'the body must be a JSON object')
  if (verb === 'GET' || verb === 'DELETE') {
    for (const k of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(k)
      // One value each, but a list's (its values add up): ?tail=1&tail=2 read the last one unsaid.
      // One the method does not take is left to the parse, which names it as unknown.
      if (values.length > 1 && r.props[k] !== undefined && typeOf(r.props[k]) !== 'array') throw new HttpError(400, 'INVALID_INPUT', `${r.name}: query parameter "${k}" given ${values.length} times: it takes one value`)
      raw[k] = coerce(r.props[k], values)
    }
  }
  r.params.forEach((name, i) => {
    let v: string
    try { v = decodeURIComponent(match[i + 1] as string) } catch { throw new HttpError(400, 'INVALID_INPUT', `bad {${name}} in the path`) }
    const inPath = coerce(r.props[name], [v])
    // Given again beside the path: the same value is no harm, another one is refused. The path's
    // silently won, so an append whose body named another session went to the path's.
    if (name in raw && raw[name] !== inPath && !sameSessionKey(r.name, name, raw[name], inPath)) {
      const where = verb === 'GET' || verb === 'DELETE' ? 'query' : 'body'
      throw new HttpError(400, 'INVALID_INPUT', `${r.name}: ${name} ${JSON.stringify(raw[name])} in the ${where} is not ${JSON.stringify(inPath)} in the path: ${req.method ?? verb} ${url.pathname} takes ${name} from its path (leave it out of the ${where})`)
    }
    raw[name] = inPath
  })
  const input = parseInput(r.name, r.def, raw) as Record<string, unknown>
  // A client that goes away cancels its call.
  const ac = new AbortController()
  res.on('close', () => { if (!res.writableFinished) ac.abort() })
  const out = await api.call(r.name, input as any, { signal: ac.signal })
  const notFound = r.def.http.notFound
  if (notFound !== undefined && (out as Record<string, unknown>)[notFound.when] === false) {
    throw new NotFoundError(notFound.message.replace(/\{(\w+)\}/g, (_, p: string) => String(input[p])), Object.fromEntries(r.params.map(p => [p, input[p]])))
  }
  send(res, 200, out, req.method === 'HEAD')
}

/** A session key named two ways (`s1` and `agent:main:s1`) is one key, on a session's routes. */
function sameSessionKey (method: string, name: string, a: unknown, b: unknown): boolean {
  if (name !== 'key' || !/^(sessions|lease|agents)\./.test(method) || typeof a !== 'string' || typeof b !== 'string') return false
  try { return parseSessionKey(a) === parseSessionKey(b) } catch { return false }
}
