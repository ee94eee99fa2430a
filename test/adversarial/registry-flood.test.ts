/**
 * Registry operations nobody may make, sent to a node by whoever holds the membership key (a
 * revoked device, say): operations signed by keys that are no device of the vault, and a revoked
 * device's operations signed after its revocation. Before, each was stored, passed on and counted
 * as a head, so 65 of them made every operation this node signed name more heads than a peer
 * decodes: no revoke could be signed any more, the wallet's included. Now each is refused with
 * INVALID_REGISTRY_OP and not kept, the heads stay as they were, the wallet still revokes, and a
 * refused enrolment does not move the node's clock (which would expire certificates). Long
 * chains of operations are evaluated without recursion.
 */
import { describe, expect, it } from 'vitest'
import {
  deviceKem, evaluateRegistry, generateDeviceKey, generateWallet, issueChainCertificate, recoveryKem, signRegistryOp, toHex, vaultSeedSignature, verifyRegistryOp,
  type DeviceKey, type OpBody, type RegistryOp
} from '../../src/identity/index.js'
import { CertRegistry } from '../../src/node/certs.js'
import { authorOp } from '../../src/node/registry-ops.js'

const seedOf = (d: DeviceKey): Uint8Array => d.privateKey.raw.subarray(0, 32)

describe('registry operations nobody may make', async () => {
  const wallet = generateWallet()
  const [t, l, x] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const seqs = new Map<string, bigint>()
  const sign = (s: { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array }, body: OpBody, prev: Uint8Array[], at = Date.now()): RegistryOp => {
    const seq = (seqs.get(toHex(s.publicKey)) ?? 0n) + 1n
    seqs.set(toHex(s.publicKey), seq)
    return signRegistryOp(s, { wallet: wallet.publicKey, seq, prev, at, ...body })
  }
  const tCert = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: deviceKem(seedOf(t)).publicKey, capabilities: ['admin', 'read', 'write'], label: 'desktop', pathLen: 1 })
  const lCert = issueChainCertificate(t, tCert, { deviceKey: l.publicKey, kemKey: deviceKem(seedOf(l)).publicKey, capabilities: ['admin', 'read', 'write'], label: 'laptop' })
  const genesis = sign(wallet, { genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } }, [])
  const enrolT = sign(wallet, { enrol: { certificate: tCert.bytes } }, [genesis.hash])
  const enrolL = sign(t.signer, { enrol: { certificate: lCert.bytes } }, [enrolT.hash])

  function node (): CertRegistry {
    const certs = new CertRegistry(wallet.publicKey)
    for (const op of [genesis, enrolT, enrolL]) certs.add(op.bytes)
    return certs
  }

  it('65 operations by keys of no device: each refused and not kept; the wallet still signs a revoke', () => {
    const certs = node()
    const heads = certs.state.heads.map(toHex)
    for (let i = 0; i < 65; i++) {
      const stranger = generateWallet()
      const junk = sign(stranger, { revoke: { devices: [{ device: t.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'junk' } }, [])
      expect(() => certs.add(junk.bytes)).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP' }))
    }
    expect(certs.state.heads.map(toHex)).toEqual(heads)
    expect(certs.registryOps().length).toBe(3)
    expect(certs.records().length).toBe(3)
    const revoke = authorOp(certs, wallet.publicKey, wallet, { revoke: { devices: [{ device: l.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'lost' } })
    expect(verifyRegistryOp(revoke.bytes, { wallet: wallet.publicKey }).id).toBe(revoke.id)
    certs.add(revoke.bytes)
    expect(certs.isRevoked(l.publicKey)).toBe(true)
  })

  it('a revoked admin\'s operations signed after its revocation: refused, not kept, no head, and its enrolment does not move the clock', () => {
    const now = Date.now()
    const certs = new CertRegistry(wallet.publicKey, undefined, () => now)
    for (const op of [genesis, enrolT, enrolL]) certs.add(op.bytes)
    const revokeL = sign(t.signer, { revoke: { devices: [{ device: l.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } }, [enrolL.hash])
    certs.add(revokeL.bytes)
    const heads = certs.state.heads.map(toHex)
    // The thief, with l's key, signs on from before the revocation.
    const xCert = issueChainCertificate(l, lCert, { deviceKey: x.publicKey, kemKey: deviceKem(seedOf(x)).publicKey, capabilities: ['read'], label: 'thief', issuedAt: now + 23 * 3600_000 })
    const late = [
      sign(l.signer, { enrol: { certificate: xCert.bytes } }, [enrolL.hash]),
      ...Array.from({ length: 70 }, () => sign(l.signer, { revoke: { devices: [{ device: t.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'x' } }, [enrolL.hash]))
    ]
    for (const op of late) expect(() => certs.add(op.bytes)).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP' }))
    expect(certs.state.heads.map(toHex)).toEqual(heads)
    expect(certs.registryOps().map(o => o.id)).toEqual([genesis.id, enrolT.id, enrolL.id, revokeL.id])
    expect(certs.isRevoked(t.publicKey)).toBe(false)
    expect(certs.now()).toBe(now)
    // The same admin's operations from before its revocation still count (they are in the revoke's past).
    const fresh = new CertRegistry(wallet.publicKey)
    for (const op of [genesis, enrolT, revokeL, enrolL]) { try { fresh.add(op.bytes) } catch { /* revokeL waits for enrolL */ } }
    fresh.add(revokeL.bytes)
    expect(fresh.isRevoked(l.publicKey)).toBe(true)
  })

  it('a revoke answering the revoke of its author is kept, whichever arrives first: two admins of one depth revoking each other are both revoked everywhere', async () => {
    const y = await generateDeviceKey()
    const yCert = issueChainCertificate(wallet, undefined, { deviceKey: y.publicKey, kemKey: deviceKem(seedOf(y)).publicKey, capabilities: ['admin', 'read', 'write'], label: 'tablet' })
    const enrolY = sign(wallet, { enrol: { certificate: yCert.bytes } }, [enrolL.hash])
    const revokeY = sign(t.signer, { revoke: { devices: [{ device: y.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } }, [enrolY.hash])
    const answer = sign(y.signer, { revoke: { devices: [{ device: t.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'mutual' } }, [enrolY.hash])
    for (const order of [[revokeY, answer], [answer, revokeY]]) {
      const certs = node()
      for (const op of [enrolY, ...order]) certs.add(op.bytes)
      expect([certs.isRevoked(t.publicKey), certs.isRevoked(y.publicKey)]).toEqual([true, true])
      expect(certs.registryOps().length).toBe(6)
    }
  })

  it('a revoked device\'s operation that an honest operation names is kept once that one waits for it: every node ends the same', async () => {
    // t enrols y (an admin) and d; d, not yet told it is revoked, enrols q (x); t revokes d without
    // holding x (r); y, holding x but not r, enrols z naming x (p).
    const [y, d, q, z] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
    const cert = (issuer: DeviceKey['signer'] | typeof wallet, parent: Parameters<typeof issueChainCertificate>[1], k: DeviceKey, label: string, admin = false) =>
      issueChainCertificate(issuer, parent, { deviceKey: k.publicKey, kemKey: deviceKem(seedOf(k)).publicKey, capabilities: admin ? ['admin', 'read', 'write'] : ['read', 'write'], label, ...(admin ? { pathLen: 1 } : {}) })
    const yCert = cert(wallet, undefined, y, 'y', true)
    const dCert = cert(wallet, undefined, d, 'd', true)
    const enrolY = sign(wallet, { enrol: { certificate: yCert.bytes } }, [enrolL.hash])
    const enrolD = sign(wallet, { enrol: { certificate: dCert.bytes } }, [enrolY.hash])
    const x = sign(d.signer, { enrol: { certificate: cert(d.signer, dCert, q, 'q').bytes } }, [enrolD.hash])
    const r = sign(t.signer, { revoke: { devices: [{ device: d.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'old' } }, [enrolD.hash])
    const p = sign(y.signer, { enrol: { certificate: cert(y.signer, yCert, z, 'z').bytes } }, [x.hash])
    const base = [genesis, enrolT, enrolL, enrolY, enrolD]
    const s = new CertRegistry(wallet.publicKey)
    for (const op of [...base, x, r, p]) s.add(op.bytes)
    expect(s.state.devices.get(toHex(z.publicKey))?.active).toBe(true)
    // N heard r first; then sessions with S, each sending S's records in causal order (x before p).
    const n = new CertRegistry(wallet.publicKey)
    for (const op of [...base, r]) n.add(op.bytes)
    const session = (to: CertRegistry): void => { for (const op of s.registryOps()) { try { to.add(op.bytes) } catch { /* refused this time */ } } }
    session(n)
    session(n)
    expect(n.state.devices.get(toHex(z.publicKey))?.active).toBe(true)
    expect(n.state.pending).toEqual([])
    expect(n.registryOps().map(o => o.id).sort()).toEqual(s.registryOps().map(o => o.id).sort())
    // A fresh device the same, and a node reading its store back in an order the store changed.
    const f = new CertRegistry(wallet.publicKey)
    session(f)
    session(f)
    expect(f.state.devices.get(toHex(z.publicKey))?.active).toBe(true)
    const reopened = new CertRegistry(wallet.publicKey)
    for (const op of [...base, r, x, p]) reopened.add(op.bytes, { stored: true })
    expect(reopened.state.devices.get(toHex(z.publicKey))?.active).toBe(true)
  })

  it('more heads in force than an operation may name: the next one names 64, the rest stay heads', () => {
    const certs = node()
    for (let i = 0; i < 70; i++) certs.add(sign(wallet, { genesis: { recoveryKem: new Uint8Array(32).fill(i) } }, []).bytes)
    expect(certs.state.heads.length).toBe(71)
    const op = authorOp(certs, wallet.publicKey, t.signer, { revoke: { devices: [{ device: l.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'lost' } })
    expect(op.prev.length).toBe(64)
    certs.add(verifyRegistryOp(op.bytes, { wallet: wallet.publicKey }).bytes)
    expect(certs.state.heads.length).toBe(71 - 64 + 1)
  })

  it('a chain of 5,000 operations, handed over newest first, evaluates (no recursion to overflow)', () => {
    // Signed by a device (node:crypto, fast): ordered and judged like any, refused as grants of no epoch.
    const ops: RegistryOp[] = [genesis, enrolT]
    for (let i = 0; i < 5000; i++) ops.push(sign(t.signer, { grant: { epoch: 7, commitment: new Uint8Array(32), wraps: [] } }, [(ops[ops.length - 1] as RegistryOp).hash]))
    const st = evaluateRegistry([...ops].reverse(), { wallet: wallet.publicKey })
    expect([st.applied.length, st.pending.length, st.refused.size]).toEqual([5002, 0, 5000])
    expect(st.heads.map(toHex)).toEqual([enrolT.id])
  })
})
