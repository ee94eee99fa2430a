/**
 * Device certificates: the wallet signs, for one device key (the machine's libp2p PeerId), its
 * capabilities, a label, when it was issued and optionally when it expires. The signature covers
 * the encoded body under DOMAIN.deviceCertificate; verification checks the received bytes first
 * and decodes only what verified.
 *
 * A re-issued certificate (version 2) names, by digest, the wallet-signed cutoff it takes effect
 * from (cutoff.ts): what the device had written when its rights changed, which stays valid
 * whatever this certificate allows. Version 1 (no cutoff) is still written for a first enrolment.
 */
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import {
  CertificateExpiredError, InvalidCertificateError, InvalidSignatureError, messageTime, PeerMismatchError, WrongWalletError
} from '../errors.js'
import { equals, toBase58 } from './bytes.js'
import { CERTIFICATE_VERSION, CERTIFICATE_VERSION_CUTOFF, DOMAIN } from './domains.js'
import { DeviceCertificate as PbCert, SignedCertificate as PbSigned } from './pb/certificate.js'
import { isCanonical, notCanonical, signWithDomain, verifyWithDomain } from './signed.js'
import type { Wallet, WalletAddress } from './wallet.js'

/** `admin` (enrol and revoke devices) and `mirror` (store and forward ciphertext) exist only in version 3 certificates (chain.ts). */
export type Capability = 'read' | 'write' | 'admin' | 'mirror'
export type DeviceId = string & { readonly __brand: 'DeviceId' }

export const CAP_BITS: Record<Capability, number> = { read: 1, write: 2, admin: 4, mirror: 8 }
export const MAX_CERTIFICATE_BYTES = 1024
const MAX_LABEL = 128
/**
 * How far apart two honest clocks may be: a certificate counts as expired for others only this
 * long after its `expires_at` (its holder stops writing at `expires_at` by its own clock). The one
 * place this tolerance is set; protocols/membership/SPEC.md and crdt/SPEC.md name it.
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000

export interface Certificate {
  readonly version: number
  readonly wallet: WalletAddress
  readonly walletKey: Uint8Array
  readonly deviceKey: Uint8Array
  readonly deviceId: DeviceId
  readonly capabilities: readonly Capability[]
  readonly label: string
  readonly issuedAt: number
  readonly expiresAt?: number
  /** Version 2: SHA-256 of the body of the SignedCutoff this certificate takes effect from. */
  readonly cutoff?: Uint8Array
  /** The signed bytes, exactly as received: what travels and what is stored. */
  readonly bytes: Uint8Array
}

export function deviceIdFromKey (deviceKey: Uint8Array): DeviceId {
  return peerIdFromPublicKey(publicKeyFromRaw(deviceKey) as any).toString() as DeviceId
}

export function capsToBits (caps: readonly Capability[]): number {
  let b = 0
  for (const c of caps) b |= CAP_BITS[c]
  return b
}

function bitsToCaps (bits: number): Capability[] {
  const out: Capability[] = []
  if ((bits & CAP_BITS.read) !== 0) out.push('read')
  if ((bits & CAP_BITS.write) !== 0) out.push('write')
  return out
}

export interface IssueOptions {
  deviceKey: Uint8Array
  capabilities: readonly Capability[]
  label: string
  issuedAt?: number
  expiresAt?: number
  /** The digest of the cutoff (cutoffDigest) this certificate takes effect from: makes it version 2. */
  cutoff?: Uint8Array
}

