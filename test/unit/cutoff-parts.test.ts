/**
 * Cutoffs in parts (crdt/SPEC.md §Cutoff parts), with real signatures and the registry's real
 * judging: a device that wrote to 5,000 documents is revoked, and re-enrolled, though one record
 * names at most 4,096. A part counts only where a signed head names its digest; until every part
 * a revocation names is held, an entry no held part keeps waits (at receive and at load); a
 * forged, oversized or early part is refused; the records hand every part to a peer after its head.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decodeCutoffPart, generateDeviceKey, generateWallet, issueCertificate, issueCutoff, makeCutoffPart, signRegistryOp, splitCutoffDocs, toHex,
  verifyCutoff, verifyRegistryOp, MAX_CUTOFF_BYTES, MAX_CUTOFF_DOCS, type DocCutoff, type Wallet
} from '../../src/identity/index.js'
import { CutoffPartRecord } from '../../src/identity/pb/certificate.js'
import { CertRegistry } from '../../src/node/certs.js'

const DOCS = 5000
const T = Date.UTC(2026, 5, 1)
const docOf = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`doc ${i}`).digest())
// Document i holds seq 1..(i % 3) + 1 of lane 0; the last one also lane 2.
const written = (): DocCutoff[] => Array.from({ length: DOCS }, (_, i) => ({ doc: docOf(i), lanes: i === DOCS - 1 ? [{ lane: 0, seq: 2n }, { lane: 2, seq: 5n }] : [{ lane: 0, seq: BigInt(i % 3 + 1) }] }))
const at = (author: Uint8Array, i: number, seq: bigint, lane = 0): { author: Uint8Array, doc: Uint8Array, lane: number, seq: bigint, epoch: number } => ({ author, doc: docOf(i), lane, seq, epoch: 0 })

async function legacyDevice (wallet: Wallet, caps: Array<'read' | 'write'> = ['read', 'write'], cutoff?: Uint8Array, issuedAt = T): Promise<{ key: Uint8Array, cert: Uint8Array }> {
  const k = await generateDeviceKey()
  return { key: k.publicKey, cert: issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: caps, label: 'laptop', issuedAt, cutoff }).bytes }
}

/** The wallet's revoke of `device` with its 5,000 documents in parts, as revokeDevices signs it. */
function revokeInParts (wallet: Wallet, device: Uint8Array): { op: Uint8Array, parts: Uint8Array[] } {
  const parts = splitCutoffDocs(written()).map(c => makeCutoffPart(device, c))
  const op = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 1n, prev: [], at: T, revoke: { reason: 'stolen', devices: [{ device, docs: [], snapshotsThrough: 0n, registrySeq: 0n, parts: parts.map(p => p.digest) }] } })
  return { op: op.bytes, parts: parts.map(p => p.bytes) }
}

const code = (fn: () => unknown): string | undefined => {
  try { fn(); return undefined } catch (err: any) { return err.code }
}

