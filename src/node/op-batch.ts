/**
 * Which registry operations received from a peer can be admitted without evaluating the registry
 * again: the rule that lets CertRegistry.admitOp take a sync frame's operations (added in one
 * turn) with one evaluation when the registry is next read, with the outcome of addOp, which
 * evaluates it for each.
 *
 * addOp judges an operation by two facts of the registry just before it (is its author known to
 * the vault, is it revoked) and one just after it (a revoked author's operation the evaluation
 * refuses is dropped), and reports the devices it newly revoked. An operation is judged here from
 * the registry last evaluated (`state`) when it provably changes no device's standing, revocation
 * or seniority (evaluateRegistry, identity/registry.ts), so both facts are the same before and
 * after it and it revokes nothing:
 * - an Epoch, Grant or Genesis, an operation whose past is not all held (pending), and a revoke by
 *   an author without `admin` (the evaluation refuses it, whatever else is held);
 * - an enrolment its author may make (the wallet, or the issuer, an active admin) of a device the
 *   registry has never seen (no standing, no operation of its own, no revocation): only that
 *   device stands after it, and it is marked unsettled (its standing is not in `state`);
 * - an enrolment its author may not make, of a device that stands already by a certificate as
 *   shallow as the enrolment's (its seniority cannot change).
 * An operation some held one waits for is never refused (addOp): it is kept when it and every held
 * operation it makes live (their past then all held) are of those kinds. Anything else (a revoke
 * by an admin or the wallet, a re-enrolment, an operation of or about an unsettled device) is
 * judged by addOp, after an evaluation, or judged again here after one; `state` is then that
 * evaluation. An evaluation is thus made once a frame when the registry is next read, and once
 * for each operation that may change who stands.
 */
import { equals, depthOf, toHex, type ChainCertificate, type RegistryOp, type RegistryState } from '../identity/index.js'

/**
 * `refuse`: refused at admission (neither kept nor passed on), `why` completing addOp's message.
 * `keep`: kept without an evaluation (it changes nothing the next operation is judged by).
 * `judge`: judged by addOp (evaluated before and after). `settle`: the registry is evaluated
 * first (its author is unsettled), then it is classified again.
 */
export type Verdict = { kind: 'refuse', why: string } | { kind: 'keep' } | { kind: 'judge' } | { kind: 'settle' }

/** What the held records say beside the registry's evaluation: certificates shown, legacy ones, held operations. */
export interface Held {
  wallet: Uint8Array
  /** Whether a device (hex) is known by a certificate shown or from before the registry. */
  shown: (device: string) => boolean
  /** Whether a device (hex) holds a version 1/2 certificate (it stands by it). */
  legacy: (device: string) => boolean
  ops: ReadonlyMap<string, RegistryOp>
  /** Ids some held operation names in `prev`: one of them is judged by addOp (it may unblock others). */
  named: ReadonlySet<string>
}

/** The registry evaluated over what was held when it started, and what was kept since without an evaluation. */
export class Segment {
  /** Operations the evaluation applied (all their past held), and those kept since whose past is. */
  private readonly live = new Set<string>()
  /** Held operations not live, by each id they name: those an operation may make live. */
  private readonly waiting = new Map<string, RegistryOp[]>()
  /** Authors of every held operation (applied, pending or refused). */
  private readonly authors = new Set<string>()
  /**
   * Devices some held enrolment certifies with `admin`: each may stand as an admin at some step of
   * the evaluation's pass over revocations (which judges each revoke by those before it), whatever
   * its standing at the end.
   */
  private readonly admins = new Set<string>()
  /** Devices whose standing or seniority `state` may not show: enrolled (or given a depth) since. */
  private readonly unsettled = new Set<string>()
  /** Enrolments kept since `state`: the devices they name. */
  private readonly enrolled = new Set<string>()
  /** What the last `keep` verdict makes live (the operation, and held ones waiting for it). */
  private becoming: Set<string> = new Set()

  constructor (readonly state: RegistryState, private readonly held: Held) {
    for (const op of state.applied) this.live.add(op.id)
    for (const op of held.ops.values()) {
      this.authors.add(toHex(op.author))
      this.certifies(op)
      if (!this.live.has(op.id)) this.wait(op)
    }
  }

