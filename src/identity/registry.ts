/**
 * The registry: who belongs to a vault, as a signed, hash-linked log of operations (genesis,
 * enrol, revoke, epoch, grant). Each operation is signed by its author (the wallet, or a device)
 * in domain mesh/registry-op/v1 and names, by SHA-256, the heads of the log its author had
 * applied (`prev`). It is plaintext and verifiable without any vault key, so every device and a
 * blind mirror enforce it alike. crdt/SPEC.md §Registry is the normative text.
 *
 * Operations as bytes (signing, verifying, decoding) are registry-op.ts's; epoch numbers and the
 * keys held for them, read from an evaluated registry, epochs.ts's (re-exported here). Evaluation
 * is a pure function of the set of operations (evaluateRegistry): every node holding the same set
 * computes the same devices, revocations, epochs and debts, whatever order they arrived in.
 * - Order: causal (an operation after everything in its `prev`), concurrent ones by seniority:
 *   the wallet first, then by the author's certificate depth, then by operation hash (Keyhive's
 *   `(distance_to_root, digest)`): of two admins revoking each other concurrently, the senior wins;
 *   of two of one depth, both are revoked (the hash, which an author can grind, picks no winner).
 * - A revoke is effective iff its author is the wallet, or an admin whose own standing holds at
 *   that operation. A revoked device's operations count only if they are in the causal past of a
 *   revoke of it, i.e. held by the honest revoker when it signed: a stolen device cannot backdate
 *   an operation by naming old heads, whatever sequence number it claims.
 * - The same holds for enrolments: a device enrolled by an admin is a member while that admin is,
 *   and stays one after the admin's revocation only if its enrolment is within the revocation.
 *   (No cascade: revoking a stolen admin keeps the devices it paired before it was stolen; those it
 *   enrolled after are refused everywhere.)
 * - A device's entries stay valid up to the cutoff its revocations recorded (per document and lane,
 *   the highest sequence numbers honest devices held; merged by maximum across revocations).
 * - A revoke of a reader owes a rotation: a new epoch key wrapped to every remaining reader and to
 *   the recovery key. The debt is discharged by a valid Epoch operation that lists the revoke and
 *   wraps to no revoked device; until then every capable device must rotate before it writes.
 * - An Epoch's generation (its number's top 24 bits) is at most one above the highest among the
 *   valid Epochs in its causal past: numbers grow by one generation per rotation, so none can be
 *   claimed that a later rotation would not pass.
 */
import { compareBytes, equals, toHex } from './bytes.js'
import { depthOf, isChainCertificate, type ChainCertificate } from './chain.js'
import type { Capability, Certificate } from './certificate.js'
import { CutoffVector } from './cutoff.js'
import type { RegistryOp } from './registry-op.js'
import { EPOCH_SLACK, epochGeneration } from './epochs.js'
import { Heap } from './heap.js'
import type { Wrap } from './wrap.js'

export * from './epochs.js'

/** A device as the registry sees it. */
export interface DeviceRecord {
  /** The certificate that governs it now. */
  readonly certificate: Certificate
  readonly deviceKey: Uint8Array
  /** The key that signed its certificate (the wallet's, or an admin device's). */
  readonly enrolledBy: Uint8Array
  /** The enrolment operation, or undefined for a version 1/2 certificate from before the registry. */
  readonly enrolOp?: string
  /** Whether it is a member now: enrolled validly and not revoked. */
  readonly active: boolean
  readonly revoked?: {
    /** Authors of the effective revokes, and when they signed them (their clocks). */
    readonly by: readonly Uint8Array[]
    readonly at: number
    readonly ops: readonly string[]
    readonly reason: string
  }
}

export interface EpochRecord {
  readonly epoch: number
  readonly op: RegistryOp
  /** Every valid Epoch and Grant operation's wraps of this epoch's key. */
  readonly wraps: ReadonlyArray<{ op: RegistryOp, wrap: Wrap, commitment: Uint8Array }>
}

