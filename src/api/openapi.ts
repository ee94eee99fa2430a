/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the one schema (METHODS, EventSchema): served
 * at GET /api/openapi.json and committed as web/openapi.json (a test keeps the two equal but for
 * `servers`; `node scripts/generate-openapi.js` rewrites the file after a build).
 *
 * @example
 * const doc = openApiDocument()
 * doc.paths['/api/status'].get.operationId // 'status'
 */
import { z } from 'zod'
import { EventSchema, METHODS, type MethodDef } from './schema.js'
import { strictInput } from './input.js'

type Json = Record<string, any>

/** Schemas zod emits with `$defs` (recursive or registered types) move under components. */
function hoist (schema: Json, components: Json): Json {
  const { $schema: _drop, $defs, ...rest } = schema
  const rewrite = (v: any): any => {
    if (Array.isArray(v)) return v.map(rewrite)
    if (v === null || typeof v !== 'object') return v
    const out: Json = {}
    for (const [k, x] of Object.entries(v)) out[k] = k === '$ref' && typeof x === 'string' ? x.replace(/^#\/\$defs\//, '#/components/schemas/') : rewrite(x)
    return out
  }
  for (const [name, def] of Object.entries(($defs ?? {}) as Json)) components[name] = rewrite(def)
  return rewrite(rest)
}

const ERROR = {
  type: 'object',
  description: 'Every failure: a stable code (see README "Exit codes"), a message for people, and details.',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
      required: ['code', 'message']
    }
  },
  required: ['error']
}

const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })

function operation (name: string, def: MethodDef, schemas: Json): Json {
  const input = hoist(z.toJSONSchema(strictInput(def), { io: 'input', unrepresentable: 'any' }) as Json, schemas)
  const output = hoist(z.toJSONSchema(def.output, { io: 'output', unrepresentable: 'any' }) as Json, schemas)
  const props: Json = input.properties ?? {}
  const required = new Set<string>(input.required ?? [])
  const inPath = [...def.http.path.matchAll(/\{(\w+)\}/g)].map(m => m[1] as string)
  const parameters: Json[] = inPath.map(p => ({ name: p, in: 'path', required: true, description: props[p]?.description, schema: props[p] ?? { type: 'string' } }))
  const op: Json = {
    operationId: name,
    summary: def.summary,
    tags: [name.split('.')[0]],
    parameters
  }
  const rest = Object.keys(props).filter(k => !inPath.includes(k))
  if (def.http.verb === 'GET' || def.http.verb === 'DELETE') {
    for (const k of rest) parameters.push({ name: k, in: 'query', required: required.has(k), description: props[k]?.description, schema: props[k] })
  } else {
    const body: Json = { ...input, properties: Object.fromEntries(rest.map(k => [k, props[k]])) }
    const req = [...required].filter(k => rest.includes(k))
    if (req.length > 0) body.required = req
    else delete body.required
    op.requestBody = { required: req.length > 0, content: { 'application/json': { schema: body } } }
  }
  if (parameters.length === 0) delete op.parameters
  op.responses = {
    200: { description: 'the result', content: { 'application/json': { schema: output } } },
    400: errorResponse(`bad input (INVALID_INPUT and other usage codes; PAIRING_FAILED with reason wrong-code, a code typed wrong), including ${def.http.verb === 'GET' || def.http.verb === 'DELETE' ? 'a request body (input goes in the query), and a query parameter given twice but a list\'s' : 'a query parameter (input goes in the JSON body)'}`),
    401: errorResponse('no token or a wrong one'),
    // Each status the server answers (http.ts, http-routes.ts, http-deadlines.ts), so a generated client expects them.
    default: errorResponse('any other failure: 403 READ_ONLY / MISSING_CAPABILITY / NOT_ADMIN / DEVICE_REVOKED; 404 *_NOT_FOUND; 405 a method the path does not take (Allow names those it does); 408 ABORTED with reason timeout (a wait\'s timeoutMs ran out, or the request was not sent within the server\'s deadlines); 409 LEASE_HELD / LEASE_NOT_HELD / SESSION_EXISTS / PAIRING_FAILED / AGENT_BUSY / FILE_EXISTS; 413 a body over 16 MiB; 415 a body that is not application/json; 421 a Host header that is not this server\'s loopback address and port; 500 INTERNAL and other failures')
  }
  if (def.http.notFound !== undefined) op.responses[404] = errorResponse(`nothing there (NOT_FOUND), as a GET of it answers 404: over HTTP a 200 answer's ${def.http.notFound.when} is always true`)
  if (def.writes === true) op['x-mesh-writes'] = true
  if (def.mcp !== undefined) op['x-mesh-mcp-tool'] = def.mcp
  return op
}

