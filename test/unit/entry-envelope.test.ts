/**
 * The signed envelope has one encoding (crdt/SPEC.md, Entry): the body once, then one 64-byte
 * signature, lengths in their shortest form, nothing else. Anything else is refused where bytes
 * become an entry, so a stored record's place (entryPlace, read off its bytes) is always the
 * place of the body that was verified.
 */
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { concat, deriveVaultKeys, docIdFor, entryPlace, generateDeviceKey, generateWallet, parseTrustedEntry, vaultSeedSignature, varint, verifyEntry } from '../../src/identity/index.js'

describe('the signed envelope', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const alice = await generateDeviceKey()
  const real = sealUpdate({ keys, signer: alice.signer }, docIdFor(keys, 'real'), 5n, new Uint8Array([1, 2, 3]))
  const other = sealUpdate({ keys, signer: alice.signer }, docIdFor(keys, 'other'), 9n, new Uint8Array([4, 5, 6]))
  const lenField = (tag: number, b: Uint8Array): Uint8Array => concat([new Uint8Array([tag]), varint(b.byteLength), b])
  const refused = (bytes: Uint8Array): void => {
    expect(() => verifyEntry(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => parseTrustedEntry(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  }

  it('takes the encoding mesh writes, and its place is the verified body\'s', () => {
    const e = verifyEntry(real.bytes)
    expect(e.seq).toBe(5n)
    const place = entryPlace(real.bytes)
    expect([place.seq, Buffer.from(place.doc).equals(Buffer.from(e.doc))]).toEqual([5n, true])
    expect(lenField(0x0a, real.body)).toEqual(real.bytes.subarray(0, real.bytes.byteLength - 66))
  })

  it('refuses a second body in front of the signed one (a decoder keeps the last, entryPlace reads the first)', () => {
    refused(concat([lenField(0x0a, other.body), real.bytes]))
  })

  it('refuses every other shape', () => {
    const sig = real.signature
    // The signature first; two signatures; a short one; bytes after it; an unknown field.
    refused(concat([lenField(0x12, sig), lenField(0x0a, real.body)]))
    refused(concat([real.bytes, lenField(0x12, sig)]))
    refused(concat([lenField(0x0a, real.body), lenField(0x12, sig.subarray(0, 63))]))
    refused(concat([real.bytes, new Uint8Array([0])]))
    refused(concat([lenField(0x0a, real.body), new Uint8Array([0x18, 1]), lenField(0x12, sig)]))
    // The body's length in a longer varint than needed (the same number).
    const n = real.body.byteLength
    const padded = new Uint8Array([(n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, 0])
    refused(concat([new Uint8Array([0x0a]), padded, real.body, lenField(0x12, sig)]))
    // Cut anywhere.
    for (const at of [0, 1, 2, 10, real.bytes.byteLength - 1]) refused(real.bytes.subarray(0, at))
  })
})
