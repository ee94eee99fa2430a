/**
 * Every error mesh throws is a MeshError with a stable `code`, one class per kind so callers can
 * narrow with `instanceof`. The CLI maps codes to exit codes (src/cli/exit-codes.ts) and to
 * `--json` errors; the local API carries `{ code, message, details }` and rebuilds the same class
 * on the client (`errorFromCode`); the wire to peers never carries them to non-members.
 *
 * What to do about an error is its `hint`, kept apart from what happened, because each front-end
 * says it its own way: a person at a terminal runs `mesh resume KEY --take`, an agent calls a
 * tool. `messageFor(err, frontEnd)` is the one place that picks the phrasing.
 */
export type ErrorCode =
  | 'USAGE'
  | 'WALLET_NOT_FOUND' | 'INVALID_WALLET' | 'NON_DETERMINISTIC_SIGNER' | 'WALLET_MISMATCH'
  | 'INVALID_SIGNATURE' | 'INVALID_CERTIFICATE' | 'WRONG_WALLET' | 'CERTIFICATE_EXPIRED' | 'PEER_MISMATCH'
  | 'MISSING_CAPABILITY' | 'READ_ONLY'
  | 'INVALID_ENTRY' | 'ENTRY_TOO_LARGE' | 'UNKNOWN_AUTHOR' | 'UNKNOWN_EPOCH' | 'DECRYPT_FAILED'
  | 'HOME_IN_USE' | 'HOME_NOT_INITIALIZED' | 'HOME_CORRUPT' | 'HOME_READ_ONLY' | 'HOME_TOO_NEW' | 'STORE_WRITE_FAILED' | 'STORE_CORRUPT'
  | 'INVALID_SESSION_KEY' | 'SESSION_NOT_FOUND' | 'SESSION_EXISTS' | 'NOT_FOUND' | 'INVALID_INPUT'
  | 'LEASE_HELD' | 'CLOSED' | 'DAEMON_RUNNING' | 'DAEMON_NOT_RUNNING' | 'ABORTED' | 'UNAUTHORIZED' | 'INTERNAL'
  | 'PROTOCOL_ERROR' | 'NOT_MEMBER'
  | 'HOME_UNSAFE'
  | 'SUPERSEDED_CERTIFICATE'
  | 'REVOKED_AUTHOR' | 'NOT_ADMIN' | 'INVALID_REGISTRY_OP'
  | 'PAIRING_FAILED'
  | 'QUARANTINED'
  | 'SNAPSHOT_UNPROVEN'
  | 'RATE_LIMITED'
  | 'DEVICE_REVOKED'
  | 'LEASE_NOT_HELD'
  | 'DOCUMENT_RELOADED'
  | 'AGENT_BUSY'
  | 'FILE_EXISTS'
  | 'FOLLOWER_RUNNING'

/**
 * Who an error's message is for: `cli`, a person with the mesh command at hand (the CLI, and
 * what HTTP and the SDK say too); `mcp`, an agent calling tools, which cannot run `mesh …`.
 */
export type FrontEnd = 'cli' | 'mcp'

/**
 * What to do about an error, phrased for each front-end: `cli` a command to run, `mcp` the tool
 * to call. A front-end without its own phrasing gets what happened alone. `sep` joins the two
 * (default ': '; ' ' for a hint in parentheses, '. ' for a sentence of its own).
 */
export interface Hint { cli?: string, mcp?: string, sep?: string }

export interface MeshErrorOptions { cause?: unknown, hint?: Hint }

function withHint (fact: string, hint: Hint | undefined, frontEnd: FrontEnd): string {
  const h = hint?.[frontEnd]
  return h === undefined || h === '' ? fact : `${fact}${hint?.sep ?? ': '}${h}`
}

export class MeshError extends Error {
  static override name = 'MeshError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown>
  /** What happened, without the hint (`message` is both, phrased for the CLI). */
  readonly fact: string
  readonly hint: Hint | undefined

