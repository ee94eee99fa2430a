/**
 * A certificate only shown (at membership, or as a record in a sync hello) before its enrolment
 * arrives must never count for more than the registry would give it:
 * - an admin the wallet has since demoted vouches for nothing it certifies after (the registry
 *   refuses the same enrolment as an operation), so such a device is refused at membership,
 *   governs nothing, writes nothing and is no reader that rotations wrap keys to;
 * - a newer certificate of an enrolled device governs only when the registry would take it (the
 *   wallet's, or its issuer's or one above that's): a paired admin cannot downgrade the admin that
 *   enrolled it by showing one.
 * A legitimate shown certificate (an admin in standing pairs a device; the wallet re-certifies
 * one) still counts at once.
 */
import { describe, expect, it } from 'vitest'
import {
  deviceIdFromKey, deviceKem, generateDeviceKey, generateWallet, issueChainCertificate, signRegistryOp, toHex,
  type DeviceKey, type OpBody, type RegistryOp, type Wallet
} from '../../src/identity/index.js'
import { CertRegistry } from '../../src/node/certs.js'
import { adminCertificate } from '../../src/node/registry-ops.js'

const kemOf = (d: DeviceKey): Uint8Array => deviceKem(d.privateKey.raw.subarray(0, 32)).publicKey
const doc = new Uint8Array(32).fill(3)
const entryOf = (author: Uint8Array): { author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint, epoch: number } => ({ author, doc, lane: 0, seq: 1n, epoch: 0 })
const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (e: any) { return e.code } }

/** Signs registry operations of one author, each after `prev`. */
function author (signer: Wallet | DeviceKey['signer'], wallet: Wallet): (body: OpBody, prev: RegistryOp[]) => RegistryOp {
  let seq = 0n
  return (body, prev) => signRegistryOp(signer, { wallet: wallet.publicKey, seq: ++seq, prev: prev.map(o => o.hash), ...body })
}

describe('a certificate shown before its enrolment', () => {
  it('from an admin the wallet demoted: refused at membership, governs nothing, no reader', async () => {
    const wallet = generateWallet()
    const [a, q, x, y] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
    const W = author(wallet, wallet)
    const t0 = Date.now() - 60_000
    const aCert = issueChainCertificate(wallet, undefined, { deviceKey: a.publicKey, kemKey: kemOf(a), capabilities: ['admin'], label: 'desktop', pathLen: 1, issuedAt: t0 })
    const qAdmin = issueChainCertificate(wallet, undefined, { deviceKey: q.publicKey, kemKey: kemOf(q), capabilities: ['admin'], label: 'laptop', issuedAt: t0 })
    const genesis = W({ genesis: { recoveryKem: new Uint8Array(32).fill(1) } }, [])
    const enrolA = W({ enrol: { certificate: aCert.bytes } }, [genesis])
    const enrolQ = W({ enrol: { certificate: qAdmin.bytes } }, [enrolA])
    const reg = new CertRegistry(wallet.publicKey)
    for (const op of [genesis, enrolA, enrolQ]) reg.add(op.bytes)

    // While Q is an admin, a device it pairs counts at once, before its enrolment arrives.
    const yCert = issueChainCertificate(q, qAdmin, { deviceKey: y.publicKey, kemKey: kemOf(y), capabilities: ['read', 'write'], label: 'phone' })
    expect(reg.verifyPeer(yCert.bytes, deviceIdFromKey(y.publicKey)).label).toBe('phone')
    reg.add(yCert.bytes)
    expect(reg.get(y.publicKey)?.label).toBe('phone')

    // The wallet takes Q's admin right away (re-certified read and write).
    const demote = W({ enrol: { certificate: issueChainCertificate(wallet, undefined, { deviceKey: q.publicKey, kemKey: kemOf(q), capabilities: ['read', 'write'], label: 'laptop', issuedAt: t0 + 1000 }).bytes } }, [enrolQ])
    reg.add(demote.bytes)
    expect(reg.get(q.publicKey)?.capabilities).toEqual(['read', 'write'])

    // Q certifies X with its old admin certificate: the registry refuses it as an operation...
    const xCert = issueChainCertificate(q, qAdmin, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read', 'write'], label: 'rogue' })
    const enrolX = author(q.signer, wallet)({ enrol: { certificate: xCert.bytes } }, [demote])
    reg.add(enrolX.bytes)
    expect(reg.state.refused.has(enrolX.id)).toBe(true)
    // ...and shown, it counts for nothing either.
    expect(code(() => reg.verifyPeer(xCert.bytes, deviceIdFromKey(x.publicKey)))).toBe('NOT_ADMIN')
    reg.add(xCert.bytes)
    expect(reg.get(x.publicKey)).toBe(undefined)
    expect(code(() => reg.judgeUpdate(entryOf(x.publicKey), { at: 'receive', from: deviceIdFromKey(x.publicKey) }))).toBe('UNKNOWN_AUTHOR')
    expect(reg.all().some(c => toHex(c.deviceKey) === toHex(x.publicKey))).toBe(false)
    // Nor does the device Q paired while it was an admin, whose enrolment never came.
    expect(reg.get(y.publicKey)).toBe(undefined)
  })

  it('a newer certificate of an enrolled device from an admin that did not enrol it governs nothing', async () => {
    const wallet = generateWallet()
    const [t, p] = await Promise.all([generateDeviceKey(), generateDeviceKey()])
    const W = author(wallet, wallet)
    const tCert = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['admin'], label: 'desktop', pathLen: 1 })
    const pCert = issueChainCertificate(t, tCert, { deviceKey: p.publicKey, kemKey: kemOf(p), capabilities: ['admin'], label: 'phone' })
    const genesis = W({ genesis: { recoveryKem: new Uint8Array(32).fill(1) } }, [])
    const enrolT = W({ enrol: { certificate: tCert.bytes } }, [genesis])
    const enrolP = author(t.signer, wallet)({ enrol: { certificate: pCert.bytes } }, [enrolT])
    const reg = new CertRegistry(wallet.publicKey)
    for (const op of [genesis, enrolT, enrolP]) reg.add(op.bytes)
    const idT = { device: t, certificate: tCert, walletKey: wallet.publicKey } as any

    // P, compromised, certifies T read-only and only shows it.
    const down = issueChainCertificate(p, pCert, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['read'], label: 'desktop', issuedAt: Date.now() + 1000 })
    reg.add(down.bytes)
    expect(reg.get(t.publicKey)?.capabilities).toEqual(['read', 'write', 'admin'])
    expect(() => reg.judgeUpdate(entryOf(t.publicKey), { at: 'receive', from: deviceIdFromKey(t.publicKey) })).not.toThrow()
    expect(() => adminCertificate(idT, reg)).not.toThrow()
    // A peer showing such a certificate of itself is refused.
    expect(code(() => reg.verifyPeer(down.bytes, deviceIdFromKey(t.publicKey)))).toBe('NOT_ADMIN')

    // The wallet's own re-certification, shown before its enrolment arrives, governs at once.
    const byWallet = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['read', 'write'], label: 'desktop', issuedAt: Date.now() + 2000 })
    expect(reg.verifyPeer(byWallet.bytes, deviceIdFromKey(t.publicKey)).capabilities).toEqual(['read', 'write'])
    reg.add(byWallet.bytes)
    expect(reg.get(t.publicKey)?.capabilities).toEqual(['read', 'write'])
  })
})
