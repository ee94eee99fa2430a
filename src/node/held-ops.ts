/**
 * The registry operations a vault holds (identity/registry.ts), as CertRegistry admits them: each
 * judged at admission by the rule of crdt/SPEC.md §Registry 9 (addOp), kept without evaluating
 * the registry again when it provably changes nothing the next one is judged by (admitOp,
 * op-batch.ts), read back from the store without judging (stored), and the registry evaluated
 * once when next read after any change. The certificates around them (from before the registry,
 * or shown) are CertRegistry's, read through `around`.
 */
import { InvalidRegistryOpError } from '../errors.js'
import { equals, evaluateRegistry, toHex, type Certificate, type RegistryOp, type RegistryState } from '../identity/index.js'
import { Segment } from './op-batch.js'

export interface Added {
  /** The device key the record is about (a registry operation: its author). */
  device: Uint8Array
  /** Whether what this device's entries are judged by changed (a newer certificate, a new cutoff). */
  changed: boolean
  /** A registry operation: devices it newly revoked (every peer disconnects them, stored entries are re-judged). */
  revoked?: Uint8Array[]
  /** A registry operation was added (epochs, debts and the device list may have changed). */
  registry?: boolean
  /** That operation. */
  op?: RegistryOp
}

/** What the operations are judged beside: the certificates CertRegistry holds, and its clock floor. */
export interface Around {
  /** Version 1/2 certificates (from before the registry): each stands as a wallet-enrolled device. */
  legacy: () => Iterable<Certificate>
  /** Whether a device (hex) holds one of those. */
  isLegacy: (device: string) => boolean
  /** Whether a device (hex) is known by a certificate: one of those, or a version 3 one shown directly. */
  shown: (device: string) => boolean
  /** An enrolment in force signed this issue time (the clock floor, CertRegistry.now). */
  tells: (issuedAt: number) => void
}

export class HeldOps {
  private readonly ops = new Map<string, RegistryOp>()
  /** Ids the held operations name in `prev`: an operation some held one waits for is never refused at admission. */
  private readonly named = new Set<string>()
  private evaluated: RegistryState | undefined
  /**
   * The registry as last evaluated, and what was kept since without evaluating it again (see
   * admitOp); dropped when anything else changes what it is judged by.
   */
  private open: Segment | undefined
  /** Enrolments kept without an evaluation (read back from the store, or admitted by admitOp): each tells the time once found in force. */
  private untold: RegistryOp[] = []

  constructor (private readonly wallet: Uint8Array, private readonly around: Around) {}

  /** The registry evaluated over every operation and pre-registry certificate held (recomputed when either changes). */
  get state (): RegistryState {
    this.evaluated ??= evaluateRegistry(this.ops.values(), { wallet: this.wallet, legacy: this.around.legacy() })
    if (this.untold.length > 0) {
      const enrols = this.untold
      this.untold = []
      for (const op of enrols) this.tellsTime(op, this.evaluated.refused.get(op.id))
    }
    return this.evaluated
  }

  /** An enrolment in force tells the time (CertRegistry.now). */
  private tellsTime (op: RegistryOp, why: string | undefined): void {
    if (op.enrol !== undefined && why === undefined && this.ops.has(op.id)) this.around.tells(op.enrol.certificate.issuedAt)
  }

  /** Enrolments kept without an evaluation tell the time once evaluated: now, if any waits. */
  told (): void { if (this.untold.length > 0) void this.state }

  /**
   * The certificates around changed: a version 1/2 one (`legacy`, which the evaluation counts), or
   * one shown (which only admission reads).
   */
  changed (legacy: boolean): void {
    this.open = undefined
    if (legacy) this.evaluated = undefined
  }

  get (id: string): RegistryOp | undefined { return this.ops.get(id) }

