/**
 * The one shape of an error outside the process that threw it: `{ code, message, details }`, the
 * same over the unix socket, HTTP, MCP and in the CLI's `--json` errors, so they cannot drift.
 * A thrown value that is not a MeshError is INTERNAL with its message and no details (what a
 * caller cannot act on); the caller logs it with its own logger, as only it knows where.
 *
 * The message is phrased for a front-end (`cli` unless said: HTTP and the CLI; MCP asks for
 * `mcp`). The unix socket also carries the error's hint as it is, `hint: { fact, cli?, mcp?,
 * sep? }`, because the daemon does not know which front-end its client serves: the client
 * rebuilds the error whole, and its own front-end picks the phrasing.
 *
 *   errorToWire(new LeaseHeldError('…', { holder: 'desk' }))
 *   // { code: 'LEASE_HELD', message: '…', details: { holder: 'desk' } }
 */
import { isMeshError, messageFor, type FrontEnd, type Hint } from '../errors.js'

export interface WireError { code: string, message: string, details: Record<string, unknown> }
/** The error's hint on the unix socket, with what happened apart from it. */
export type WireHint = Hint & { fact: string }

export function errorToWire (err: unknown, frontEnd: FrontEnd = 'cli'): WireError {
  if (isMeshError(err)) return { code: err.code, message: messageFor(err, frontEnd), details: err.details }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), details: {} }
}

/** The error for the unix socket: its wire shape, and its hint whole when it has one. */
export function errorToRpc (err: unknown): WireError & { hint?: WireHint } {
  const wire = errorToWire(err)
  return isMeshError(err) && err.hint !== undefined ? { ...wire, hint: { ...err.hint, fact: err.fact } } : wire
}
