/**
 * The stdio transport of `mesh mcp`: the SDK's StdioServerTransport, JSON-RPC as newline-ended
 * lines, except for a line too long to take. The SDK's transport closes itself on one (its read
 * buffer holds 10 MiB), so an agent that passed a huge string to a tool lost every mesh tool for
 * the rest of its session, with no answer to the call. Here such a line is skipped unread (only
 * its first and last bytes are kept, to find its id and method) and answered: a tool call with
 * an isError result carrying INVALID_INPUT, any other request with the protocol's invalid
 * request (-32600). Nothing mesh takes comes near the limit: one append is at most 960 KiB.
 *
 * A line that is JSON but no message (no "jsonrpc", no method, an id of null, no object, a batch)
 * is answered as JSON-RPC says (-32600, its id where one can be read, else null; never what may
 * be a response; a batch by an array) and told to
 * onerror in one line (mcp-invalid.ts): the SDK's transport gave onerror its schema's whole
 * multi-line complaint and answered nothing, so the client waited for ever.
 *
 * And unlike the SDK's, it closes when stdin ends (or the stream closes): over stdio that is how
 * the host says it is gone, so onclose fires and a server on it ends without anyone else
 * watching stdin. Requests read before the end, a last one without its newline too, are answered
 * first (a script may pipe one request in and close the pipe at once), for at most
 * ANSWER_AFTER_END_MS.
 *
 * @example
 * await serveMcp(api, new LineStdioServerTransport())
 */
import { stdin as processStdin, stdout as processStdout } from 'node:process'
import type { Readable, Writable } from 'node:stream'
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode as McpErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { MAX_APPEND_BYTES } from '../../crdt/index.js'
import { InvalidInputError } from '../errors.js'
import { LineReader } from './line-reader.js'
import { invalidMessage } from './mcp-invalid.js'
import { toolError } from './mcp.js'

/** The longest line read. @default 10 MiB, as the SDK's own transport. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024
/** How long requests read before stdin ended may take to be answered before the transport closes anyway. */
export const ANSWER_AFTER_END_MS = 60_000

type Id = string | number