describe('a revocation whose cutoff names 5,000 documents', () => {
  it('splits into parts of at most 4,096 documents and 256 KiB, each bound to the revoke by its digest', async () => {
    const wallet = generateWallet()
    const d = await legacyDevice(wallet)
    const { op, parts } = revokeInParts(wallet, d.key)
    expect(parts).toHaveLength(2)
    for (const p of parts) {
      expect(p.byteLength).toBeLessThanOrEqual(MAX_CUTOFF_BYTES)
      expect(decodeCutoffPart(p).docs.size).toBeLessThanOrEqual(MAX_CUTOFF_DOCS)
    }
    expect(parts.map(p => decodeCutoffPart(p).docs.size).reduce((a, b) => a + b)).toBe(DOCS)
    const named = verifyRegistryOp(op, { wallet: wallet.publicKey }).revoke?.devices[0]?.parts ?? []
    expect(named.map(toHex)).toEqual(parts.map(p => toHex(decodeCutoffPart(p).digest)))
  })

  it('keeps every document up to the cutoff once all parts are held; waits (never admits) while one is missing; refuses later entries', async () => {
    const wallet = generateWallet()
    const d = await legacyDevice(wallet)
    const { op, parts } = revokeInParts(wallet, d.key)
    const reg = new CertRegistry(wallet.publicKey, undefined, () => T)
    reg.add(d.cert)
    // A part ahead of its head is refused (it comes again after the head).
    expect(code(() => reg.add(parts[1] as Uint8Array))).toBe('INVALID_CERTIFICATE')
    expect(reg.add(op).revoked?.map(toHex)).toEqual([toHex(d.key)])
    expect(reg.isRevoked(d.key)).toBe(true)
    reg.add(parts[0] as Uint8Array)
    const last = DOCS - 1
    const inFirst = 7
    // The first part's documents are kept up to their cutoff; anything else waits, received or
    // loaded alike (a missing part may name any document, so nothing beyond a held one is final yet).
    expect(reg.judgeUpdate(at(d.key, inFirst, BigInt(inFirst % 3 + 1)), { at: 'receive' }).deviceId).toBeDefined()
    expect(code(() => reg.judgeUpdate(at(d.key, inFirst, BigInt(inFirst % 3 + 2)), { at: 'receive' }))).toBe('MISSING_CAPABILITY')
    for (const j of [{ at: 'receive' as const }, { at: 'load' as const }]) {
      expect(code(() => reg.judgeUpdate(at(d.key, last, 1n), j))).toBe('MISSING_CAPABILITY')
      expect(code(() => reg.judgeUpdate(at(d.key, last, 9n), j))).toBe('MISSING_CAPABILITY')
      expect(code(() => reg.judgeUpdate({ ...at(d.key, 0, 1n), doc: new Uint8Array(32).fill(9) }, j))).toBe('MISSING_CAPABILITY')
    }
    // The second part arrives: every document is judged by its own cutoff.
    expect(reg.add(parts[1] as Uint8Array).changed).toBe(true)
    for (let i = 0; i < DOCS; i++) expect(reg.judgeUpdate(at(d.key, i, BigInt(i === last ? 2 : i % 3 + 1)), { at: 'load' }).deviceId).toBeDefined()
    expect(reg.judgeUpdate(at(d.key, last, 5n, 2), { at: 'receive' }).deviceId).toBeDefined()
    for (const e of [at(d.key, last, 3n), at(d.key, last, 6n, 2), at(d.key, last, 1n, 1), at(d.key, 0, 2n), { ...at(d.key, 0, 1n), doc: new Uint8Array(32).fill(9) }]) {
      expect(code(() => reg.judgeUpdate(e, { at: 'receive' }))).toBe('REVOKED_AUTHOR')
      expect(code(() => reg.judgeUpdate(e, { at: 'load' }))).toBe('REVOKED_AUTHOR')
    }
    // A peer is handed the revoke, then both parts after it, and takes them in that order.
    const records = reg.records()
    expect(records.indexOf(parts[0] as Uint8Array)).toBeGreaterThan(records.indexOf(op))
    expect(records.indexOf(parts[1] as Uint8Array)).toBeGreaterThan(records.indexOf(op))
    const peer = new CertRegistry(wallet.publicKey, undefined, () => T)
    for (const r of records) peer.add(r)
    expect(peer.judgeUpdate(at(d.key, last, 5n, 2), { at: 'receive' }).deviceId).toBeDefined()
    expect(code(() => peer.judgeUpdate(at(d.key, last, 6n, 2), { at: 'receive' }))).toBe('REVOKED_AUTHOR')
    // The revoked device itself is told the revoke and every part.
    const told = reg.revocationRecords(reg.get(d.key)?.deviceId as string) ?? []
    expect(told.map(toHex)).toEqual([op, ...parts].map(toHex))
  })

  it('refuses a forged part, one for another device, an oversized one before decoding it, and a revoke naming too many parts or documents', async () => {
    const wallet = generateWallet()
    const d = await legacyDevice(wallet)
    const other = await legacyDevice(wallet)
    const { op, parts } = revokeInParts(wallet, d.key)
    const reg = new CertRegistry(wallet.publicKey, undefined, () => T)
    for (const r of [d.cert, other.cert, op]) reg.add(r)
    // The same documents with one seq raised: a digest no revoke names.
    const forged = makeCutoffPart(d.key, written().slice(0, 10).map(x => ({ doc: x.doc, lanes: [{ lane: 0, seq: 1000n }] })))
    expect(code(() => reg.add(forged.bytes))).toBe('INVALID_CERTIFICATE')
    expect(code(() => reg.add(makeCutoffPart(other.key, [...decodeCutoffPart(parts[0] as Uint8Array).docs.values()]).bytes))).toBe('INVALID_CERTIFICATE')
    expect(code(() => reg.judgeUpdate(at(d.key, 1, 1000n), { at: 'load' }))).toBe('MISSING_CAPABILITY')
    // Over 256 KiB: refused by its size, whatever it holds.
    const huge = CutoffPartRecord.encode({ part: new Uint8Array(MAX_CUTOFF_BYTES + 1) as Uint8Array<ArrayBuffer> })
    expect(() => decodeCutoffPart(huge)).toThrow(/exceeds/)
    expect(code(() => reg.add(huge))).toBe('INVALID_CERTIFICATE')
    // More than 4,096 documents in one part, or in one revoke inline, or more than 64 parts: refused.
    expect(() => makeCutoffPart(d.key, written())).toThrow(/at most 4096/)
    expect(() => signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 2n, prev: [], revoke: { reason: '', devices: [{ device: d.key, docs: written().slice(0, 4097).map(x => ({ doc: x.doc, lanes: [{ lane: 0, seq: 1n }] })), snapshotsThrough: 0n, registrySeq: 0n }] } })).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP' }))
    expect(() => signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 2n, prev: [], revoke: { reason: '', devices: [{ device: d.key, docs: [], snapshotsThrough: 0n, registrySeq: 0n, parts: Array.from({ length: 65 }, () => new Uint8Array(32)) }] } })).toThrow(expect.objectContaining({ code: 'INVALID_REGISTRY_OP' }))
  })

  it('a single-part revoke (documents inline, as every revoke before parts) is judged as before', async () => {
    const wallet = generateWallet()
    const d = await legacyDevice(wallet)
    const docs = written().slice(0, 100)
    const op = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 1n, prev: [], at: T, revoke: { reason: '', devices: [{ device: d.key, docs, snapshotsThrough: 0n, registrySeq: 0n }] } })
    expect(op.revoke?.devices[0]?.parts).toEqual([])
    const reg = new CertRegistry(wallet.publicKey, undefined, () => T)
    for (const r of [d.cert, op.bytes]) reg.add(r)
    expect(reg.judgeUpdate(at(d.key, 5, 3n), { at: 'receive' }).deviceId).toBeDefined()
    expect(code(() => reg.judgeUpdate(at(d.key, 5, 4n), { at: 'receive' }))).toBe('REVOKED_AUTHOR')
    expect(code(() => reg.judgeUpdate(at(d.key, 200, 1n), { at: 'load' }))).toBe('REVOKED_AUTHOR')
  })
})