export function issueCertificate (wallet: Pick<Wallet, 'publicKey' | 'sign'>, opts: IssueOptions): Certificate {
  if (opts.deviceKey.byteLength !== 32) throw new InvalidCertificateError('a device key has 32 bytes')
  const label = opts.label.slice(0, MAX_LABEL)
  const caps = opts.capabilities.includes('write') ? ['read', 'write'] as Capability[] : ['read'] as Capability[]
  if (opts.cutoff !== undefined && opts.cutoff.byteLength !== 32) throw new InvalidCertificateError('a cutoff digest has 32 bytes')
  const body = PbCert.encode({
    version: opts.cutoff !== undefined ? CERTIFICATE_VERSION_CUTOFF : CERTIFICATE_VERSION,
    wallet: wallet.publicKey as Uint8Array<ArrayBuffer>,
    device: opts.deviceKey as Uint8Array<ArrayBuffer>,
    capabilities: capsToBits(caps),
    label,
    issuedAt: BigInt(opts.issuedAt ?? Date.now()),
    expiresAt: opts.expiresAt !== undefined ? BigInt(opts.expiresAt) : undefined,
    cutoff: (opts.cutoff ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>
  })
  const signature = signWithDomain(wallet, DOMAIN.deviceCertificate, body)
  const bytes = PbSigned.encode({ body, signature: signature as Uint8Array<ArrayBuffer> })
  return decodeVerified(bytes, body, wallet.publicKey)
}

function decodeVerified (bytes: Uint8Array, body: Uint8Array, walletKey: Uint8Array): Certificate {
  let c: PbCert
  try {
    c = PbCert.decode(body)
  } catch (err) {
    throw new InvalidCertificateError('certificate body is not a valid encoding', {}, { cause: err })
  }
  // Signed as it is, but one certificate has one body: no field the decoder would skip or merge.
  if (!isCanonical(PbCert, c, body)) throw new InvalidCertificateError(notCanonical('certificate body'))
  if (c.version !== CERTIFICATE_VERSION && c.version !== CERTIFICATE_VERSION_CUTOFF) throw new InvalidCertificateError(`unsupported certificate version ${c.version}`)
  if (c.cutoff.byteLength !== (c.version === CERTIFICATE_VERSION_CUTOFF ? 32 : 0)) throw new InvalidCertificateError(`certificate version ${c.version} with a cutoff digest of ${c.cutoff.byteLength} bytes`)
  if (c.device.byteLength !== 32) throw new InvalidCertificateError('certificate device key is not 32 bytes')
  if (c.label.length > MAX_LABEL) throw new InvalidCertificateError('certificate label is too long')
  const caps = bitsToCaps(c.capabilities)
  if (!caps.includes('read')) throw new InvalidCertificateError('certificate grants no capability')
  return {
    version: c.version,
    wallet: toBase58(walletKey) as WalletAddress,
    walletKey,
    deviceKey: c.device,
    deviceId: deviceIdFromKey(c.device),
    capabilities: caps,
    label: c.label,
    issuedAt: Number(c.issuedAt),
    expiresAt: c.expiresAt !== undefined ? Number(c.expiresAt) : undefined,
    cutoff: c.version === CERTIFICATE_VERSION_CUTOFF ? c.cutoff : undefined,
    bytes
  }
}

export interface VerifyOptions {
  /** The wallet the certificate must belong to. */
  wallet: Uint8Array
  /** The PeerId (as a string) or raw device key Noise authenticated, when checking a peer. */
  deviceId?: string
  deviceKey?: Uint8Array
  /** Time to check expiry against (ms); defaults to now. */
  now?: number
  /**
   * Whether to refuse an expired certificate (with CLOCK_SKEW_MS of tolerance). @default true.
   * False where expiry is judged later, per use: a home's own certificate (an expired device
   * still opens its home and reads) and a registry of certificates (history stays valid).
   */
  expiry?: boolean
}

/**
 * Verifies signed certificate bytes. Each failure has its own error: InvalidCertificateError
 * (malformed), InvalidSignatureError, WrongWalletError, CertificateExpiredError, PeerMismatchError.
 */
export function verifyCertificate (bytes: Uint8Array, opts: VerifyOptions): Certificate {
  if (bytes.byteLength > MAX_CERTIFICATE_BYTES) throw new InvalidCertificateError(`certificate of ${bytes.byteLength} bytes exceeds ${MAX_CERTIFICATE_BYTES}`)
  let signed: PbSigned
  let claimedWallet: Uint8Array
  try {
    signed = PbSigned.decode(bytes)
    claimedWallet = PbCert.decode(signed.body).wallet
  } catch (err) {
    throw new InvalidCertificateError('certificate is not a valid encoding', {}, { cause: err })
  }
  // Two bytes appended to someone's certificate would still verify, and win the tie-break by bytes
  // against it (the newer certificate governs): one certificate has one encoding.
  if (!isCanonical(PbSigned, signed, bytes)) throw new InvalidCertificateError(notCanonical('certificate'))
  if (claimedWallet.byteLength !== 32 || signed.signature.byteLength !== 64) throw new InvalidCertificateError('certificate is missing its wallet key or signature')
  // The claimed wallet is only read to name the failure; trust comes from the expected wallet.
  if (!equals(claimedWallet, opts.wallet)) {
    throw new WrongWalletError(`certificate belongs to wallet ${toBase58(claimedWallet)}, not ${toBase58(opts.wallet)}`)
  }
  if (!verifyWithDomain(opts.wallet, DOMAIN.deviceCertificate, signed.body, signed.signature)) {
    throw new InvalidSignatureError('certificate signature does not verify under the wallet')
  }
  const cert = decodeVerified(bytes, signed.body, opts.wallet)
  const now = opts.now ?? Date.now()
  if (opts.expiry !== false && isExpired(cert, now)) {
    throw new CertificateExpiredError(`certificate of device ${cert.label} expired at ${messageTime(cert.expiresAt as number)}`, { deviceId: cert.deviceId })
  }
  if (opts.deviceKey !== undefined && !equals(opts.deviceKey, cert.deviceKey)) {
    throw new PeerMismatchError('certificate was issued for another device key', { deviceId: cert.deviceId })
  }
  if (opts.deviceId !== undefined && opts.deviceId !== cert.deviceId) {
    throw new PeerMismatchError(`certificate is for ${cert.deviceId}, not ${opts.deviceId}`, { deviceId: cert.deviceId })
  }
  return cert
}

/**
 * Whether a certificate has expired at `now` for anyone but its holder: `tolerance` (CLOCK_SKEW_MS
 * unless given) after its `expires_at`. Its holder passes 0: it stops writing on time.
 */
export function isExpired (cert: Pick<Certificate, 'expiresAt'>, now: number, tolerance = CLOCK_SKEW_MS): boolean {
  return cert.expiresAt !== undefined && cert.expiresAt + tolerance <= now
}

export const hasCapability = (cert: Certificate, cap: Capability): boolean => cert.capabilities.includes(cap)