  constructor (code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) {
    super(withHint(message, options?.hint, 'cli'), options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.code = code
    this.details = details
    this.fact = message
    this.hint = options?.hint
    this.name = new.target.name
  }
}

/** An error's message as this front-end says it: with its own hint, or none. */
export function messageFor (err: unknown, frontEnd: FrontEnd): string {
  if (!(err instanceof MeshError)) return err instanceof Error ? err.message : String(err)
  return err.hint === undefined ? err.message : withHint(err.fact, err.hint, frontEnd)
}

export class UsageError extends MeshError {
  static override name = 'UsageError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('USAGE', message, details, options) }
}
export class WalletNotFoundError extends MeshError {
  static override name = 'WalletNotFoundError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('WALLET_NOT_FOUND', message, details, options) }
}
export class InvalidWalletError extends MeshError {
  static override name = 'InvalidWalletError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_WALLET', message, details, options) }
}
export class NonDeterministicSignerError extends MeshError {
  static override name = 'NonDeterministicSignerError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('NON_DETERMINISTIC_SIGNER', message, details, options) }
}
export class WalletMismatchError extends MeshError {
  static override name = 'WalletMismatchError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('WALLET_MISMATCH', message, details, options) }

  /**
   * The one wording of a home opened with another wallet than the one that set it up, wherever it
   * is found (the SDK's open, the mirror, enrolment, the CLI asking a daemon): `given` is the
   * wallet offered, with the file it was read from when known.
   */
  static forHome (home: string, homeWallet: string, given: { address: string, path?: string }): WalletMismatchError {
    const from = given.path !== undefined ? ` (${given.path})` : ''
    return new WalletMismatchError(`home ${home} belongs to wallet ${homeWallet}, not ${given.address}${from}`, { home, homeWallet, wallet: given.address, ...(given.path !== undefined ? { path: given.path } : {}) })
  }
}
export class InvalidSignatureError extends MeshError {
  static override name = 'InvalidSignatureError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_SIGNATURE', message, details, options) }
}
export class InvalidCertificateError extends MeshError {
  static override name = 'InvalidCertificateError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_CERTIFICATE', message, details, options) }
}
export class WrongWalletError extends MeshError {
  static override name = 'WrongWalletError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('WRONG_WALLET', message, details, options) }
}
export class CertificateExpiredError extends MeshError {
  static override name = 'CertificateExpiredError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('CERTIFICATE_EXPIRED', message, details, options) }
}
export class PeerMismatchError extends MeshError {
  static override name = 'PeerMismatchError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('PEER_MISMATCH', message, details, options) }
}
export class MissingCapabilityError extends MeshError {
  static override name = 'MissingCapabilityError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('MISSING_CAPABILITY', message, details, options) }
}
export class ReadOnlyError extends MeshError {
  static override name = 'ReadOnlyError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('READ_ONLY', message, details, options) }
}
export class InvalidEntryError extends MeshError {
  static override name = 'InvalidEntryError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_ENTRY', message, details, options) }
}
export class EntryTooLargeError extends MeshError {
  static override name = 'EntryTooLargeError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('ENTRY_TOO_LARGE', message, details, options) }
}
export class UnknownAuthorError extends MeshError {
  static override name = 'UnknownAuthorError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('UNKNOWN_AUTHOR', message, details, options) }
}
export class UnknownEpochError extends MeshError {
  static override name = 'UnknownEpochError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('UNKNOWN_EPOCH', message, details, options) }
}
export class DecryptError extends MeshError {
  static override name = 'DecryptError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('DECRYPT_FAILED', message, details, options) }
}
export class HomeInUseError extends MeshError {
  static override name = 'HomeInUseError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_IN_USE', message, details, options) }
}
export class HomeNotInitializedError extends MeshError {
  static override name = 'HomeNotInitializedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_NOT_INITIALIZED', message, details, options) }
}
export class HomeCorruptError extends MeshError {
  static override name = 'HomeCorruptError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_CORRUPT', message, details, options) }
}
/**
 * A home that cannot be written (a read-only mount, a backup made read-only, a folder this user
 * may not write): what would change it is refused before anything is written; what only reads
 * it opens it without its lock and writes nothing (Vault.open, `readIfNotWritable`).
 * `details.errno`: what the system said (EROFS, EACCES, EPERM).
 */
export class HomeReadOnlyError extends MeshError {
  static override name = 'HomeReadOnlyError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_READ_ONLY', message, details, options) }
}
/**
 * A home written by a newer mesh (its format number, store/home-format.ts, is above what this one
 * reads): refused before anything in it is read or written. `details.format`, `details.reads`.
 */
