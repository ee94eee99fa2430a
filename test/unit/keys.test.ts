/**
 * Per-document keys (src/identity/keys.ts): derived in two steps with the extract kept per vault
 * key, they are the bytes HKDF-SHA256 gives in one (RFC 5869), for every vault key and document,
 * and each vault key's documents stay apart.
 */
import { randomBytes } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concat, docKey, docKeys, LABEL, utf8, type VaultKeys } from '../../src/identity/index.js'

const reference = (vk: Uint8Array, doc: Uint8Array): Uint8Array => hkdf(sha256, vk, utf8(LABEL.salt), concat([utf8(LABEL.docKey), doc]), 32)
const keysOf = (epochs: Array<[number, Uint8Array]>, alternates?: Map<number, Uint8Array[]>): VaultKeys => ({ epochs: new Map(epochs), currentEpoch: epochs[0]?.[0] ?? 0, docIdKey: new Uint8Array(32), rendezvous: new Uint8Array(32), alternates })

describe('document keys', () => {
  it('are HKDF-SHA256 of the vault key and the document, for many keys and documents, asked for again or not', () => {
    const vks = [new Uint8Array(32), new Uint8Array(32).fill(0xff), ...Array.from({ length: 6 }, () => new Uint8Array(randomBytes(32)))]
    for (const vk of vks) {
      const keys = keysOf([[3, vk]])
      for (let i = 0; i < 40; i++) {
        const doc = new Uint8Array(randomBytes(32))
        expect(Buffer.from(docKey(keys, 3, doc)).toString('hex')).toBe(Buffer.from(reference(vk, doc)).toString('hex'))
        // A second time from the cache: the same.
        expect(Buffer.from(docKey(keys, 3, doc)).equals(Buffer.from(reference(vk, doc)))).toBe(true)
      }
    }
  })

  it('differ between vault keys and between documents; an epoch\'s alternates each give their own', () => {
    const a = new Uint8Array(randomBytes(32))
    const b = new Uint8Array(randomBytes(32))
    const doc = new Uint8Array(randomBytes(32))
    const other = new Uint8Array(randomBytes(32))
    const keys = keysOf([[1, a]], new Map([[1, [b]]]))
    const both = docKeys(keys, 1, doc)
    expect(both.map(k => Buffer.from(k).toString('hex'))).toEqual([reference(a, doc), reference(b, doc)].map(k => Buffer.from(k).toString('hex')))
    expect(Buffer.from(docKey(keys, 1, doc)).equals(Buffer.from(docKey(keys, 1, other)))).toBe(false)
    expect(() => docKey(keys, 2, doc)).toThrow(expect.objectContaining({ code: 'UNKNOWN_EPOCH' }))
  })
})
