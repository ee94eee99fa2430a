/**
 * A session's driver lease in its document (crdt/SPEC.md, The driver lease): each device's claim
 * under its id in `leases`, the resolved lease mirrored in `meta.lease` for readers of the
 * previous version, and the session's status as a take or a release leaves it. Which claim holds
 * the lease is lease.ts's rule; this reads and writes the claims. SessionDoc (session.ts) holds one.
 */
import type * as Y from 'yjs'
import { InvalidInputError, LeaseHeldError } from '../src/errors.js'
import { leaseOf, resolveLease, type Lease, type LeaseClaim } from './lease.js'
import { copyOf, isTime, SHAPES } from './validate.js'

/** How long a driver lease lasts unless renewed (the holder's appends renew it). */
export const LEASE_TTL_MS = 10 * 60_000
/**
 * How far two devices' clocks may disagree: a lease counts as expired only this long after its
 * expiry by the reader's clock, so a device whose clock runs ahead cannot take a live lease.
 */
export const LEASE_SKEW_MS = 2 * 60_000

/**
 * `force`: take it from a live holder; `auto`: a follower's own take (`keep`: an append's renewal,
 * which keeps the mark it had); `now`, `ttlMs` for tests and short leases.
 */
export interface TakeOptions { ttlMs?: number, force?: boolean, label?: string, now?: number, auto?: boolean | 'keep' }

export class LeaseDoc {
  constructor (private readonly doc: Y.Doc, private readonly meta: Y.Map<unknown>, private readonly leases: Y.Map<unknown>) {}

  /** The lease (undefined when none or released): what every write's guard reads. */
  current (): Lease | undefined {
    const lease = this.resolved()
    return lease === undefined || lease.released === true ? undefined : leaseOf(lease)
  }

  /**
   * Every device's claim on the lease that fits (a claim filed under another device's id, or of
   * the wrong shape, is skipped as a reader skips any bad value).
   */
  claims (): LeaseClaim[] {
    const out: LeaseClaim[] = []
    for (const [device, v] of this.leases.entries()) {
      const c = copyOf<Lease>(SHAPES.lease, v)
      if (c === undefined || c.device !== device) continue
      const flags = v as { released?: unknown, auto?: unknown }
      out.push({ ...c, ...(flags.released === true ? { released: true } : {}), ...(flags.auto === true ? { auto: true } : {}) })
    }
    return out
  }

  /** Whether the lease held now is one a follower took on its own, untouched by a person since (LeaseClaim.auto). */
  auto (): boolean {
    const l = this.resolved()
    return l !== undefined && l.released !== true && l.auto === true
  }

  /** The claim the lease resolves to (released, when its holder let it go last), or none. */
  private resolved (): LeaseClaim | undefined {
    return resolveLease(this.claims(), copyOf<Lease>(SHAPES.lease, this.meta.get('lease')))
  }

  /**
   * Takes the driver lease. Refused while another device holds an unexpired lease unless
   * `force`; each take raises the epoch above every claim this replica holds, so a handoff is an
   * explicit, ordered transfer. Writes this device's claim (and the mirror `meta.lease`); which
   * claim holds the lease is resolveLease's to say, here and on every replica: a take made at the
   * same time on another device may come first once both are seen (current() tells).
   */
  take (device: string, opts: TakeOptions = {}): Lease {
    const now = opts.now ?? Date.now()
    const cur = this.current()
    if (cur !== undefined && cur.device !== device && cur.expiresAt + LEASE_SKEW_MS > now && opts.force !== true) {
      throw new LeaseHeldError(`the driver lease is held by ${cur.label ?? cur.device} until ${new Date(cur.expiresAt).toISOString()}`, { lease: cur })
    }
    // Renewing one's own lease keeps its epoch and takenAt: the epoch counts handoffs, not
    // renewals, and a renewal must not outrank a take it has not seen. A take goes above every
    // claim, a released one's too (a take after a release is a new handoff).
    const renewal = cur !== undefined && cur.device === device
    // A follower's take is `auto`; so stays its renewal of a lease that was (`keep`: an append's
    // renewal, whoever appends); a person's take or renewal makes the lease theirs.
    const wasAuto = renewal && this.auto()
    const auto = opts.auto === 'keep' ? wasAuto : opts.auto === true && (!renewal || wasAuto)
    const top = this.claims().reduce((m, c) => Math.max(m, c.epoch), copyOf<Lease>(SHAPES.lease, this.meta.get('lease'))?.epoch ?? 0)
    const epoch = renewal ? cur.epoch : top + 1
    const lease: Lease = { device, epoch, takenAt: renewal ? cur.takenAt : now, expiresAt: now + (opts.ttlMs ?? LEASE_TTL_MS) }
    if (!isTime(lease.expiresAt) || !isTime(lease.takenAt) || !Number.isFinite(epoch)) throw new InvalidInputError(`a lease ends within a Date's range (ttl ${String(opts.ttlMs)} ms from ${now})`)
    if (opts.label !== undefined) lease.label = opts.label
    // Not a write of the session (lastWriter): a lease taken or renewed says who drives, not that they wrote.
    this.doc.transact(() => {
      this.leases.set(device, auto ? { ...lease, auto: true } : lease)
      this.meta.set('lease', { ...lease })
      this.meta.set('status', 'running')
    })
    return lease
  }

  /**
   * Lets the lease go when this device holds it: its claim stays, marked released, so that the
   * claims it had outranked do not come back, and the next take goes above it.
   */
  release (device: string, now = Date.now()): boolean {
    const cur = this.current()
    if (cur === undefined || cur.device !== device) return false
    this.doc.transact(() => {
      this.leases.set(device, { ...cur, expiresAt: Math.max(cur.takenAt, Math.min(now, cur.expiresAt)), released: true })
      const mirror = copyOf<Lease>(SHAPES.lease, this.meta.get('lease'))
      if (mirror === undefined || mirror.device === device) this.meta.delete('lease')
      this.meta.set('status', 'idle')
    })
    return true
  }
}
