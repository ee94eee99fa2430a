/**
 * The view of who belongs to this vault, verified once and kept: the registry (identity/
 * registry.ts: enrolments by chain, revocations with cutoffs, epochs) over the certificates and
 * cutoffs from before it, and the one rule that judges an entry by what its author was allowed when
 * it wrote it (crdt/SPEC.md, Admission):
 * - a device revoked by the registry: its entries up to the cutoff its revocations recorded stay
 *   valid forever, every later one is refused with REVOKED_AUTHOR, and it is refused at membership;
 * - otherwise each device is governed by its certificate in force: the registry's (an enrolment, or
 *   a version 1/2 certificate, newest first; an older one is superseded, refused at membership and
 *   never stored again: SUPERSEDED_CERTIFICATE), or a version 3 certificate shown directly whose
 *   issuers are all members in good standing (its enrolment has not arrived yet);
 * - a device's re-enrolment cutoffs (wallet-signed, identity/cutoff.ts) say what it had written when
 *   its rights changed: an entry at or below them stays valid forever, one above is judged by the
 *   certificate in force (`write`, and expiry for what arrives straight from the device);
 * - stored entries are re-judged at load only above a recorded cutoff: a certificate change with
 *   no cutoff, or an expiry, never takes back what this node admitted;
 * - a cutoff too large for one record comes in parts its signed head names by digest (identity/
 *   cutoff-part.ts): a part nobody here names is refused, and until every part a revocation names
 *   is held, an entry of the revoked device that no held part keeps waits (MISSING_CAPABILITY, at
 *   load too): a missing part never lets in what it might not name.
 * Membership calls verifyPeer() (the one function that judges a peer's certificate of any version).
 */
import {
  CertificateExpiredError, InvalidCertificateError, InvalidRegistryOpError, messageTime, MissingCapabilityError, NotAdminError, RevokedAuthorError, SupersededCertificateError, UnknownAuthorError, UnknownEpochError
} from '../errors.js'
import {
  compareBytes, CutoffVector, decodeCutoffPart, equals, evaluateRegistry, supersedes, hasCapability, isChainCertificate, isChainRecord, isCutoffPartRecord, isCutoffRecord, isExpired, isRegistryRecord, toHex,
  verifyAnyCertificate, verifyCertificate, verifyChainCertificate, verifyCutoff, verifyRegistryOp,
  type Certificate, type ChainCertificate, type Cutoff, type CutoffPart, type RegistryOp, type RegistryState, type VaultKeys
} from '../identity/index.js'
import { HeldOps, type Added } from './held-ops.js'

export type { Added } from './held-ops.js'

/**
 * `load`: an entry this node stored earlier, read back. `receive`: an entry arriving now; `from`
 * is the PeerId of the authenticated channel it came over (expiry is checked when that is its
 * author: an entry relayed by a member was checked by the member that took it from its author).
 */
/** How far the wallet-signed clock floor may move a node's time past its own clock (see now()). */
export const FLOOR_AHEAD_MS = 24 * 60 * 60 * 1000

/** Cutoff parts a revoked device is told with its revocation, at most (membership's message holds 4 MiB). */
const TOLD_PARTS_BYTES = 2 * 1024 * 1024

/**
 * How an entry is judged. `own`: the key of the device whose own view a load builds (load.ts);
 * its own entries beyond a revocation's cutoff are admitted to that view alone (crdt/SPEC.md,
 * Admission: what a revoked device wrote before it knew stays readable there). Never set when
 * serving (serving.ts) or receiving, so no other node, nor any peer, ever takes them.
 */
export interface Judging { at: 'load' | 'receive', from?: string, own?: Uint8Array }