export class HomeTooNewError extends MeshError {
  static override name = 'HomeTooNewError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_TOO_NEW', message, details, options) }
}
export class StoreWriteError extends MeshError {
  static override name = 'StoreWriteError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('STORE_WRITE_FAILED', message, details, options) }
}
export class StoreCorruptError extends MeshError {
  static override name = 'StoreCorruptError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('STORE_CORRUPT', message, details, options) }
}
export class InvalidSessionKeyError extends MeshError {
  static override name = 'InvalidSessionKeyError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_SESSION_KEY', message, details, options) }
}
export class SessionNotFoundError extends MeshError {
  static override name = 'SessionNotFoundError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('SESSION_NOT_FOUND', message, details, options) }
}
export class SessionExistsError extends MeshError {
  static override name = 'SessionExistsError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('SESSION_EXISTS', message, details, options) }
}
export class NotFoundError extends MeshError {
  static override name = 'NotFoundError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('NOT_FOUND', message, details, options) }
}
export class InvalidInputError extends MeshError {
  static override name = 'InvalidInputError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_INPUT', message, details, options) }
}
export class LeaseHeldError extends MeshError {
  static override name = 'LeaseHeldError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('LEASE_HELD', message, details, options) }
}
export class ClosedError extends MeshError {
  static override name = 'ClosedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('CLOSED', message, details, options) }
}
export class DaemonRunningError extends MeshError {
  static override name = 'DaemonRunningError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('DAEMON_RUNNING', message, details, options) }
}
/** A follower (`mesh agent follow`, `mesh join --follow`) runs on this home already: one at a time, as one `mesh join` (DAEMON_RUNNING). */
export class FollowerRunningError extends MeshError {
  static override name = 'FollowerRunningError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('FOLLOWER_RUNNING', message, details, options) }
}
export class ProtocolError extends MeshError {
  static override name = 'ProtocolError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('PROTOCOL_ERROR', message, details, options) }
}
export class NotMemberError extends MeshError {
  static override name = 'NotMemberError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('NOT_MEMBER', message, details, options) }
}

export class DaemonNotRunningError extends MeshError {
  static override name = 'DaemonNotRunningError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('DAEMON_NOT_RUNNING', message, details, options) }
}
/** An abort's reason that is a timeout's (AbortSignal.timeout, timedSignal): a TimeoutError. */
function timedOut (reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError'
}

export class AbortedError extends MeshError {
  static override name = 'AbortedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('ABORTED', message, details, options) }

  /**
   * `method` ended by its caller's `signal`: a timeout (`AbortSignal.timeout`) said as one
   * (`details.reason` 'timeout', HTTP 408), any other abort as a cancel. `when`: appended to
   * "was cancelled" (" before it was sent").
   */
  static bySignal (method: string, signal: AbortSignal | undefined, when = ''): AbortedError {
    const reason: unknown = signal?.reason
    if (timedOut(reason)) return new AbortedError(`${method} timed out`, { method, reason: 'timeout' }, { cause: reason })
    return new AbortedError(`${method} was cancelled${when}`, { method }, { cause: reason })
  }

  /**
   * A wait for `what` (the home, the daemon to answer) ended by its caller's `signal`, before any
   * call was made: a timeout said as one ("timed out waiting for …", `details.reason` 'timeout',
   * as bySignal says it of a call), any other abort as "stopped waiting for …".
   */
  static ofWait (what: string, signal: AbortSignal | undefined, details: Record<string, unknown> = {}): AbortedError {
    const reason: unknown = signal?.reason
    if (timedOut(reason)) return new AbortedError(`timed out waiting for ${what}`, { ...details, reason: 'timeout' }, { cause: reason })
    return new AbortedError(`stopped waiting for ${what}`, details, { cause: reason })
  }
}
export class UnauthorizedError extends MeshError {
  static override name = 'UnauthorizedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('UNAUTHORIZED', message, details, options) }
}
export class InternalError extends MeshError {
  static override name = 'InternalError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INTERNAL', message, details, options) }
}

/** A home another user could change under us: owned by someone else, writable by others, or holding a symlink. */
export class HomeUnsafeError extends MeshError {
  static override name = 'HomeUnsafeError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('HOME_UNSAFE', message, details, options) }
}

/** A device shows a certificate older than the one it is known by (a writer certificate replayed after a downgrade). */
export class SupersededCertificateError extends MeshError {
  static override name = 'SupersededCertificateError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('SUPERSEDED_CERTIFICATE', message, details, options) }
}

