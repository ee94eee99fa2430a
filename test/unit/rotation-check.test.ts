/**
 * A rotation that does not become the current epoch writes nothing (review s8, F1 (b)): before the
 * fix, the key of a rotation the registry did not take (its number below the current one, or one
 * the registry refuses) was added and the write went on under whatever epoch stayed current. Forced
 * here by making this device draw a number three generations up, which evaluation refuses (two
 * more than the rule's slack).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { epochCommitment, newEpochKey, sealPrevious, signRegistryOp, type RegistryOp } from '../../src/identity/index.js'
import { authorOp } from '../../src/node/registry-ops.js'
import type { MeshVault } from '../../src/sdk/index.js'
import { newVault } from '../helpers/vault.js'

const skip = vi.hoisted(() => ({ generations: 0 }))
vi.mock('../../src/identity/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/identity/index.js')>()
  return { ...actual, nextEpochNumber: (...args: Parameters<typeof actual.nextEpochNumber>) => actual.nextEpochNumber(...args) + skip.generations * 256 }
})

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0; skip.generations = 0 })

async function deliver (from: MeshVault, to: MeshVault): Promise<void> {
  for (const op of from.vault.certs.registryOps()) await to.vault.addCertificate(op.bytes)
}

describe('the check after a rotation', () => {
  it('a rotation the registry refuses: the revoke says so, nothing is written, and the debt stays until a rotation takes', async () => {
    const ha = await newVault({ label: 'desktop' }); cleanups.push(ha.cleanup)
    const hx = await newVault({ wallet: ha.wallet, label: 'stolen-laptop' }); cleanups.push(hx.cleanup)
    await deliver(ha.vault, hx.vault)
    await deliver(hx.vault, ha.vault)
    const A = ha.vault.vault

    skip.generations = 2
    await expect(A.revoke([hx.vault.vault.identity.device.publicKey], { reason: 'stolen', wallet: ha.wallet }))
      .rejects.toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP', message: expect.stringMatching(/did not take effect/) }))
    expect(A.identity.keys.currentEpoch).toBe(0)
    expect(A.certs.state.owed.length).toBe(1)
    // A write is refused too (the replica breaks), rather than sealed under epoch 0, which the thief holds.
    await expect((async () => {
      const s = await ha.vault.sessions.create('agent:main:after-revoke')
      try { await s.append({ role: 'user', content: 'not under epoch 0' }) } finally { await s.close() }
    })()).rejects.toThrow(/did not take effect/)
    expect([...A.store.docIds()].length).toBe(0)

    skip.generations = 0
    const e = A.beforeWrite()
    expect(e).toBeGreaterThan(0)
    expect(A.identity.keys.currentEpoch).toBe(e)
    expect(A.certs.state.owed).toEqual([])
  })

  it('with more heads than an operation names (64), the rotation still names the highest valid Epoch, and takes', async () => {
    const ha = await newVault({ label: 'desktop' }); cleanups.push(ha.cleanup)
    const hb = await newVault({ wallet: ha.wallet, label: 'laptop' }); cleanups.push(hb.cleanup)
    const hx = await newVault({ wallet: ha.wallet, label: 'stolen-phone' }); cleanups.push(hx.cleanup)
    for (const [f, t] of [[hx, hb], [hb, ha], [ha, hb]] as const) await deliver(f.vault, t.vault)
    const A = ha.vault.vault
    const B = hb.vault.vault
    // B rotates (generation 1) while the wallet signs 140 grants of it concurrently, naming what B named.
    const key = newEpochKey()
    const epoch = 0x1c0
    const rot = authorOp(B.certs, B.identity.walletKey, B.identity.device.signer, { epoch: { epoch, discharges: [], wraps: [], previous: sealPrevious(key, epoch, B.identity.keys.epochs), commitment: epochCommitment(key, epoch) } })
    const grants: RegistryOp[] = []
    for (let i = 0; i < 140; i++) grants.push(signRegistryOp(ha.wallet, { wallet: A.identity.walletKey, seq: 1000n + BigInt(i), prev: rot.prev, grant: { epoch, commitment: rot.epoch?.commitment as Uint8Array, wraps: [] } }))
    for (const op of [rot, ...grants]) await A.addCertificate(op.bytes)
    expect(A.certs.state.heads.length).toBe(141)
    // The revoke names 64 of them; the rotation it owes would name 64 more, none of them B's.
    const r = await A.revoke([hx.vault.vault.identity.device.publicKey], { reason: 'stolen', wallet: ha.wallet })
    expect(r.epoch).toBe(2 * 256 + ((r.epoch ?? 0) & 0xff))
    expect(A.identity.keys.currentEpoch).toBe(r.epoch)
    expect(A.certs.state.owed).toEqual([])
  })
})
