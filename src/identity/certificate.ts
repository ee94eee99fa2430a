/**
 * Device certificates: the wallet signs, for one device key (the machine's libp2p PeerId), its
 * capabilities, a label, when it was issued and optionally when it expires. The signature covers
 * the encoded body under DOMAIN.deviceCertificate; verification checks the received bytes first
 * and decodes only what verified.
 */
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import {
  CertificateExpiredError, InvalidCertificateError, InvalidSignatureError, PeerMismatchError, WrongWalletError
} from '../errors.js'
import { equals, toBase58 } from './bytes.js'
import { CERTIFICATE_VERSION, DOMAIN } from './domains.js'
import { DeviceCertificate as PbCert, SignedCertificate as PbSigned } from './pb/certificate.js'
import { signWithDomain, verifyWithDomain } from './signed.js'
import type { Wallet, WalletAddress } from './wallet.js'

export type Capability = 'read' | 'write'
export type DeviceId = string & { readonly __brand: 'DeviceId' }

const CAP_BITS: Record<Capability, number> = { read: 1, write: 2 }
export const MAX_CERTIFICATE_BYTES = 1024
const MAX_LABEL = 128

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
}

export function issueCertificate (wallet: Pick<Wallet, 'publicKey' | 'sign'>, opts: IssueOptions): Certificate {
  if (opts.deviceKey.byteLength !== 32) throw new InvalidCertificateError('a device key has 32 bytes')
  const label = opts.label.slice(0, MAX_LABEL)
  const caps = opts.capabilities.includes('write') ? ['read', 'write'] as Capability[] : ['read'] as Capability[]
  const body = PbCert.encode({
    version: CERTIFICATE_VERSION,
    wallet: wallet.publicKey as Uint8Array<ArrayBuffer>,
    device: opts.deviceKey as Uint8Array<ArrayBuffer>,
    capabilities: capsToBits(caps),
    label,
    issuedAt: BigInt(opts.issuedAt ?? Date.now()),
    expiresAt: opts.expiresAt !== undefined ? BigInt(opts.expiresAt) : undefined
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
  if (c.version !== CERTIFICATE_VERSION) throw new InvalidCertificateError(`unsupported certificate version ${c.version}`)
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
  if (cert.expiresAt !== undefined && cert.expiresAt <= now) {
    throw new CertificateExpiredError(`certificate of device ${cert.label} expired at ${new Date(cert.expiresAt).toISOString()}`, { deviceId: cert.deviceId })
  }
  if (opts.deviceKey !== undefined && !equals(opts.deviceKey, cert.deviceKey)) {
    throw new PeerMismatchError('certificate was issued for another device key', { deviceId: cert.deviceId })
  }
  if (opts.deviceId !== undefined && opts.deviceId !== cert.deviceId) {
    throw new PeerMismatchError(`certificate is for ${cert.deviceId}, not ${opts.deviceId}`, { deviceId: cert.deviceId })
  }
  return cert
}

export const hasCapability = (cert: Certificate, cap: Capability): boolean => cert.capabilities.includes(cap)
