/**
 * The API over the home's unix socket (`control.sock`, mode 0600 from the moment it is at its
 * path: only the home's owner can connect; and a client connects only to a socket it owns, see
 * rpc-client.ts). JSON lines, several calls at once on one connection:
 *
 *   client -> { id, method, params }          a call
 *             { id, subscribe: { after?, sessions? } } | { id, unsubscribe: true }
 *             { id, cancel: true }            aborts call `id` (its signal fires)
 *   server -> { id, result } | { id, error: { code, message, details, hint? } } (wire-error.ts)
 *             { id, event: { seq, event } } per event replayed after `after`, then
 *             { id, subscribed: true } once in place (its sessions open) or { id, error }
 *
 * A line is at most MAX_LINE_BYTES: a longer one is skipped unread and answered { id, error }
 * (INVALID_INPUT, details { bytes, limit }; id null when not found at its start or end), and the
 * connection goes on.
 *
 * An id names one call or subscription while it lasts: a call or subscribe reusing the id of a
 * subscription not yet unsubscribed, or of a call not yet answered, is refused (INVALID_INPUT),
 * and the one holding the id goes on.
 *
 * The server runs each call with the client's own arguments only: nothing it does depends on
 * the client's argv, working directory or terminal (the client reads its stdin and files).
 */
