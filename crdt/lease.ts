/**
 * The driver lease's rule (crdt/SPEC.md, The driver lease): which of the devices' claims holds a
 * session's lease, a pure function of the claims, so every replica holding the same ones names the
 * same holder. SessionDoc (session.ts) reads and writes the claims.
 */

export interface Lease { device: string, label?: string, epoch: number, expiresAt: number, takenAt: number }
/**
 * One device's claim on the lease, under its device id in `leases`: released once its holder let
 * it go; `auto` while it is one an agent's follower took on its own, which no person has taken or
 * renewed since (the follower lets go only of such a lease).
 */
export interface LeaseClaim extends Lease { released?: boolean, auto?: boolean }

/**
 * Which of two claims comes first: the higher epoch, then (the same epoch, taken at once by two
 * devices that had not seen each other's) the greater device id. A pure order on the claims
 * themselves, so every replica that holds the same claims resolves the same holder, whatever
 * order they arrived in; a renewal keeps its claim's epoch, so it never beats a take that raised it.
 */
export function claimBefore (a: Lease, b: Lease): boolean {
  return a.epoch !== b.epoch ? a.epoch > b.epoch : a.device > b.device
}

/**
 * The lease the claims resolve to: the first claim by claimBefore, none when that one is
 * released. `legacy` is `meta.lease` (the only lease of a document of the previous version, and
 * the take of a device still running it): it counts as its device's claim unless that device's
 * own claim has at least its epoch, and then wins a tie of epochs (what that device reads).
 */
export function resolveLease (claims: readonly LeaseClaim[], legacy?: Lease): LeaseClaim | undefined {
  let first: LeaseClaim | undefined
  for (const c of claims) if (first === undefined || claimBefore(c, first)) first = c
  // A device of the previous version reads meta.lease alone: a take of its own there wins a tie
  // of epochs, so that it and every replica of this version name the same holder (two takes at
  // once, one by each version, were each told they held it).
  if (legacy !== undefined && !claims.some(c => c.device === legacy.device && c.epoch >= legacy.epoch) && (first === undefined || legacy.epoch >= first.epoch)) first = legacy
  return first
}

/** A resolved claim as a lease (without `released`). */
export function leaseOf (c: LeaseClaim): Lease {
  const l: Lease = { device: c.device, epoch: c.epoch, expiresAt: c.expiresAt, takenAt: c.takenAt }
  if (c.label !== undefined) l.label = c.label
  return l
}
