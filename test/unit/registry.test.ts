/**
 * The registry's evaluation: deterministic whatever the order operations arrive in, revocation
 * by the senior admin in a race, no backdating by a revoked device, owed rotations and their
 * discharge, wraps a revoked device cannot open (real X25519 keys: the oracle is checked first).
 */
import { describe, expect, it } from 'vitest'
import {
  deviceKem, epochCommitment, evaluateRegistry, generateDeviceKey, generateWallet, issueCertificate, issueChainCertificate, kemPublicOf,
  legacyKem, newEpochKey, nextEpochNumber, openPrevious, recoveryKem, RECOVERY_RECIPIENT, sealPrevious, signRegistryOp, toHex, unwrapEpochKey,
  vaultSeedSignature, verifyRegistryOp, wrapEpochKey, wrapsFor, type Certificate, type ChainCertificate, type DeviceKey, type RegistryOp, type Wallet
} from '../../src/identity/index.js'
import { author, seedOf } from '../helpers/registry-author.js'


/** A test author's view: its own sequence numbers, and whatever heads it is told it has. */
const headsOf = (ops: RegistryOp[], wallet: Wallet): RegistryOp[] => {
  const st = evaluateRegistry(ops, { wallet: wallet.publicKey })
  const ids = new Set(st.heads.map(toHex))
  return ops.filter(o => ids.has(o.id))
}

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

