import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openSnapshot, openUpdate, sealSnapshot, sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, vaultSeedSignature, verifyEntry } from '../../src/identity/index.js'

describe('sealing', async () => {
  const wallet = generateWallet()
  const keys = deriveVaultKeys(vaultSeedSignature(wallet))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }
  const doc = docIdFor(keys, 'doc')

  it('seals and opens an update; the same wallet derives the same keys', () => {
    const update = new Uint8Array([1, 2, 3, 4])
    const e = sealUpdate(ctx, doc, 1n, update)
    const v = verifyEntry(e.bytes)
    expect(openUpdate(deriveVaultKeys(vaultSeedSignature(wallet)), v)).toEqual(update)
  })

  it('another vault cannot open it', () => {
    const e = sealUpdate(ctx, doc, 1n, new Uint8Array([9]))
    const otherKeys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
    expect(() => openUpdate(otherKeys, verifyEntry(e.bytes))).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
  })

  it('seals a multi-chunk snapshot and detects a flipped bit', () => {
    const d = new Y.Doc()
    const t = d.getText('t')
    t.insert(0, 'x'.repeat(200_000))
    const state = Y.encodeStateAsUpdate(d)
    const s = sealSnapshot(ctx, doc, 1n, state, [{ author: dev.publicKey, seq: 3n }])
    expect(openSnapshot(keys, verifyEntry(s.header.bytes), s.ciphertext)).toEqual(state)
    const bad = new Uint8Array(s.ciphertext)
    bad[70_000] = (bad[70_000] as number) ^ 1
    expect(() => openSnapshot(keys, s.header, bad)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    expect(() => openSnapshot(keys, s.header, s.ciphertext.subarray(1))).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
  })
})
