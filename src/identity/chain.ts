/**
 * Version 3 certificates: chains. The wallet certifies a first device as an admin once (at
 * `mesh init` / the first `mesh join` with a wallet); from then on an admin device enrols further
 * devices without the wallet. A certificate carries the chain of its issuers' certificates up to
 * the wallet, nearest first, so any peer verifies it alone:
 *
 *   wallet ──signs──▶ admin A (depth 0, path_len 1) ──signs──▶ admin P (depth 1, path_len 0) ──signs──▶ device Q (depth 2)
 *
 * Along a chain capabilities and expiry only narrow, and the depth is bounded (MAX_DEPTH; X.509's
 * path_len says how many admin levels may still follow). A reader's certificate carries its X25519
 * key (`kem`): later epoch keys are wrapped to it (wrap.ts), never to a key every device holds.
 * Versions 1 and 2 (certificate.ts, wallet-signed) still verify: they read as depth 0 with
 * read/write and no KEM key (wrap.ts falls back to the device key's Montgomery form).
 * Whether a device is still a member is the registry's question (registry.ts), not this file's.
 *
 * @example
 * const admin = issueChainCertificate(wallet, undefined, { deviceKey: a.publicKey, kemKey: deviceKemPublic(a), capabilities: ['read', 'write', 'admin'], label: 'desktop', pathLen: 1 })
 * const laptop = issueChainCertificate(a, admin, { deviceKey: b.publicKey, kemKey, capabilities: ['read', 'write'], label: 'laptop' })
 * verifyChainCertificate(laptop.bytes, { wallet: wallet.publicKey })
 */
import { createHash } from 'node:crypto'
import { CertificateExpiredError, InvalidCertificateError, InvalidSignatureError, messageTime, NotAdminError, PeerMismatchError, WrongWalletError } from '../errors.js'
import { equals, toBase58, toHex } from './bytes.js'
import {
  CAP_BITS, CLOCK_SKEW_MS, deviceIdFromKey, isExpired, verifyCertificate, type Capability, type Certificate, type VerifyOptions
} from './certificate.js'
import { CERTIFICATE_VERSION_CHAIN, DOMAIN } from './domains.js'
import type { Ed25519Signer } from './ed25519.js'
import { ChainCertificate as PbChain, SignedChainCertificate as PbSignedChain } from './pb/chain.js'
import { SignedCertificate as PbSignedV1 } from './pb/certificate.js'
import { isCanonical, notCanonical, signWithDomain, verifyWithDomain } from './signed.js'
import type { WalletAddress } from './wallet.js'

/** Device signatures between a certificate and the wallet: wallet → admin → admin → device. */
export const MAX_DEPTH = 2
/** The most admin levels the wallet may allow below a first admin. */
export const MAX_PATH_LEN = 1
export const MAX_CHAIN_BODY_BYTES = 1024
export const MAX_CHAIN_BYTES = 3 * 1024
const MAX_LABEL = 128

export interface ChainCertificate extends Certificate {
  readonly version: typeof CERTIFICATE_VERSION_CHAIN
  /** The wallet key, or the admin device key that signed this certificate. */
  readonly issuerKey: Uint8Array
  /** 0 when the wallet signed; one more than the issuer's otherwise. */
  readonly depth: number
  /** Admin levels that may still follow below this certificate (0 for a device that is not an admin). */
  readonly pathLen: number
  /** X25519 public key epoch keys are wrapped to; present iff `read`. */
  readonly kem?: Uint8Array
  /** SHA-256 of the issuer's certificate body; undefined when the wallet signed. */
  readonly parent?: Uint8Array
  readonly pairing?: Uint8Array
  /** SHA-256 of this certificate's body: what a child's `parent` names. */
  readonly digest: Uint8Array
  /** The expiry the certificate itself states (`expiresAt` is the effective one: the earliest along the chain). */
  readonly ownExpiresAt?: number
  /** The issuers' certificates, nearest first (empty when the wallet signed). */
  readonly ancestors: readonly ChainCertificate[]
}

