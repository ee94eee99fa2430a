/**
 * Certificate chains (version 3) as an attacker would bend them: each malformed or over-reaching
 * chain is refused with its own typed error, and versions 1 and 2 still verify.
 */
import { describe, expect, it } from 'vitest'
import {
  deviceKem, generateDeviceKey, generateWallet, issueCertificate, issueChainCertificate, verifyAnyCertificate, verifyChainCertificate,
  signWithDomain, DOMAIN, type ChainCertificate, type DeviceKey
} from '../../src/identity/index.js'
import { ChainCertificate as PbChain, SignedChainCertificate } from '../../src/identity/pb/chain.js'

const seedOf = (d: DeviceKey): Uint8Array => d.privateKey.raw.subarray(0, 32)
const kemOf = (d: DeviceKey): Uint8Array => deviceKem(seedOf(d)).publicKey

describe('certificate chains', async () => {
  const wallet = generateWallet()
  const [t, p, q, l, x] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const T = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['read', 'write', 'admin'], label: 'desktop', pathLen: 1 })
  const P = issueChainCertificate(t, T, { deviceKey: p.publicKey, kemKey: kemOf(p), capabilities: ['admin'], label: 'phone-admin' })
  const verify = (c: { bytes: Uint8Array }): ChainCertificate => verifyChainCertificate(c.bytes, { wallet: wallet.publicKey })
  const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (e: any) { return e.code } }

  it('wallet → admin → admin → device verifies with depth 2 at a peer that never met the issuers', () => {
    const Q = issueChainCertificate(p, P, { deviceKey: q.publicKey, kemKey: kemOf(q), capabilities: ['read', 'write'], label: 'laptop' })
    const v = verifyChainCertificate(Q.bytes, { wallet: wallet.publicKey, deviceId: q.deviceId })
    expect([v.depth, v.label, v.capabilities, v.ancestors.map(a => a.label)]).toEqual([2, 'laptop', ['read', 'write'], ['phone-admin', 'desktop']])
    expect(P.capabilities).toEqual(['read', 'write', 'admin'])
    expect(verify(T).depth).toBe(0)
  })

  it('depth 3 is refused: a path_len 0 admin cannot create an admin', () => {
    expect(code(() => issueChainCertificate(p, P, { deviceKey: q.publicKey, kemKey: kemOf(q), capabilities: ['admin'], label: 'x' }))).toBe('INVALID_CERTIFICATE')
    // Hand-built: a chain of three issuers exceeds MAX_DEPTH whatever its path_len says.
    const Q = issueChainCertificate(p, P, { deviceKey: q.publicKey, kemKey: kemOf(q), capabilities: ['read'], label: 'x' })
    const s = SignedChainCertificate.decode(Q.bytes)
    const deeper = SignedChainCertificate.encode({ ...s, chain: [...s.chain, s.chain[1] as Uint8Array<ArrayBuffer>] })
    expect(code(() => verifyChainCertificate(deeper, { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
  })

  it('a device without admin cannot enrol', () => {
    const L = issueChainCertificate(t, T, { deviceKey: l.publicKey, kemKey: kemOf(l), capabilities: ['read', 'write'], label: 'laptop' })
    expect(code(() => issueChainCertificate(l, L, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x' }))).toBe('NOT_ADMIN')
    // Forged by hand: signed by L anyway.
    const forged = forge(l, L, { capabilities: 1, kem: kemOf(x), device: x.publicKey })
    expect(code(() => verifyChainCertificate(forged, { wallet: wallet.publicKey }))).toBe('NOT_ADMIN')
  })

  it('child capabilities beyond the parent\'s are refused; mirror is allowed', () => {
    const R = issueChainCertificate(wallet, undefined, { deviceKey: l.publicKey, kemKey: kemOf(l), capabilities: ['read', 'write', 'admin'], label: 'r', pathLen: 0 })
    // An admin with path_len 0 granting admin:
    expect(code(() => issueChainCertificate(l, R, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['admin'], label: 'x' }))).toBe('INVALID_CERTIFICATE')
    const M = issueChainCertificate(l, R, { deviceKey: x.publicKey, capabilities: ['mirror'], label: 'vps' })
    expect([M.capabilities, M.kem]).toEqual([['mirror'], undefined])
  })

  it('a child that outlives its parent is refused; one without expiry inherits the parent\'s', () => {
    const now = Date.now()
    const E = issueChainCertificate(wallet, undefined, { deviceKey: l.publicKey, kemKey: kemOf(l), capabilities: ['admin'], label: 'e', pathLen: 0, expiresAt: now + 60_000 })
    expect(code(() => issueChainCertificate(l, E, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x', expiresAt: now + 120_000 }))).toBe('INVALID_CERTIFICATE')
    const C = issueChainCertificate(l, E, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x' })
    expect(C.expiresAt).toBe(now + 60_000)
    expect(code(() => verifyChainCertificate(C.bytes, { wallet: wallet.publicKey, now: now + 60_000 + 10 * 60_000 }))).toBe('CERTIFICATE_EXPIRED')
  })

  it('a swapped chain element (parent hash mismatch) is refused', () => {
    const T2 = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['read', 'write', 'admin'], label: 'desktop-renamed', pathLen: 1 })
    const C = issueChainCertificate(t, T, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x' })
    const s = SignedChainCertificate.decode(C.bytes)
    const swapped = SignedChainCertificate.encode({ ...s, chain: [T2.bytes as Uint8Array<ArrayBuffer>] })
    expect(code(() => verifyChainCertificate(swapped, { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
    const noChain = SignedChainCertificate.encode({ ...s, chain: [] })
    expect(code(() => verifyChainCertificate(noChain, { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
  })

  it('a chain from another wallet is refused', () => {
    const other = generateWallet()
    const O = issueChainCertificate(other, undefined, { deviceKey: t.publicKey, kemKey: kemOf(t), capabilities: ['admin'], label: 'o', pathLen: 1 })
    const C = issueChainCertificate(t, O, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x' })
    expect(code(() => verify(C))).toBe('WRONG_WALLET')
  })

  it('shapes: read with mirror, a reader without a KEM key, write without read are refused', () => {
    expect(code(() => verifyChainCertificate(forge(wallet, undefined, { capabilities: 1 | 8, kem: kemOf(x), device: x.publicKey }), { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
    expect(code(() => verifyChainCertificate(forge(wallet, undefined, { capabilities: 1, kem: new Uint8Array(0), device: x.publicKey }), { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
    expect(code(() => verifyChainCertificate(forge(wallet, undefined, { capabilities: 2, kem: new Uint8Array(0), device: x.publicKey }), { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
    expect(code(() => verifyChainCertificate(forge(wallet, undefined, { capabilities: 1, kem: kemOf(x), device: x.publicKey, pathLen: 2 }), { wallet: wallet.publicKey }))).toBe('INVALID_CERTIFICATE')
  })

  it('a flipped signature bit anywhere in the chain is refused', () => {
    const C = issueChainCertificate(t, T, { deviceKey: x.publicKey, kemKey: kemOf(x), capabilities: ['read'], label: 'x' })
    const s = SignedChainCertificate.decode(C.bytes)
    const up = SignedChainCertificate.decode(s.chain[0] as Uint8Array)
    up.signature[3] = (up.signature[3] as number) ^ 1
    const bad = SignedChainCertificate.encode({ ...s, chain: [SignedChainCertificate.encode(up)] })
    expect(code(() => verifyChainCertificate(bad, { wallet: wallet.publicKey }))).toBe('INVALID_SIGNATURE')
  })

  it('the certificate is for the device Noise authenticated, and v1 certificates still verify through the same function', () => {
    expect(code(() => verifyChainCertificate(P.bytes, { wallet: wallet.publicKey, deviceId: q.deviceId }))).toBe('PEER_MISMATCH')
    const v1 = issueCertificate(wallet, { deviceKey: l.publicKey, capabilities: ['read', 'write'], label: 'old' })
    const v = verifyAnyCertificate(v1.bytes, { wallet: wallet.publicKey, deviceId: l.deviceId })
    expect([v.version, v.capabilities]).toEqual([1, ['read', 'write']])
    expect(verifyAnyCertificate(P.bytes, { wallet: wallet.publicKey }).version).toBe(3)
  })

  /** Signs an arbitrary body as `issuer` with `parent` as its chain: what an attacker can produce. */
  function forge (issuer: { publicKey: Uint8Array, sign?: (m: Uint8Array) => Uint8Array, signer?: { sign: (m: Uint8Array) => Uint8Array } }, parent: ChainCertificate | undefined, f: { capabilities: number, kem: Uint8Array, device: Uint8Array, pathLen?: number }): Uint8Array {
    const body = PbChain.encode({
      version: 3,
      wallet: wallet.publicKey as Uint8Array<ArrayBuffer>,
      device: f.device as Uint8Array<ArrayBuffer>,
      capabilities: f.capabilities,
      label: 'forged',
      issuedAt: BigInt(Date.now()),
      issuer: issuer.publicKey as Uint8Array<ArrayBuffer>,
      parent: (parent?.digest ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      pathLen: f.pathLen ?? 0,
      kem: f.kem as Uint8Array<ArrayBuffer>,
      pairing: new Uint8Array(0)
    })
    const signer = issuer.signer ?? (issuer as { sign: (m: Uint8Array) => Uint8Array })
    const signature = signWithDomain(signer, DOMAIN.chainCertificate, body)
    return SignedChainCertificate.encode({ body, signature: signature as Uint8Array<ArrayBuffer>, chain: parent === undefined ? [] : [strip(parent.bytes), ...parent.ancestors.map(a => a.bytes as Uint8Array<ArrayBuffer>)] })
  }

  function strip (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    const s = SignedChainCertificate.decode(bytes)
    return SignedChainCertificate.encode({ ...s, chain: [] })
  }
})
