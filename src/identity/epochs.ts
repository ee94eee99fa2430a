/**
 * Epoch numbers and the keys a device holds for them, read from an evaluated registry
 * (registry.ts): the generation rule every rotation's number obeys (crdt/SPEC.md §Registry, rule
 * 5), the next number to rotate to, the epoch new entries are sealed under, and which rotation a
 * key belongs to (the canonical one of its number, or a collided one).
 */
import { InvalidRegistryOpError } from '../errors.js'
import { equals } from './bytes.js'
import type { VaultKeys } from './keys.js'
import type { EpochRecord, RegistryState } from './registry.js'
import { checkCommitment, RECOVERY_RECIPIENT, type Wrap } from './wrap.js'

/**
 * The epoch keys a device (or the recovery key, RECOVERY_RECIPIENT) can unwrap, by epoch: their
 * wraps, the canonical rotation's of each number first; `canonical` false for a collided one's.
 */
export function wrapsFor (state: RegistryState, recipient: Uint8Array): Array<{ epoch: number, wrap: Wrap, commitment: Uint8Array, canonical: boolean, record: EpochRecord }> {
  const out: Array<{ epoch: number, wrap: Wrap, commitment: Uint8Array, canonical: boolean, record: EpochRecord }> = []
  const add = (rec: EpochRecord, canonical: boolean): void => {
    for (const w of rec.wraps) if (equals(w.wrap.recipient, recipient)) out.push({ epoch: rec.epoch, wrap: w.wrap, commitment: w.commitment, canonical, record: rec })
  }
  for (const rec of state.epochs.values()) add(rec, true)
  for (const list of state.collided.values()) for (const rec of list) add(rec, false)
  return out
}

/** The highest epoch number: its generation is 0xFFFFFF, the top 24 bits of a u32. */
export const MAX_EPOCH = 0xFFFFFFFF

/**
 * The next epoch number: a generation above every valid one (`state.epochs`, what the registry
 * holds valid; never a key held without one), and a random low byte (concurrent rotations rarely
 * collide). Computed in doubles, not int32 (`<<` wrapped at generation 0x800000, and came out below
 * the current epoch); throws InvalidRegistryOpError past MAX_EPOCH, which evaluation's rule keeps
 * out of reach (at most EPOCH_SLACK generations per rotation seen).
 */
export function nextEpochNumber (state: Pick<RegistryState, 'epochs'>, random: number = Math.floor(Math.random() * 256)): number {
  let gen = 0
  for (const e of state.epochs.keys()) gen = Math.max(gen, epochGeneration(e))
  const epoch = (gen + 1) * 256 + (random & 0xff)
  if (epoch > MAX_EPOCH) throw new InvalidRegistryOpError(`no epoch number is left above generation ${gen}: the vault key cannot be rotated`)
  return epoch
}

/**
 * The epoch new entries are sealed under: the highest whose key this device holds and the
 * registry holds valid (epoch 0, or the number of a valid Epoch whose commitment the key held for
 * it matches: the canonical rotation's, or a collided one's). A key held for any other number (one
 * carried in, or saved, without a valid Epoch for it) still opens what was sealed under it, but is
 * never sealed under.
 */
export function currentEpochOf (state: Pick<RegistryState, 'epochs' | 'collided'>, keys: Pick<VaultKeys, 'epochs'>): number {
  let best = 0
  for (const e of state.epochs.keys()) {
    if (e <= best) continue
    const k = keys.epochs.get(e)
    if (k !== undefined && recordOf(state, e, k) !== undefined) best = e
  }
  return best
}

/** The valid rotation of number `epoch` whose commitment `key` matches, if any (the canonical one, or a collided one). */
export function recordOf (state: Pick<RegistryState, 'epochs' | 'collided'>, epoch: number, key: Uint8Array): { record: EpochRecord, canonical: boolean } | undefined {
  const canonical = state.epochs.get(epoch)
  if (canonical === undefined) return undefined
  if (checkCommitment(key, epoch, canonical.op.epoch?.commitment as Uint8Array)) return { record: canonical, canonical: true }
  const other = (state.collided.get(epoch) ?? []).find(r => checkCommitment(key, epoch, r.op.epoch?.commitment as Uint8Array))
  return other !== undefined ? { record: other, canonical: false } : undefined
}

/** How many rotations an epoch number stands for (its generation): the wallet's first key is 0, each rotation one more. */
export const epochGeneration = (epoch: number): number => epoch >>> 8

/**
 * How many generations an Epoch may stand above the highest in its causal past (crdt/SPEC.md
 * §Registry, rule 5): this version's rotations stand one above; two keeps valid the rotations of
 * earlier versions, which counted keys held besides (an Epoch's refused later, or one's own that
 * never left). Reaching the top of the range still takes 2^23 signed operations.
 */
export const EPOCH_SLACK = 2

/**
 * Whether a well-formed Epoch of number `epoch` (valid, or refused for its author: RegistryState
 * `formed`) committed to `key`: a key of it carried in `previous`, or held, opens what was sealed
 * under it, and is never current (currentEpochOf takes valid ones only).
 */
export function formedWith (state: Pick<RegistryState, 'formed'>, epoch: number, key: Uint8Array): boolean {
  return (state.formed.get(epoch) ?? []).some(op => op.epoch !== undefined && checkCommitment(key, epoch, op.epoch.commitment))
}

export const isRecoveryRecipient = (r: Uint8Array): boolean => equals(r, RECOVERY_RECIPIENT)
