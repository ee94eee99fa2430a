/**
 * The one shape of an error outside the process that threw it: `{ code, message, details }`, the
 * same over the unix socket, HTTP, MCP and in the CLI's `--json` errors, so they cannot drift.
 * A thrown value that is not a MeshError is INTERNAL with its message and no details (what a
 * caller cannot act on); the caller logs it with its own logger, as only it knows where.
 *
 *   errorToWire(new LeaseHeldError('…', { holder: 'desk' }))
 *   // { code: 'LEASE_HELD', message: '…', details: { holder: 'desk' } }
 */
import { isMeshError } from '../errors.js'

export interface WireError { code: string, message: string, details: Record<string, unknown> }

export function errorToWire (err: unknown): WireError {
  if (isMeshError(err)) return { code: err.code, message: err.message, details: err.details }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), details: {} }
}