  /**
   * Adds a verified registry operation and re-evaluates; reports the devices it newly revoked.
   * Refused (InvalidRegistryOpError), and neither kept nor passed on: an operation whose author
   * is not the wallet nor a device this vault has known (anyone can sign one), and one by a
   * revoked device that none of its revocations holds (signed after it, with the revoked key).
   * Such an operation comes again with the next session of a peer that holds it, and is kept then
   * if an operation held by then names it (one that names it waits for it: an honest operation's
   * past is never refused for good) or a revocation takes it in (crdt/SPEC.md, Registry 9).
   * `stored`: read back from this node's store, where it was admitted when it came (in an order
   * the store may have changed since): judged by evaluation alone.
   */
  addOp (op: RegistryOp, stored = false): Added {
    if (this.ops.has(op.id)) return { device: op.author, changed: false }
    this.open = undefined
    if (stored) {
      // Judged by evaluation alone, and evaluated once when the state is next read, not once an
      // operation: a vault's open read its registry in time quadratic in its operations (1,024
      // took 7.6 s). What it revoked was revoked when it was stored; none is reported again.
      return this.keep(op)
    }
    const before = this.evaluated ?? this.state
    const waitedFor = stored || this.named.has(op.id)
    if (!waitedFor && !equals(op.author, this.wallet) && !this.everKnown(op.author, before)) {
      throw new InvalidRegistryOpError(`registry operation ${op.id.slice(0, 16)} refused: its author ${toHex(op.author).slice(0, 16)} is neither the wallet nor a device of this vault`)
    }
    // A revoked author's operation counts only if a revoke holds it in its past; one just arrived
    // is in no held revoke's past unless an operation waiting for it names it. Refused here without
    // evaluating the registry again, which a flood of them would otherwise cost each time. Not a
    // revoke: one answering the revoke of its author counts (crdt/SPEC.md, Registry 3).
    const authorHex = toHex(op.author)
    if (!waitedFor && op.revoke === undefined && before.devices.get(authorHex)?.revoked !== undefined) {
      throw new InvalidRegistryOpError(`registry operation ${op.id.slice(0, 16)} refused: its author was revoked, and no revocation holds it`)
    }
    this.ops.set(op.id, op)
    this.evaluated = undefined
    const after = this.state
    const why = after.refused.get(op.id)
    if (!waitedFor && why !== undefined && after.devices.get(authorHex)?.revoked !== undefined) {
      this.ops.delete(op.id)
      this.evaluated = before
      throw new InvalidRegistryOpError(`registry operation ${op.id.slice(0, 16)} refused: ${why} (its author was revoked)`)
    }
    for (const p of op.prev) this.named.add(toHex(p))
    const revoked: Uint8Array[] = []
    for (const [k, d] of after.devices) if (d.revoked !== undefined && before.devices.get(k)?.revoked === undefined) revoked.push(d.deviceKey)
    this.tellsTime(op, why)
    return { device: op.author, changed: revoked.length > 0, revoked, registry: true, op }
  }

  /**
   * Admits a registry operation received from a peer as addOp does, but without evaluating the
   * registry again when the operation provably changes nothing the next one is judged by
   * (op-batch.ts): an operation arriving alone costs what it did, and a sync frame's (64 records,
   * added in one turn) cost one evaluation when the registry is next read, not one each. A
   * fresh device took ~10 s to take a registry of 1,024 operations, and a member could flood
   * operations to make a peer evaluate its whole registry for each (quadratic).
   */
  admitOp (op: RegistryOp): Added {
    if (this.ops.has(op.id)) return { device: op.author, changed: false }
    for (;;) {
      this.open ??= new Segment(this.state, { wallet: this.wallet, shown: this.around.shown, legacy: this.around.isLegacy, ops: this.ops, named: this.named })
      const v = this.open.judge(op)
      if (v.kind === 'settle') { this.open = undefined; continue }
      if (v.kind === 'refuse') throw new InvalidRegistryOpError(`registry operation ${op.id.slice(0, 16)} refused: ${v.why}`)
      if (v.kind === 'judge') return this.addOp(op)
      const added = this.keep(op)
      this.open.kept(op)
      return added
    }
  }

  /** Holds an operation without evaluating the registry: judged by the next evaluation (read back, or kept from a batch). */
  private keep (op: RegistryOp): Added {
    this.ops.set(op.id, op)
    for (const p of op.prev) this.named.add(toHex(p))
    this.evaluated = undefined
    if (op.enrol !== undefined) this.untold.push(op)
    return { device: op.author, changed: false, revoked: [], registry: true, op }
  }

  /** Whether `device` is one this vault has known: enrolled (in force or revoked since), or shown by a certificate. */
  private everKnown (device: Uint8Array, state: RegistryState): boolean {
    const k = toHex(device)
    return state.devices.has(k) || this.around.shown(k)
  }

  /** Every registry operation held, in evaluation order (pending ones last). */
  registryOps (): RegistryOp[] {
    const applied = this.state.applied
    const seen = new Set(applied.map(o => o.id))
    return [...applied, ...[...this.ops.values()].filter(o => !seen.has(o.id))]
  }
}
