/**
 * Every error mesh throws is a MeshError with a stable `code`. The CLI maps codes to exit codes
 * (src/cli/exit-codes.ts) and to `--json` errors; the wire never carries them to non-members.
 */
export type ErrorCode =
  | 'USAGE'
  | 'WALLET_NOT_FOUND' | 'INVALID_WALLET' | 'NON_DETERMINISTIC_SIGNER' | 'WALLET_MISMATCH'
  | 'INVALID_SIGNATURE' | 'INVALID_CERTIFICATE' | 'WRONG_WALLET' | 'CERTIFICATE_EXPIRED' | 'PEER_MISMATCH' | 'SUPERSEDED_CERTIFICATE'
  | 'MISSING_CAPABILITY' | 'READ_ONLY'
  | 'INVALID_ENTRY' | 'ENTRY_TOO_LARGE' | 'UNKNOWN_AUTHOR' | 'UNKNOWN_EPOCH' | 'DECRYPT_FAILED'
  | 'HOME_IN_USE' | 'HOME_NOT_INITIALIZED' | 'HOME_CORRUPT' | 'STORE_WRITE_FAILED' | 'STORE_CORRUPT'
  | 'INVALID_SESSION_KEY' | 'SESSION_NOT_FOUND' | 'SESSION_EXISTS' | 'NOT_FOUND' | 'INVALID_INPUT'
  | 'LEASE_HELD' | 'CLOSED' | 'DAEMON_RUNNING'
  | 'PROTOCOL_ERROR' | 'NOT_MEMBER'

export class MeshError extends Error {
  static override name = 'MeshError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor (code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.details = details
    this.name = new.target.name
  }
}

function kind (code: ErrorCode, name: string): new (message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) => MeshError {
  const K = class extends MeshError {
    constructor (message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
      super(code, message, details, options)
      this.name = name
    }
  }
  Object.defineProperty(K, 'name', { value: name })
  return K
}

export const UsageError = kind('USAGE', 'UsageError')
export const WalletNotFoundError = kind('WALLET_NOT_FOUND', 'WalletNotFoundError')
export const InvalidWalletError = kind('INVALID_WALLET', 'InvalidWalletError')
export const NonDeterministicSignerError = kind('NON_DETERMINISTIC_SIGNER', 'NonDeterministicSignerError')
export const WalletMismatchError = kind('WALLET_MISMATCH', 'WalletMismatchError')
export const InvalidSignatureError = kind('INVALID_SIGNATURE', 'InvalidSignatureError')
export const InvalidCertificateError = kind('INVALID_CERTIFICATE', 'InvalidCertificateError')
export const WrongWalletError = kind('WRONG_WALLET', 'WrongWalletError')
export const CertificateExpiredError = kind('CERTIFICATE_EXPIRED', 'CertificateExpiredError')
export const PeerMismatchError = kind('PEER_MISMATCH', 'PeerMismatchError')
/** A device shows a certificate older than the one it is known by (a writer certificate replayed after a downgrade). */
export const SupersededCertificateError = kind('SUPERSEDED_CERTIFICATE', 'SupersededCertificateError')
export const MissingCapabilityError = kind('MISSING_CAPABILITY', 'MissingCapabilityError')
export const ReadOnlyError = kind('READ_ONLY', 'ReadOnlyError')
export const InvalidEntryError = kind('INVALID_ENTRY', 'InvalidEntryError')
export const EntryTooLargeError = kind('ENTRY_TOO_LARGE', 'EntryTooLargeError')
export const UnknownAuthorError = kind('UNKNOWN_AUTHOR', 'UnknownAuthorError')
export const UnknownEpochError = kind('UNKNOWN_EPOCH', 'UnknownEpochError')
export const DecryptError = kind('DECRYPT_FAILED', 'DecryptError')
export const HomeInUseError = kind('HOME_IN_USE', 'HomeInUseError')
export const HomeNotInitializedError = kind('HOME_NOT_INITIALIZED', 'HomeNotInitializedError')
export const HomeCorruptError = kind('HOME_CORRUPT', 'HomeCorruptError')
export const StoreWriteError = kind('STORE_WRITE_FAILED', 'StoreWriteError')
export const StoreCorruptError = kind('STORE_CORRUPT', 'StoreCorruptError')
export const InvalidSessionKeyError = kind('INVALID_SESSION_KEY', 'InvalidSessionKeyError')
export const SessionNotFoundError = kind('SESSION_NOT_FOUND', 'SessionNotFoundError')
export const SessionExistsError = kind('SESSION_EXISTS', 'SessionExistsError')
export const NotFoundError = kind('NOT_FOUND', 'NotFoundError')
export const InvalidInputError = kind('INVALID_INPUT', 'InvalidInputError')
export const LeaseHeldError = kind('LEASE_HELD', 'LeaseHeldError')
export const ClosedError = kind('CLOSED', 'ClosedError')
export const DaemonRunningError = kind('DAEMON_RUNNING', 'DaemonRunningError')
export const ProtocolError = kind('PROTOCOL_ERROR', 'ProtocolError')
export const NotMemberError = kind('NOT_MEMBER', 'NotMemberError')

export function isMeshError (err: unknown): err is MeshError {
  return err instanceof MeshError
}
