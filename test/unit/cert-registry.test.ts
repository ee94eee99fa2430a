/**
 * The registry's rule, with an injected clock: an entry is judged at its position in its author's
 * log (cutoffs), expiry has one documented tolerance (CLOCK_SKEW_MS) and a floor from wallet-signed
 * issue times, a superseded certificate is refused, and certificates written before cutoffs existed
 * (version 1) still verify byte for byte.
 */
import { describe, expect, it } from 'vitest'
import {
  CLOCK_SKEW_MS, deriveVaultKeys, deviceIdFromKey, generateDeviceKey, generateWallet, isCutoffRecord, issueCertificate, issueCutoff, signWithDomain,
  toHex, vaultSeedSignature, verifyCertificate, verifyCutoff, DOMAIN, type Wallet
} from '../../src/identity/index.js'
import { Cutoff, DeviceCertificate, SignedCertificate, SignedCutoff } from '../../src/identity/pb/certificate.js'
import { CertRegistry, FLOOR_AHEAD_MS } from '../../src/node/certs.js'

const T = Date.UTC(2026, 5, 1)
const MIN = 60_000

async function device (wallet: Wallet, caps: Array<'read' | 'write'>, opts: { issuedAt?: number, expiresAt?: number, cutoff?: Uint8Array } = {}): Promise<{ key: Uint8Array, id: string, cert: Uint8Array }> {
  const k = await generateDeviceKey()
  const cert = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: caps, label: 'd', issuedAt: opts.issuedAt ?? T - 60 * MIN, expiresAt: opts.expiresAt, cutoff: opts.cutoff })
  return { key: k.publicKey, id: deviceIdFromKey(k.publicKey), cert: cert.bytes }
}

const doc = new Uint8Array(32).fill(7)
const at = (author: Uint8Array, seq: bigint, lane = 0): { author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint, epoch: number } => ({ author, doc, lane, seq, epoch: 0 })

describe('expiry: one tolerance, a clock floor', () => {
  it('a peer refuses an expired certificate once its clock is CLOCK_SKEW_MS past expiry, and not before', async () => {
    const wallet = generateWallet()
    const d = await device(wallet, ['read', 'write'], { expiresAt: T })
    let now = T + CLOCK_SKEW_MS - 1
    const reg = new CertRegistry(wallet.publicKey, undefined, () => now)
    expect(reg.verifyPeer(d.cert, d.id).deviceId).toBe(d.id)
    now = T + CLOCK_SKEW_MS
    expect(() => reg.verifyPeer(d.cert, d.id)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }))
  })

  it('a peer whose clock is 11 minutes slow refuses the expired certificate once it learns a later wallet-signed time', async () => {
    const wallet = generateWallet()
    const d = await device(wallet, ['read', 'write'], { expiresAt: T })
    // Real time is T + 6 min (1 min past the tolerance); this peer's clock says T - 5 min.
    const slow = new CertRegistry(wallet.publicKey, undefined, () => T - 5 * MIN)
    slow.add(d.cert)
    expect(slow.verifyPeer(d.cert, d.id).deviceId).toBe(d.id)
    // Another device enrolled by the wallet a moment ago: its issue time is a floor for "now".
    const other = await device(wallet, ['read'], { issuedAt: T + 6 * MIN })
    slow.add(other.cert)
    expect(slow.now()).toBe(T + 6 * MIN)
    expect(() => slow.verifyPeer(d.cert, d.id)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }))
    // A wallet machine whose clock is 10 days ahead moves nobody's time by more than a day.
    slow.add((await device(wallet, ['read'], { issuedAt: T + 10 * 24 * 60 * MIN })).cert)
    expect(slow.now()).toBe(T - 5 * MIN + FLOOR_AHEAD_MS)
  })

  it('an expired author: refused straight from itself, kept at load and when a member relays what it took in time', async () => {
    const wallet = generateWallet()
    const d = await device(wallet, ['read', 'write'], { expiresAt: T })
    const reg = new CertRegistry(wallet.publicKey, undefined, () => T + CLOCK_SKEW_MS + 1)
    reg.add(d.cert)
    expect(() => reg.judgeUpdate(at(d.key, 5n), { at: 'receive', from: d.id })).toThrow(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }))
    expect(reg.judgeUpdate(at(d.key, 5n), { at: 'receive', from: 'someone-else' }).deviceId).toBe(d.id)
    expect(reg.judgeUpdate(at(d.key, 5n), { at: 'load' }).deviceId).toBe(d.id)
  })
})