export interface ChainIssueOptions {
  deviceKey: Uint8Array
  /** The device's X25519 key (wrap.ts deviceKemPublic); required with `read`. */
  kemKey?: Uint8Array
  capabilities: readonly Capability[]
  label: string
  issuedAt?: number
  expiresAt?: number
  /** Admin levels allowed below; only with `admin`. @default 0 */
  pathLen?: number
  /** SHA-256 of the pairing transcript this enrolment came from (pairing by code). */
  pairing?: Uint8Array
}

/** The wallet, or an admin device (its DeviceKey, or any ed25519 signer). */
export type ChainIssuer = Pick<Ed25519Signer, 'publicKey' | 'sign'> | { publicKey: Uint8Array, signer: Pick<Ed25519Signer, 'sign'> }

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

export function isChainCertificate (c: Certificate): c is ChainCertificate { return c.version === CERTIFICATE_VERSION_CHAIN }

/** Whether signed-record bytes are a version 3 certificate (fields 5-7) rather than a v1/v2 one or a cutoff. */
export function isChainRecord (bytes: Uint8Array): boolean {
  try {
    return PbSignedChain.decode(bytes).body.byteLength > 0
  } catch {
    // Not decodable as a chain certificate: the other record kinds report what is wrong with it.
    return false
  }
}

/** Normalises capabilities to their implied set: write ⇒ read, admin ⇒ read + write. */
function closeCaps (caps: readonly Capability[]): number {
  let b = 0
  for (const c of caps) b |= CAP_BITS[c]
  if ((b & CAP_BITS.admin) !== 0) b |= CAP_BITS.write
  if ((b & CAP_BITS.write) !== 0) b |= CAP_BITS.read
  return b
}

/** A certificate's (or a pairing request's) capability bits as names, in CAP_BITS order. */
export function bitsToCaps (bits: number): Capability[] {
  return (['read', 'write', 'admin', 'mirror'] as Capability[]).filter(c => (bits & CAP_BITS[c]) !== 0)
}

/**
 * Issues a version 3 certificate. `issuerChain` undefined: the issuer is the wallet (the first
 * admin of a vault, or any device the wallet enrols directly). Otherwise it is the issuing admin
 * device's own chain certificate, and `issuer` that device: this is how an admin enrols a device
 * without the wallet (pairing by code, a mirror). Throws what verification would: an issuer
 * without `admin` (NotAdminError), capabilities or expiry wider than the issuer's, a chain too deep.
 */