export class CertRegistry {
  /** Version 1/2 certificates (wallet-signed, from before the registry), the newest per device. */
  private readonly byDevice = new Map<string, Certificate>()
  /** Version 3 certificates shown directly (at membership, in a hello), the newest per device. */
  private readonly chains = new Map<string, ChainCertificate>()
  private readonly cutoffs = new Map<string, Map<string, Cutoff>>()
  private readonly vectors = new Map<string, CutoffVector>()
  /** Cutoff parts held, by digest hex: each named by a re-enrolment cutoff or a revocation held here. */
  private readonly parts = new Map<string, CutoffPart>()
  /** Revoked devices' cutoffs with their held parts merged, for the registry state they were made from. */
  private revokedMemo: { state: RegistryState, by: Map<string, { vector: CutoffVector, missing: number }> } | undefined
  /** Records added before, by their bytes (hex): the device each is about, and for a plain certificate its device (hex). */
  private readonly known = new Map<string, { device: Uint8Array, cert: string | undefined }>()
  /** The newest issue time the wallet signed: the clock is never taken to be earlier (see now()). */
  private newestIssue = 0
  /** Work to do before the next entry or peer is judged (Membership: the epoch keys an operation wrapped to this device). */
  private due: (() => void) | undefined

  /** The registry operations held, and their evaluation. */
  private readonly held: HeldOps

  constructor (private readonly walletKey: Uint8Array, private readonly keys?: VaultKeys, private readonly clock: () => number = Date.now) {
    this.held = new HeldOps(walletKey, {
      legacy: () => this.byDevice.values(),
      isLegacy: (d) => this.byDevice.has(d),
      shown: (d) => this.byDevice.has(d) || this.chains.has(d),
      // Only an enrolment in force tells the time: a refused one (a revoked admin's) must not expire certificates.
      tells: (issuedAt) => { this.newestIssue = Math.max(this.newestIssue, Math.min(issuedAt, this.clock() + FLOOR_AHEAD_MS)) }
    })
  }

  /**
   * The time expiry is judged at: this machine's clock, but never earlier than the newest issue
   * time the wallet signed. A node whose clock is slow still learns that time has passed from
   * the certificates the wallet issues (a renewal, a new device). The floor moves a node's time
   * forward by at most FLOOR_AHEAD_MS: a wallet machine whose clock is far ahead must not expire
   * every certificate at once.
   */
  now (): number {
    this.held.told()
    const clock = this.clock()
    return Math.max(clock, Math.min(this.newestIssue, clock + FLOOR_AHEAD_MS))
  }

  /** The registry evaluated over every operation and pre-registry certificate held (recomputed when either changes). */
  get state (): RegistryState { return this.held.state }

  /** Adds a verified registry operation (HeldOps.addOp). */
  addOp (op: RegistryOp, stored = false): Added { return this.held.addOp(op, stored) }

  /** Every registry operation held, in evaluation order (pending ones last). */
  registryOps (): RegistryOp[] { return this.held.registryOps() }

  /**
   * Verifies and adds a signed record: a registry operation, a certificate of any version or a
   * cutoff; throws the verification error, or SupersededCertificateError for a certificate older
   * than the one this device is known by. Expired certificates are kept: expiry is judged per entry.
   * `stored`: a record read back from this node's store (a registry operation is then judged by
   * evaluation alone, see addOp).
   */
  add (bytes: Uint8Array, opts: { stored?: boolean } = {}): Added {
    // Every sync session opens by sending every record it holds: on a reconnect all of them are
    // known here, and verifying each again (an ed25519 signature, more for a chain) was the largest
    // share of a reconnect's CPU. Known bytes answer as a repeat always did (unchanged); a plain
    // certificate no longer the newest of its device goes the full way (it is refused as superseded).
    const key = toHex(bytes)
    const hit = this.known.get(key)
    if (hit !== undefined && (hit.cert === undefined || equals(this.byDevice.get(hit.cert)?.bytes ?? new Uint8Array(0), bytes))) return { device: hit.device, changed: false }
    const added = this.verifyAndAdd(bytes, opts.stored === true)
    const plain = !isRegistryRecord(bytes) && !isCutoffRecord(bytes) && !isChainRecord(bytes) && !isCutoffPartRecord(bytes)
    this.known.set(key, { device: added.device, cert: plain ? toHex(added.device) : undefined })
    return added
  }