export interface RegistryState {
  readonly recoveryKem?: Uint8Array
  /** By device key hex. */
  readonly devices: ReadonlyMap<string, DeviceRecord>
  /** The valid epochs ≥ 1, by number (when two rotations drew the same number, the lowest hash: the canonical one). */
  readonly epochs: ReadonlyMap<number, EpochRecord>
  /**
   * Valid rotations that drew a number another rotation drew too (concurrently, by another device)
   * and lost the tie-break: their keys stay valid for what was sealed under them, each with its own
   * wraps and grants, told apart by commitment. Writers use the canonical key once they know both.
   */
  readonly collided: ReadonlyMap<number, readonly EpochRecord[]>
  /**
   * Every well-formed `Epoch` (within the generation rule) by number, valid or refused for its
   * author (one revoked concurrently): its key opens what honest devices sealed under it while it
   * was current, so a device carries it in `previous` and keeps it, never as the current epoch.
   */
  readonly formed: ReadonlyMap<number, readonly RegistryOp[]>
  /** Effective revokes of readers that no valid rotation discharged yet. */
  readonly owed: readonly RegistryOp[]
  /** Operations no applied operation names in `prev`: what the next operation names. */
  readonly heads: readonly Uint8Array[]
  /** Operations not applied yet because an operation they name is missing. */
  readonly pending: readonly string[]
  /** Operations applied in the evaluation order, and those refused with the reason. */
  readonly applied: readonly RegistryOp[]
  readonly refused: ReadonlyMap<string, string>
  /** Per device, the cutoff vector its effective revocations recorded (merged by maximum). */
  readonly cutoffs: ReadonlyMap<string, CutoffVector>
  /**
   * Per device, the digests of the cutoff parts its effective revocations name (cutoff-part.ts):
   * the rest of `cutoffs`, held apart; until every one is held its cutoff is incomplete (certs.ts).
   */
  readonly cutoffParts: ReadonlyMap<string, readonly Uint8Array[]>
}

interface Standing { cert: Certificate, enrolledBy: Uint8Array, enrol?: RegistryOp }

/**
 * Evaluates a set of verified operations for the wallet. `legacy`: the verified version 1/2
 * certificates the vault holds from before the registry (each a wallet-enrolled, read/write device).
 */
