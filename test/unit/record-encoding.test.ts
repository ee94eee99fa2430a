/**
 * A signed record has one encoding: the one mesh writes (crdt/SPEC.md, Signed bytes). A protobuf
 * decoder skips unknown fields, keeps the last of a field sent twice and takes fields in any
 * order, and the signature covers the body, not the envelope around it: without this rule, two
 * bytes appended to someone's certificate or registry operation made another record that still
 * verified, compared as newer (certificates) or had another id (operations). Each kind is refused
 * in every other shape, of its envelope and of its signed body, with its module's error.
 */
import { describe, expect, it } from 'vitest'
import {
  concat, decodeCutoffPart, generateDeviceKey, generateWallet, issueCertificate, issueChainCertificate, issueCutoff, makeCutoffPart,
  signRegistryOp, signWithDomain, verifyAnyCertificate, verifyCutoff, verifyRegistryOp, DOMAIN
} from '../../src/identity/index.js'
import { SignedCertificate, SignedCutoff } from '../../src/identity/pb/certificate.js'
import { SignedChainCertificate, SignedRegistryOp } from '../../src/identity/pb/chain.js'

/** The fields of a protobuf message as they are written (varint and length-delimited ones), each whole. */
function fields (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let at = 0
  const readVarint = (): number => {
    let v = 0
    let mul = 1
    for (;;) {
      const b = bytes[at++] as number
      v += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) return v
    }
  }
  while (at < bytes.byteLength) {
    const start = at
    const key = readVarint()
    if ((key & 7) === 0) readVarint()
    else if ((key & 7) === 2) { const len = readVarint(); at += len }
    else throw new Error(`wire type ${key & 7} in a test record`)
    out.push(bytes.subarray(start, at))
  }
  return out
}

/** The same message in other shapes that a lenient decoder reads as the same record. */
function variants (bytes: Uint8Array): Record<string, Uint8Array> {
  const f = fields(bytes)
  const first = f[0] as Uint8Array
  // The first field's length (or value) in a varint one byte longer than needed: the same number.
  const key = first[0] as number
  const rest = first.subarray(1)
  let n = 0
  while (((rest[n] as number) & 0x80) !== 0) n++
  const padded = concat([new Uint8Array([key]), rest.subarray(0, n), new Uint8Array([(rest[n] as number) | 0x80, 0]), rest.subarray(n + 1)])
  return {
    'an unknown field appended': concat([bytes, new Uint8Array([0x78, 0x01])]),
    'an unknown field in front': concat([new Uint8Array([0x78, 0x01]), bytes]),
    'its first field twice': concat([first, bytes]),
    // (A record of one field has no other order.)
    ...(f.length > 1 ? { 'its fields reordered': concat([...f.slice(1), first]) } : {}),
    'a varint longer than needed': concat([padded, ...f.slice(1)])
  }
}

const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (e: any) { return e.code } }