describe('the registry', async () => {
  const wallet = generateWallet()
  const seedSig = vaultSeedSignature(wallet)
  const recovery = recoveryKem(seedSig)
  const [t, p, q, l, r] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const kem = (d: DeviceKey) => deviceKem(seedOf(d))
  const W = author(wallet, wallet.publicKey)
  const T = author(t.signer, wallet.publicKey)
  const P = author(p.signer, wallet.publicKey)
  const L = author(l.signer, wallet.publicKey)
  const tCert = issueChainCertificate(wallet, undefined, { deviceKey: t.publicKey, kemKey: kem(t).publicKey, capabilities: ['admin'], label: 'desktop', pathLen: 1 })
  const pCert = issueChainCertificate(t, tCert, { deviceKey: p.publicKey, kemKey: kem(p).publicKey, capabilities: ['admin'], label: 'phone' })
  const lCert = issueChainCertificate(t, tCert, { deviceKey: l.publicKey, kemKey: kem(l).publicKey, capabilities: ['read', 'write'], label: 'laptop' })

  const genesis = W({ genesis: { recoveryKem: recovery.publicKey } }, [])
  const enrolT = W({ enrol: { certificate: tCert.bytes } }, [genesis])
  const enrolP = T({ enrol: { certificate: pCert.bytes } }, [enrolT])
  const enrolL = T({ enrol: { certificate: lCert.bytes } }, [enrolP])
  const base = [genesis, enrolT, enrolP, enrolL]
  const cut = (d: DeviceKey, seq = 0n) => ({ device: d.publicKey, docs: [{ doc: new Uint8Array(32).fill(7), lanes: [{ lane: 0, seq: 40n }] }], snapshotsThrough: 5n, registrySeq: seq })

  it('enrols through a chain: every device active, enrolled by its issuer', () => {
    const st = evaluateRegistry(shuffled(base, 1), { wallet: wallet.publicKey })
    expect(st.devices.size).toBe(3)
    const lRec = st.devices.get(toHex(l.publicKey))
    expect([lRec?.active, toHex(lRec?.enrolledBy as Uint8Array)]).toEqual([true, toHex(t.publicKey)])
    expect(toHex(st.recoveryKem as Uint8Array)).toBe(toHex(recovery.publicKey))
    expect(st.heads.map(toHex)).toEqual([enrolL.id])
    expect(st.owed).toEqual([])
  })

  it('a revoke of a reader is owed until a rotation that excludes it; only remaining readers and the recovery key open the new key', () => {
    const revoke = T({ revoke: { devices: [cut(l, 0n)], reason: 'stolen' } }, [enrolL])
    let st = evaluateRegistry([...base, revoke], { wallet: wallet.publicKey })
    const lRec = st.devices.get(toHex(l.publicKey))
    expect([lRec?.active, lRec?.revoked?.reason]).toEqual([false, 'stolen'])
    expect(st.owed.map(o => o.id)).toEqual([revoke.id])
    expect(st.cutoffs.get(toHex(l.publicKey))?.holds(new Uint8Array(32).fill(7), 0, 40n)).toBe(true)
    expect(st.cutoffs.get(toHex(l.publicKey))?.holds(new Uint8Array(32).fill(7), 0, 41n)).toBe(false)

    const key = newEpochKey()
    const epoch = nextEpochNumber(st, 3)
    expect(epoch).toBe(256 + 3)
    const ctx = { wallet: wallet.publicKey, epoch }
    // The oracle first: a wrap to the laptop's key opens with the laptop's key.
    const probe = wrapEpochKey(key, { recipient: l.publicKey, kem: kemPublicOf(lCert) }, ctx)
    expect(toHex(unwrapEpochKey(probe, kem(l), ctx))).toBe(toHex(key))

    const wraps = [...st.devices.values()].filter(d => d.active && d.certificate.capabilities.includes('read'))
      .map(d => wrapEpochKey(key, { recipient: d.deviceKey, kem: kemPublicOf(d.certificate) }, ctx))
    wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: st.recoveryKem as Uint8Array }, ctx))
    const rotate = P({ epoch: { epoch, discharges: [revoke.hash], wraps, previous: sealPrevious(key, epoch, new Map([[0, new Uint8Array(32).fill(1)]])), commitment: epochCommitment(key, epoch) } }, [revoke])
    st = evaluateRegistry([...base, revoke, rotate], { wallet: wallet.publicKey })
    expect(st.owed).toEqual([])
    expect(wrapsFor(st, l.publicKey)).toEqual([])
    for (const w of wraps.slice(0, -1)) expect(() => unwrapEpochKey(w, kem(l), ctx)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    const mine = wrapsFor(st, p.publicKey)
    expect(toHex(unwrapEpochKey((mine[0] as { wrap: any }).wrap, kem(p), ctx))).toBe(toHex(key))
    const rec = wrapsFor(st, RECOVERY_RECIPIENT)
    expect(toHex(unwrapEpochKey((rec[0] as { wrap: any }).wrap, recoveryKem(seedSig), ctx))).toBe(toHex(key))
    expect(toHex(openPrevious(key, epoch, rotate.epoch?.previous as Uint8Array).get(0) as Uint8Array)).toBe(toHex(new Uint8Array(32).fill(1)))
  })

  it('a rotation that still wraps to the revoked device discharges nothing', () => {
    const revoke = T({ revoke: { devices: [cut(l)], reason: '' } }, [enrolL])
    const key = newEpochKey()
    const epoch = 257
    const ctx = { wallet: wallet.publicKey, epoch }
    const leaky = P({ epoch: { epoch, discharges: [revoke.hash], wraps: [wrapEpochKey(key, { recipient: l.publicKey, kem: kemPublicOf(lCert) }, ctx)], previous: new Uint8Array(0), commitment: epochCommitment(key, epoch) } }, [revoke])
    const st = evaluateRegistry([...base, revoke, leaky], { wallet: wallet.publicKey })
    expect(st.owed.map(o => o.id)).toEqual([revoke.id])
    expect(wrapsFor(st, l.publicKey)).toEqual([])
  })

  it('concurrent revocations converge: the senior admin wins whatever the arrival order', () => {
    const tRevokesP = T({ revoke: { devices: [cut(p, 1n)], reason: 'race' } }, [enrolL])
    const pRevokesT = P({ revoke: { devices: [cut(t, 3n)], reason: 'race' } }, [enrolL])
    const all = [...base, tRevokesP, pRevokesT]
    const results = [1, 2, 3, 4].map(s => evaluateRegistry(shuffled(all, s), { wallet: wallet.publicKey }))
    for (const st of results) {
      expect(st.devices.get(toHex(t.publicKey))?.active).toBe(true)
      expect(st.devices.get(toHex(p.publicKey))?.active).toBe(false)
      expect(st.refused.has(pRevokesT.id)).toBe(true)
      expect(st.applied.map(o => o.id)).toEqual(results[0]?.applied.map(o => o.id))
    }
    // The wallet overrides both.
    const wRevokesT = W({ revoke: { devices: [cut(t, 3n)], reason: 'wallet' } }, [tRevokesP])
    const st = evaluateRegistry([...all, wRevokesT], { wallet: wallet.publicKey })
    expect(st.devices.get(toHex(t.publicKey))?.active).toBe(false)
  })

  it('two admins of one depth revoking each other: both revoked whatever the order or hashes; a revoke of a third naming old heads counts for nothing', async () => {
    // x and y: admins the wallet enrolled, one depth. y revokes the stolen x; the thief, with x's
    // key, answers with a revoke of y naming the heads from before, its time ground until its hash
    // sorts first (so the order puts it before y's).
    const [x, y, z] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
    const admin = (d: DeviceKey, label: string): ChainCertificate => issueChainCertificate(wallet, undefined, { deviceKey: d.publicKey, kemKey: kem(d).publicKey, capabilities: ['admin', 'read', 'write'], label })
    const enrolX = W({ enrol: { certificate: admin(x, 'x').bytes } }, [genesis])
    const enrolY = W({ enrol: { certificate: admin(y, 'y').bytes } }, [enrolX])
    const enrolZ = W({ enrol: { certificate: admin(z, 'z').bytes } }, [enrolY])
    const before = [genesis, enrolX, enrolY, enrolZ]
    const yRevokesX = signRegistryOp(y.signer, { wallet: wallet.publicKey, seq: 1n, prev: [enrolZ.hash], revoke: { devices: [cut(x)], reason: 'stolen' } })
    for (const lowerFirst of [true, false]) {
      let xRevokesY: RegistryOp
      let at = Date.now()
      do xRevokesY = signRegistryOp(x.signer, { wallet: wallet.publicKey, seq: 1n, prev: [enrolZ.hash], at: ++at, revoke: { devices: [cut(y)], reason: '' } })
      while ((xRevokesY.id < yRevokesX.id) !== lowerFirst)
      for (const seed of [1, 2, 3]) {
        const st = evaluateRegistry(shuffled([...before, yRevokesX, xRevokesY], seed), { wallet: wallet.publicKey })
        expect([st.devices.get(toHex(x.publicKey))?.active, st.devices.get(toHex(y.publicKey))?.active, st.devices.get(toHex(z.publicKey))?.active]).toEqual([false, false, true])
        expect([st.refused.has(yRevokesX.id), st.refused.has(xRevokesY.id)]).toEqual([false, false])
      }
    }
    // The thief revoking z, which did nothing to it, naming the same old heads: refused, z stays.
    let xRevokesZ: RegistryOp
    let at = Date.now()
    do xRevokesZ = signRegistryOp(x.signer, { wallet: wallet.publicKey, seq: 2n, prev: [enrolZ.hash], at: ++at, revoke: { devices: [cut(z)], reason: '' } })
    while (xRevokesZ.id > yRevokesX.id)
    const st = evaluateRegistry([...before, yRevokesX, xRevokesZ], { wallet: wallet.publicKey })
    expect([st.devices.get(toHex(x.publicKey))?.active, st.devices.get(toHex(z.publicKey))?.active]).toEqual([false, true])
    expect(st.refused.has(xRevokesZ.id)).toBe(true)
  })

  it('a revoked admin cannot backdate: an enrolment it signs naming old heads is refused; what it enrolled before stays', () => {
    const qCert = issueChainCertificate(p, pCert, { deviceKey: q.publicKey, kemKey: kem(q).publicKey, capabilities: ['read'], label: 'tablet' })
    const enrolQ = P({ enrol: { certificate: qCert.bytes } }, [enrolL])
    const revokeP = T({ revoke: { devices: [cut(p, 2n)], reason: 'stolen' } }, [enrolQ])
    const rCert = issueChainCertificate(p, pCert, { deviceKey: r.publicKey, kemKey: kem(r).publicKey, capabilities: ['read', 'write'], label: 'attacker' })
    // Signed after the theft but naming the heads before the revoke, as if concurrent.
    const backdated = P({ enrol: { certificate: rCert.bytes } }, [enrolL])
    const st = evaluateRegistry([...base, enrolQ, revokeP, backdated], { wallet: wallet.publicKey })
    expect(st.devices.get(toHex(q.publicKey))?.active).toBe(true)
    expect(st.devices.get(toHex(r.publicKey))).toBe(undefined)
    expect(st.refused.has(backdated.id)).toBe(true)
  })

  it('a downgrade by an admin that did not enrol the device is ignored; the wallet may re-certify', () => {
    const down = issueChainCertificate(p, pCert, { deviceKey: l.publicKey, kemKey: kem(l).publicKey, capabilities: ['read'], label: 'laptop', issuedAt: Date.now() + 1000 })
    const st = evaluateRegistry([...base, P({ enrol: { certificate: down.bytes } }, [enrolL])], { wallet: wallet.publicKey })
    expect(st.devices.get(toHex(l.publicKey))?.certificate.capabilities).toEqual(['read', 'write'])
    const byWallet = issueChainCertificate(wallet, undefined, { deviceKey: l.publicKey, kemKey: kem(l).publicKey, capabilities: ['read'], label: 'laptop', issuedAt: Date.now() + 2000 })
    const st2 = evaluateRegistry([...base, W({ enrol: { certificate: byWallet.bytes } }, [enrolL])], { wallet: wallet.publicKey })
    expect(st2.devices.get(toHex(l.publicKey))?.certificate.capabilities).toEqual(['read'])
  })

  it('an operation naming an unknown head waits; a tampered operation does not verify', () => {
    const orphan = T({ revoke: { devices: [cut(l)], reason: '' } }, [enrolL])
    const st = evaluateRegistry([genesis, enrolT, orphan], { wallet: wallet.publicKey })
    expect(st.pending).toEqual([orphan.id])
    expect(st.devices.get(toHex(l.publicKey))).toBe(undefined)
    const bytes = new Uint8Array(orphan.bytes)
    bytes[bytes.length - 70] = (bytes[bytes.length - 70] as number) ^ 1
    expect(() => verifyRegistryOp(bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: expect.stringMatching(/INVALID_REGISTRY_OP/) }))
    expect(() => verifyRegistryOp(orphan.bytes, { wallet: generateWallet().publicKey })).toThrow(expect.objectContaining({ code: 'WRONG_WALLET' }))
  })

  it('a version 1 device from before the registry can be revoked, and is wrapped to through its Montgomery key', () => {
    const old: Certificate = issueCertificate(wallet, { deviceKey: r.publicKey, capabilities: ['read', 'write'], label: 'old-laptop' })
    const st = evaluateRegistry(base, { wallet: wallet.publicKey, legacy: [old] })
    expect(st.devices.get(toHex(r.publicKey))?.active).toBe(true)
    const ctx = { wallet: wallet.publicKey, epoch: 256 }
    const key = newEpochKey()
    const w = wrapEpochKey(key, { recipient: r.publicKey, kem: kemPublicOf(old) }, ctx)
    expect(toHex(unwrapEpochKey(w, legacyKem(seedOf(r)), ctx))).toBe(toHex(key))
    const st2 = evaluateRegistry([...base, T({ revoke: { devices: [cut(r)], reason: '' } }, headsOf(base, wallet))], { wallet: wallet.publicKey, legacy: [old] })
    expect(st2.devices.get(toHex(r.publicKey))?.active).toBe(false)
    expect(st2.owed.length).toBe(1)
  })

  it('a device that is not an admin cannot revoke; a writer may rotate, a reader may not', () => {
    const bad = L({ revoke: { devices: [cut(t)], reason: '' } }, [enrolL])
    const st = evaluateRegistry([...base, bad], { wallet: wallet.publicKey })
    expect(st.devices.get(toHex(t.publicKey))?.active).toBe(true)
    expect(st.refused.has(bad.id)).toBe(true)
    void (lCert as ChainCertificate)
  })
})