export function evaluateRegistry (ops: Iterable<RegistryOp>, opts: { wallet: Uint8Array, legacy?: Iterable<Certificate> }): RegistryState {
  const wallet = opts.wallet
  const walletHex = toHex(wallet)
  const byId = new Map<string, RegistryOp>()
  for (const op of ops) if (equals(op.wallet, wallet)) byId.set(op.id, op)
  const refused = new Map<string, string>()

  // Causal availability: an operation applies only once everything it names has. Worked out
  // without recursion (a long chain of operations must not overflow the stack): an operation is
  // ready once each operation it names is held and ready, found by counting down from those
  // that name nothing missing.
  const waitingOn = new Map<string, number>()
  const namedBy = new Map<string, string[]>()
  const readyNow: string[] = []
  for (const op of byId.values()) {
    const ps = new Set(op.prev.map(toHex))
    let n = 0
    let held = true
    for (const p of ps) {
      if (!byId.has(p)) { held = false; break }
      n++
      const l = namedBy.get(p) ?? []
      l.push(op.id)
      namedBy.set(p, l)
    }
    if (!held) continue
    waitingOn.set(op.id, n)
    if (n === 0) readyNow.push(op.id)
  }
  const ready = new Set<string>()
  while (readyNow.length > 0) {
    const id = readyNow.pop() as string
    ready.add(id)
    for (const c of namedBy.get(id) ?? []) {
      const n = waitingOn.get(c)
      if (n === undefined) continue
      waitingOn.set(c, n - 1)
      if (n - 1 === 0) readyNow.push(c)
    }
  }
  const pending: string[] = []
  for (const id of byId.keys()) if (!ready.has(id)) pending.push(id)
  const live = [...byId.values()].filter(op => ready.has(op.id))

  // Structural seniority of each author: the wallet, then the shallowest certificate it holds.
  const depth = new Map<string, number>([[walletHex, -1]])
  const legacy = new Map<string, Certificate>()
  for (const c of opts.legacy ?? []) {
    const k = toHex(c.deviceKey)
    const prev = legacy.get(k)
    if (prev === undefined || c.issuedAt > prev.issuedAt) legacy.set(k, c)
    depth.set(k, 0)
  }
  for (const op of live) {
    if (op.enrol === undefined) continue
    const c = op.enrol.certificate
    const k = toHex(c.deviceKey)
    depth.set(k, Math.min(depth.get(k) ?? Infinity, c.depth))
  }
  const seniority = (op: RegistryOp): number => depth.get(toHex(op.author)) ?? Number.MAX_SAFE_INTEGER

  // Total order: Kahn's algorithm over prev, the most senior ready operation first.
  const children = new Map<string, string[]>()
  const missing = new Map<string, number>()
  for (const op of live) {
    const ps = new Set(op.prev.map(toHex))
    missing.set(op.id, ps.size)
    for (const p of ps) {
      const l = children.get(p) ?? []
      l.push(op.id)
      children.set(p, l)
    }
  }
  const before = (a: RegistryOp, c: RegistryOp): boolean => {
    const sa = seniority(a); const sc = seniority(c)
    return sa !== sc ? sa < sc : a.id < c.id
  }
  const order: RegistryOp[] = []
  const frontier = new Heap<RegistryOp>(before)
  for (const op of live) if (missing.get(op.id) === 0) frontier.push(op)
  for (let op = frontier.pop(); op !== undefined; op = frontier.pop()) {
    order.push(op)
    for (const c of children.get(op.id) ?? []) {
      const n = (missing.get(c) as number) - 1
      missing.set(c, n)
      if (n === 0) frontier.push(byId.get(c) as RegistryOp)
    }
  }

  // Causal pasts, memoised: what an operation's author had applied when it signed. Only revokes
  // ask, and only when judging a revoked author's operation; walked without recursion.
  const pasts = new Map<string, Set<string>>()
  const pastOf = (op: RegistryOp): Set<string> => {
    let s = pasts.get(op.id)
    if (s !== undefined) return s
    s = new Set()
    const todo = op.prev.map(toHex)
    for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
      if (s.has(id)) continue
      s.add(id)
      const parent = byId.get(id)
      if (parent === undefined) continue
      const known = pasts.get(id)
      if (known !== undefined) { for (const x of known) s.add(x); continue }
      for (const p of parent.prev) todo.push(toHex(p))
    }
    pasts.set(op.id, s)
    return s
  }

  // Revocations in order; each judged by the revocations already effective.
  const revokes = new Map<string, RegistryOp[]>()
  const enrolsOf = new Map<string, RegistryOp[]>()
  for (const op of order) {
    if (op.enrol === undefined) continue
    const k = toHex(op.enrol.certificate.deviceKey)
    enrolsOf.set(k, [...(enrolsOf.get(k) ?? []), op])
  }

  /**
   * Whether `op` counts for a revoked author: held by one of its effective revokers when it
   * revoked. A revoke answering a revoke (mutual: each revokes the other's author, neither in the
   * other's past, the first's author no more senior) counts too, whichever the order put first:
   * of two admins of one depth revoking each other, both are revoked. A stolen admin cannot void
   * its revoker's act by signing a revoke that names old heads, nor pick the winner by grinding
   * its hash; only a more senior revoker (the wallet above all) wins outright.
   */
  const withinRevocation = (op: RegistryOp): boolean => {
    const rs = revokes.get(toHex(op.author))
    if (rs === undefined || rs.some(r => pastOf(r).has(op.id))) return true
    const targets = op.revoke?.devices.map(d => toHex(d.device))
    if (targets === undefined) return false
    return rs.every(r => targets.includes(toHex(r.author)) && !pastOf(op).has(r.id) && seniority(r) >= seniority(op))
  }
  const standingMemo = new Map<string, Standing | null>()
  /** The certificate governing a device, from its valid enrolments (memo reset when revocations change). */
  const standingOf = (deviceHex: string, guard = new Set<string>()): Standing | undefined => {
    if (standingMemo.has(deviceHex)) return standingMemo.get(deviceHex) ?? undefined
    if (guard.has(deviceHex)) return undefined
    guard.add(deviceHex)
    let s: Standing | undefined
    const base = legacy.get(deviceHex)
    if (base !== undefined) s = { cert: base, enrolledBy: wallet }
    for (const op of enrolsOf.get(deviceHex) ?? []) {
      const c = (op.enrol as { certificate: ChainCertificate }).certificate
      // An enrolment is the issuer's act: the wallet, or the admin device that signed the certificate.
      if (!equals(op.author, c.issuerKey)) continue
      if (!authorized(op, 'enrol', guard)) continue
      if (s === undefined || supersedes(c, s.cert)) s = { cert: c, enrolledBy: c.issuerKey, enrol: op }
    }
    guard.delete(deviceHex)
    standingMemo.set(deviceHex, s ?? null)
    return s
  }
  /** Whether `op`'s author may do `what` at `op`: the wallet, or a member whose standing covers it. */
  const authorized = (op: RegistryOp, what: 'enrol' | 'revoke' | 'epoch' | 'grant', guard?: Set<string>): boolean => {
    if (equals(op.author, wallet)) return true
    const a = toHex(op.author)
    const st = standingOf(a, guard)
    if (st === undefined) return false
    if (!withinRevocation(op)) return false
    const caps = st.cert.capabilities
    const need: Capability = what === 'enrol' || what === 'revoke' ? 'admin' : what === 'epoch' ? 'write' : 'read'
    return caps.includes(need)
  }

  const cutoffs = new Map<string, CutoffVector>()
  const cutoffParts = new Map<string, Uint8Array[]>()
  const revokeInfo = new Map<string, { by: Uint8Array[], at: number, ops: string[], reason: string }>()
  // Revocations in order, each judged by those already effective; then each effective revoke is
  // judged again by the final revocations of its author, and one that they void (its author was
  // revoked, and not by a revoke it answers) is set aside and the pass run again. Set aside only
  // grows, so this ends; the result depends on the set alone, not on which of two concurrent
  // revokes the order put first (a hash an author can grind).
  const voided = new Set<string>()
  for (;;) {
    revokes.clear(); cutoffs.clear(); cutoffParts.clear(); revokeInfo.clear(); standingMemo.clear()
    const effective: RegistryOp[] = []
    for (const op of order) {
      if (op.revoke === undefined) continue
      if (voided.has(op.id) || !authorized(op, 'revoke')) { refused.set(op.id, 'the author may not revoke here'); continue }
      refused.delete(op.id)
      effective.push(op)
      for (const d of op.revoke.devices) {
        const k = toHex(d.device)
        if (k === walletHex) continue
        revokes.set(k, [...(revokes.get(k) ?? []), op])
        let v = cutoffs.get(k)
        if (v === undefined) { v = new CutoffVector(); cutoffs.set(k, v) }
        v.merge({ docs: new Map(d.docs.map(x => [toHex(x.doc), x])), snapshotsThrough: d.snapshotsThrough })
        if (d.parts !== undefined && d.parts.length > 0) cutoffParts.set(k, [...(cutoffParts.get(k) ?? []), ...d.parts])
        const info = revokeInfo.get(k) ?? { by: [], at: op.at, ops: [], reason: op.revoke.reason }
        info.by.push(op.author)
        info.ops.push(op.id)
        info.at = Math.min(info.at, op.at)
        revokeInfo.set(k, info)
      }
      // A new revocation changes who stands: recompute on demand.
      standingMemo.clear()
    }
    const late = effective.filter(op => !equals(op.author, wallet) && !withinRevocation(op))
    if (late.length === 0) break
    for (const op of late) voided.add(op.id)
  }

  // Everything else, judged by the final revocations.
  const devices = new Map<string, DeviceRecord>()
  const allDevices = new Set<string>([...legacy.keys(), ...enrolsOf.keys(), ...revokes.keys()])
  for (const k of allDevices) {
    const st = standingOf(k)
    if (st === undefined) continue
    const info = revokeInfo.get(k)
    devices.set(k, {
      certificate: st.cert,
      deviceKey: st.cert.deviceKey,
      enrolledBy: st.enrolledBy,
      enrolOp: st.enrol?.id,
      active: info === undefined,
      revoked: info
    })
  }
  for (const op of order) {
    if (op.enrol !== undefined) {
      const st = standingOf(toHex(op.enrol.certificate.deviceKey))
      if (st?.enrol?.id !== op.id && !refused.has(op.id)) refused.set(op.id, 'enrolment not in force (unauthorized, superseded or beyond a revocation)')
    }
  }

  let recoveryKem: Uint8Array | undefined
  const epochs = new Map<number, EpochRecord>()
  const collided = new Map<number, EpochRecord[]>()
  const revokedKeys = new Set(revokes.keys())
  // Per operation, the highest generation among the well-formed Epochs in its causal past (itself
  // included when it is one); 0, epoch 0's, before any rotation. Well-formed: within the rule
  // below, whether or not its author may rotate, so an Epoch refused later (its author revoked
  // concurrently) still counts for the honest rotations built on it, which its refusal must not
  // take down with it. Worked out along the order, which puts every operation after those it names.
  const pastGeneration = new Map<string, number>()
  // The well-formed Epochs by number, valid or refused for their author: honest devices sealed
  // under one while it was current, so its key is carried and kept to read that (never sealed under).
  const formed = new Map<number, RegistryOp[]>()
  for (const op of order) {
    let seen = 0
    for (const p of op.prev) seen = Math.max(seen, pastGeneration.get(toHex(p)) ?? 0)
    pastGeneration.set(op.id, seen)
    if (op.genesis !== undefined) { recoveryKem ??= op.genesis.recoveryKem; continue }
    if (op.epoch !== undefined) {
      const e = op.epoch.epoch
      // A rotation is at most EPOCH_SLACK generations above what its author had seen: a number no
      // longer stands for more than twice the rotations made, so a member cannot claim the top of
      // the range (every later rotation would fall below it, or overflow) and keep the vault
      // sealing under its key after its revocation (crdt/SPEC.md §Registry, rule 5). Two, not
      // one: a rotation made before this rule counted a key it held (one of an Epoch refused
      // later, or of its own rotation that never left it) and may stand one above its past.
      const fits = epochGeneration(e) <= seen + EPOCH_SLACK
      if (fits) {
        pastGeneration.set(op.id, Math.max(seen, epochGeneration(e)))
        formed.set(e, [...(formed.get(e) ?? []), op])
      }
      if (!authorized(op, 'epoch')) { refused.set(op.id, 'the author may not rotate'); continue }
      if (!fits) { refused.set(op.id, `epoch ${e} is of generation ${epochGeneration(e)}, more than ${EPOCH_SLACK} above the ${seen} its author had seen`); continue }
      const cur = epochs.get(e)
      const rec: EpochRecord = { epoch: e, op, wraps: [] }
      if (cur === undefined) { epochs.set(e, rec); continue }
      const losers = collided.get(e) ?? []
      if (op.id < cur.op.id) { losers.push(cur); epochs.set(e, rec) } else losers.push(rec)
      collided.set(e, losers)
    }
  }
  for (const op of order) {
    const body = op.epoch ?? op.grant
    if (body === undefined || refused.has(op.id)) continue
    if (op.grant !== undefined && !authorized(op, 'grant')) { refused.set(op.id, 'the author may not grant'); continue }
    const canonical = epochs.get(body.epoch)
    if (canonical === undefined) { if (op.grant !== undefined) refused.set(op.id, `grant of unknown epoch ${body.epoch}`); continue }
    // A number two rotations drew: the wraps go to the rotation whose key they commit to.
    const rec = [canonical, ...(collided.get(body.epoch) ?? [])].find(r => equals(r.op.epoch?.commitment as Uint8Array, body.commitment))
    if (rec === undefined) {
      if (op.grant !== undefined) refused.set(op.id, 'grant of another key than the epoch\'s')
      continue
    }
    // Wraps to revoked devices are ignored: nothing is ever handed to them again.
    const ws = rec.wraps as Array<{ op: RegistryOp, wrap: Wrap, commitment: Uint8Array }>
    for (const w of body.wraps) if (!revokedKeys.has(toHex(w.recipient))) ws.push({ op, wrap: w, commitment: body.commitment })
  }

  // Debts: an effective revoke of a device that held a read key, until a rotation that lists it
  // and hands its key to no revoked device.
  const effectiveRevokes = new Map<string, RegistryOp>()
  for (const rs of revokes.values()) for (const r of rs) effectiveRevokes.set(r.id, r)
  const discharged = new Set<string>()
  for (const op of order) {
    if (op.epoch === undefined || refused.has(op.id)) continue
    if (op.epoch.wraps.some(w => revokedKeys.has(toHex(w.recipient)))) continue
    for (const d of op.epoch.discharges) discharged.add(toHex(d))
  }
  const owed: RegistryOp[] = []
  for (const r of effectiveRevokes.values()) {
    if (discharged.has(r.id)) continue
    const readers = (r.revoke?.devices ?? []).some(d => {
      const rec = devices.get(toHex(d.device))
      return rec === undefined || rec.certificate.capabilities.includes('read')
    })
    if (readers) owed.push(r)
  }
  owed.sort((x, y) => x.id < y.id ? -1 : 1)

  // Heads among the operations in force only: a refused one (an author without the right, a
  // revoked device's after its revocation) is never named by the next operation, so no number of
  // them can crowd the heads past what an operation may name (registry-op.ts, MAX_PREV).
  const named = new Set<string>()
  for (const op of order) if (!refused.has(op.id)) for (const p of op.prev) named.add(toHex(p))
  const heads = order.filter(op => !refused.has(op.id) && !named.has(op.id)).map(op => op.hash)

  for (const list of collided.values()) list.sort((x, y) => x.op.id < y.op.id ? -1 : 1)
  return { recoveryKem, devices, epochs, collided, formed, owed, heads, pending, applied: order, refused, cutoffs, cutoffParts }
}

/**
 * Re-certification of an enrolled device: a newer certificate governs only when its issuer is
 * the wallet, the issuer of the certificate in force, or one of that certificate's ancestors, so a
 * compromised admin cannot downgrade a device it did not enrol (revoke and re-enrol instead).
 * The registry's rule for enrolments, and CertRegistry's for a certificate shown before its
 * enrolment arrived (src/node/certs.ts).
 */
export function supersedes (c: ChainCertificate, cur: Certificate): boolean {
  const allowed = equals(c.issuerKey, c.walletKey) ||
    (isChainCertificate(cur) && (equals(c.issuerKey, cur.issuerKey) || cur.ancestors.some(a => equals(a.deviceKey, c.issuerKey))))
  if (!allowed) return false
  if (c.issuedAt !== cur.issuedAt) return c.issuedAt > cur.issuedAt
  return compareBytes(c.bytes, cur.bytes) > 0
}

/** The seniority depth of a certificate's holder (exported for display and the membership gate). */
export const certificateDepth = depthOf
