import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createCipheriv, randomBytes } from 'node:crypto'
import { openSnapshot, openUpdate, openUpdates, sealSnapshot, sealUpdate, sealUpdates, SnapshotOpener } from '../../crdt/index.js'
import { concat, deriveVaultKeys, docIdFor, docKey, ENTRY_KIND, generateDeviceKey, generateWallet, LABEL, signEntry, u32be, u64be, utf8, vaultSeedSignature, verifyEntry } from '../../src/identity/index.js'

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

  it('opens a snapshot fed in pieces of any size, as it arrives, and refuses a bad one by the end', () => {
    const d = new Y.Doc()
    d.getText('t').insert(0, Array.from({ length: 60_000 }, (_, i) => String(i % 9973)).join(','))
    const state = Y.encodeStateAsUpdate(d)
    const s = sealSnapshot(ctx, doc, 2n, state, [{ author: dev.publicKey, seq: 9n }])
    const header = verifyEntry(s.header.bytes)
    expect(s.ciphertext.byteLength).toBeGreaterThan(3 * 65_552)
    const feed = (ct: Uint8Array, sizes: number[]): Uint8Array => {
      const o = new SnapshotOpener(keys, header)
      for (let at = 0, k = 0; at < ct.byteLength; k++) {
        const n = sizes[k % sizes.length] as number
        o.update(ct.subarray(at, at + n))
        at += n
      }
      return o.final()
    }
    // Pieces that end inside chunks, on chunk boundaries (64 KiB + tag), one byte, all at once.
    for (const sizes of [[1, 4093], [7, 65_552, 3], [65_552], [100_000, 1], [s.ciphertext.byteLength]]) {
      expect(Buffer.from(feed(s.ciphertext, sizes)).equals(state), String(sizes)).toBe(true)
    }
    // Nothing of a piece is kept once update() returns: every piece read into one buffer, as a
    // load reads a stored snapshot, opens the same (a chunk cut by a piece's end is copied).
    for (const n of [1000, 65_552 + 7, 100_000]) {
      const o = new SnapshotOpener(keys, header)
      const one = new Uint8Array(n)
      for (let at = 0; at < s.ciphertext.byteLength; at += n) {
        const piece = s.ciphertext.subarray(at, at + n)
        one.set(piece)
        o.update(one.subarray(0, piece.byteLength))
        one.fill(0)
      }
      expect(Buffer.from(o.final()).equals(state), String(n)).toBe(true)
    }
    // A flipped bit fails its chunk as it arrives; a missing tail or a byte too many fails too.
    const bad = new Uint8Array(s.ciphertext); bad[bad.byteLength - 5] = (bad[bad.byteLength - 5] as number) ^ 1
    expect(() => feed(bad, [65_552])).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    const short = new SnapshotOpener(keys, header)
    short.update(s.ciphertext.subarray(0, s.ciphertext.byteLength - 1))
    expect(() => short.final()).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    const long = new SnapshotOpener(keys, header)
    long.update(s.ciphertext)
    expect(() => long.update(Uint8Array.of(0))).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    // Chunks swapped in place decrypt under nothing: their nonces and AADs name their positions.
    const swapped = new Uint8Array(s.ciphertext)
    swapped.set(s.ciphertext.subarray(65_552, 2 * 65_552), 0)
    swapped.set(s.ciphertext.subarray(0, 65_552), 65_552)
    expect(() => feed(swapped, [1000])).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
  })

  it('with handOver, hands each chunk\'s plaintext over as it is decrypted and keeps none, and still checks the digest at the end', () => {
    const d = new Y.Doc()
    d.getText('t').insert(0, Array.from({ length: 60_000 }, (_, i) => String(i % 9973)).join(','))
    const state = Y.encodeStateAsUpdate(d)
    const s = sealSnapshot(ctx, doc, 3n, state, [])
    const header = verifyEntry(s.header.bytes)
    const o = new SnapshotOpener(keys, header, { handOver: true })
    const taken: Uint8Array[] = []
    // A chunk (64 KiB + its 16-byte tag) is handed over once its last byte is in, not before.
    o.update(s.ciphertext.subarray(0, 65_551))
    expect(o.take()).toEqual([])
    o.update(s.ciphertext.subarray(65_551, 65_552))
    const first = o.take()
    expect(first.map(p => p.byteLength)).toEqual([65_536])
    taken.push(...first)
    o.update(s.ciphertext.subarray(65_552))
    taken.push(...o.take())
    expect(o.final().byteLength).toBe(0)
    expect(Buffer.from(concat(taken)).equals(state)).toBe(true)
    // Each its own allocation of a chunk, none the whole state.
    for (const p of taken) expect(p.buffer.byteLength).toBeLessThanOrEqual(65_536)
    // A header whose digest the ciphertext does not match: the chunks decrypt, final() refuses.
    const other = sealSnapshot(ctx, doc, 3n, Uint8Array.of(1, 2, 3), [])
    const forged = new SnapshotOpener(keys, { ...header, snapshotDigest: verifyEntry(other.header.bytes).snapshotDigest }, { handOver: true })
    forged.update(s.ciphertext)
    expect(forged.take().length).toBeGreaterThan(3)
    expect(() => forged.final()).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
  })

  it('seals several updates as one entry of kind updates, opened in order; one stays kind update', () => {
    const ups = [Uint8Array.of(1), new Uint8Array(3000).fill(2), Uint8Array.of(3, 3)]
    const e = verifyEntry(sealUpdates(ctx, doc, 7n, ups, { lane: 2 }).bytes)
    expect(e.kind).toBe(ENTRY_KIND.updates)
    expect(openUpdates(keys, e)).toEqual(ups)
    expect(() => openUpdate(keys, e)).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    const one = verifyEntry(sealUpdates(ctx, doc, 8n, [ups[0] as Uint8Array]).bytes)
    expect(one.kind).toBe(ENTRY_KIND.update)
    expect(openUpdates(keys, one)).toEqual([ups[0]])
    expect(() => sealUpdates(ctx, doc, 9n, [])).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })

  it('refuses an updates entry whose plaintext list is malformed, though it decrypts (sealed per crdt/SPEC.md)', () => {
    // Sealed by hand with the SPEC's AAD, as a member holding the vault key could.
    const sealRaw = (plain: Uint8Array): ReturnType<typeof verifyEntry> => {
      const nonce = new Uint8Array(randomBytes(12))
      const aad = concat([utf8(LABEL.entryAad), doc, dev.publicKey, u32be(0), u64be(1n), u32be(keys.currentEpoch), Uint8Array.of(ENTRY_KIND.updates)])
      const c = createCipheriv('chacha20-poly1305', docKey(keys, keys.currentEpoch, doc), nonce, { authTagLength: 16 })
      c.setAAD(aad, { plaintextLength: plain.byteLength })
      const ciphertext = concat([c.update(plain), c.final(), c.getAuthTag()])
      return verifyEntry(signEntry(dev.signer, { kind: ENTRY_KIND.updates, doc, author: dev.publicKey, seq: 1n, epoch: keys.currentEpoch, nonce, ciphertext }).bytes)
    }
    const item = (n: number, fill = 5): Uint8Array => concat([u32be(n), new Uint8Array(n).fill(fill)])
    expect(openUpdates(keys, sealRaw(concat([item(2), item(1)])))).toEqual([Uint8Array.of(5, 5), Uint8Array.of(5)])
    for (const bad of [
      item(2), // a list of one: that is kind update
      concat([item(2), u32be(9), Uint8Array.of(1)]), // the second runs past the end
      concat([item(2), Uint8Array.of(0, 0)]), // ends inside a length
      concat([item(2), u32be(0), item(1)]) // an empty update
    ]) {
      expect(() => openUpdates(keys, sealRaw(bad))).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    }
  })
})