describe('a signed record in any encoding but its own', async () => {
  const wallet = generateWallet()
  const W = wallet.publicKey
  const [dev, admin, laptop] = await Promise.all([generateDeviceKey(), generateDeviceKey(), generateDeviceKey()])
  const kem = new Uint8Array(32).fill(5)
  const v1 = issueCertificate(wallet, { deviceKey: dev.publicKey, capabilities: ['read', 'write'], label: 'one' })
  const cutoff = issueCutoff(wallet, { device: dev.publicKey, issuedAt: Date.now(), docs: [{ doc: new Uint8Array(32).fill(7), lanes: [{ lane: 0, seq: 4n }] }], snapshotsThrough: 9n })
  const v2 = issueCertificate(wallet, { deviceKey: dev.publicKey, capabilities: ['read'], label: 'two', cutoff: cutoff.digest })
  const v3 = issueChainCertificate(wallet, undefined, { deviceKey: admin.publicKey, kemKey: kem, capabilities: ['admin'], label: 'three', pathLen: 1 })
  const chained = issueChainCertificate(admin, v3, { deviceKey: laptop.publicKey, kemKey: kem, capabilities: ['read', 'write'], label: 'chained' })
  const genesis = signRegistryOp(wallet, { wallet: W, seq: 1n, prev: [], genesis: { recoveryKem: kem } })
  const revoke = signRegistryOp(wallet, { wallet: W, seq: 2n, prev: [genesis.hash], revoke: { devices: [{ device: dev.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } })
  const part = makeCutoffPart(dev.publicKey, [{ doc: new Uint8Array(32).fill(8), lanes: [{ lane: 0, seq: 2n }] }])

  const cert = (bytes: Uint8Array): string | undefined => code(() => verifyAnyCertificate(bytes, { wallet: W, expiry: false }))
  const op = (bytes: Uint8Array): string | undefined => code(() => verifyRegistryOp(bytes, { wallet: W }))
  const kinds: Array<[string, Uint8Array, (b: Uint8Array) => string | undefined, string]> = [
    ['a version 1 certificate', v1.bytes, cert, 'INVALID_CERTIFICATE'],
    ['a version 2 certificate', v2.bytes, cert, 'INVALID_CERTIFICATE'],
    ['a version 3 certificate', v3.bytes, cert, 'INVALID_CERTIFICATE'],
    ['a version 3 certificate with its chain', chained.bytes, cert, 'INVALID_CERTIFICATE'],
    ['a genesis', genesis.bytes, op, 'INVALID_REGISTRY_OP'],
    ['a revoke', revoke.bytes, op, 'INVALID_REGISTRY_OP'],
    ['a cutoff', cutoff.bytes, (b) => code(() => verifyCutoff(b, { wallet: W })), 'INVALID_CERTIFICATE'],
    ['a cutoff part', part.bytes, (b) => code(() => decodeCutoffPart(b)), 'INVALID_CERTIFICATE']
  ]

  it('takes each in the encoding mesh writes', () => {
    for (const [, bytes, check] of kinds) expect(check(bytes)).toBeUndefined()
  })

  for (const [name, bytes, check, want] of kinds) {
    it(`refuses ${name} re-encoded (${want})`, () => {
      const got = Object.entries(variants(bytes)).map(([how, b]) => [how, check(b)])
      expect(got).toEqual(Object.keys(variants(bytes)).map(how => [how, want]))
    })
  }

  it('refuses a chain whose element is re-encoded, the certificate around it in its own encoding', () => {
    const s = SignedChainCertificate.decode(chained.bytes)
    for (const element of Object.values(variants(s.chain[0] as Uint8Array))) {
      const bytes = SignedChainCertificate.encode({ body: s.body, signature: s.signature, chain: [element as Uint8Array<ArrayBuffer>] })
      expect(cert(bytes)).toBe('INVALID_CERTIFICATE')
    }
  })

  // A body its signer signed in another shape: only the signer can make one, but one record has
  // one body (and one digest: what a child certificate, a certificate's cutoff or a head names).
  const resigned: Array<[string, (body: Uint8Array) => Uint8Array, Uint8Array, (b: Uint8Array) => string | undefined, string]> = [
    ['a version 1 certificate', (body) => SignedCertificate.encode({ body: body as any, signature: signWithDomain(wallet, DOMAIN.deviceCertificate, body) as any }), SignedCertificate.decode(v1.bytes).body, cert, 'INVALID_CERTIFICATE'],
    ['a version 2 certificate', (body) => SignedCertificate.encode({ body: body as any, signature: signWithDomain(wallet, DOMAIN.deviceCertificate, body) as any }), SignedCertificate.decode(v2.bytes).body, cert, 'INVALID_CERTIFICATE'],
    ['a version 3 certificate', (body) => SignedChainCertificate.encode({ body: body as any, signature: signWithDomain(wallet, DOMAIN.chainCertificate, body) as any, chain: [] }), SignedChainCertificate.decode(v3.bytes).body, cert, 'INVALID_CERTIFICATE'],
    ['a registry operation', (body) => SignedRegistryOp.encode({ op: body as any, signature: signWithDomain(wallet, DOMAIN.registryOp, body) as any }), SignedRegistryOp.decode(revoke.bytes).op, op, 'INVALID_REGISTRY_OP'],
    ['a cutoff', (body) => SignedCutoff.encode({ cutoff: body as any, signature: signWithDomain(wallet, DOMAIN.cutoff, body) as any }), SignedCutoff.decode(cutoff.bytes).cutoff, (b) => code(() => verifyCutoff(b, { wallet: W })), 'INVALID_CERTIFICATE']
  ]
  for (const [name, sign, body, check, want] of resigned) {
    it(`refuses ${name} whose signed body is in another encoding (${want})`, () => {
      expect(check(sign(body))).toBeUndefined()
      const got = Object.entries(variants(body)).map(([how, b]) => [how, check(sign(b))])
      expect(got).toEqual(Object.keys(variants(body)).map(how => [how, want]))
    })
  }
})
