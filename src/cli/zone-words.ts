/**
 * An error's words as the CLI prints them: the times the API says in UTC said in this machine's
 * zone, as every other time the CLI prints is. The API's own message keeps UTC (a daemon makes it
 * for HTTP and MCP clients in any zone: lease-words.ts leaseEndAt, errors.ts messageTime), and so
 * does every --json error; only the human line changes.
 *
 * @example
 * messageHere({ code: 'DEVICE_REVOKED', message: '… revoked by desk at 2026-12-08 00:34:22 UTC (lost) …', details: { revokedAt } })
 * // '… revoked by desk at 2026-12-08 09:34:22 GMT+9 (lost) …' (in Tokyo)
 */
import { leaseEndHere } from '../api/lease-words.js'
import { messageTime } from '../errors.js'
import { localTime } from './context.js'

/**
 * `e.message` with LEASE_HELD's lease end (details.expiresAt), DEVICE_REVOKED's revocation
 * (details.revokedAt) and an already revoked device's (details.revoked.at, devices.ts
 * alreadyRevoked) said by localTime; a message that does not say them in the API's form (another
 * version's daemon) is left as it is.
 */
export function messageHere (e: { code: string, message: string, details: Record<string, unknown> }): string {
  if (e.code === 'LEASE_HELD') return leaseEndHere(e, localTime)
  const revoked = e.details.revoked as { at?: unknown } | undefined
  const at = e.code === 'DEVICE_REVOKED' ? e.details.revokedAt : e.details.reason === 'already-revoked' ? revoked?.at : undefined
  // A time no Date holds has no UTC form in the message to replace.
  if (typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at) > 8.64e15) return e.message
  return e.message.replace(messageTime(at), localTime(at))
}
