/**
 * Certificates shown before their enrolment (at membership, or as records of a sync hello) are
 * vouched for by their issuers' certificates in force, which may be shown ones too. A cycle of
 * them (an admin showing a certificate it issued itself, two admins each showing one the other
 * issued) made that judgement recurse until the stack overflowed, on a record any peer can send;
 * within the judgement of a shown certificate its device is governed by the registry's alone.
 */
import { describe, expect, it } from 'vitest'
import { deviceIdFromKey, deviceKem, generateDeviceKey, generateWallet, issueChainCertificate, toHex } from '../../src/identity/index.js'
import { CertRegistry } from '../../src/node/certs.js'
import { seedOf } from '../helpers/registry-author.js'

const T = Date.UTC(2026, 5, 1)

describe('a cycle of shown certificates', () => {
  it('two admins each showing a read-only certificate the other issued: judged (neither stands: each issuer\'s certificate in force is no admin\'s), not recursing', async () => {
    const wallet = generateWallet()
    const [x, y] = [await generateDeviceKey(), await generateDeviceKey()]
    const admin = (d: typeof x, label: string): ReturnType<typeof issueChainCertificate> =>
      issueChainCertificate(wallet, undefined, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: ['admin'], label, pathLen: 1, issuedAt: T })
    const [xw, yw] = [admin(x, 'x'), admin(y, 'y')]
    const yByX = issueChainCertificate(x, xw, { deviceKey: y.publicKey, kemKey: deviceKem(seedOf(y)).publicKey, capabilities: ['read'], label: 'y', issuedAt: T + 1 })
    const xByY = issueChainCertificate(y, yw, { deviceKey: x.publicKey, kemKey: deviceKem(seedOf(x)).publicKey, capabilities: ['read'], label: 'x', issuedAt: T + 1 })
    const certs = new CertRegistry(wallet.publicKey, undefined, () => T)
    certs.add(yByX.bytes)
    certs.add(xByY.bytes)
    expect(certs.get(x.publicKey)).toBeUndefined()
    expect(certs.get(y.publicKey)).toBeUndefined()
    expect(certs.all()).toEqual([])
    expect(() => certs.verifyPeer(xByY.bytes, deviceIdFromKey(x.publicKey))).toThrow(expect.objectContaining({ code: 'NOT_ADMIN' }))
  })

  it('an admin showing a certificate it issued itself stands by its issuer\'s (the wallet\'s), not by itself', async () => {
    const wallet = generateWallet()
    const x = await generateDeviceKey()
    const xw = issueChainCertificate(wallet, undefined, { deviceKey: x.publicKey, kemKey: deviceKem(seedOf(x)).publicKey, capabilities: ['admin'], label: 'x', pathLen: 1, issuedAt: T })
    const self = issueChainCertificate(x, xw, { deviceKey: x.publicKey, kemKey: deviceKem(seedOf(x)).publicKey, capabilities: ['read', 'write'], label: 'x2', issuedAt: T + 1 })
    const certs = new CertRegistry(wallet.publicKey, undefined, () => T)
    certs.add(self.bytes)
    expect(toHex(certs.get(x.publicKey)?.bytes as Uint8Array)).toBe(toHex(self.bytes))
    expect(certs.verifyPeer(self.bytes, deviceIdFromKey(x.publicKey)).label).toBe('x2')
  })
})
