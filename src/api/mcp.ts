/**
 * The API as a Model Context Protocol server. Every method in METHODS with an `mcp` name is a
 * tool whose input schema is the method's own zod schema and whose description is its summary, so
 * a method added to the schema appears here with nothing else to write. Session transcripts are
 * resources, `mesh://session/<key>`, listable and subscribable: a subscribed client gets
 * `notifications/resources/updated` when a message is appended (here or on a peer, as far as the
 * API behind it sees peers), or the session's task or lease changes.
 *
 * Beside them, the device tools of mcp-devices.ts: `devices_revoke`, guarded (see there why it
 * exists and why approving a pairing is no tool).
 *
 * The transport is the caller's (stdio for `mesh mcp`); nothing here writes to stdout, which
 * belongs to the protocol.
 *
 * @example
 * const handle = await serveMcp(api, new StdioServerTransport())
 * await handle.closed
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode as McpErrorCode, ReadResourceRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema, type CallToolResult, type JSONRPCMessage, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js'
import { isTime, parseSessionKey } from '../../crdt/index.js'
import type { z } from 'zod'
import { InvalidInputError, InvalidSessionKeyError, isMeshError, messageFor, NotFoundError } from '../errors.js'
import type { EventRecord, MeshApi } from './api.js'
import { deviceTools } from './mcp-devices.js'
import { parseInput, parseToolInput, strictInput } from './input.js'
import { METHODS, type ApiEvent, type MethodDef, type MethodName, type Output } from './schema.js'
import { errorToWire } from './wire-error.js'
import { hanging, MESSAGE_INDENT } from './words.js'

export const SESSION_URI_PREFIX = 'mesh://session/'
/** A resource read shows at most this many of the latest messages (the tools page further). */
export const TRANSCRIPT_TAIL = 200

export function sessionUri (key: string): string { return SESSION_URI_PREFIX + key }

/** The canonical session key a `mesh://session/<key>` URI names (a bare key means agent `main`). */
export function keyFromUri (uri: string): string {
  if (!uri.startsWith(SESSION_URI_PREFIX)) throw invalidParams(new NotFoundError(`no resource ${uri} here: this server's resources are ${SESSION_URI_PREFIX}<key> (resources/list names them)`, { uri }))
  const raw = uri.slice(SESSION_URI_PREFIX.length)
  let key: string
  try {
    key = decodeURIComponent(raw)
  } catch {
    throw invalidParams(new InvalidSessionKeyError(`${uri}: the key's %-escapes are not UTF-8 percent-encoding (encode it with encodeURIComponent, or write it plain)`, { uri }))
  }
  try {
    return parseSessionKey(key)
  } catch (err) {
    throw invalidParams(err)
  }
}

/**
 * The protocol's invalid params (-32602) for what a request named wrong, with mesh's own error
 * code and details as its data. Not McpError, whose message carries "MCP error -32602: " again.
 */
function invalidParams (err: unknown): Error & { code: number, data?: unknown } {
  const message = messageFor(err, 'mcp')
  return Object.assign(new Error(message), { code: McpErrorCode.InvalidParams, ...(isMeshError(err) ? { data: { code: err.code, details: err.details } } : {}) })
}

/**
 * A tool of the front-end beside the API's methods: one whose work belongs to the process the
 * agent host started, as the user and in its environment (agents_resume writes the agent's own
 * files under its CLAUDE_CONFIG_DIR or CODEX_HOME), having read what it needs through the API.
 */
export interface FrontEndTool {
  name: string
  description: string
  input: z.ZodObject
  readOnly?: boolean
  /** It may replace or remove something that cannot be restored (a host should ask its user first). */
  destructive?: boolean
  /** The same call again has no further effect. */
  idempotent?: boolean
  run: (args: any, options: { signal?: AbortSignal, progress?: ToolProgress }) => Promise<unknown>
  /** The result in words, instead of its JSON (which stays the structured content). */
  text?: (output: unknown) => string
}

/** How far a long tool call has come, told to a client that asked (its request's progressToken). */
export type ToolProgress = (progress: number, total?: number, message?: string) => void

export interface ServeMcpOptions {
  /** Reported to the client in `initialize`. */
  version?: string
  /** Tools beside the API's methods. */
  tools?: readonly FrontEndTool[]
  /** Where diagnostics go (never stdout). Default: stderr. */
  log?: (line: string) => void
}

