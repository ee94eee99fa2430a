/**
 * The certificates and cutoffs this vault knows, verified once and kept by device key, and the
 * one rule that judges an entry by what its author was allowed when it wrote it (crdt/SPEC.md,
 * Admission):
 * - each device is governed by its newest certificate; an older one is superseded, refused at
 *   membership and never stored again (SUPERSEDED_CERTIFICATE);
 * - a device's cutoffs (wallet-signed, see identity/cutoff.ts) say what it had written when its
 *   rights changed: an entry at or below them stays valid forever, one above is judged by the
 *   newest certificate (`write`, and expiry for what arrives straight from the device);
 * - stored entries are re-judged at load only above a recorded cutoff: a certificate change with
 *   no cutoff, or an expiry, never takes back what this node admitted.
 * Issue 14's revocation adds cutoffs from revoke operations to the same per-device vector.
 */
import { CertificateExpiredError, MissingCapabilityError, SupersededCertificateError, UnknownAuthorError, UnknownEpochError } from '../errors.js'
import {
  CutoffVector, equals, hasCapability, isCutoffRecord, isExpired, toHex, verifyCertificate, verifyCutoff, type Certificate, type Cutoff, type VaultKeys
} from '../identity/index.js'

/**
 * `load`: an entry this node stored earlier, read back. `receive`: an entry arriving now; `from`
 * is the PeerId of the authenticated channel it came over (expiry is checked when that is its
 * author: an entry relayed by a member was checked by the member that took it from its author).
 */
/** How far the wallet-signed clock floor may move a node's time past its own clock (see now()). */
export const FLOOR_AHEAD_MS = 24 * 60 * 60 * 1000

export interface Judging { at: 'load' | 'receive', from?: string }

export interface Added {
  /** The device key the record is about. */
  device: Uint8Array
  /** Whether what this device's entries are judged by changed (a newer certificate, a new cutoff). */
  changed: boolean
}

export class CertRegistry {
  private readonly byDevice = new Map<string, Certificate>()
  private readonly cutoffs = new Map<string, Map<string, Cutoff>>()
  private readonly vectors = new Map<string, CutoffVector>()
  /** The newest issue time the wallet signed: the clock is never taken to be earlier (see now()). */
  private newestIssue = 0

  constructor (private readonly walletKey: Uint8Array, private readonly keys?: VaultKeys, private readonly clock: () => number = Date.now) {}

  /**
   * The time expiry is judged at: this machine's clock, but never earlier than the newest issue
   * time the wallet signed. A node whose clock is slow still learns that time has passed from
   * the certificates the wallet issues (a renewal, a new device). The floor moves a node's time
   * forward by at most FLOOR_AHEAD_MS: a wallet machine whose clock is far ahead must not expire
   * every certificate at once.
   */
  now (): number {
    const clock = this.clock()
    return Math.max(clock, Math.min(this.newestIssue, clock + FLOOR_AHEAD_MS))
  }

  /**
   * Verifies and adds a signed record, a certificate or a cutoff; throws the verification error,
   * or SupersededCertificateError for a certificate older than the one this device is known by.
   * Expired certificates are kept: expiry is judged per entry.
   */
  add (bytes: Uint8Array): Added {
    if (isCutoffRecord(bytes)) return this.addCutoff(verifyCutoff(bytes, { wallet: this.walletKey }))
    const cert = verifyCertificate(bytes, { wallet: this.walletKey, expiry: false })
    const id = toHex(cert.deviceKey)
    const prev = this.byDevice.get(id)
    if (prev !== undefined && equals(prev.bytes, cert.bytes)) return { device: cert.deviceKey, changed: false }
    if (prev !== undefined && !newer(cert, prev)) {
      throw new SupersededCertificateError(`certificate of ${cert.label} (${cert.deviceId}) issued ${new Date(cert.issuedAt).toISOString()} is superseded by one issued ${new Date(prev.issuedAt).toISOString()}`, { deviceId: cert.deviceId })
    }
    this.byDevice.set(id, cert)
    this.newestIssue = Math.max(this.newestIssue, cert.issuedAt)
    return { device: cert.deviceKey, changed: prev !== undefined }
  }

  /**
   * Records a verified cutoff of a device (a re-enrolment's, from add(); a revocation's, later).
   * A device's cutoffs merge by maximum.
   */
  addCutoff (c: Cutoff): Added {
    const id = toHex(c.device)
    let m = this.cutoffs.get(id)
    if (m === undefined) { m = new Map(); this.cutoffs.set(id, m) }
    const key = toHex(c.digest)
    if (m.has(key)) return { device: c.device, changed: false }
    m.set(key, c)
    let v = this.vectors.get(id)
    if (v === undefined) { v = new CutoffVector(); this.vectors.set(id, v) }
    v.merge(c)
    this.newestIssue = Math.max(this.newestIssue, c.issuedAt)
    return { device: c.device, changed: true }
  }

