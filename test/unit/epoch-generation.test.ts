/**
 * Epoch numbers a member cannot inflate (review s8, F1): an Epoch's generation is at most two above
 * the highest among the well-formed Epochs in its causal past, so no rotation can claim the top of the
 * u32 range; the next number is computed without int32 overflow and refused past 2^32-1; the
 * current epoch is the highest valid one whose committed key is held, never the highest number a
 * key is held for.
 */
import { describe, expect, it } from 'vitest'
import {
  currentEpochOf, deviceKem, epochCommitment, evaluateRegistry, generateDeviceKey, generateWallet, issueChainCertificate, kemPublicOf, MAX_EPOCH,
  newEpochKey, nextEpochNumber, recoveryKem, RECOVERY_RECIPIENT, toHex, vaultSeedSignature, wrapEpochKey,
  type DeviceKey, type EpochRecord, type RegistryOp, type RegistryState, type VaultKeys
} from '../../src/identity/index.js'
import { author, seedOf } from '../helpers/registry-author.js'


function shuffled<T> (xs: T[], seed: number): T[] {
  const out = [...xs]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

describe('epoch generations', async () => {
  const wallet = generateWallet()
  const recovery = recoveryKem(vaultSeedSignature(wallet))
  const [a, b, x] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const kem = (d: DeviceKey) => deviceKem(seedOf(d))
  const cert = (d: DeviceKey, label: string) => issueChainCertificate(wallet, undefined, { deviceKey: d.publicKey, kemKey: kem(d).publicKey, capabilities: ['read', 'write'], label })
  const certs = { a: cert(a, 'desktop'), b: cert(b, 'laptop'), x: cert(x, 'stolen') }
  const W = author(wallet, wallet.publicKey)
  const A = author(a.signer, wallet.publicKey)
  const B = author(b.signer, wallet.publicKey)
  const X = author(x.signer, wallet.publicKey)
  const genesis = W({ genesis: { recoveryKem: recovery.publicKey } }, [])
  const enrolA = W({ enrol: { certificate: certs.a.bytes } }, [genesis])
  const enrolB = W({ enrol: { certificate: certs.b.bytes } }, [enrolA])
  const enrolX = W({ enrol: { certificate: certs.x.bytes } }, [enrolB])
  const base = [genesis, enrolA, enrolB, enrolX]
  const evaluate = (ops: RegistryOp[]): RegistryState => evaluateRegistry(ops, { wallet: wallet.publicKey })

  /** A rotation of number `epoch` wrapped to every device (but the stolen one once it discharges its revoke), its key returned alongside. */
  const rotate = (by: typeof A, epoch: number, prev: RegistryOp[], discharges: RegistryOp[] = []): { op: RegistryOp, key: Uint8Array } => {
    const key = newEpochKey()
    const ctx = { wallet: wallet.publicKey, epoch }
    const wraps = (discharges.length > 0 ? [certs.a, certs.b] : [certs.a, certs.b, certs.x]).map(c => wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, ctx))
    wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: recovery.publicKey }, ctx))
    return { op: by({ epoch: { epoch, discharges: discharges.map(d => d.hash), wraps, previous: new Uint8Array(0), commitment: epochCommitment(key, epoch) } }, prev), key }
  }

  it('a member\'s Epoch numbered at the top of the range (generation 0xFFFFFF) is refused: the current epoch cannot be claimed', () => {
    const thief = rotate(X, 0xFFFFFF01, [enrolX])
    const st = evaluate([...base, thief.op])
    expect(st.epochs.has(0xFFFFFF01)).toBe(false)
    expect(st.refused.get(thief.op.id)).toMatch(/generation 16777215, more than 2 above the 0/)
    // Nor three generations up: at most two more than what its author had seen (one for this
    // version's rotations, one more for those of earlier versions, which counted keys held).
    const skip = rotate(X, 3 * 256 + 9, [enrolX])
    expect(evaluate([...base, skip.op]).refused.get(skip.op.id)).toMatch(/generation 3/)
    const old = rotate(X, 2 * 256 + 9, [enrolX])
    expect(evaluate([...base, old.op]).refused.has(old.op.id)).toBe(false)
  })

  it('one generation per rotation seen: a chain of rotations is valid, one leaping three generations above its past is not', () => {
    const r1 = rotate(A, 256 + 4, [enrolX])
    const r2 = rotate(B, 2 * 256 + 200, [r1.op])
    const r3 = rotate(X, 3 * 256 + 1, [r2.op])
    // Generation 4 naming only r1 (generation 1): its past holds no generation above 1.
    const leap = rotate(X, 4 * 256 + 1, [r1.op])
    // A generation at or below its past's is no threat (it never becomes current above the others).
    const low = rotate(B, 256 + 77, [r2.op])
    const st = evaluate([...base, r1.op, r2.op, r3.op, leap.op, low.op])
    expect([...st.epochs.keys()].sort((p, q) => p - q)).toEqual([256 + 4, 256 + 77, 2 * 256 + 200, 3 * 256 + 1])
    expect(st.refused.has(leap.op.id)).toBe(true)
    expect(nextEpochNumber(st, 5)).toBe(4 * 256 + 5)
  })

  it('concurrent rotations by two devices from one past are both valid, and a rotation after both counts from the higher', () => {
    const revoke = W({ revoke: { devices: [{ device: x.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } }, [enrolX])
    const ra = rotate(A, 256 + 10, [revoke], [revoke])
    const rb = rotate(B, 256 + 200, [revoke], [revoke])
    const after = rotate(A, 2 * 256 + 3, [ra.op, rb.op])
    const all = [...base, revoke, ra.op, rb.op, after.op]
    const results = [1, 2, 3, 4, 5].map(seed => evaluate(shuffled(all, seed)))
    for (const st of results) {
      expect([...st.epochs.keys()].sort((p, q) => p - q)).toEqual([256 + 10, 256 + 200, 2 * 256 + 3])
      expect(st.owed).toEqual([])
      expect([...st.refused.keys()]).toEqual([])
      expect(st.applied.map(o => o.id)).toEqual(results[0]?.applied.map(o => o.id))
    }
    // Each concurrent one alone is valid too (each counts from its own past).
    expect(evaluate([...base, revoke, rb.op]).epochs.has(256 + 200)).toBe(true)
  })

  it('a refused Epoch discharges nothing and lends its wraps to no valid one', () => {
    const revoke = W({ revoke: { devices: [{ device: x.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } }, [enrolX])
    const high = rotate(A, 5 * 256, [revoke], [revoke])
    const st = evaluate([...base, revoke, high.op])
    expect(st.owed.map(o => o.id)).toEqual([revoke.id])
    expect(st.epochs.size).toBe(0)
    // The same rotation one generation up pays the debt.
    const fair = rotate(A, 256, [revoke], [revoke])
    expect(evaluate([...base, revoke, fair.op]).owed).toEqual([])
  })

  it('the next number is computed without int32 overflow, and refused past 2^32-1', () => {
    const fake = (gen: number): Pick<RegistryState, 'epochs'> => ({ epochs: new Map([[gen * 256 + 1, {} as EpochRecord]]) })
    // `((gen + 1) << 8) | r` was negative from generation 0x7FFFFF and wrapped to r at 0xFFFFFE.
    expect(nextEpochNumber(fake(0x7FFFFF), 3)).toBe(0x80000003)
    expect(nextEpochNumber(fake(0xFFFFFE), 255)).toBe(MAX_EPOCH)
    expect(() => nextEpochNumber(fake(0xFFFFFF), 0)).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP' }))
    // Every number it returns is above every valid epoch.
    for (const gen of [0, 1, 0x7FFFFF, 0x800000, 0xFFFFFE]) expect(nextEpochNumber(fake(gen), 0)).toBeGreaterThan(gen * 256 + 1)
  })

  it('the current epoch is the highest valid one whose committed key is held, not the highest number a key is held for', () => {
    const r1 = rotate(A, 256 + 4, [enrolX])
    const r2 = rotate(B, 2 * 256 + 9, [r1.op])
    const st = evaluate([...base, r1.op, r2.op])
    const keysOf = (epochs: Array<[number, Uint8Array]>): Pick<VaultKeys, 'epochs'> => ({ epochs: new Map([[0, new Uint8Array(32)], ...epochs]) })
    expect(currentEpochOf(st, keysOf([[256 + 4, r1.key], [2 * 256 + 9, r2.key]]))).toBe(2 * 256 + 9)
    // A key planted for a number no valid Epoch announces (a Epoch.previous smuggle kept in vault.keys).
    expect(currentEpochOf(st, keysOf([[256 + 4, r1.key], [0xFFFFFFFE, newEpochKey()]]))).toBe(256 + 4)
    // A key held for a valid number that is not the one its Epoch committed to.
    expect(currentEpochOf(st, keysOf([[256 + 4, r1.key], [2 * 256 + 9, newEpochKey()]]))).toBe(256 + 4)
    // The key of a refused Epoch.
    const thief = rotate(X, 0xFFFFFF01, [r2.op])
    expect(currentEpochOf(evaluate([...base, r1.op, r2.op, thief.op]), keysOf([[2 * 256 + 9, r2.key], [0xFFFFFF01, thief.key]]))).toBe(2 * 256 + 9)
    expect(currentEpochOf(st, keysOf([]))).toBe(0)
    expect(toHex(r1.key)).not.toBe(toHex(r2.key))
  })
})
