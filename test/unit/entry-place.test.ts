/**
 * The store's index reads an entry's place (doc, author, lane, seq) straight from its bytes:
 * it must agree with the full decode for every shape of entry, and refuse malformed bytes with
 * a typed error.
 */
import { describe, expect, it } from 'vitest'
import { sealSnapshot, sealUpdate, sealUpdates } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, entryPlace, generateDeviceKey, generateWallet, parseTrustedEntry, vaultSeedSignature } from '../../src/identity/index.js'

describe('entryPlace', async () => {
  const wallet = generateWallet()
  const keys = deriveVaultKeys(vaultSeedSignature(wallet))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }
  const doc = docIdFor(keys, 'doc')

  it('agrees with the full decode for updates, batched updates and snapshot headers', () => {
    const entries = [
      sealUpdate(ctx, doc, 1n, new Uint8Array([1, 2, 3])),
      sealUpdate(ctx, doc, 300n, new Uint8Array(5000), { lane: 7 }),
      sealUpdates(ctx, doc, 2n ** 40n, [new Uint8Array([1]), new Uint8Array([2])], { lane: 70_000 }),
      sealSnapshot(ctx, doc, BigInt(Date.now()), new Uint8Array(100), [{ author: dev.publicKey, seq: 5n, lane: 1 }]).header
    ]
    for (const e of entries) {
      const full = parseTrustedEntry(e.bytes)
      const place = entryPlace(e.bytes)
      expect(place).toEqual({ doc: full.doc, author: full.author, lane: full.lane ?? 0, seq: full.seq, signature: full.signature })
    }
  })

  it('refuses truncated and empty bytes with INVALID_ENTRY', () => {
    const e = sealUpdate(ctx, doc, 1n, new Uint8Array([1, 2, 3]))
    for (const bad of [new Uint8Array(0), e.bytes.subarray(0, 10), e.bytes.subarray(0, e.bytes.byteLength - 80), Uint8Array.of(0x0b)]) {
      expect(() => entryPlace(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    }
  })
})