export interface McpHandle {
  readonly server: McpServer
  /** Resolves when the transport closed (the client went away) or close() was called. */
  readonly closed: Promise<void>
  /** Closes the transport, aborting the tool calls in flight, and resolves once they have ended. */
  close: () => Promise<void>
}

/** Events that change what a session resource reads as. */
function sessionOf (e: ApiEvent): string | undefined {
  switch (e.type) {
    case 'message.appended':
    case 'task.changed':
    case 'lease.changed':
    case 'session.changed':
      return e.key
    default:
      return undefined
  }
}

/**
 * The tool annotations an agent host reads (it may ask its user before a call that is not
 * read-only, and warn of a destructive one): the method's own `mcpHints` from the schema. The
 * HTTP verb said too little: skills_add (POST) replaces a skill and its scripts, memory_set (PUT)
 * an entry, while sessions_release_lease (DELETE) destroys nothing.
 */
export function hints (def: MethodDef): { readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean, openWorldHint: boolean } {
  const h = def.mcpHints
  if (h === undefined) throw new Error(`the schema gives MCP tool ${def.mcp ?? def.summary} no mcpHints`)
  return { readOnlyHint: h.readOnly, destructiveHint: h.destructive, idempotentHint: h.idempotent, openWorldHint: false }
}

/** JSON text for every client, and the object itself as structured content where MCP allows it (objects only). */
export function toolResult (output: unknown, text?: string): CallToolResult {
  const structured = output !== null && typeof output === 'object' && !Array.isArray(output)
  return {
    content: [{ type: 'text', text: text ?? (output === undefined ? 'ok' : JSON.stringify(output, null, 2)) }],
    ...(structured ? { structuredContent: output as Record<string, unknown> } : {})
  }
}

/**
 * A failed call is a tool result with isError (the agent reads it), carrying the stable code;
 * its message with the hint phrased for an agent (the tool to call), or none.
 */
export function toolError (err: unknown): CallToolResult {
  const error = errorToWire(err, 'mcp')
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    structuredContent: { error }
  }
}

/**
 * The SDK answers a call it refuses before any handler of ours runs (arguments its input schema
 * refuses, a tool it does not know) with a bare text. Those answers carry the stable code every
 * other failure has (INVALID_INPUT, NOT_FOUND): the SDK's one place that builds them is taken
 * over. It is not public API; test/integration/mcp.test.ts fails if an SDK update moves it.
 */
function codeSdkRefusals (server: McpServer, refused: Map<string, InvalidInputError>): void {
  const s = server as unknown as { createToolError?: (message: string) => CallToolResult }
  if (typeof s.createToolError !== 'function') return
  s.createToolError = (raw: string) => {
    // Arguments refused in our words (argumentsInWords): that error itself, its details kept.
    const ours = refused.get(raw)
    if (ours !== undefined) { refused.delete(raw); return toolError(ours) }
    const message = raw.replace(/^MCP error -?\d+: /, '')
    return toolError(/^Tool \S+ not found$/.test(message) ? new NotFoundError(`${message}: tools/list names the tools this server has`) : new InvalidInputError(message))
  }
}

type ValidateToolInput = (tool: unknown, args: unknown, name: string) => Promise<unknown>

/**
 * Arguments a tool's input schema refuses are said as the socket, HTTP and the CLI say a refused
 * input (input.ts: parseInput, its error map inWords): `sessions.append: content: must be a
 * string, not 42`, not the SDK's "Input validation error: Invalid arguments for tool …" with
 * zod's own text. The SDK parses them before any handler of ours runs; where it refuses, `parse`
 * (the tool's: parseInput for a method, parseToolInput for a front-end tool) parses them again
 * and its refusal is the one sent (`refused` hands it to createToolError, which gets its message
 * alone); one ours takes (the SDK's cap on the arguments' elements) stays the SDK's. The SDK's
 * method is not public API; test/integration/mcp.test.ts fails if an SDK update moves it.
 */
function argumentsInWords (server: McpServer, parsers: ReadonlyMap<string, (args: unknown) => unknown>, refused: Map<string, InvalidInputError>): void {
  const s = server as unknown as { validateToolInput?: ValidateToolInput }
  const sdk = s.validateToolInput
  if (typeof sdk !== 'function') return
  s.validateToolInput = async (tool, args, name) => {
    try {
      return await sdk.call(server, tool, args, name)
    } catch (err) {
      const parse = parsers.get(name)
      if (parse === undefined) throw err
      try {
        parse(args ?? {})
      } catch (ours) {
        if (!(ours instanceof InvalidInputError)) throw err
        refused.set(ours.message, ours)
        throw ours
      }
      throw err
    }
  }
}