describe('a re-enrolment cutoff of 5,000 documents', () => {
  it('is a version 3 head naming its parts; a certificate naming it takes effect once the head and every part are held', async () => {
    const wallet = generateWallet()
    const k = await generateDeviceKey()
    const c = issueCutoff(wallet, { device: k.publicKey, issuedAt: T, docs: written(), snapshotsThrough: BigInt(T) })
    expect(c.docs.size).toBe(0)
    expect(c.parts).toHaveLength(2)
    expect(c.partRecords?.map(p => toHex(p.digest))).toEqual(c.parts.map(toHex))
    expect(verifyCutoff(c.bytes, { wallet: wallet.publicKey }).parts.map(toHex)).toEqual(c.parts.map(toHex))
    // A small cutoff is still version 1, byte for byte: no parts.
    expect(issueCutoff(wallet, { device: k.publicKey, issuedAt: T, docs: written().slice(0, 10), snapshotsThrough: 0n }).parts).toEqual([])

    const reg = new CertRegistry(wallet.publicKey, undefined, () => T)
    const cert = issueCertificate(wallet, { deviceKey: k.publicKey, capabilities: ['read'], label: 'laptop', issuedAt: T, cutoff: c.digest })
    reg.add(cert.bytes)
    reg.add(c.bytes)
    const [p0, p1] = c.partRecords ?? []
    reg.add(p0?.bytes as Uint8Array)
    // Head and one part held: the certificate still waits for its cutoff.
    expect(code(() => reg.judgeUpdate(at(k.publicKey, DOCS - 1, 1n), { at: 'receive' }))).toBe('MISSING_CAPABILITY')
    expect(() => reg.judgeUpdate(at(k.publicKey, DOCS - 1, 1n), { at: 'load' })).not.toThrow()
    reg.add(p1?.bytes as Uint8Array)
    expect(reg.judgeUpdate(at(k.publicKey, DOCS - 1, 5n, 2), { at: 'receive' }).deviceId).toBeDefined()
    expect(reg.judgeUpdate(at(k.publicKey, 3, 1n), { at: 'receive' }).deviceId).toBeDefined()
    // Above the cutoff, the read-only certificate governs.
    expect(code(() => reg.judgeUpdate(at(k.publicKey, DOCS - 1, 6n, 2), { at: 'receive' }))).toBe('MISSING_CAPABILITY')
    expect(code(() => reg.judgeUpdate(at(k.publicKey, DOCS - 1, 6n, 2), { at: 'load' }))).toBe('MISSING_CAPABILITY')
    // A forged part for this device is named by nothing.
    expect(code(() => reg.add(makeCutoffPart(k.publicKey, written().slice(0, 3)).bytes))).toBe('INVALID_CERTIFICATE')
  })
})
