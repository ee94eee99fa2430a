import { describe, expect, it } from 'vitest'
import {
  generateDeviceKey, generateWallet, issueCertificate, verifyCertificate
} from '../../src/identity/index.js'
import { SignedCertificate } from '../../src/identity/pb/certificate.js'

describe('device certificates', async () => {
  const wallet = generateWallet()
  const device = await generateDeviceKey()

  it('verifies a certificate for its wallet and device', () => {
    const c = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: ['read', 'write'], label: 'laptop' })
    const v = verifyCertificate(c.bytes, { wallet: wallet.publicKey, deviceId: device.deviceId })
    expect(v.deviceId).toBe(device.deviceId)
    expect(v.capabilities).toEqual(['read', 'write'])
    expect(v.label).toBe('laptop')
    expect(v.wallet).toBe(wallet.address)
  })

  it('a read-only certificate grants only read', () => {
    const c = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: ['read'], label: 'tablet' })
    expect(verifyCertificate(c.bytes, { wallet: wallet.publicKey }).capabilities).toEqual(['read'])
  })

  it('rejects a bad signature', () => {
    const c = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: ['read'], label: 'x' })
    const s = SignedCertificate.decode(c.bytes)
    s.signature[5] = (s.signature[5] as number) ^ 1
    expect(() => verifyCertificate(SignedCertificate.encode(s), { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
  })

  it('rejects a certificate of another wallet', () => {
    const other = generateWallet()
    const c = issueCertificate(other, { deviceKey: device.publicKey, capabilities: ['read'], label: 'x' })
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'WRONG_WALLET' }))
  })

  it('rejects a forged body claiming our wallet but signed by another', () => {
    const other = generateWallet()
    const forger = { publicKey: wallet.publicKey, sign: other.sign }
    const c = issueCertificate(forger, { deviceKey: device.publicKey, capabilities: ['read', 'write'], label: 'x' })
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
  })

  it('rejects an expired certificate', () => {
    const c = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: ['read'], label: 'x', issuedAt: 1000, expiresAt: 2000 })
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }))
    expect(verifyCertificate(c.bytes, { wallet: wallet.publicKey, now: 1500 }).expiresAt).toBe(2000)
  })

  it('rejects a PeerId that does not match', async () => {
    const other = await generateDeviceKey()
    const c = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: ['read'], label: 'x' })
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey, deviceId: other.deviceId })).toThrow(expect.objectContaining({ code: 'PEER_MISMATCH' }))
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey, deviceKey: other.publicKey })).toThrow(expect.objectContaining({ code: 'PEER_MISMATCH' }))
  })

  it.each([
    ['empty bytes', new Uint8Array(0)],
    ['garbage', new Uint8Array([1, 2, 3, 4, 5])],
    ['oversized', new Uint8Array(5000)]
  ])('rejects %s as malformed', (_n, bytes) => {
    expect(() => verifyCertificate(bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_CERTIFICATE' }))
  })
})