describe('cutoffs: each position judged by the rights it was written under', () => {
  it('a downgrade keeps every entry at or below its cutoff, refuses the ones above, and re-judges stored ones only above a recorded cutoff', async () => {
    const wallet = generateWallet()
    const keys = deriveVaultKeys(vaultSeedSignature(wallet))
    const k = await generateDeviceKey()
    const writer = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read', 'write'], label: 'b', issuedAt: T })
    const reg = new CertRegistry(wallet.publicKey, keys, () => T + MIN)
    reg.add(writer.bytes)
    expect(reg.judgeUpdate(at(k.publicKey, 41n), { at: 'receive' }).deviceId).toBe(writer.deviceId)

    const cutoff = issueCutoff(wallet, { device: k.publicKey, issuedAt: T + 1, docs: [{ doc, lanes: [{ lane: 0, seq: 40n }, { lane: 2, seq: 3n }] }], snapshotsThrough: BigInt(T + 1) })
    const ro = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'b', issuedAt: T + 1, cutoff: cutoff.digest })
    expect(ro.version).toBe(2)
    // The new certificate before its cutoff: stored entries are kept, received ones wait.
    expect(reg.add(ro.bytes).changed).toBe(true)
    expect(reg.judgeUpdate(at(k.publicKey, 41n), { at: 'load' }).deviceId).toBe(writer.deviceId)
    expect(() => reg.judgeUpdate(at(k.publicKey, 1n), { at: 'receive' })).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
    expect(reg.add(cutoff.bytes).changed).toBe(true)
    for (const j of [{ at: 'load' as const }, { at: 'receive' as const }]) {
      expect(reg.judgeUpdate(at(k.publicKey, 40n), j).deviceId).toBe(writer.deviceId)
      expect(reg.judgeUpdate(at(k.publicKey, 3n, 2), j).deviceId).toBe(writer.deviceId)
      expect(() => reg.judgeUpdate(at(k.publicKey, 41n), j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      expect(() => reg.judgeUpdate(at(k.publicKey, 1n, 1), j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      expect(() => reg.judgeUpdate({ ...at(k.publicKey, 1n), doc: new Uint8Array(32) }, j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      expect(reg.judgeSnapshot({ author: k.publicKey, doc, seq: BigInt(T), epoch: 0 }, j).deviceId).toBe(writer.deviceId)
      expect(() => reg.judgeSnapshot({ author: k.publicKey, doc, seq: BigInt(T + 2), epoch: 0 }, j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
    }
    // Cutoffs travel first: a peer learns what stays valid before what changed.
    expect(reg.records()[0]).toEqual(cutoff.bytes)
  })

  // A device opens a lane after every crash: one that crashed 100 times and wrote to one document
  // after each holds 100 lanes there. Version 1 listed at most 64; version 2 carries them as a run.
  it('a re-enrolment cutoff of a device with 100 lanes in one document (and sparse ones in another) keeps each lane up to its seq, refuses beyond, and stays small', async () => {
    const wallet = generateWallet()
    const keys = deriveVaultKeys(vaultSeedSignature(wallet))
    const k = await generateDeviceKey()
    const writer = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read', 'write'], label: 'b', issuedAt: T })
    const other = new Uint8Array(32).fill(9)
    const lanes = Array.from({ length: 100 }, (_, i) => ({ lane: i, seq: BigInt(1 + (i % 5)) })).filter(l => l.lane !== 50)
    const sparse = [{ lane: 3, seq: 9n }, { lane: 900_000, seq: 2n }]
    const cutoff = issueCutoff(wallet, { device: k.publicKey, issuedAt: T + 1, docs: [{ doc, lanes }, { doc: other, lanes: sparse }], snapshotsThrough: BigInt(T + 1) })
    expect(SignedCutoff.decode(cutoff.bytes).cutoff.byteLength).toBeLessThan(400)
    const read = verifyCutoff(cutoff.bytes, { wallet: wallet.publicKey })
    expect([...(read.docs.get(toHex(doc))?.lanes ?? [])].sort((x, y) => x.lane - y.lane)).toEqual(lanes)
    expect(read.docs.get(toHex(other))?.lanes).toEqual(sparse)
    const ro = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'b', issuedAt: T + 1, cutoff: cutoff.digest })
    const reg = new CertRegistry(wallet.publicKey, keys, () => T + MIN)
    reg.add(writer.bytes); reg.add(cutoff.bytes); reg.add(ro.bytes)
    for (const j of [{ at: 'load' as const }, { at: 'receive' as const }]) {
      for (const l of lanes) {
        expect(reg.judgeUpdate(at(k.publicKey, l.seq, l.lane), j).deviceId).toBe(writer.deviceId)
        expect(() => reg.judgeUpdate(at(k.publicKey, l.seq + 1n, l.lane), j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      }
      // The run's hole (no lane 50 written) and lanes past it keep nothing.
      expect(() => reg.judgeUpdate(at(k.publicKey, 1n, 50), j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      expect(() => reg.judgeUpdate(at(k.publicKey, 1n, 100), j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
      expect(reg.judgeUpdate({ ...at(k.publicKey, 2n, 900_000), doc: other }, j).deviceId).toBe(writer.deviceId)
      expect(() => reg.judgeUpdate({ ...at(k.publicKey, 3n, 900_000), doc: other }, j)).toThrow(expect.objectContaining({ code: 'MISSING_CAPABILITY' }))
    }
    // Up to 64 lanes a document: version 1, as before (a node that predates runs reads it).
    const small = issueCutoff(wallet, { device: k.publicKey, issuedAt: T + 2, docs: [{ doc, lanes: lanes.slice(0, 64) }], snapshotsThrough: BigInt(T + 2) })
    expect(Cutoff.decode(SignedCutoff.decode(small.bytes).cutoff).version).toBe(1)
    expect(Cutoff.decode(SignedCutoff.decode(cutoff.bytes).cutoff).version).toBe(2)
  })

  it('a superseded certificate is refused when added and at membership, whatever order they arrive in', async () => {
    const wallet = generateWallet()
    const k = await generateDeviceKey()
    const id = deviceIdFromKey(k.publicKey)
    const old = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read', 'write'], label: 'b', issuedAt: T })
    const cutoff = issueCutoff(wallet, { device: k.publicKey, issuedAt: T + 5, docs: [], snapshotsThrough: BigInt(T + 5) })
    const newer = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'b', issuedAt: T + 5, cutoff: cutoff.digest })
    for (const order of [[old, newer], [newer, old]]) {
      const reg = new CertRegistry(wallet.publicKey, undefined, () => T)
      try { for (const c of order) reg.add(c.bytes) } catch (err: any) { expect(err.code).toBe('SUPERSEDED_CERTIFICATE') }
      expect(reg.get(k.publicKey)?.capabilities).toEqual(['read'])
      expect(() => reg.add(old.bytes)).toThrow(expect.objectContaining({ code: 'SUPERSEDED_CERTIFICATE' }))
      expect(() => reg.verifyPeer(old.bytes, id)).toThrow(expect.objectContaining({ code: 'SUPERSEDED_CERTIFICATE' }))
      expect(reg.verifyPeer(newer.bytes, id).capabilities).toEqual(['read'])
      expect(reg.records().filter(r => !isCutoffRecord(r))).toEqual([newer.bytes])
    }
    // Two issued in the same millisecond: every node keeps the same one.
    const a = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'x', issuedAt: T + 9 })
    const b = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'y', issuedAt: T + 9 })
    const r1 = new CertRegistry(wallet.publicKey); r1.add(a.bytes); try { r1.add(b.bytes) } catch {}
    const r2 = new CertRegistry(wallet.publicKey); r2.add(b.bytes); try { r2.add(a.bytes) } catch {}
    expect(r1.get(k.publicKey)?.label).toBe(r2.get(k.publicKey)?.label)
  })
})

describe('formats', () => {
  it('a cutoff verifies only under its wallet, untampered; a certificate verifier refuses it as malformed', async () => {
    const wallet = generateWallet()
    const k = await generateDeviceKey()
    const c = issueCutoff(wallet, { device: k.publicKey, issuedAt: T, docs: [{ doc, lanes: [{ lane: 0, seq: 40n }] }], snapshotsThrough: BigInt(T) })
    expect(isCutoffRecord(c.bytes)).toBe(true)
    expect(verifyCutoff(c.bytes, { wallet: wallet.publicKey }).docs.size).toBe(1)
    expect(() => verifyCutoff(c.bytes, { wallet: generateWallet().publicKey })).toThrow(expect.objectContaining({ code: 'WRONG_WALLET' }))
    const signed = SignedCutoff.decode(c.bytes)
    const sig = new Uint8Array(signed.signature); sig[0] = (sig[0] as number) ^ 1
    expect(() => verifyCutoff(SignedCutoff.encode({ ...signed, signature: sig }), { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
    // Signed in the certificate domain instead: refused (domains never cross).
    const crossed = SignedCutoff.encode({ cutoff: signed.cutoff, signature: signWithDomain(wallet, DOMAIN.deviceCertificate, signed.cutoff) as Uint8Array<ArrayBuffer> })
    expect(() => verifyCutoff(crossed, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
    // What a node from before cutoffs does with one in its certificate list: refuses it, harmlessly.
    expect(() => verifyCertificate(c.bytes, { wallet: wallet.publicKey })).toThrow(expect.objectContaining({ code: 'INVALID_CERTIFICATE' }))
    expect(isCutoffRecord(issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'x' }).bytes)).toBe(false)
  })

  it('a version 1 certificate, as homes made before cutoffs hold it, is still what a first enrolment writes, byte for byte', async () => {
    const wallet = generateWallet()
    const k = await generateDeviceKey()
    // The body exactly as the code before cutoffs encoded it: fields 1-7, version 1.
    const body = DeviceCertificate.encode({ version: 1, wallet: wallet.publicKey as Uint8Array<ArrayBuffer>, device: k.publicKey as Uint8Array<ArrayBuffer>, capabilities: 3, label: 'old', issuedAt: BigInt(T), cutoff: new Uint8Array(0) })
    const v1 = SignedCertificate.encode({ body, signature: signWithDomain(wallet, DOMAIN.deviceCertificate, body) as Uint8Array<ArrayBuffer> })
    const c = verifyCertificate(v1, { wallet: wallet.publicKey, now: T })
    expect(c.version).toBe(1)
    expect(c.cutoff).toBeUndefined()
    expect(issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read', 'write'], label: 'old', issuedAt: T }).bytes).toEqual(v1)
    // A version 1 that claims a cutoff, or a version 2 without one, is malformed.
    const bad = (version: number, cutoff: Uint8Array): Uint8Array => {
      const b = DeviceCertificate.encode({ version, wallet: wallet.publicKey as Uint8Array<ArrayBuffer>, device: k.publicKey as Uint8Array<ArrayBuffer>, capabilities: 3, label: 'x', issuedAt: BigInt(T), cutoff: cutoff as Uint8Array<ArrayBuffer> })
      return SignedCertificate.encode({ body: b, signature: signWithDomain(wallet, DOMAIN.deviceCertificate, b) as Uint8Array<ArrayBuffer> })
    }
    expect(() => verifyCertificate(bad(1, new Uint8Array(32)), { wallet: wallet.publicKey, now: T })).toThrow(expect.objectContaining({ code: 'INVALID_CERTIFICATE' }))
    expect(() => verifyCertificate(bad(2, new Uint8Array(0)), { wallet: wallet.publicKey, now: T })).toThrow(expect.objectContaining({ code: 'INVALID_CERTIFICATE' }))
  })
})