export function issueChainCertificate (issuer: ChainIssuer, issuerChain: ChainCertificate | undefined, opts: ChainIssueOptions): ChainCertificate {
  const signer = 'signer' in issuer ? issuer.signer : issuer
  if (opts.deviceKey.byteLength !== 32) throw new InvalidCertificateError('a device key has 32 bytes')
  if (issuerChain !== undefined && !equals(issuerChain.deviceKey, issuer.publicKey)) throw new InvalidCertificateError('the issuer chain is not the issuing device\'s certificate')
  if (issuerChain !== undefined && !issuerChain.capabilities.includes('admin')) throw new NotAdminError(`device ${issuerChain.label} is not an admin: it cannot enrol devices`, { deviceId: issuerChain.deviceId })
  const wallet = issuerChain?.walletKey ?? issuer.publicKey
  const bits = closeCaps(opts.capabilities)
  const body = PbChain.encode({
    version: CERTIFICATE_VERSION_CHAIN,
    wallet: wallet as Uint8Array<ArrayBuffer>,
    device: opts.deviceKey as Uint8Array<ArrayBuffer>,
    capabilities: bits,
    label: opts.label.slice(0, MAX_LABEL),
    issuedAt: BigInt(opts.issuedAt ?? Date.now()),
    expiresAt: opts.expiresAt !== undefined ? BigInt(opts.expiresAt) : undefined,
    issuer: issuer.publicKey as Uint8Array<ArrayBuffer>,
    parent: (issuerChain?.digest ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    pathLen: opts.pathLen ?? 0,
    kem: ((bits & CAP_BITS.read) !== 0 ? (opts.kemKey ?? new Uint8Array(0)) : new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    pairing: (opts.pairing ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>
  })
  const signature = signWithDomain(signer, DOMAIN.chainCertificate, body)
  const chain = issuerChain === undefined ? [] : [stripChain(issuerChain.bytes), ...issuerChain.ancestors.map(a => stripChain(a.bytes))]
  const bytes = PbSignedChain.encode({ body, signature: signature as Uint8Array<ArrayBuffer>, chain: chain as Array<Uint8Array<ArrayBuffer>> })
  return verifyChainCertificate(bytes, { wallet, expiry: false })
}

/** One certificate's signed bytes without its chain: how it travels inside a child's chain. */
function stripChain (bytes: Uint8Array): Uint8Array {
  const s = PbSignedChain.decode(bytes)
  return s.chain.length === 0 ? bytes : PbSignedChain.encode({ body: s.body, signature: s.signature, chain: [] })
}

/** Verifies one link (signature under its issuer, the expected wallet, a well-formed body); no chain rules yet. */
function verifyLink (body: Uint8Array, signature: Uint8Array, bytes: Uint8Array, wallet: Uint8Array): { c: PbChain, cert: Omit<ChainCertificate, 'depth' | 'ancestors' | 'expiresAt'> } {
  if (body.byteLength > MAX_CHAIN_BODY_BYTES) throw new InvalidCertificateError(`certificate body of ${body.byteLength} bytes exceeds ${MAX_CHAIN_BODY_BYTES}`)
  let c: PbChain
  try {
    c = PbChain.decode(body)
  } catch (err) {
    throw new InvalidCertificateError('certificate body is not a valid encoding', {}, { cause: err })
  }
  // Signed as it is, but one certificate has one body (and one digest, what a child names).
  if (!isCanonical(PbChain, c, body)) throw new InvalidCertificateError(notCanonical('certificate body'))
  if (c.version !== CERTIFICATE_VERSION_CHAIN) throw new InvalidCertificateError(`unsupported chain certificate version ${c.version}`)
  if (c.wallet.byteLength !== 32 || c.device.byteLength !== 32 || c.issuer.byteLength !== 32 || signature.byteLength !== 64) throw new InvalidCertificateError('certificate is missing a key or its signature')
  // The claimed wallet is only read to name the failure; trust comes from the expected wallet.
  if (!equals(c.wallet, wallet)) throw new WrongWalletError(`certificate belongs to wallet ${toBase58(c.wallet)}, not ${toBase58(wallet)}`)
  if (!verifyWithDomain(c.issuer, DOMAIN.chainCertificate, body, signature)) throw new InvalidSignatureError('certificate signature does not verify under its issuer')
  const byWallet = equals(c.issuer, wallet)
  if (c.parent.byteLength !== (byWallet ? 0 : 32)) throw new InvalidCertificateError(byWallet ? 'a wallet-issued certificate names no parent' : 'a device-issued certificate names its parent by a 32-byte digest')
  if (c.label.length > MAX_LABEL) throw new InvalidCertificateError('certificate label is too long')
  if ((c.capabilities & ~0xf) !== 0) throw new InvalidCertificateError(`unknown capability bits ${c.capabilities}`)
  const caps = bitsToCaps(c.capabilities)
  const has = (x: Capability): boolean => caps.includes(x)
  // Shapes: a mirror holds no key, so it reads nothing; write needs read, admin needs write.
  if (caps.length === 0) throw new InvalidCertificateError('certificate grants no capability')
  if (has('mirror') && has('read')) throw new InvalidCertificateError('a certificate is a reader or a mirror, never both')
  if (has('write') && !has('read')) throw new InvalidCertificateError('write without read')
  if (has('admin') && !has('write')) throw new InvalidCertificateError('admin without write')
  if (c.kem.byteLength !== (has('read') ? 32 : 0)) throw new InvalidCertificateError(has('read') ? 'a reader\'s certificate carries a 32-byte KEM key' : 'a certificate without read carries no KEM key')
  if (c.pairing.byteLength !== 0 && c.pairing.byteLength !== 32) throw new InvalidCertificateError('a pairing digest has 32 bytes')
  if (!has('admin') && c.pathLen !== 0) throw new InvalidCertificateError('path_len on a certificate that is not an admin\'s')
  if (byWallet && c.pathLen > MAX_PATH_LEN) throw new InvalidCertificateError(`path_len ${c.pathLen} exceeds ${MAX_PATH_LEN}`)
  return {
    c,
    cert: {
      version: CERTIFICATE_VERSION_CHAIN,
      wallet: toBase58(wallet) as WalletAddress,
      walletKey: wallet,
      deviceKey: c.device,
      deviceId: deviceIdFromKey(c.device),
      capabilities: caps,
      label: c.label,
      issuedAt: Number(c.issuedAt),
      ownExpiresAt: c.expiresAt !== undefined ? Number(c.expiresAt) : undefined,
      issuerKey: c.issuer,
      pathLen: c.pathLen,
      kem: c.kem.byteLength > 0 ? c.kem : undefined,
      parent: c.parent.byteLength > 0 ? c.parent : undefined,
      pairing: c.pairing.byteLength > 0 ? c.pairing : undefined,
      digest: sha256(body),
      bytes
    }
  }
}

/**
 * Verifies a version 3 certificate and its whole chain, top down, rejecting on the first failure
 * with a typed error: malformed (InvalidCertificateError), a bad signature, another wallet, an
 * issuer without `admin` (NotAdminError), capabilities, admin levels or expiry wider than the
 * issuer's, a chain element that is not the issuer's certificate, a chain deeper than MAX_DEPTH;
 * then expiry (the earliest along the chain) and the device, as verifyCertificate.
 */
export function verifyChainCertificate (bytes: Uint8Array, opts: VerifyOptions): ChainCertificate {
  if (bytes.byteLength > MAX_CHAIN_BYTES) throw new InvalidCertificateError(`certificate of ${bytes.byteLength} bytes exceeds ${MAX_CHAIN_BYTES}`)
  let signed: PbSignedChain
  try {
    signed = PbSignedChain.decode(bytes, { limits: { chain: MAX_DEPTH + 1 } } as any)
  } catch (err) {
    throw new InvalidCertificateError('certificate is not a valid encoding', {}, { cause: err })
  }
  // The signature covers the body alone: bytes appended to someone's certificate (or its chain
  // elements) would still verify and win the tie-break by bytes against it. One encoding only.
  if (!isCanonical(PbSignedChain, signed, bytes)) throw new InvalidCertificateError(notCanonical('certificate'))
  if (signed.chain.length > MAX_DEPTH) throw new InvalidCertificateError(`a chain of ${signed.chain.length} issuers exceeds depth ${MAX_DEPTH}`)
  const links: Array<ReturnType<typeof verifyLink>> = [verifyLink(signed.body, signed.signature, bytes, opts.wallet)]
  for (const b of signed.chain) {
    let s: PbSignedChain
    try {
      s = PbSignedChain.decode(b)
    } catch (err) {
      throw new InvalidCertificateError('a chain element is not a valid encoding', {}, { cause: err })
    }
    if (s.chain.length !== 0) throw new InvalidCertificateError('a chain element carries a chain of its own')
    if (!isCanonical(PbSignedChain, s, b)) throw new InvalidCertificateError(notCanonical('a chain element'))
    links.push(verifyLink(s.body, s.signature, b, opts.wallet))
  }
  // Each link is issued by the next one's device, named by digest; the last by the wallet.
  for (let i = 0; i < links.length; i++) {
    const child = (links[i] as ReturnType<typeof verifyLink>).cert
    const parent = links[i + 1]?.cert
    if (parent === undefined) {
      if (!equals(child.issuerKey, opts.wallet)) throw new InvalidCertificateError(i === 0 ? 'certificate issued by a device but carries no chain' : 'the chain does not end at the wallet')
      continue
    }
    if (!equals(parent.deviceKey, child.issuerKey) || !equals(parent.digest, child.parent as Uint8Array)) throw new InvalidCertificateError('a chain element is not the certificate of its child\'s issuer')
  }
  // Top down: the wallet's certificate first, so each child is judged against a verified parent.
  let above: ChainCertificate | undefined
  const chain: ChainCertificate[] = []
  for (let i = links.length - 1; i >= 0; i--) {
    const { cert } = links[i] as ReturnType<typeof verifyLink>
    let expiresAt = cert.ownExpiresAt
    if (above !== undefined) {
      if (!above.capabilities.includes('admin')) throw new NotAdminError(`certificate issued by ${above.label}, which is not an admin`, { deviceId: above.deviceId })
      for (const cap of cert.capabilities) {
        // An admin may create mirrors: a mirror holds no key, so it is never more than its issuer.
        if (cap !== 'mirror' && !above.capabilities.includes(cap)) throw new InvalidCertificateError(`capability ${cap} is not held by the issuer ${above.label}`)
      }
      if (cert.capabilities.includes('admin') && (above.pathLen < 1 || cert.pathLen > above.pathLen - 1)) throw new InvalidCertificateError(`admin issued by ${above.label}, whose path_len ${above.pathLen} does not allow one of path_len ${cert.pathLen}`)
      if (above.expiresAt !== undefined) {
        if (expiresAt !== undefined && expiresAt > above.expiresAt) throw new InvalidCertificateError(`certificate outlives its issuer ${above.label}`)
        expiresAt = expiresAt ?? above.expiresAt
      }
      if (cert.issuedAt < above.issuedAt - CLOCK_SKEW_MS) throw new InvalidCertificateError(`certificate issued before its issuer ${above.label} was`)
    }
    const depth = links.length - 1 - i
    if (depth > MAX_DEPTH) throw new InvalidCertificateError(`chain depth ${depth} exceeds ${MAX_DEPTH}`)
    above = { ...cert, expiresAt, depth, ancestors: [...chain].reverse() }
    chain.push(above)
  }
  const leaf = above as ChainCertificate
  const now = opts.now ?? Date.now()
  if (opts.expiry !== false && isExpired(leaf, now)) {
    throw new CertificateExpiredError(`certificate of device ${leaf.label} expired at ${messageTime(leaf.expiresAt as number)}`, { deviceId: leaf.deviceId })
  }
  if (opts.deviceKey !== undefined && !equals(opts.deviceKey, leaf.deviceKey)) throw new PeerMismatchError('certificate was issued for another device key', { deviceId: leaf.deviceId })
  if (opts.deviceId !== undefined && opts.deviceId !== leaf.deviceId) throw new PeerMismatchError(`certificate is for ${leaf.deviceId}, not ${opts.deviceId}`, { deviceId: leaf.deviceId })
  return leaf
}

/**
 * Verifies a certificate of any version: version 3 with its chain, versions 1 and 2 under the
 * wallet. The one function membership, admission and the registry call to trust a certificate.
 */
export function verifyAnyCertificate (bytes: Uint8Array, opts: VerifyOptions): Certificate {
  return isChainRecord(bytes) ? verifyChainCertificate(bytes, opts) : verifyCertificate(bytes, opts)
}

/** A certificate's depth below the wallet: versions 1 and 2 were signed by the wallet. */
export function depthOf (cert: Certificate): number { return isChainCertificate(cert) ? cert.depth : 0 }

/** Hex of the SHA-256 of a certificate's signed body, of any version (v1/v2: of the SignedCertificate body). */
export function certificateDigest (cert: Certificate): Uint8Array {
  if (isChainCertificate(cert)) return cert.digest
  return sha256(PbSignedV1.decode(cert.bytes).body)
}

/** A short, stable way to name a certificate in logs. */
export const certificateTag = (cert: Certificate): string => `${cert.label} (${cert.deviceId.slice(-8)}, ${toHex(certificateDigest(cert)).slice(0, 8)})`