/** The request id and method of a line seen only by its start and end (a request's id comes first or last). */
export function sniffRequest (head: string, tail: string): { id?: Id, method?: string } {
  const idAt = (m: RegExpMatchArray | null): Id | undefined => m?.[1] === undefined ? undefined : m[1].startsWith('"') ? JSON.parse(m[1]) as string : Number(m[1])
  const idHead = /^\s*\{(?:\s*"(?:jsonrpc|method)"\s*:\s*"[^"\\]*"\s*,)*\s*"id"\s*:\s*(-?\d+|"[^"\\]*")/.exec(head)
  const idTail = /"id"\s*:\s*(-?\d+|"[^"\\]*")\s*\}\s*$/.exec(tail)
  const method = /^\s*\{(?:\s*"(?:jsonrpc|id)"\s*:\s*(?:-?\d+|"[^"\\]*")\s*,)*\s*"method"\s*:\s*"([^"\\]*)"/.exec(head)?.[1]
  return { id: idAt(idHead) ?? idAt(idTail), method }
}

export class LineStdioServerTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void

  private started = false
  private closed = false
  /**
   * Requests read and neither answered nor cancelled, by id (JSON-encoded, so 1 and "1" differ),
   * with how many are open under it (a host may reuse an id before its answer).
   */
  private readonly unanswered = new Map<string, number>()
  /** Set once stdin ended while requests were unanswered: the transport closes when they are. */
  private ending: NodeJS.Timeout | undefined
  private readonly reader: LineReader
  /** Set while stdout holds more than it takes at once: every message written meanwhile waits for it. */
  private draining: Promise<void> | undefined

  constructor (
    private readonly stdin: Readable = processStdin,
    private readonly stdout: Writable = processStdout,
    private readonly maxLine = MAX_LINE_BYTES
  ) {
    // One message a line; a line over maxLine is skipped unread, only its ends kept to answer it (line-reader.ts).
    this.reader = new LineReader(line => { this.onLine(line) }, { max: maxLine, onTooLong: s => { this.refuse(s.head, s.tail, s.bytes) } })
  }

  async start (): Promise<void> {
    if (this.started) throw new Error('LineStdioServerTransport already started')
    this.started = true
    this.stdin.on('data', this.ondata)
    this.stdin.on('error', this.onStdinError)
    this.stdin.on('end', this.onStdinEnd)
    this.stdin.on('close', this.onStdinEnd)
  }

  private readonly onStdinError = (err: Error): void => { this.onerror?.(err) }
  /**
   * The host closed our stdin: nothing more comes, and what was asked is answered first. A last
   * line the host left without its newline is read as a line (a script's `printf` of one request
   * sent it, and it was dropped unanswered, a tool call never run).
   */
  private readonly onStdinEnd = (): void => {
    if (!this.closed && this.ending === undefined) this.reader.end()
    if (this.unanswered.size === 0) {
      void this.close()
      return
    }
    if (this.ending !== undefined) return
    this.stdin.off('data', this.ondata)
    this.ending = setTimeout(() => { void this.close() }, ANSWER_AFTER_END_MS)
  }

  private readonly ondata = (chunk: Buffer): void => { this.reader.push(chunk) }

  private onLine (raw: string): void {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      this.onerror?.(err as Error) // a SyntaxError: serveMcp answers it -32700
      return
    }
    const parsed = JSONRPCMessageSchema.safeParse(value)
    if (!parsed.success) { this.invalid(value); return }
    const message = parsed.data as JSONRPCMessage
    if ('method' in message && 'id' in message) {
      const id = JSON.stringify(message.id)
      this.unanswered.set(id, (this.unanswered.get(id) ?? 0) + 1)
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // The SDK sends no answer to a request its host cancelled: waiting for one kept `mesh mcp`
      // running for ANSWER_AFTER_END_MS once stdin ended.
      const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId
      if (typeof requestId === 'string' || typeof requestId === 'number') this.answered(requestId)
    }
    this.onmessage?.(message)
  }

  /** JSON that is no message: one line to onerror, and -32600 to each request in it whose id, or its lack, can be read. */
  private invalid (value: unknown): void {
    const { reason, ids, batch } = invalidMessage(value)
    const named = !batch && ids[0] !== undefined && ids[0] !== null ? ` (id ${JSON.stringify(ids[0])})` : ''
    this.onerror?.(new Error(`invalid message${named}: ${reason}`))
    if (ids.length === 0) return
    const replies = ids.map(id => ({ jsonrpc: '2.0', id, error: { code: McpErrorCode.InvalidRequest, message: reason, data: { code: 'INVALID_INPUT' } } }))
    // A batch is answered by one array (JSON-RPC 2.0); the transport's messages are objects, hence the cast.
    const reply = (batch ? replies : replies[0]) as unknown as JSONRPCMessage
    this.send(reply).catch((err: unknown) => { this.onerror?.(err as Error) })
  }

  private refuse (head: string, tail: string, bytes: number): void {
    const { id, method } = sniffRequest(head, tail)
    const message = `a message of ${bytes} bytes was refused unread: mesh mcp reads at most ${this.maxLine} bytes per message (one append takes at most ${MAX_APPEND_BYTES / 1024} KiB; page a large text into several calls)`
    this.onerror?.(new Error(`${message}${method !== undefined ? ` (${method})` : ''}`))
    if (id === undefined) return // a notification, or an id not found: nothing to answer
    const reply = method === 'tools/call'
      ? { jsonrpc: '2.0', id, result: toolError(new InvalidInputError(message, { bytes, limit: this.maxLine })) }
      : { jsonrpc: '2.0', id, error: { code: McpErrorCode.InvalidRequest, message, data: { code: 'INVALID_INPUT', details: { bytes, limit: this.maxLine } } } }
    this.send(reply as JSONRPCMessage).catch((err: unknown) => { this.onerror?.(err as Error) })
  }

  /** Stops reading stdin and fires onclose, once (stdin's end and the server's close may both ask). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.ending)
    this.stdin.off('data', this.ondata)
    this.stdin.off('error', this.onStdinError)
    this.stdin.off('end', this.onStdinEnd)
    this.stdin.off('close', this.onStdinEnd)
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause()
    this.reader.reset()
    this.onclose?.()
  }

  /** Resolves once stdout took the message; rejects if stdout fails or closes first (the host went away), never hangs. */
  async send (message: JSONRPCMessage): Promise<void> {
    try {
      await this.write(message)
    } finally {
      if (!('method' in message) && 'id' in message) this.answered(message.id)
    }
  }

  private async write (message: JSONRPCMessage): Promise<void> {
    if (this.stdout.write(serializeMessage(message)) && this.draining === undefined) return
    await (this.draining ??= this.drained())
  }

  /**
   * Resolves once stdout has taken what it holds (rejects if it fails or closes first). One wait
   * for every message written meanwhile: a listener each, a host slow to read thousands of
   * answers drew Node's MaxListenersExceededWarning on stderr.
   */
  private async drained (): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (err?: Error): void => {
          this.stdout.off('drain', onDrain)
          this.stdout.off('error', onError)
          this.stdout.off('close', onClose)
          if (err === undefined) resolve()
          else reject(err)
        }
        const onDrain = (): void => { settle() }
        const onError = (err: Error): void => { settle(err) }
        const onClose = (): void => { settle(new Error('stdout closed before the message was written')) }
        this.stdout.once('drain', onDrain)
        this.stdout.once('error', onError)
        this.stdout.once('close', onClose)
      })
    } finally {
      this.draining = undefined
    }
  }

  /** A request was answered (stdout took it, or failed) or cancelled: once stdin has ended, the last one closes the transport. */
  private answered (id: unknown): void {
    const key = JSON.stringify(id)
    const open = this.unanswered.get(key)
    if (open === undefined) return
    if (open > 1) this.unanswered.set(key, open - 1)
    else this.unanswered.delete(key)
    if (this.ending === undefined || this.unanswered.size > 0) return
    void this.close()
  }
}