  get (deviceKey: Uint8Array): Certificate | undefined { return this.byDevice.get(toHex(deviceKey)) }

  /** The newest certificate of every device. */
  all (): Certificate[] { return [...this.byDevice.values()] }

  /** Every record to hand a peer, cutoffs first: a peer learns what stays valid before what changed. */
  records (): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const m of this.cutoffs.values()) for (const c of m.values()) out.push(c.bytes)
    for (const c of this.byDevice.values()) out.push(c.bytes)
    return out
  }

  /**
   * Whether a stored entry can be refused at load at all: only when a device with a recorded
   * cutoff is governed by a certificate without `write`. Lets the vault skip judging what it serves.
   */
  get restricting (): boolean {
    for (const id of this.vectors.keys()) {
      const cert = this.byDevice.get(id)
      if (cert !== undefined && !hasCapability(cert, 'write')) return true
    }
    return false
  }

  /** The cutoff vector of a device, if any cutoff of it is recorded. */
  cutoffOf (deviceKey: Uint8Array): CutoffVector | undefined { return this.vectors.get(toHex(deviceKey)) }

  /**
   * Verifies the certificate a peer shows at membership: valid now (with CLOCK_SKEW_MS), for the
   * PeerId Noise authenticated, and not superseded by a newer one of the same device.
   */
  verifyPeer (bytes: Uint8Array, peerId: string): Certificate {
    const cert = verifyCertificate(bytes, { wallet: this.walletKey, deviceId: peerId, now: this.now() })
    const known = this.byDevice.get(toHex(cert.deviceKey))
    if (known !== undefined && !equals(known.bytes, cert.bytes) && !newer(cert, known)) {
      throw new SupersededCertificateError(`peer ${peerId} shows a certificate superseded by one issued ${new Date(known.issuedAt).toISOString()}`, { deviceId: cert.deviceId })
    }
    return cert
  }

  /** Judges an update entry at its position in its author's log; returns the governing certificate. */
  judgeUpdate (e: { author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint, epoch: number }, j: Judging): Certificate {
    return this.judge(e.author, e.epoch, (v) => v.holds(e.doc, e.lane, e.seq), j)
  }

  /** Judges a snapshot header by its number among its author's snapshots of the document. */
  judgeSnapshot (h: { author: Uint8Array, doc: Uint8Array, seq: bigint, epoch: number }, j: Judging): Certificate {
    return this.judge(h.author, h.epoch, (v) => v.holdsSnapshot(h.seq), j)
  }

  private judge (author: Uint8Array, epoch: number, within: (v: CutoffVector) => boolean, j: Judging): Certificate {
    const id = toHex(author)
    const cert = this.byDevice.get(id)
    if (cert === undefined) throw new UnknownAuthorError('entry author holds no certificate of this wallet', { author: id })
    if (this.keys !== undefined && !this.keys.epochs.has(epoch)) throw new UnknownEpochError(`entry of unknown key epoch ${epoch}`, { epoch })
    const v = this.vectors.get(id)
    if (v !== undefined && within(v)) return cert
    const pending = cert.cutoff !== undefined && this.cutoffs.get(id)?.has(toHex(cert.cutoff)) !== true
    if (j.at === 'load' && (v === undefined || pending)) return cert
    if (pending) throw new MissingCapabilityError(`certificate of ${cert.label} takes effect from a cutoff not received yet: its entries wait for it`, { deviceId: cert.deviceId })
    if (!hasCapability(cert, 'write')) throw new MissingCapabilityError(`device ${cert.label} (${cert.deviceId}) is read-only: its entries are refused`, { deviceId: cert.deviceId })
    if (j.at === 'receive' && j.from === cert.deviceId && isExpired(cert, this.now())) {
      throw new CertificateExpiredError(`certificate of ${cert.label} has expired`, { deviceId: cert.deviceId })
    }
    return cert
  }
}

/** Whether `a` supersedes `b` (same device): issued later; the same millisecond is broken by the bytes, so every node agrees. */
function newer (a: Certificate, b: Certificate): boolean {
  if (a.issuedAt !== b.issuedAt) return a.issuedAt > b.issuedAt
  return toHex(a.bytes) > toHex(b.bytes)
}