import { chmod, lstat, mkdtemp, rename, rm, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { HomeCorruptError, InternalError, InvalidInputError, isMeshError } from '../errors.js'
import type { MeshApi } from './api.js'
import type { MethodName } from './schema.js'
import { sentBytes } from './http-deadlines.js'
import { CONTROL_LINE_MAX, LineReader, type SkippedLine } from './line-reader.js'
import { checkSocketHome, socketPath, STAGING_PREFIX } from './socket-path.js'
import { idRefusal, subscribeInput } from './subscribe-input.js'
import { errorToRpc, errorToWire, type WireError } from './wire-error.js'

const log = logger('mesh:api:rpc')
/**
 * The longest request line read, in bytes (line-reader.ts): a longer one is skipped unread, not
 * held, and answered INVALID_INPUT naming the limit; the connection, and what else it carries,
 * goes on. It is at least what `mesh mcp` reads in one message, and rpc-client.ts refuses a
 * longer request before sending it.
 */
export const MAX_LINE_BYTES = CONTROL_LINE_MAX

/** The id of a request line seen only by its ends: rpc-client.ts writes it first, another client may write it last. */
export function sniffId (head: string, tail: string): number | undefined {
  const m = /^\s*\{\s*"id"\s*:\s*(-?\d+)\s*[,}]/.exec(head) ?? /[{,]\s*"id"\s*:\s*(-?\d+)\s*\}\s*$/.exec(tail)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

export { socketPath }

/** A failed call's error for the wire; one that is not a MeshError is a bug here, so it is logged. */
function failure (err: unknown): WireError {
  if (!isMeshError(err)) log.error('internal error in an API call: %e', err)
  return errorToRpc(err)
}

export async function serveRpc (api: MeshApi, home: string): Promise<{ close: () => Promise<void> }> {
  const path = socketPath(home)
  checkSocketHome(home)
  // The caller holds the home lock, so a socket here was left by a process that died. A folder
  // there is not removed (what is in it is not ours), and the rename below failed on it as INTERNAL EISDIR.
  if (await lstat(path).then(s => s.isDirectory(), () => false)) {
    throw new HomeCorruptError(`cannot put the control socket at ${path}: it is a folder, where mesh keeps its socket: move it aside`, { home, file: path })
  }
  await unlink(path).catch(() => undefined)
  const sockets = new Set<Socket>()
  const server: Server = createServer((sock) => { sockets.add(sock); serveConnection(api, sock, () => sockets.delete(sock)) })
  // bind(2) makes the socket with the umask's mode and nothing sets it beforehand: bound at its
  // path, a umask of 000 let any local user connect until the chmod, and a connection made then
  // outlives it. So it is bound in a directory only this user can enter (mkdtemp: 0700), made
  // 0600 there, and renamed into place: at `path` it has its mode from the first moment.
  // A unix socket's path is at most 107 bytes on Linux (103 on macOS): the staging name is short.
  const staging = await mkdtemp(join(home, STAGING_PREFIX))
  try {
    const bound = join(staging, 's')
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(bound, () => { server.off('error', reject); resolve() }) })
    await chmod(bound, 0o600)
    await rename(bound, path)
  } catch (err) {
    for (const s of sockets) s.destroy()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    throw err
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return {
    close: async () => {
      // Not listening first, then the connections dropped: a client whose connection ends asks
      // whether the daemon still listens (rpc-client.ts), and must hear that it stopped.
      const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
      for (const s of sockets) s.destroy()
      await closed
      await unlink(path).catch(() => undefined) // best effort: the home may be going away
    }
  }
}

/** The most a control client may leave unread (answers and events) before it is cut off, once it takes none of it for STALL_MS. */
export const MAX_UNREAD = 8 * 1024 * 1024
export const STALL_MS = 10_000

function serveConnection (api: MeshApi, sock: Socket, gone: () => void): void {
  const calls = new Map<number, AbortController>()
  // Aborted when this client goes: what a call held for it past the call is dropped.
  const client = new AbortController()
  const subs = new Map<number, () => void>()
  const send = (v: { id: number | null, [k: string]: unknown }): void => {
    if (sock.destroyed || !sock.writable) return
    let line: string
    try {
      line = JSON.stringify(v)
    } catch (err) {
      // A value no JSON holds (a BigInt, a cycle) in what a call returned: that call fails, the node goes on.
      log.error('an answer to control call %s could not be encoded: %e', v.id, err)
      line = JSON.stringify({ id: v.id, error: errorToWire(new InternalError(`the answer could not be encoded: ${(err as Error)?.message ?? String(err)}`)) })
    }
    sock.write(line + '\n')
    watchUnread()
  }
  // A client that reads nothing (a `mesh watch` or `mesh mcp` suspended with Ctrl-Z) had every
  // event kept for it here, without end. Past MAX_UNREAD unread, and nothing of it taken for
  // STALL_MS, it is cut off, as the WebSocket stream cuts off a slow reader; its follower
  // reconnects when it runs again, and reads what it missed. One reading a long answer is not:
  // the kernel takes some of it all the time.
  let stall: { sent: number, timer: ReturnType<typeof setTimeout> } | undefined
  const watchUnread = (): void => {
    if (sock.destroyed || sock.writableLength <= MAX_UNREAD) { clearTimeout(stall?.timer); stall = undefined; return }
    if (stall !== undefined) return
    const timer = setTimeout(() => {
      const s = stall
      stall = undefined
      if (s === undefined || sock.destroyed) return
      if (sock.writableLength > MAX_UNREAD && sentBytes(sock) === s.sent) {
        log('control client left %d bytes unread for %d ms: cut off', sock.writableLength, STALL_MS)
        sock.destroy()
      } else watchUnread()
    }, STALL_MS)
    timer.unref()
    stall = { sent: sentBytes(sock), timer }
  }
  sock.once('close', () => { clearTimeout(stall?.timer) })
  // A line over the limit was answered by closing the connection: the client heard only that the
  // daemon had gone (DAEMON_NOT_RUNNING), for that call and for every other one on it.
  const tooLong = ({ head, tail, bytes }: SkippedLine): void => {
    const id = sniffId(head, tail)
    log('control client sent a line of %d bytes, over %d: refused unread', bytes, MAX_LINE_BYTES)
    send({ id: id ?? null, error: errorToWire(new InvalidInputError(`a request of ${bytes} bytes was refused unread: the mesh daemon reads at most ${MAX_LINE_BYTES} bytes per request`, { bytes, limit: MAX_LINE_BYTES })) })
  }
  const reader = new LineReader((line) => { if (line.trim() !== '') handle(line) }, { max: MAX_LINE_BYTES, onTooLong: tooLong })
  sock.on('data', (d: Buffer) => { reader.push(d) })
  const handle = (line: string): void => {
    let msg: any
    try { msg = JSON.parse(line) } catch { send({ id: null, error: errorToWire(new InvalidInputError('a request line is not JSON')) }); return }
    const id = msg?.id
    const badId = idRefusal(id)
    if (badId !== undefined) { send({ id: null, error: errorToWire(new InvalidInputError(badId)) }); return }
    if (msg.cancel === true) { calls.get(id)?.abort(); return }
    if (msg.unsubscribe === true) { subs.get(id)?.(); subs.delete(id); return }
    // The map's entry would be replaced: the earlier subscription never unsubscribed (for as long
    // as the connection lasts), the earlier call no longer cancelled nor aborted when the client goes.
    if (subs.has(id) || calls.has(id)) {
      send({ id, error: errorToWire(new InvalidInputError(`id ${id} is in use on this connection by a ${subs.has(id) ? 'subscription (unsubscribe it first)' : 'call not yet answered'}: give each call and subscription an id of its own`, { id })) })
      return
    }
    if (msg.subscribe !== undefined) {
      try {
        // Refused as HTTP's /api/events refuses its query (subscribe-input.ts): a bad `after` was
        // taken as none (the whole replay), a session key that is no string was dropped unsaid.
        const { after, sessions } = subscribeInput(msg.subscribe, v => JSON.stringify(v))
        // Said once the subscription is in place (after the replay `after` asked for, and once
        // the sessions it names are open): the client's `ready`. A refused one is answered with
        // its error instead.
        const ready = (err?: Error): void => { if (subs.has(id)) send(err === undefined ? { id, subscribed: true } : { id, error: failure(err) }) }
        subs.set(id, api.subscribe((r) => { send({ id, event: r }) }, { after, sessions, ready }))
      } catch (err) {
        send({ id, error: failure(err) })
      }
      return
    }
    const method = msg.method
    // The API itself refuses a method it does not have (loading the schemas only when called).
    // A request with no method is answered here, without the API: rpc-client.ts's first exchange
    // relies on it to tell a daemon that answers from one suspended or blocked.
    if (typeof method !== 'string') { send({ id, error: errorToWire(new InvalidInputError(`unknown method ${String(method)}`)) }); return }
    const ac = new AbortController()
    calls.set(id, ac)
    api.call(method as MethodName, msg.params ?? {}, { signal: ac.signal, client: client.signal }).then(
      (result) => { send({ id, result: result ?? null }) },
      (err: unknown) => { send({ id, error: failure(err) }) }
    ).finally(() => calls.delete(id))
  }
  sock.on('error', (err) => { log('control client error: %e', err) })
  sock.on('close', () => {
    for (const ac of calls.values()) ac.abort()
    client.abort()
    for (const off of subs.values()) off()
    gone()
  })
}
