import { isUtf8 } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { firstNonUtf8 } from '../../src/cli/utf8.js'
import { prng } from '../helpers/prng.js'

describe('firstNonUtf8', () => {
  it('names the first byte of what is not UTF-8, and nothing for UTF-8 (seeded random bytes, checked against a fatal TextDecoder)', () => {
    const r = prng(20261204)
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
    // Mostly the bytes UTF-8 is made of, so that whole characters and near misses both come up.
    const bytes = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff]
    for (let n = 0; n < 20_000; n++) {
      const b = Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.pick(bytes)))
      let decodes = true
      try { fatal.decode(b) } catch { decodes = false }
      const at = firstNonUtf8(b)
      expect(at === undefined, b.toString('hex')).toBe(decodes)
      if (at === undefined) continue
      // Where a decoder that replaces puts its first U+FFFD (the bytes hold no U+FFFD of their own).
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b)
      expect(at, b.toString('hex')).toBe(Buffer.byteLength(text.slice(0, text.indexOf('\ufffd'))))
      expect(isUtf8(b.subarray(0, at))).toBe(true)
    }
  })

  it('is undefined for text of every length of character, and a BOM', () => {
    expect(firstNonUtf8(Buffer.from('\ufeffa é → 🎉'))).toBeUndefined()
    expect(firstNonUtf8(Buffer.alloc(0))).toBeUndefined()
  })
})
