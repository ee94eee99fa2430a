/**
 * What keeps a lease that is past its end, said one way by the API's errors (session.ts
 * leaseEnds) and by the CLI's lease line (`mesh session show`, formatLease). The rule
 * (session.ts leaseView): a lease is honoured LEASE_SKEW_MS past its end, as clocks may disagree,
 * and after that only while its holder is online. No imports: the CLI loads it on its fast path.
 */

/** Whether the holder of another device's lease is online now, said one way by LEASE_HELD and by the lease line. */
export function onlineWords (online: boolean): string {
  return online ? 'online now' : 'not seen online now'
}

/**
 * `holder`: how the holder is named ("its holder", a label). `withinSkew`: still within the
 * clocks' allowance. `online`: whether the holder is online now, when the caller knows (the lease
 * view says it of another device's lease past its end; without it, words true either way).
 */
export function pastEndWords (holder: string, withinSkew: boolean, online?: boolean): string {
  // Past the allowance a lease that still holds has an online holder (else it ran out).
  if (!withinSkew) return `live while ${holder} is online`
  const skew = 'honoured up to 2 minutes more in case clocks disagree'
  if (online === true) return `${skew}, then for as long as ${holder} is online`
  if (online === false) return `${skew}, then it runs out unless ${holder} comes online`
  return `${skew}, then only while ${holder} is online`
}

/**
 * `at 09:12 UTC`: the end of a lease as the API's errors say it (session.ts leaseEnds; LEASE_HELD),
 * for a time a Date holds. In UTC, not in a zone: the message is made where the session is open
 * (a daemon, whose zone need not be its reader's) and read by HTTP and MCP clients on other
 * machines, so it must read the same anywhere; the exact time is the error's details.expiresAt.
 * The CLI's own line says it in the zone of the machine it runs on (leaseEndHere).
 */
export function leaseEndAt (expiresAt: number): string {
  return `at ${new Date(expiresAt).toISOString().slice(11, 16)} UTC`
}

/**
 * A LEASE_HELD's message with its lease's end (leaseEndAt of details.expiresAt) said by `local`
 * instead, as the CLI says every other time. Any other error, or a message that does not say it
 * so (another version's daemon), is left as it is.
 */
export function leaseEndHere (e: { code: string, message: string, details: Record<string, unknown> }, local: (ts: number) => string): string {
  const at = e.details.expiresAt
  // A time no Date holds is said by the API as its number (leaseEnds), not in UTC.
  if (e.code !== 'LEASE_HELD' || typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at) > 8.64e15) return e.message
  return e.message.replace(leaseEndAt(at), `at ${local(at)}`)
}

/** A duration in seconds up to 90 s, then minutes, then hours ("12s", "17 min", "3 h"). */
export function span (ms: number, gap = ''): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 90 ? `${s}${gap}s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`
}

/** The clocks' allowance, crdt/lease-doc.ts LEASE_SKEW_MS (test/unit/cli-lease.test.ts holds them equal), for the CLI's fast path too: this module imports nothing. */
export const SKEW_MS = 2 * 60_000

/**
 * How far a time another device stamped lies ahead of this machine's clock, past the clocks'
 * allowance; 0 within it. Such a time said as "0s ago" (a write) or "ends in 2 h" (a lease taken
 * by a laptop whose clock runs 2 h fast, which holds that much longer here) hid the clock.
 */
export function aheadBy (ts: number, now = Date.now()): number {
  return Number.isFinite(ts) && ts > now + SKEW_MS ? ts - now : 0
}

/** `, by a clock about 2 h ahead of this machine's: check both clocks` for a lease taken ahead of now (aheadBy), else ''. */
export function aheadWords (takenAt: number | undefined, now = Date.now()): string {
  const ahead = takenAt !== undefined ? aheadBy(takenAt, now) : 0
  return ahead > 0 ? `, by a clock about ${span(ahead, ' ')} ahead of this machine's (taken ${span(ahead, ' ')} from now by this one): check both clocks` : ''
}