  private verifyAndAdd (bytes: Uint8Array, stored: boolean): Added {
    if (isRegistryRecord(bytes)) {
      const op = verifyRegistryOp(bytes, { wallet: this.walletKey })
      return stored ? this.held.addOp(op, true) : this.held.admitOp(op)
    }
    if (isCutoffRecord(bytes)) return this.addCutoff(verifyCutoff(bytes, { wallet: this.walletKey }))
    if (isCutoffPartRecord(bytes)) return this.addPart(decodeCutoffPart(bytes))
    if (isChainRecord(bytes)) return this.addChain(verifyChainCertificate(bytes, { wallet: this.walletKey, expiry: false }), stored)
    const cert = verifyCertificate(bytes, { wallet: this.walletKey, expiry: false })
    const id = toHex(cert.deviceKey)
    const prev = this.byDevice.get(id)
    if (prev !== undefined && equals(prev.bytes, cert.bytes)) return { device: cert.deviceKey, changed: false }
    if (prev !== undefined && !newer(cert, prev)) {
      throw new SupersededCertificateError(`certificate of ${cert.label} (${cert.deviceId}) issued ${messageTime(cert.issuedAt)} is superseded by one issued ${messageTime(prev.issuedAt)}`, { deviceId: cert.deviceId })
    }
    // Read back from the store, a change was acted on when it came: the registry is not evaluated
    // for it again (once a record, a vault's open would evaluate it as often as it holds records).
    const before = stored ? undefined : this.governing(id)
    this.byDevice.set(id, cert)
    this.held.changed(true)
    this.newestIssue = Math.max(this.newestIssue, cert.issuedAt)
    return { device: cert.deviceKey, changed: !stored && this.changedFrom(id, before) }
  }

  /** Whether the certificate governing a device differs from `before` (a device newly known does not count). */
  private changedFrom (id: string, before: Certificate | undefined): boolean {
    const after = this.governing(id)
    return before !== undefined && after !== undefined && !equals(before.bytes, after.bytes)
  }

  /** `fn` runs once before the next entry or peer is judged, unless it ran before (see `due`). */
  beforeJudging (fn: () => void): void { this.due = fn }

  private settle (): void {
    const fn = this.due
    this.due = undefined
    fn?.()
  }

  private addChain (cert: ChainCertificate, stored = false): Added {
    const id = toHex(cert.deviceKey)
    const prev = this.chains.get(id)
    if (prev !== undefined && (equals(prev.bytes, cert.bytes) || !newer(cert, prev))) return { device: cert.deviceKey, changed: false }
    const before = stored ? undefined : this.governing(id)
    this.chains.set(id, cert)
    this.held.changed(false)
    return { device: cert.deviceKey, changed: !stored && this.changedFrom(id, before) }
  }

  /**
   * Records a verified cutoff of a device (a re-enrolment's, from add()).
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

  /**
   * Records a cutoff part (crdt/SPEC.md §Cutoff parts). It counts only because a signed head held
   * here names its digest: one nobody names (forged, or ahead of its head) is refused, and comes
   * again after its head (records() and every hello send heads first).
   */
  addPart (p: CutoffPart): Added {
    const key = toHex(p.digest)
    if (this.parts.has(key)) return { device: p.device, changed: false }
    const id = toHex(p.device)
    const byRevoke = this.state.cutoffParts.get(id)?.some(d => equals(d, p.digest)) === true
    const byCutoff = [...(this.cutoffs.get(id)?.values() ?? [])].some(c => c.parts.some(d => equals(d, p.digest)))
    if (!byRevoke && !byCutoff) throw new InvalidCertificateError(`cutoff part ${key.slice(0, 16)} of device ${id.slice(0, 16)} is named by no cutoff or revocation held here`)
    this.parts.set(key, p)
    this.revokedMemo = undefined
    if (byCutoff) {
      let v = this.vectors.get(id)
      if (v === undefined) { v = new CutoffVector(); this.vectors.set(id, v) }
      v.merge({ docs: p.docs, snapshotsThrough: 0n })
    }
    return { device: p.device, changed: true }
  }