/** The documented default address: what the committed document names (http.ts's DEFAULT_HTTP_PORT). */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:7433'

export interface OpenApiOptions {
  /**
   * The address of the server that serves the document. A client generated from it sends this
   * home's bearer token there, so a daemon on another port must name its own: the default port
   * may be another home's daemon, or anything else. @default DEFAULT_SERVER_URL (the committed file)
   */
  serverUrl?: string
}

export function openApiDocument (opts: OpenApiOptions = {}): Json {
  const schemas: Json = { Error: ERROR }
  const paths: Json = {}
  for (const [name, def] of Object.entries(METHODS) as Array<[string, MethodDef]>) {
    const item: Json = paths[def.http.path] ?? (paths[def.http.path] = {})
    item[def.http.verb.toLowerCase()] = operation(name, def, schemas)
  }
  schemas.Event = hoist(z.toJSONSchema(EventSchema, { io: 'output', unrepresentable: 'any' }) as Json, schemas)
  schemas.StreamHello = {
    type: 'object',
    description: 'The first message of the event stream.',
    properties: { hello: { type: 'object', properties: { run: { type: 'string' }, reset: { type: 'boolean' } }, required: ['run', 'reset'] } },
    required: ['hello']
  }
  schemas.EventRecord = {
    type: 'object',
    description: 'One frame of the event stream: seq is monotonic per daemon run; resume with ?after=<seq>.',
    properties: { seq: { type: 'integer', minimum: 1 }, event: { $ref: '#/components/schemas/Event' } },
    required: ['seq', 'event']
  }
  paths['/api/events'] = {
    get: {
      operationId: 'events',
      summary: 'WebSocket (upgrade): first {"hello":{"run","reset"}}, then one JSON EventRecord per message, replaying those after ?after= first; reset true means events were missed (another run, or beyond the buffer): reload. Token as ?token= or as the subprotocol "bearer.<token>" beside "mesh.events".',
      tags: ['events'],
      parameters: [
        { name: 'after', in: 'query', required: false, description: 'the last seq this client saw; events after it are replayed, then live ones follow', schema: { type: 'integer', minimum: 0 } },
        { name: 'sessions', in: 'query', required: false, description: 'session keys (comma-separated or repeated) the daemon keeps open while the stream lasts, so their changes from other devices come in full (messages, task, lease); a change from another device to a session nothing holds open comes as session.changed. Not a filter: every stream gets every event', schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: false },
        { name: 'run', in: 'query', required: false, description: 'the run from the hello of the stream the cursor came from; a different run replays everything buffered, with reset', schema: { type: 'string' } },
        { name: 'token', in: 'query', required: false, description: 'the API token, for clients that cannot send Authorization on a WebSocket', schema: { type: 'string' } }
      ],
      responses: {
        101: { description: 'switching to the WebSocket; each message is an EventRecord', content: { 'application/json': { schema: { $ref: '#/components/schemas/EventRecord' } } } },
        // What http-events.ts refuses an upgrade with, and http.ts a plain request.
        400: errorResponse('after is not a whole number 0 or more, a query parameter the stream does not take, or one but sessions given twice (INVALID_INPUT)'),
        401: errorResponse('no token or a wrong one (UNAUTHORIZED)'),
        403: errorResponse('an Origin header that is not this server\'s own page (UNAUTHORIZED)'),
        405: errorResponse('a method other than GET (Allow: GET)'),
        421: errorResponse('a Host header that is not this server\'s loopback address and port'),
        426: errorResponse('a request without Upgrade: websocket (the response names it in Upgrade)'),
        500: errorResponse('the stream could not start (INTERNAL; the daemon\'s log says why)')
      }
    }
  }
  paths['/api/proof'] = {
    get: {
      operationId: 'proof',
      summary: 'The server proves it holds the token, without the client sending it: proof = hex HMAC-SHA256 keyed with the token over "mesh dashboard server proof\\n" + the Host header (lowercase) + "\\n" + nonce. The dashboard checks it before it sends its token to an address again.',
      tags: ['meta'],
      security: [],
      parameters: [{ name: 'nonce', in: 'query', required: true, description: 'fresh random bytes, 32 to 128 lowercase hex digits', schema: { type: 'string', pattern: '^[0-9a-f]{32,128}$' } }],
      responses: {
        200: { description: 'the proof', content: { 'application/json': { schema: { type: 'object', properties: { proof: { type: 'string' } }, required: ['proof'] } } } },
        400: errorResponse('no nonce, or not 32 to 128 lowercase hex digits (INVALID_INPUT)'),
        421: errorResponse('a Host header that is not this server\'s loopback address and port')
      }
    }
  }
  paths['/api/login-codes'] = {
    post: {
      operationId: 'loginCode',
      summary: 'A single-use login code for the dashboard, good for 10 minutes: what `mesh dashboard` puts in its link (`/#code=…`) instead of the token, so a browser\'s history keeps nothing that opens the API. At most 16 are outstanding; one more drops the oldest.',
      tags: ['meta'],
      responses: {
        200: { description: 'the code, when it expires (ms since the epoch), and the login URL carrying it', content: { 'application/json': { schema: { type: 'object', properties: { code: { type: 'string', pattern: '^[0-9a-f]{32}$' }, expiresAt: { type: 'integer' }, loginUrl: { type: 'string' } }, required: ['code', 'expiresAt', 'loginUrl'] } } } },
        401: errorResponse('no token or a wrong one (UNAUTHORIZED)'),
        405: errorResponse('a method other than POST (Allow: POST)')
      }
    }
  }
  paths['/api/login'] = {
    post: {
      operationId: 'login',
      summary: 'Trades a login code (POST /api/login-codes) for the token, once: the code is used up whether it was good or not.',
      tags: ['meta'],
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { code: { type: 'string', pattern: '^[0-9a-f]{32}$' } }, required: ['code'], additionalProperties: false } } } },
      responses: {
        200: { description: 'the token', content: { 'application/json': { schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } } } },
        400: errorResponse('no code, or a body that is not {"code": "<32 lowercase hex digits>"} (INVALID_INPUT)'),
        401: errorResponse('a code this daemon did not issue, already used, or expired (UNAUTHORIZED)'),
        405: errorResponse('a method other than POST (Allow: POST)'),
        421: errorResponse('a Host header that is not this server\'s loopback address and port')
      }
    }
  }
  paths['/api/openapi.json'] = {
    get: { operationId: 'openapi', summary: 'this document', tags: ['meta'], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mesh local API',
      version: '1',
      description: 'The local API of a running `mesh join`, on 127.0.0.1 (default port 7433). Every /api request needs the bearer token in the home\'s api.token; `mesh dashboard` prints a login URL with a single-use code the dashboard trades for it (POST /api/login).'
    },
    servers: [opts.serverUrl === undefined
      ? { url: DEFAULT_SERVER_URL, description: 'the default port; a daemon listening on another one serves this document at /api/openapi.json with its own address' }
      : { url: opts.serverUrl, description: 'the daemon that served this document' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the hex token in the home\'s api.token (0600)' } },
      schemas
    }
  }
}

/** The document as committed in web/openapi.json (two-space JSON and a final newline). */
export const openApiText = (): string => JSON.stringify(openApiDocument(), null, 2) + '\n'
