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
 * Anything else (a revoke by an admin or the wallet, a re-enrolment, an operation some held one
 * waits for) is judged by addOp, after an evaluation; one whose author is unsettled is judged
 * again here after an evaluation. Either way `state` is then that evaluation.
 */
import { equals, depthOf, toHex, type RegistryOp, type RegistryState } from '../identity/index.js'

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
  /** Authors of every held operation (applied, pending or refused). */
  private readonly authors = new Set<string>()
  /** Devices whose standing or seniority `state` may not show: enrolled (or given a depth) since. */
  private readonly unsettled = new Set<string>()
  /** Enrolments kept since `state`: the devices they name. */
  private readonly enrolled = new Set<string>()

  constructor (readonly state: RegistryState, private readonly held: Held) {
    for (const op of state.applied) this.live.add(op.id)
    for (const op of held.ops.values()) this.authors.add(toHex(op.author))
  }

  /** The verdict on an operation not held, judged after everything kept before it. */
  judge (op: RegistryOp): Verdict {
    const { held, state } = this
    if (held.named.has(op.id)) return { kind: 'judge' }
    const a = toHex(op.author)
    const byWallet = equals(op.author, held.wallet)
    if (this.unsettled.has(a)) return { kind: 'settle' }
    const rec = state.devices.get(a)
    if (!byWallet && rec === undefined && !held.shown(a)) return { kind: 'refuse', why: `its author ${a.slice(0, 16)} is neither the wallet nor a device of this vault` }
    const revoked = rec?.revoked !== undefined
    if (op.revoke === undefined && revoked) return { kind: 'refuse', why: 'its author was revoked, and no revocation holds it' }
    const live = op.prev.every(p => this.live.has(toHex(p)))
    const admin = byWallet || (rec !== undefined && !revoked && rec.certificate.capabilities.includes('admin'))
    if (live && op.revoke !== undefined) {
      // An author that may revoke changes who stands: judged with an evaluation.
      if (byWallet || (rec !== undefined && rec.certificate.capabilities.includes('admin'))) return { kind: 'judge' }
      if (revoked) return { kind: 'refuse', why: 'the author may not revoke here (its author was revoked)' }
    }
    if (live && op.enrol !== undefined) {
      const c = op.enrol.certificate
      const d = toHex(c.deviceKey)
      if (this.unsettled.has(d) || this.enrolled.has(d)) return { kind: 'judge' }
      const mayEnrol = equals(op.author, c.issuerKey) && admin
      if (mayEnrol) {
        const unseen = !equals(c.deviceKey, held.wallet) && !state.devices.has(d) && !held.legacy(d) && !state.cutoffs.has(d) && !this.authors.has(d)
        if (!unseen) return { kind: 'judge' }
        this.unsettled.add(d)
      } else {
        const stands = state.devices.get(d)?.certificate
        if (stands === undefined) {
          // Its depth may make the device more senior: settled before it is judged again.
          if (this.authors.has(d)) return { kind: 'judge' }
          this.unsettled.add(d)
        } else if (depthOf(stands) > c.depth) return { kind: 'judge' }
      }
      this.enrolled.add(d)
    }
    return { kind: 'keep' }
  }

  /** Records an operation kept on a `keep` verdict. */
  kept (op: RegistryOp): void {
    this.authors.add(toHex(op.author))
    if (op.prev.every(p => this.live.has(toHex(p)))) this.live.add(op.id)
  }
}
