/**
 * The generation rule (crdt/SPEC.md, Registry rule 5) and Epochs refused after the fact. An Epoch
 * refused for its author's revocation (a revoke that did not see it), not for its number, still
 * counts towards the generation of the rotations built on it: otherwise each of them, honest and
 * one generation above it, was refused too (its discharges owed again, its key no longer granted,
 * what was sealed under it refused by a mirror). And a rotation made before the rule (whose next
 * number counted keys held, such as a refused Epoch's) stands two generations above its past:
 * still valid after the upgrade.
 */
import { describe, expect, it } from 'vitest'
import {
  deviceKem, epochCommitment, evaluateRegistry, generateDeviceKey, generateWallet, issueChainCertificate, kemPublicOf,
  formedWith, newEpochKey, recoveryKem, RECOVERY_RECIPIENT, vaultSeedSignature, wrapEpochKey, wrapsFor,
  type DeviceKey, type RegistryOp, type RegistryState
} from '../../src/identity/index.js'
import { author, seedOf } from '../helpers/registry-author.js'

describe('the generation rule and an Epoch refused for its author', async () => {
  const wallet = generateWallet()
  const recovery = recoveryKem(vaultSeedSignature(wallet))
  const [a, b, x, z] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const kem = (d: DeviceKey) => deviceKem(seedOf(d))
  const cert = (d: DeviceKey, label: string) => issueChainCertificate(wallet, undefined, { deviceKey: d.publicKey, kemKey: kem(d).publicKey, capabilities: ['read', 'write'], label })
  const certs = { a: cert(a, 'desktop'), b: cert(b, 'laptop'), x: cert(x, 'stolen'), z: cert(z, 'old phone') }
  const W = author(wallet, wallet.publicKey)
  const A = author(a.signer, wallet.publicKey)
  const B = author(b.signer, wallet.publicKey)
  const X = author(x.signer, wallet.publicKey)
  const genesis = W({ genesis: { recoveryKem: recovery.publicKey } }, [])
  const enrolA = W({ enrol: { certificate: certs.a.bytes } }, [genesis])
  const enrolB = W({ enrol: { certificate: certs.b.bytes } }, [enrolA])
  const enrolX = W({ enrol: { certificate: certs.x.bytes } }, [enrolB])
  const enrolZ = W({ enrol: { certificate: certs.z.bytes } }, [enrolX])
  const base = [genesis, enrolA, enrolB, enrolX, enrolZ]
  const evaluate = (ops: RegistryOp[]): RegistryState => evaluateRegistry(ops, { wallet: wallet.publicKey })
  const rotate = (by: typeof A, epoch: number, prev: RegistryOp[], to: Array<typeof certs.a>, discharges: RegistryOp[] = []) => {
    const key = newEpochKey()
    const ctx = { wallet: wallet.publicKey, epoch }
    const wraps = to.map(c => wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, ctx))
    wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: recovery.publicKey }, ctx))
    return { op: by({ epoch: { epoch, discharges: discharges.map(d => d.hash), wraps, previous: new Uint8Array(0), commitment: epochCommitment(key, epoch) } }, prev), key }
  }
  const revoke = (by: typeof A, device: DeviceKey, prev: RegistryOp[]) =>
    by({ revoke: { devices: [{ device: device.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'lost' } }, prev)

  it('honest rotations on top of an Epoch whose author is revoked concurrently stay valid', () => {
    // A revokes the old phone Z; X (still a member, e.g. the laptop stolen later) discharges it first.
    const revZ = revoke(A, z, [enrolZ])
    const e1 = rotate(X, 256 + 7, [revZ], [certs.a, certs.b, certs.x], [revZ])
    // A then revokes another device and rotates, one generation up (nextEpochNumber: E1 is valid here).
    const revZ2 = revoke(A, z, [e1.op])
    const e2 = rotate(A, 2 * 256 + 9, [revZ2], [certs.a, certs.b, certs.x])
    // B writes a while later and rotates again (some later revocation), generation 3.
    const e3 = rotate(B, 3 * 256 + 1, [e2.op], [certs.a, certs.b, certs.x])
    const before = evaluate([...base, revZ, e1.op, revZ2, e2.op, e3.op])
    expect([...before.epochs.keys()].sort((p, q) => p - q)).toEqual([256 + 7, 2 * 256 + 9, 3 * 256 + 1])
    // Meanwhile, the owner on a phone that had not seen E1 revokes X (stolen).
    const revX = revoke(W, x, [revZ])
    const st = evaluate([...base, revZ, e1.op, revZ2, e2.op, e3.op, revX])
    // X's own E1 is refused (not in any revoke of X's past): expected, and as before b2fd254.
    expect(st.refused.get(e1.op.id)).toBeDefined()
    // The honest E2 (A's) and E3 (B's) stay valid: their authors are members in good standing and
    // each was one generation above what it saw (E1 counts, well-formed though refused).
    expect(st.refused.get(e2.op.id)).toBeUndefined()
    expect(st.refused.get(e3.op.id)).toBeUndefined()
    expect([...st.epochs.keys()].sort((p, q) => p - q)).toEqual([2 * 256 + 9, 3 * 256 + 1])
    // E1 stays well-formed: its key is one a device may carry and keep (never current).
    expect(formedWith(st, 256 + 7, e1.key)).toBe(true)
    expect(formedWith(st, 256 + 7, e2.key)).toBe(false)
  })

  it('upgrade: a rotation the earlier nextEpochNumber made (counting a held key of a refused Epoch, two above its past) stays valid', () => {
    // X (stolen) rotates concurrently with its revocation; A and B unwrapped E1's key.
    const e1 = rotate(X, 256 + 200, [enrolZ], [certs.a, certs.b, certs.x])
    const revX = revoke(W, x, [enrolZ])
    // Old A, once the revoke arrived: E1 is refused (not a head), but the old nextEpochNumber
    // counted the E1 key A held: generation 2. It discharged the revoke, wrapped to A and B only.
    const e2 = rotate(A, 2 * 256 + 3, [revX], [certs.a, certs.b], [revX])
    const st = evaluate([...base, e1.op, revX, e2.op])
    // Before the upgrade this vault had no debt and E2 was its current epoch; every device and the
    // mirror accepted entries sealed under it, and a device paired later was granted its key. So
    // after it.
    expect(st.refused.get(e2.op.id)).toBeUndefined()
    expect(st.owed).toEqual([])
    expect(wrapsFor(st, b.publicKey).map(w => w.epoch)).toContain(2 * 256 + 3)
  })

  it('upgrade slack: three generations above the past is refused, and two generations per operation is as far as a chain climbs', () => {
    const leap = rotate(X, 3 * 256 + 1, [enrolZ], [certs.a, certs.b])
    expect(evaluate([...base, leap.op]).refused.get(leap.op.id)).toMatch(/generation 3, more than 2 above the 0/)
    // Each step two above the last: every one valid, the chain climbs two generations per operation.
    const s1 = rotate(X, 2 * 256 + 1, [enrolZ], [certs.a, certs.b])
    const s2 = rotate(X, 4 * 256 + 1, [s1.op], [certs.a, certs.b])
    const s3 = rotate(X, 7 * 256 + 1, [s2.op], [certs.a, certs.b])
    const st = evaluate([...base, s1.op, s2.op, s3.op])
    expect(st.refused.has(s1.op.id)).toBe(false)
    expect(st.refused.has(s2.op.id)).toBe(false)
    expect(st.refused.get(s3.op.id)).toMatch(/generation 7, more than 2 above the 4/)
  })
})