/** An entry, registry operation or peer of a device revoked by the registry, beyond the cutoff its revocation recorded. */
export class RevokedAuthorError extends MeshError {
  static override name = 'RevokedAuthorError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('REVOKED_AUTHOR', message, details, options) }
}
/** Enrolling or revoking needs an admin certificate (or the wallet). */
export class NotAdminError extends MeshError {
  static override name = 'NotAdminError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('NOT_ADMIN', message, details, options) }
}
/** A registry operation that does not verify or decode. */
export class InvalidRegistryOpError extends MeshError {
  static override name = 'InvalidRegistryOpError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('INVALID_REGISTRY_OP', message, details, options) }
}
/**
 * Pairing by code did not complete; `details.reason` says why: wrong-code, expired, nameplate,
 * busy (`details.retryAt` when the device said when it takes approvals again), refused (the device
 * cut this address off for a while after wrong codes from it: approve again later), not-found,
 * denied, gone, timeout, aborted, done, version, invalid, revoked (the device asked with a key
 * this mesh revoked: it asks again with a new one).
 */
export class PairingFailedError extends MeshError {
  static override name = 'PairingFailedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('PAIRING_FAILED', message, details, options) }
}

/** An entry that passed every check above Yjs but does not apply or breaks its document's shape: kept aside, never applied. */
export class QuarantinedError extends MeshError {
  static override name = 'QuarantinedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('QUARANTINED', message, details, options) }
}

/**
 * A document was reloaded from the store because what it showed is not what the store holds (a
 * change shown ahead of its signature that never got it): handles on it must be reopened.
 */
export class DocumentReloadedError extends MeshError {
  static override name = 'DocumentReloadedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('DOCUMENT_RELOADED', message, details, options) }
}

/** A snapshot whose state does not hold what it claims to cover. */
export class SnapshotUnprovenError extends MeshError {
  static override name = 'SnapshotUnprovenError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('SNAPSHOT_UNPROVEN', message, details, options) }
}

/** An author pushed more into a document than its per-minute budget allows. */
export class RateLimitedError extends MeshError {
  static override name = 'RateLimitedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('RATE_LIMITED', message, details, options) }
}

/** This device was revoked by the registry: it reads what it holds, and writes nothing any peer would take. */
export class DeviceRevokedError extends MeshError {
  static override name = 'DeviceRevokedError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('DEVICE_REVOKED', message, details, options) }
}

/** This device was asked to renew a driver lease no device holds (none taken, or it ran out): it has to take it. */
export class LeaseNotHeldError extends MeshError {
  static override name = 'LeaseNotHeldError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('LEASE_NOT_HELD', message, details, options) }
}
/** An agent's session file here was written a moment ago or is held open: the agent may be running it, so a resume does not replace it (for now: a failure, not bad input). */
export class AgentBusyError extends MeshError {
  static override name = 'AgentBusyError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('AGENT_BUSY', message, details, options) }

  /** The one wording, for every agent: `agent` as people name it (Claude Code), `why` what was seen. */
  static forFile (agent: string, path: string, why: string): AgentBusyError {
    return new AgentBusyError(`refusing to write ${path}: ${agent} may be running this session here (${why}). Stop it, wait a few seconds, and run the resume again`, { path })
  }
}

/** A file named to be written (`--out FILE`) exists already: it is replaced only when asked (force, `--force`). */
export class FileExistsError extends MeshError {
  static override name = 'FileExistsError'
  constructor (message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions) { super('FILE_EXISTS', message, details, options) }

  /** The one wording, for every command that writes a file it is given. */
  static forPath (path: string): FileExistsError {
    return new FileExistsError(`refusing to overwrite ${path}: the file exists`, { path }, { hint: { sep: '. ', cli: 'Pass --force to replace it, or name another file', mcp: 'Call it again with force: true to replace it, or name another file' } })
  }
}

/**
 * Reasons that make an error of these codes the user's input rather than a failure: a pairing
 * code typed wrong (the device's keys did not confirm) is a typo, like a bad argument, where a
 * device that could not be found or refused is not. The CLI exits 2 for them, HTTP says 400.
 */
export const BAD_INPUT_REASONS: Readonly<Partial<Record<ErrorCode, readonly string[]>>> = {
  PAIRING_FAILED: ['wrong-code'],
  // A blind mirror asked for what only a member can do (it holds no vault key): never carried
  // out there, as a read-only device asked to write.
  MISSING_CAPABILITY: ['mirror']
}

