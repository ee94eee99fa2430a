/** The one table mapping error codes to exit codes: 0 ok, 1 failure, 2 bad usage or input. */
import { isBadInputReason, type ErrorCode } from '../errors.js'

const BAD_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'USAGE', 'WALLET_NOT_FOUND', 'INVALID_WALLET', 'WALLET_MISMATCH', 'INVALID_SESSION_KEY', 'INVALID_INPUT',
  'SESSION_NOT_FOUND', 'SESSION_EXISTS', 'NOT_FOUND', 'NON_DETERMINISTIC_SIGNER', 'ENTRY_TOO_LARGE',
  // A read-only device asked to write: a request it can never carry out, like bad input.
  'READ_ONLY',
  // A revoked device asked to write: the same, for good.
  'DEVICE_REVOKED',
  // A device that is not an admin asked to enrol or revoke: the same, until an admin makes it one.
  'NOT_ADMIN',
  // A home that cannot be written asked to change: never carried out there, whatever is tried
  // again; the fix is the user's (a writable copy of it), as with a read-only device.
  'HOME_READ_ONLY',
  // A home another user could change: the fix is the user's (chown/chmod), as with bad input.
  'HOME_UNSAFE',
  // A home a newer mesh wrote: never read here, whatever is tried again; the fix is the user's
  // (upgrade mesh), as with an unsafe home.
  'HOME_TOO_NEW',
  // A file named to be written exists: the user's to choose (--force, or another name).
  'FILE_EXISTS'
])

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

/** `details`: the error's, for the codes that are bad input only for some reasons (a wrong pairing code). */
export function exitCodeFor (code: ErrorCode | undefined, details?: Record<string, unknown>): number {
  if (code === undefined) return EXIT.failure
  // A session still arriving from a peer is not here yet, not a typo: exit 1, worth asking again.
  // So is one listed here whose content has not come yet (pending: none, or part, of it held).
  if (code === 'SESSION_NOT_FOUND' && (details?.arriving !== undefined || details?.pending !== undefined)) return EXIT.failure
  // Not listed here yet while this device still catches up with a sibling that is online: it may
  // be in what is still coming (not-here.ts, MayCome), worth asking again as well.
  if (code === 'SESSION_NOT_FOUND' && (details?.mayCome as { reason?: unknown } | undefined)?.reason === 'catching-up') return EXIT.failure
  return BAD_INPUT.has(code) || isBadInputReason(code, details) ? EXIT.usage : EXIT.failure
}