  /**
   * A revoked device's cutoff: its revocations' inline documents and every held part they name,
   * and how many named parts are not held yet. Undefined when the device is not revoked.
   */
  private revokedCutoff (id: string): { vector: CutoffVector, missing: number } | undefined {
    const st = this.state
    if (this.revokedMemo?.state !== st) this.revokedMemo = { state: st, by: new Map() }
    const hit = this.revokedMemo.by.get(id)
    if (hit !== undefined) return hit
    const base = st.cutoffs.get(id)
    if (base === undefined) return undefined
    const named = st.cutoffParts.get(id) ?? []
    let vector = base
    let missing = 0
    if (named.length > 0) {
      vector = base.clone()
      for (const d of named) {
        const p = this.parts.get(toHex(d))
        if (p === undefined) missing++
        else vector.merge({ docs: p.docs, snapshotsThrough: 0n })
      }
    }
    const out = { vector, missing }
    this.revokedMemo.by.set(id, out)
    return out
  }

  /** The certificate governing a device now (revoked devices included), if it has one. */
  get (deviceKey: Uint8Array): Certificate | undefined { return this.governing(toHex(deviceKey)) }

  /**
   * `resolving`: the devices whose shown certificates are being judged (issuersStand): within that
   * judgement such a device is governed by the registry's certificate alone, so a cycle of shown
   * certificates (a device's issuer shown with a certificate the device issued, or a device issuing
   * its own) ends, and vouches for none of them.
   */
  private governing (id: string, resolving?: ReadonlySet<string>): Certificate | undefined {
    const rec = this.state.devices.get(id)
    const shown = resolving?.has(id) === true ? undefined : this.chains.get(id)
    if (rec !== undefined) {
      // A newer certificate shown before its enrolment arrived (a re-certification) governs once
      // its issuers stand, and only one the registry would take (the wallet's, or its issuer's or
      // one above that's): an admin cannot downgrade a device it did not enrol by showing one.
      if (shown !== undefined && rec.revoked === undefined && supersedes(shown, rec.certificate) && this.issuersStand(shown, resolving)) return shown
      return rec.certificate
    }
    if (shown !== undefined && this.issuersStand(shown, resolving)) return shown
    return undefined
  }

  /**
   * Whether a version 3 certificate shown without its enrolment is vouched for: every issuer along
   * its chain is the wallet or an active admin of the registry, with rights now at least those its
   * certificate in the chain carries (an admin the wallet has since demoted vouches for nothing,
   * as the registry refuses its enrolments). A revoked issuer's certificates count only through
   * an enrolment within its revocation (the registry's rule).
   */
  private issuersStand (c: ChainCertificate, resolving: ReadonlySet<string> = new Set()): boolean {
    if (this.state.devices.get(toHex(c.deviceKey))?.revoked !== undefined) return false
    const within = new Set([...resolving, toHex(c.deviceKey)])
    for (const a of c.ancestors) {
      const id = toHex(a.deviceKey)
      const rec = this.state.devices.get(id)
      const shown = this.chains.get(id)
      if (rec !== undefined && (rec.revoked !== undefined || !rec.active)) return false
      if (rec === undefined && (shown === undefined || !equals(shown.bytes, a.bytes))) {
        // An issuer this node knows nothing else of: the chain alone vouches for it, unless revoked.
        if (this.state.cutoffs.has(id)) return false
      }
      // Its certificate in force here (the registry's, or one shown whose own issuers stand; each
      // step judges one more device, so this ends).
      const inForce = this.governing(id, within)
      if (inForce !== undefined && !asStrong(inForce, a)) return false
    }
    return true
  }