  /** The verdict on an operation not held, judged after everything kept before it. */
  judge (op: RegistryOp): Verdict {
    const { held, state } = this
    const a = toHex(op.author)
    // An operation some held one waits for is never refused (addOp): kept when neither it nor
    // what it makes live changes anything, so sending children before their parents costs nothing more.
    if (held.named.has(op.id)) return this.effects(op)
    if (this.unsettled.has(a)) return { kind: 'settle' }
    const rec = state.devices.get(a)
    if (!equals(op.author, held.wallet) && rec === undefined && !held.shown(a)) return { kind: 'refuse', why: `its author ${a.slice(0, 16)} is neither the wallet nor a device of this vault` }
    const revoked = rec?.revoked !== undefined
    if (op.revoke === undefined && revoked) return { kind: 'refuse', why: 'its author was revoked, and no revocation holds it' }
    const v = this.effects(op)
    // A revoke the evaluation refuses (its author may not revoke) of a revoked author: dropped.
    if (v.kind === 'keep' && op.revoke !== undefined && revoked && this.becoming.has(op.id)) {
      this.becoming = new Set()
      return { kind: 'refuse', why: 'the author may not revoke here (its author was revoked)' }
    }
    return v
  }

  /** Records an operation kept on a `keep` verdict. */
  kept (op: RegistryOp): void {
    this.authors.add(toHex(op.author))
    this.certifies(op)
    for (const id of this.becoming) this.live.add(id)
    if (!this.live.has(op.id)) this.wait(op)
    this.becoming = new Set()
  }

  private certifies (op: RegistryOp): void {
    if (op.enrol?.certificate.capabilities.includes('admin') === true) this.admins.add(toHex(op.enrol.certificate.deviceKey))
  }

  private wait (op: RegistryOp): void {
    for (const p of op.prev) {
      const k = toHex(p)
      const l = this.waiting.get(k)
      if (l === undefined) this.waiting.set(k, [op])
      else l.push(op)
    }
  }

  /**
   * `keep` when `op` and the held operations it makes live (their whole past then held) change no
   * standing, revocation or seniority (see effect()), else `judge`; nothing is recorded unless kept.
   */
  private effects (op: RegistryOp): Verdict {
    const marks: Marks = { unsettled: new Set(), enrolled: new Set(), authors: new Set([toHex(op.author)]) }
    const now = new Set<string>()
    const isLive = (id: string): boolean => this.live.has(id) || now.has(id)
    if (op.prev.every(p => isLive(toHex(p)))) {
      now.add(op.id)
      const todo = [op]
      for (let o = todo.pop(); o !== undefined; o = todo.pop()) {
        if (!this.effect(o, marks)) return { kind: 'judge' }
        for (const c of this.waiting.get(o.id) ?? []) {
          if (now.has(c.id) || this.live.has(c.id) || !c.prev.every(p => isLive(toHex(p)))) continue
          now.add(c.id)
          todo.push(c)
        }
      }
    }
    for (const d of marks.unsettled) this.unsettled.add(d)
    for (const d of marks.enrolled) this.enrolled.add(d)
    this.becoming = now
    return { kind: 'keep' }
  }

  /**
   * Whether an operation becoming live changes nothing the next one is judged by (recording in
   * `marks` what the next must not take from `state`): an Epoch, Grant or Genesis; a revoke by an
   * author no held enrolment (nor a certificate from before the registry) makes an admin; an
   * enrolment its author may make at some step of the evaluation of a device never seen, or one it
   * may make at none (not its certificate's issuer, or never an admin) of a device standing by a
   * certificate as shallow. `state` shows standings after every revocation; a revoke is judged by
   * those before it, when its author may still have stood as an admin: hence `admins`.
   */
  private effect (op: RegistryOp, marks: Marks): boolean {
    if (op.revoke === undefined && op.enrol === undefined) return true
    const { held, state } = this
    const a = toHex(op.author)
    if (this.unsettled.has(a) || marks.unsettled.has(a)) return false
    const byWallet = equals(op.author, held.wallet)
    const mayAdmin = this.admins.has(a) || held.legacy(a)
    // An author that may revoke changes who stands (a revoked admin's may answer its revoker).
    if (op.revoke !== undefined) return !byWallet && !mayAdmin
    const c = (op.enrol as { certificate: ChainCertificate }).certificate
    const d = toHex(c.deviceKey)
    if (this.unsettled.has(d) || this.enrolled.has(d) || marks.unsettled.has(d) || marks.enrolled.has(d)) return false
    const seen = this.authors.has(d) || marks.authors.has(d)
    if (equals(op.author, c.issuerKey) && (byWallet || mayAdmin)) {
      const unseen = !equals(c.deviceKey, held.wallet) && !state.devices.has(d) && !held.legacy(d) && !state.cutoffs.has(d) && !seen
      if (!unseen) return false
      marks.unsettled.add(d)
    } else {
      const stands = state.devices.get(d)?.certificate
      if (stands === undefined) {
        // Its depth may make the device more senior: settled before it is judged again.
        if (seen) return false
        marks.unsettled.add(d)
      } else if (depthOf(stands) > c.depth) return false
    }
    marks.enrolled.add(d)
    marks.authors.add(toHex(op.author))
    return true
  }
}

interface Marks { unsettled: Set<string>, enrolled: Set<string>, authors: Set<string> }