/** Whether `details.reason` makes an error of this code bad input (see BAD_INPUT_REASONS). */
export function isBadInputReason (code: string, details: Record<string, unknown> | undefined): boolean {
  const reason = details?.reason
  return typeof reason === 'string' && (BAD_INPUT_REASONS[code as ErrorCode]?.includes(reason) ?? false)
}

export function isMeshError (err: unknown): err is MeshError {
  return err instanceof MeshError
}

type ErrorClass = new (message: string, details?: Record<string, unknown>, options?: MeshErrorOptions) => MeshError

const BY_CODE: Partial<Record<ErrorCode, ErrorClass>> = {
  USAGE: UsageError,
  WALLET_NOT_FOUND: WalletNotFoundError,
  INVALID_WALLET: InvalidWalletError,
  NON_DETERMINISTIC_SIGNER: NonDeterministicSignerError,
  WALLET_MISMATCH: WalletMismatchError,
  INVALID_SIGNATURE: InvalidSignatureError,
  INVALID_CERTIFICATE: InvalidCertificateError,
  WRONG_WALLET: WrongWalletError,
  CERTIFICATE_EXPIRED: CertificateExpiredError,
  PEER_MISMATCH: PeerMismatchError,
  MISSING_CAPABILITY: MissingCapabilityError,
  READ_ONLY: ReadOnlyError,
  INVALID_ENTRY: InvalidEntryError,
  ENTRY_TOO_LARGE: EntryTooLargeError,
  UNKNOWN_AUTHOR: UnknownAuthorError,
  UNKNOWN_EPOCH: UnknownEpochError,
  DECRYPT_FAILED: DecryptError,
  HOME_IN_USE: HomeInUseError,
  HOME_NOT_INITIALIZED: HomeNotInitializedError,
  HOME_CORRUPT: HomeCorruptError,
  HOME_READ_ONLY: HomeReadOnlyError,
  HOME_TOO_NEW: HomeTooNewError,
  STORE_WRITE_FAILED: StoreWriteError,
  STORE_CORRUPT: StoreCorruptError,
  INVALID_SESSION_KEY: InvalidSessionKeyError,
  SESSION_NOT_FOUND: SessionNotFoundError,
  SESSION_EXISTS: SessionExistsError,
  NOT_FOUND: NotFoundError,
  INVALID_INPUT: InvalidInputError,
  LEASE_HELD: LeaseHeldError,
  CLOSED: ClosedError,
  DAEMON_RUNNING: DaemonRunningError,
  PROTOCOL_ERROR: ProtocolError,
  NOT_MEMBER: NotMemberError,
  DAEMON_NOT_RUNNING: DaemonNotRunningError,
  ABORTED: AbortedError,
  UNAUTHORIZED: UnauthorizedError,
  INTERNAL: InternalError,
  HOME_UNSAFE: HomeUnsafeError,
  SUPERSEDED_CERTIFICATE: SupersededCertificateError,
  REVOKED_AUTHOR: RevokedAuthorError,
  NOT_ADMIN: NotAdminError,
  INVALID_REGISTRY_OP: InvalidRegistryOpError,
  PAIRING_FAILED: PairingFailedError,
  QUARANTINED: QuarantinedError,
  SNAPSHOT_UNPROVEN: SnapshotUnprovenError,
  RATE_LIMITED: RateLimitedError,
  DEVICE_REVOKED: DeviceRevokedError,
  LEASE_NOT_HELD: LeaseNotHeldError,
  DOCUMENT_RELOADED: DocumentReloadedError,
  AGENT_BUSY: AgentBusyError,
  FILE_EXISTS: FileExistsError,
  FOLLOWER_RUNNING: FollowerRunningError
}

/**
 * The error class of a code, for rebuilding an error that crossed a process boundary; with its
 * hint, `message` is the fact alone (the hint's phrasings crossed beside it).
 */
export function errorFromCode (code: string, message: string, details: Record<string, unknown> = {}, options?: MeshErrorOptions): MeshError {
  const K = BY_CODE[code as ErrorCode]
  if (K !== undefined) return new K(message, details, options)
  return new MeshError((code as ErrorCode), message, details, options)
}

/**
 * A time as error messages give it, `2026-12-04 08:03:58 UTC`: the form the CLI prints (there in
 * the machine's zone), readable where the message is made far from a terminal (a daemon, a peer).
 */
export function messageTime (ts: number): string {
  return new Date(ts).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}