  /** The certificate in force of every device this node knows of (revoked ones included). */
  all (): Certificate[] {
    const ids = new Set([...this.state.devices.keys(), ...this.chains.keys(), ...this.byDevice.keys()])
    const out: Certificate[] = []
    for (const id of ids) {
      const c = this.governing(id)
      if (c !== undefined) out.push(c)
    }
    return out
  }

  /** Whether the registry revoked a device. */
  isRevoked (deviceKey: Uint8Array): boolean { return this.state.devices.get(toHex(deviceKey))?.revoked !== undefined || this.state.cutoffs.has(toHex(deviceKey)) }

  /** The same by device id (a PeerId): a peer to refuse, a lease holder that drives nothing. */
  isRevokedDevice (deviceId: string): boolean { return this.all().some(c => c.deviceId === deviceId && this.isRevoked(c.deviceKey)) }

  /**
   * How a device was revoked, for display: when (the earliest effective revoke, by its author's
   * clock), by whom (labels, or "wallet") and why; undefined if it was not.
   */
  revocationOf (deviceKey: Uint8Array): { at: number, by: string[], reason: string } | undefined {
    const r = this.state.devices.get(toHex(deviceKey))?.revoked
    if (r === undefined) return undefined
    const labelOf = (k: Uint8Array): string => equals(k, this.walletKey) ? 'wallet' : (this.get(k)?.label ?? toHex(k).slice(0, 8))
    return { at: r.at, by: [...new Set(r.by.map(labelOf))], reason: r.reason }
  }