/** The issues of a ZodError as one line: each field and what is wrong. */
function issuesLine (err: { issues: Array<{ path: PropertyKey[], message: string }> }): string {
  return err.issues.map(i => `${i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : ''}${i.message.replace(/^Invalid input: /, '').replace(/\bexpected record\b/, 'expected an object')}`).join('; ')
}

/** A ZodError of zod or of zod's core (`$ZodError`, what the SDK's own parse throws). */
const isZodError = (err: unknown): err is Error & { issues: Array<{ path: PropertyKey[], message: string }> } =>
  err instanceof Error && /^\$?ZodError$/.test(err.name) && Array.isArray((err as { issues?: unknown }).issues)

/**
 * A request whose params the SDK's own schema for its method refuses (tools/call with arguments
 * "x", resources/read without a uri) is refused before any handler of ours runs, with the
 * ZodError itself: answered -32603 internal error, its message the issues as multi-line JSON.
 * It is the caller's mistake, said as the protocol's invalid params (-32602) and in one line.
 * The SDK keeps its handlers in a map that is not public API; test/integration/mcp.test.ts fails
 * if an SDK update moves it. Call it once every handler is set.
 */
function codeParamsRefusals (server: McpServer): void {
  type Handler = (request: { method: string }, extra: unknown) => Promise<unknown>
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers
  if (!(handlers instanceof Map)) return
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra)
      } catch (err) {
        throw isZodError(err) ? invalidParams(new InvalidInputError(`${method}: ${issuesLine(err)}`)) : err
      }
    })
  }
}

type Shown = Output<'sessions.show'>

/** A time as ISO 8601, or as its number when no date holds it (a document's, written by any device). */
const iso = (t: number): string => isTime(t) ? new Date(t).toISOString() : String(t)

/**
 * The transcript as an agent reads it: a header, then one block per message, its text indented
 * (as the goal's and the title's further lines are), so that no line of it reads as another
 * message's header or another of the header's lines.
 */
export function renderTranscript (s: Shown): string {
  // A title is one line, but a peer's document can hold a line break: its further lines indented, as the goal's.
  const lines = [`session: ${hanging(`${s.key}${s.title !== '' ? ` — ${s.title}` : ''}`, 'session: '.length)}`]
  if (s.goal !== '') lines.push(`goal: ${hanging(s.goal, 'goal: '.length)}`)
  const l = s.lease
  const driver = l === undefined ? '' : l.revoked === true ? ` (lease of ${l.label ?? l.device} ended: it was revoked)` : l.expired ? ` (lease of ${l.label ?? l.device} expired)` : ` (driven by ${l.label ?? l.device}${l.mine ? ', this device' : ''} until ${iso(l.expiresAt)})`
  lines.push(`status: ${s.status}${driver}`)
  const shown = s.messages.length < s.messageCount ? ` (messages ${s.firstIndex + 1}-${s.firstIndex + s.messages.length}; the sessions_show tool pages further)` : ''
  lines.push(`messages: ${s.messageCount}${shown}`, '')
  for (const m of s.messages) {
    lines.push(`[${iso(m.ts)}] ${m.role} (${m.author ?? m.device.slice(-6)}) ${m.id}:`, `${' '.repeat(MESSAGE_INDENT)}${hanging(m.content, MESSAGE_INDENT)}`, '')
  }
  return lines.join('\n')
}

/**
 * What the server tells an agent host at `initialize`. sessions_resume continues a mesh session
 * (its transcript, task and lease, for the caller to go on from); an agent's own session is
 * resumed natively by agents_resume, which writes that agent's files (when this server has it).
 */
export function instructions (agentsResume: boolean): string {
  return 'mesh replicates this agent\'s sessions, memory and skills between its owner\'s machines. ' +
    'To continue a mesh session started elsewhere, call sessions_resume: it returns the goal, task state and transcript, and takes the driver lease; read a transcript as the resource mesh://session/<key> and subscribe to it to hear of new messages. ' +
    (agentsResume
      ? 'A Claude Code, Codex, OpenClaw or Hermes session in mesh (key agent:claude|codex|openclaw|hermes:<id>) is resumed natively with agents_resume, which writes that agent\'s own files on this machine and returns the command that continues it. '
      : 'A Claude Code, Codex, OpenClaw or Hermes session in mesh (key agent:claude|codex|openclaw|hermes:<id>) is resumed natively by `mesh agent resume`, which writes that agent\'s own files. ') +
    'A message appended to such a session through mesh (sessions_append) is kept in mesh only and never reaches that agent. ' +
    'The devices tool lists the owner\'s machines; devices_revoke cuts off a lost or stolen one and cannot be undone (ask the user first). Pairing a new machine is the user\'s own decision, in the dashboard or with `mesh devices approve`.'
}

