/**
 * Lanes and sequence numbers are bounded where bytes become an entry: a lane above 2^31-1 or a
 * sequence number above 2^53-1 (where JavaScript numbers stop being exact) is INVALID_ENTRY, in
 * the entry itself and in a snapshot's vector, and is never signed locally either. The limits
 * themselves are accepted.
 */
import { describe, expect, it } from 'vitest'
import { DOMAIN, ENTRY_KIND, ENTRY_VERSION, generateDeviceKey, LIMITS, signEntry, signWithDomain, verifyEntry } from '../../src/identity/index.js'
import { EntryBody, SignedEntry } from '../../src/identity/pb/entry.js'

const device = await generateDeviceKey()
const doc = new Uint8Array(32).fill(7)

/** Signs a body as a malicious author would: straight from the encoder, no checks. */
function forged (fields: { lane: number, seq: bigint, covers?: Array<{ lane: number, seq: bigint }> }): Uint8Array {
  const snapshot = fields.covers !== undefined
  const body = EntryBody.encode({
    version: ENTRY_VERSION,
    kind: snapshot ? ENTRY_KIND.snapshot : ENTRY_KIND.update,
    doc,
    author: device.publicKey as Uint8Array<ArrayBuffer>,
    seq: fields.seq,
    epoch: 0,
    nonce: new Uint8Array(12),
    ciphertext: snapshot ? new Uint8Array(0) : new Uint8Array(20),
    covers: (fields.covers ?? []).map(c => ({ author: device.publicKey as Uint8Array<ArrayBuffer>, lane: c.lane, seq: c.seq })),
    snapshotSize: snapshot ? 100n : 0n,
    snapshotDigest: snapshot ? new Uint8Array(32) : new Uint8Array(0),
    chunkSize: snapshot ? 65536 : 0,
    lane: fields.lane
  })
  return SignedEntry.encode({ body, signature: signWithDomain(device.signer, DOMAIN.entry, body) as Uint8Array<ArrayBuffer> })
}

describe('lane and sequence bounds', () => {
  it('the limits are accepted', () => {
    const e = verifyEntry(forged({ lane: LIMITS.maxLane, seq: LIMITS.maxSeq }))
    expect(e.lane).toBe(2 ** 31 - 1)
    expect(e.seq).toBe(2n ** 53n - 1n)
    expect(() => verifyEntry(forged({ lane: 0, seq: 5n, covers: [{ lane: LIMITS.maxLane, seq: LIMITS.maxSeq }] }))).not.toThrow()
  })

  it.each([
    ['a lane of 2^32-1', { lane: 2 ** 32 - 1, seq: 1n }],
    ['a lane of 2^31', { lane: 2 ** 31, seq: 1n }],
    ['a sequence number of 2^53', { lane: 0, seq: 2n ** 53n }],
    ['a sequence number of 2^64-1', { lane: 0, seq: 2n ** 64n - 1n }],
    ['a snapshot vector with a sequence number of 10^18', { lane: 0, seq: 1n, covers: [{ lane: 0, seq: 10n ** 18n }] }],
    ['a snapshot vector with a lane of 2^32-1', { lane: 0, seq: 1n, covers: [{ lane: 2 ** 32 - 1, seq: 1n }] }]
  ])('%s is INVALID_ENTRY', (_, fields) => {
    expect(() => verifyEntry(forged(fields))).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY', message: expect.stringMatching(/above the limit/) }))
  })

  it('is never signed locally', () => {
    const base = { kind: ENTRY_KIND.update, doc, author: device.publicKey, epoch: 0, nonce: new Uint8Array(12), ciphertext: new Uint8Array(20) }
    expect(() => signEntry(device.signer, { ...base, seq: 2n ** 53n })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => signEntry(device.signer, { ...base, seq: 1n, lane: 2 ** 31 })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })
})