  /**
   * The signed operations that show a device (by id) was revoked: its effective revokes and
   * everything in their causal past, in causal order, so that a registry holding nothing newer
   * applies them. This is what the registry was when it was revoked, which it was entitled to see;
   * nothing enrolled or rotated since is in it. Undefined when the device is not revoked.
   */
  revocationRecords (deviceId: string): Uint8Array[] | undefined {
    const cert = this.all().find(c => c.deviceId === deviceId)
    const r = cert !== undefined ? this.state.devices.get(toHex(cert.deviceKey))?.revoked : undefined
    if (r === undefined) return undefined
    const want = new Set<string>()
    const stack = [...r.ops]
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (want.has(id)) continue
      want.add(id)
      for (const p of this.held.get(id)?.prev ?? []) stack.push(toHex(p))
    }
    // Then the parts its cutoff names, after the revokes that name them (a receiver refuses a part
    // before its head), as many as fit TOLD_PARTS_BYTES: the message keeps its newest records up to
    // 4 MiB, and the revokes must not be the ones left out (a part missing there only makes the
    // revoked device's own entries wait on itself).
    const parts: Uint8Array[] = []
    let bytes = 0
    for (const d of this.state.cutoffParts.get(toHex(cert?.deviceKey as Uint8Array)) ?? []) {
      const p = this.parts.get(toHex(d))
      if (p === undefined || bytes + p.bytes.byteLength > TOLD_PARTS_BYTES) continue
      parts.push(p.bytes)
      bytes += p.bytes.byteLength
    }
    return [...this.state.applied.filter(o => want.has(o.id)).map(o => o.bytes), ...parts]
  }

  /**
   * Every record to hand a peer: registry operations first (in causal order, so a peer learns
   * revocations before anything else), then cutoffs (what stays valid), then the cutoff parts
   * (after the heads that name them), then certificates.
   */
  records (): Uint8Array[] {
    const out: Uint8Array[] = this.registryOps().map(o => o.bytes)
    for (const m of this.cutoffs.values()) for (const c of m.values()) out.push(c.bytes)
    for (const p of this.parts.values()) out.push(p.bytes)
    for (const c of this.byDevice.values()) out.push(c.bytes)
    for (const c of this.chains.values()) out.push(c.bytes)
    return out
  }

  /**
   * Whether a stored entry can be refused at load at all: a revoked device, or a device with a
   * recorded cutoff governed by a certificate without `write`. Lets the vault skip judging what it serves.
   */
  get restricting (): boolean {
    if (this.state.cutoffs.size > 0) return true
    for (const id of this.vectors.keys()) {
      const cert = this.governing(id)
      if (cert !== undefined && !hasCapability(cert, 'write')) return true
    }
    return false
  }

  /**
   * Whether a stored entry of this author can be refused at load (and so held back from a peer):
   * only one revoked or with a recorded cutoff can. Per author, where `restricting` is per registry.
   */
  restricts (author: Uint8Array): boolean {
    return this.isRevoked(author) || this.vectors.has(toHex(author))
  }

  /**
   * How many of a revoked device's entries on (doc, lane), held up to `seq`, lie beyond the cutoff
   * of its revocations (and of its re-enrolments): what no other device takes. 0 when it is not revoked.
   */
  beyondRevocation (author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint): bigint {
    this.settle()
    const id = toHex(author)
    const r = this.revokedCutoff(id)
    if (r === undefined) return 0n
    const k = this.vectors.get(id)?.bound(doc, lane) ?? 0n
    const bound = r.vector.bound(doc, lane)
    const kept = bound > k ? bound : k
    return seq > kept ? seq - kept : 0n
  }

  /** The re-enrolment cutoff vector of a device, if any cutoff of it is recorded. */
  cutoffOf (deviceKey: Uint8Array): CutoffVector | undefined { return this.vectors.get(toHex(deviceKey)) }

  /**
   * Verifies the certificate a peer shows at membership, of any version: valid now (with
   * CLOCK_SKEW_MS), its chain up to the wallet, for the PeerId Noise authenticated, not revoked
   * (REVOKED_AUTHOR), not superseded by the certificate in force, and vouched for (an enrolment in
   * the registry, or issuers that all stand). The one function membership calls.
   */
  verifyPeer (bytes: Uint8Array, peerId: string): Certificate {
    this.settle()
    const cert = verifyAnyCertificate(bytes, { wallet: this.walletKey, deviceId: peerId, now: this.now() })
    const id = toHex(cert.deviceKey)
    if (this.isRevoked(cert.deviceKey)) {
      const by = this.state.devices.get(id)?.revoked
      throw new RevokedAuthorError(`device ${cert.label} (${peerId}) was revoked${by !== undefined ? ` at ${messageTime(by.at)}` : ''}: refused`, { deviceId: cert.deviceId })
    }
    const known = this.governing(id)
    if (known !== undefined && !equals(known.bytes, cert.bytes) && !newer(cert, known)) {
      throw new SupersededCertificateError(`peer ${peerId} shows a certificate superseded by one issued ${messageTime(known.issuedAt)}`, { deviceId: cert.deviceId })
    }
    const rec = this.state.devices.get(id)
    if (isChainCertificate(cert) && rec === undefined && !this.issuersStand(cert)) {
      throw new NotAdminError(`peer ${peerId} shows a certificate whose issuer is no longer an admin of this vault`, { deviceId: cert.deviceId })
    }
    // A newer certificate than the registry's (a re-certification whose enrolment has not come):
    // only one the registry would take (the rule governing() applies).
    if (isChainCertificate(cert) && rec !== undefined && !equals(rec.certificate.bytes, cert.bytes) && !supersedes(cert, rec.certificate)) {
      throw new NotAdminError(`peer ${peerId} shows a certificate issued by ${toHex(cert.issuerKey).slice(0, 8)}, which may not re-certify it (only the wallet or the device's own issuer may)`, { deviceId: cert.deviceId })
    }
    return cert
  }

  /** Judges an update entry at its position in its author's log; returns the governing certificate. */
  judgeUpdate (e: { author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint, epoch: number }, j: Judging): Certificate {
    return this.judge(e.author, e.epoch, (v) => v.holds(e.doc, e.lane, e.seq), j)
  }

  /**
   * Judges a stored entry by its slot alone, at load (serving.ts): its key epoch is one this node
   * knew when it stored it, so it is not checked again.
   */
  judgeSlot (author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint): Certificate {
    return this.judge(author, undefined, (v) => v.holds(doc, lane, seq), { at: 'load' })
  }

  /** Judges a snapshot header by its number among its author's snapshots of the document. */
  judgeSnapshot (h: { author: Uint8Array, doc: Uint8Array, seq: bigint, epoch: number }, j: Judging): Certificate {
    return this.judge(h.author, h.epoch, (v) => v.holdsSnapshot(h.seq), j)
  }

  /** `epoch` undefined: not checked (judgeSlot, for entries stored under a known one). */
  private judge (author: Uint8Array, epoch: number | undefined, within: (v: CutoffVector) => boolean, j: Judging): Certificate {
    this.settle()
    const id = toHex(author)
    const cert = this.governing(id)
    if (cert === undefined) throw new UnknownAuthorError('entry author holds no certificate of this wallet', { author: id })
    if (epoch !== undefined && (this.keys !== undefined ? !this.keys.epochs.has(epoch) : (epoch !== 0 && !this.state.epochs.has(epoch)))) throw new UnknownEpochError(`entry of unknown key epoch ${epoch}`, { epoch })
    const revokedAt = this.revokedCutoff(id)
    if (revokedAt !== undefined) {
      // Revoked: what honest devices held when it was revoked stays; nothing after it ever counts.
      if (within(revokedAt.vector) || (this.vectors.get(id) !== undefined && within(this.vectors.get(id) as CutoffVector))) return cert
      // Its own entries, read back on the revoked device itself: kept in its own view, never served.
      if (j.at === 'load' && j.own !== undefined && equals(j.own, author)) return cert
      // A part not held yet may keep it: it waits, here and at load (a missing part never lets it in).
      if (revokedAt.missing > 0) throw new MissingCapabilityError(`device ${cert.label} (${cert.deviceId}) was revoked and ${revokedAt.missing} part(s) of its revocation's cutoff are not received yet: its entries wait for them`, { deviceId: cert.deviceId })
      throw new RevokedAuthorError(`device ${cert.label} (${cert.deviceId}) was revoked: its entries beyond the revocation's cutoff are refused`, { deviceId: cert.deviceId })
    }
    const v = this.vectors.get(id)
    if (v !== undefined && within(v)) return cert
    // The cutoff the certificate names, and every part that cutoff names, must be held.
    const head = cert.cutoff !== undefined ? this.cutoffs.get(id)?.get(toHex(cert.cutoff)) : undefined
    const pending = cert.cutoff !== undefined && (head === undefined || head.parts.some(d => !this.parts.has(toHex(d))))
    if (j.at === 'load' && (v === undefined || pending)) return cert
    if (pending) throw new MissingCapabilityError(`certificate of ${cert.label} takes effect from a cutoff not received yet: its entries wait for it`, { deviceId: cert.deviceId })
    if (!hasCapability(cert, 'write')) throw new MissingCapabilityError(`device ${cert.label} (${cert.deviceId}) is read-only: its entries are refused`, { deviceId: cert.deviceId })
    if (j.at === 'receive' && j.from === cert.deviceId && isExpired(cert, this.now())) {
      throw new CertificateExpiredError(`certificate of ${cert.label} has expired`, { deviceId: cert.deviceId })
    }
    return cert
  }
}

/**
 * Whether a device's certificate in force allows at least what `embedded` (its certificate inside a
 * chain it issued) does: every capability, and as many admin levels below it.
 */
function asStrong (inForce: Certificate, embedded: ChainCertificate): boolean {
  const levels = isChainCertificate(inForce) ? inForce.pathLen : 0
  return embedded.capabilities.every(c => inForce.capabilities.includes(c)) && levels >= embedded.pathLen
}

/** Whether `a` supersedes `b` (same device): issued later; the same millisecond is broken by the bytes, so every node agrees. */
function newer (a: Certificate, b: Certificate): boolean {
  if (a.issuedAt !== b.issuedAt) return a.issuedAt > b.issuedAt
  return compareBytes(a.bytes, b.bytes) > 0
}