/** The longest diagnostic line serveMcp writes about what a client sent. */
const MAX_LOGGED = 300

/** A message as one line of at most MAX_LOGGED characters. */
export function oneLine (message: string): string {
  const line = message.replace(/\s*\n\s*/g, ' ')
  return line.length > MAX_LOGGED ? `${line.slice(0, MAX_LOGGED - 1)}…` : line
}

export async function serveMcp (api: MeshApi, transport: Transport, options: ServeMcpOptions = {}): Promise<McpHandle> {
  const log = options.log ?? ((line: string) => { process.stderr.write(`mesh mcp: ${line}\n`) })
  const server = new McpServer(
    { name: 'mesh', version: options.version ?? '0.1.0' },
    {
      // Declared up front so the handlers exist before connect(); `subscribe` is ours to serve.
      capabilities: { tools: { listChanged: false }, resources: { subscribe: true, listChanged: true } },
      instructions: instructions((options.tools ?? []).some(t => t.name === 'agents_resume'))
    }
  )

  /** Each tool's parse of its arguments in the API's words, and the refusals on their way to createToolError (argumentsInWords). */
  const parsers = new Map<string, (args: unknown) => unknown>()
  const refused = new Map<string, InvalidInputError>()
  codeSdkRefusals(server, refused)
  argumentsInWords(server, parsers, refused)

  // Tool calls and resource reads in flight: close() waits for them, so nothing of a call runs after it resolves.
  const inFlight = new Set<Promise<unknown>>()
  const running = async <T>(fn: () => Promise<T>): Promise<T> => {
    const p = fn()
    inFlight.add(p)
    try { return await p } finally { inFlight.delete(p) }
  }
  const failed = (tool: string, err: unknown, signal: AbortSignal): CallToolResult => {
    // Aborted: the client cancelled the call or hung up, and the SDK drops this result unsent.
    if (!isMeshError(err) && !signal.aborted) log(`${tool} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    return toolError(err)
  }

  for (const [method, def] of Object.entries(METHODS) as Array<[MethodName, MethodDef]>) {
    if (def.mcp === undefined) continue
    parsers.set(def.mcp, args => parseInput(method, def, args))
    server.registerTool(def.mcp, {
      description: def.summary,
      inputSchema: strictInput(def),
      annotations: hints(def)
    }, async (args: unknown, extra) => await running(async () => {
      try {
        return toolResult(await api.call(method, args as never, { signal: extra.signal }))
      } catch (err) {
        return failed(def.mcp ?? method, err, extra.signal)
      }
    }))
  }

  for (const t of [...deviceTools(api), ...(options.tools ?? [])]) {
    parsers.set(t.name, args => parseToolInput(t.name, t.input, args))
    server.registerTool(t.name, {
      description: t.description,
      // Strict as the schema's tools are: a field the tool does not take is refused, not dropped unsaid.
      inputSchema: t.input.strict(),
      annotations: { readOnlyHint: t.readOnly === true, destructiveHint: t.destructive === true, idempotentHint: t.idempotent === true, openWorldHint: false }
    }, async (args: unknown, extra) => await running(async () => {
      try {
        const token = extra._meta?.progressToken
        const progress: ToolProgress | undefined = token === undefined
          ? undefined
          : (n, total, message) => {
              extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: n, total, message } }).catch((err: unknown) => { log(`progress of ${t.name} not sent: ${(err as Error)?.message ?? String(err)}`) })
            }
        const out = await t.run(args, { signal: extra.signal, progress })
        return toolResult(out, t.text?.(out))
      } catch (err) {
        return failed(t.name, err, extra.signal)
      }
    }))
  }

  // registerTool declares `tools.listChanged: true` over ours; this server's tools never change
  // once it runs, so a host must not wait for a list_changed that never comes.
  server.server.registerCapabilities({ tools: { listChanged: false } })

  const readSession = async (uri: string, signal: AbortSignal): Promise<ReadResourceResult> => await running(async () => {
    const key = keyFromUri(uri)
    let shown: Shown
    try {
      shown = await api.call('sessions.show', { key, tail: TRANSCRIPT_TAIL }, { signal })
    } catch (err) {
      // Resource reads have no isError result: a missing session is the protocol's invalid params.
      throw invalidParams(err)
    }
    return {
      contents: [
        { uri, mimeType: 'text/plain', text: renderTranscript(shown) },
        { uri, mimeType: 'application/json', text: JSON.stringify(shown) }
      ]
    }
  })
  server.registerResource('session', new ResourceTemplate(`${SESSION_URI_PREFIX}{key}`, {
    list: async (extra) => await running(async () => {
      const sessions = await api.call('sessions.list', {}, { signal: extra.signal })
      return { resources: sessions.map(s => ({ uri: sessionUri(s.key), name: s.key, title: s.title !== '' ? s.title : s.key, mimeType: 'text/plain' })) }
    })
  }), {
    description: 'A session\'s transcript (the latest messages) with its goal, status and driver; subscribe to hear of appends from any device',
    mimeType: 'text/plain'
  }, async (uri, _vars, extra) => await readSession(uri.href, extra.signal))
  // Every read is ours, not only those the template matches: the SDK refuses any other URI with
  // an McpError, whose message already begins "MCP error -32602: ", which the client's McpError
  // then begins again. keyFromUri refuses it as every refusal here is made (invalidParams).
  server.server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => await readSession(req.params.uri, extra.signal))

  // Subscriptions by canonical key, each with the URIs the client used (notifications name those)
  // and the API subscription that pins that one session (keeps it open, so its changes are told in
  // full). One subscription per key, made and ended with it: one carrying every key, made anew at
  // each change, cost the API (and a daemon behind it) the whole set again for each subscribe.
  const subscribed = new Map<string, { uris: Set<string>, unpin: () => void }>()
  const notify = (p: Promise<void>, what: string): void => {
    p.catch((err: unknown) => { log(`could not send ${what}: ${err instanceof Error ? err.message : String(err)}`) })
  }
  const onEvent = ({ event }: EventRecord): void => {
    if (!server.isConnected()) return
    if (event.type === 'session.created') { server.sendResourceListChanged(); return }
    const key = sessionOf(event)
    if (key === undefined) return
    for (const uri of subscribed.get(key)?.uris ?? []) notify(server.server.sendResourceUpdated({ uri }), `resources/updated for ${uri}`)
  }
  // Every event reaches onEvent through one subscription, in place for as long as the server runs.
  let unsubscribe: (() => void) | undefined
  let open = true

  server.server.setRequestHandler(SubscribeRequestSchema, (req) => {
    const key = keyFromUri(req.params.uri)
    let sub = subscribed.get(key)
    if (sub === undefined) {
      if (!open) return {}
      // A new function each time: the API keys its listeners by function.
      subscribed.set(key, sub = { uris: new Set(), unpin: api.subscribe(() => {}, { sessions: [key] }) })
    }
    sub.uris.add(req.params.uri)
    return {}
  })
  server.server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    const key = keyFromUri(req.params.uri)
    const sub = subscribed.get(key)
    sub?.uris.delete(req.params.uri)
    if (sub?.uris.size === 0) { subscribed.delete(key); sub.unpin() }
    return {}
  })

  let resolveClosed!: () => void
  const closed = new Promise<void>(resolve => { resolveClosed = resolve })
  server.server.onclose = () => {
    open = false
    unsubscribe?.()
    unsubscribe = undefined
    for (const sub of subscribed.values()) sub.unpin()
    subscribed.clear()
    resolveClosed()
  }
  server.server.onerror = (err) => {
    // One line, at most MAX_LOGGED characters: stderr is a host's log, and a message may quote
    // whatever the client sent.
    log(`protocol error: ${oneLine(err.message)}`)
    // A line that is not JSON: answered as JSON-RPC says (-32700, id null), so a client driven by
    // hand learns what was wrong instead of waiting for a reply. JSON that is no message is
    // answered by the stdio transport (mcp-stdio.ts), where it is read.
    if (err instanceof SyntaxError && open) void transport.send({ jsonrpc: '2.0', id: null, error: { code: McpErrorCode.ParseError, message: `not JSON: ${err.message}` } } as unknown as JSONRPCMessage).catch((e: unknown) => { log(`could not answer it: ${(e as Error)?.message ?? String(e)}`) })
  }
  codeParamsRefusals(server)
  await server.connect(transport)
  if (open) unsubscribe = api.subscribe(onEvent)
  return {
    server,
    closed,
    // Closing the transport aborts the calls in flight (their results are dropped); wait for them.
    close: async () => { await server.close(); await Promise.allSettled(inFlight) }
  }
}
