/**
 * A memory key is read back by what it was set with, after the document went through its bytes
 * (the disk, a peer): a key Yjs cannot store as it is (a lone UTF-16 surrogate, which UTF-8
 * turns into U+FFFD) is refused at set, not stored under another key.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { MemoryDoc } from '../../crdt/index.js'
import { InvalidInputError } from '../../src/errors.js'

const reloaded = (m: MemoryDoc): MemoryDoc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(m.doc))
  return new MemoryDoc(doc)
}

describe('memory keys', () => {
  it('reads a key back after a round trip through bytes, emoji and odd characters included', () => {
    const m = new MemoryDoc()
    for (const key of ['plain', 'a/b c', 'nul\u0000', 'emoji 😀', 'ключ']) m.set(key, 'v', { device: 'd' })
    const r = reloaded(m)
    for (const key of ['plain', 'a/b c', 'nul\u0000', 'emoji 😀', 'ключ']) expect(r.get(key)?.value, key).toBe('v')
  })

  it('refuses a key with a lone surrogate (it would come back as U+FFFD, under another key)', () => {
    const m = new MemoryDoc()
    for (const key of ['half \ud83d', '\ude00 low', 'x\ud800y']) {
      expect(() => m.set(key, 'v', { device: 'd' }), JSON.stringify(key)).toThrow(InvalidInputError)
    }
    expect(m.list()).toEqual([])
  })
})
