/**
 * A state in parts (crdt/parts.ts) gives the same document as the state in one update: content,
 * state vector and delete set, for one writer, several interleaved writers with deletions,
 * a document changed between parts, and held-back (pending) structs. Each part applies on its
 * own: nothing waits in Yjs after a part that the parts before it could not place.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { frameParts, isParts, PartsReader, stateParts, StatePartsEncoder, PARTS_MAGIC } from '../../crdt/parts.js'
import { SessionDoc } from '../../crdt/session.js'
import { prng } from '../helpers/prng.js'

function allParts (doc: Y.Doc, bytes?: number, between?: (i: number) => void): Uint8Array[] {
  const enc = new StatePartsEncoder(doc, bytes)
  const out: Uint8Array[] = []
  for (let p = enc.next(); p !== undefined; p = enc.next()) { out.push(p); between?.(out.length) }
  return out
}

/** Applies parts one by one into a fresh document, checking that none leaves anything waiting. */
function rebuild (parts: readonly Uint8Array[], strict = true): Y.Doc {
  const d = new Y.Doc()
  for (const p of parts) {
    Y.applyUpdate(d, p)
    if (strict) expect(d.store.pendingStructs).toBeNull()
  }
  return d
}

function same (a: Y.Doc, b: Y.Doc): void {
  for (const [name, t] of a.share) expect(b.get(name, t.constructor as any).toJSON()).toEqual(t.toJSON())
  expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a))
  expect(Y.equalDeleteSets(Y.createDeleteSetFromStructStore(b.store), Y.createDeleteSetFromStructStore(a.store))).toBe(true)
}

describe('a state in parts', () => {
  it('gives the same session as one update, in many parts each applying on its own', () => {
    const s = new SessionDoc()
    s.init({ key: 'agent:main:p' }, 'dev')
    for (let i = 0; i < 3000; i += 50) s.appendMessages(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j} ${'x'.repeat(300)}` })), 'dev')
    s.setMeta({ title: 'renamed' }, 'dev')
    const parts = allParts(s.doc, 16 * 1024)
    expect(parts.length).toBeGreaterThan(20)
    const d = rebuild(parts)
    same(s.doc, d)
    expect(new SessionDoc(d).messageCount()).toBe(3000)
    expect(new SessionDoc(d).messages().map(m => m.content)).toEqual(s.messages().map(m => m.content))
  })

  it('holds several writers, interleaved, with deletions and map overwrites', () => {
    const rand = prng(7).next
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    for (let round = 0; round < 300; round++) {
      const d = docs[Math.floor(rand() * docs.length)] as Y.Doc
      const arr = d.getArray<any>('a')
      const text = d.getText('t')
      const m = d.getMap<any>('m')
      const r = rand()
      if (r < 0.3) arr.insert(Math.floor(rand() * (arr.length + 1)), [round, { round }])
      else if (r < 0.45 && arr.length > 0) arr.delete(Math.floor(rand() * arr.length), 1)
      else if (r < 0.65) text.insert(Math.floor(rand() * (text.length + 1)), `w${round}`)
      else if (r < 0.75 && text.length > 2) text.delete(Math.floor(rand() * (text.length - 1)), 2)
      else if (r < 0.9) m.set(`k${round % 7}`, round)
      else { const inner = new Y.Map<any>(); m.set(`n${round % 3}`, inner); inner.set('x', round) }
      // Exchange with another at random: the writers' structs reference each other.
      if (rand() < 0.4) {
        const o = docs[Math.floor(rand() * docs.length)] as Y.Doc
        Y.applyUpdate(o, Y.encodeStateAsUpdate(d, Y.encodeStateVector(o)))
      }
    }
    const [a] = docs as [Y.Doc]
    for (const o of docs) Y.applyUpdate(a, Y.encodeStateAsUpdate(o, Y.encodeStateVector(a)))
    for (const bytes of [64, 512, 1 << 20]) same(a, rebuild(allParts(a, bytes)))
  })

  it('is the state at its start when the document changes between parts', () => {
    const s = new SessionDoc()
    s.init({ key: 'agent:main:c' }, 'dev')
    for (let i = 0; i < 500; i += 10) s.appendMessages(Array.from({ length: 10 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j}` })), 'dev')
    s.doc.getText('notes').insert(0, 'abc') // a text that later appends merge into
    const at = Y.encodeStateAsUpdate(s.doc)
    const parts = allParts(s.doc, 2048, (i) => {
      s.appendMessages([{ role: 'assistant', content: `late ${i}` }], 'dev')
      s.doc.getText('notes').insert(s.doc.getText('notes').length, 'more')
    })
    const d = rebuild(parts)
    const before = new Y.Doc()
    Y.applyUpdate(before, at)
    same(before, d)
    expect(new SessionDoc(d).messageCount()).toBe(500)
  })

  it('carries structs Yjs holds back, held back again by the reader', () => {
    const a = new Y.Doc()
    a.getArray('a').insert(0, [1])
    const first = Y.encodeStateAsUpdate(a)
    a.getArray('a').insert(1, [2])
    const second = Y.encodeStateAsUpdate(a, Y.encodeStateVector(new Y.Doc()))
    const b = new Y.Doc()
    const c = new Y.Doc()
    Y.applyUpdate(c, first)
    Y.applyUpdate(b, Y.diffUpdate(second, Y.encodeStateVector(c))) // only the second insert: held back
    expect(b.store.pendingStructs).not.toBeNull()
    const d = rebuild(allParts(b), false)
    Y.applyUpdate(d, first)
    expect(d.getArray('a').toJSON()).toEqual([1, 2])
  })

  it('frames and splits, and tells a state in one update from one in parts', () => {
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 'v')
    const one = Y.encodeStateAsUpdate(doc)
    expect(isParts(one)).toBe(false)
    expect(stateParts(one)).toEqual([one])
    const parts = allParts(doc)
    const framed = frameParts(parts)
    expect(isParts(framed)).toBe(true)
    expect(stateParts(framed)).toEqual(parts)
    same(doc, rebuild(stateParts(framed)))
    // A reader of single-update states refuses the framed bytes as undecodable.
    expect(() => Y.applyUpdate(new Y.Doc(), framed)).toThrow()
    expect(() => stateParts(Uint8Array.from([...PARTS_MAGIC, 0, 0, 0, 9, 1]))).toThrow(/past its end/)
    expect(() => stateParts(PARTS_MAGIC)).toThrow(/no part/)
    expect(stateParts(frameParts(allParts(new Y.Doc()))).length).toBe(1)
  })

  it('hands parts out as a state arrives in pieces of any size, each in an allocation no larger than a part and a piece', () => {
    const s = new SessionDoc()
    s.init({ key: 'agent:main:p' }, 'dev')
    for (let i = 0; i < 500; i += 50) s.appendMessages(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j} ${'x'.repeat(300)}` })), 'dev')
    const parts = allParts(s.doc, 4096)
    expect(parts.length).toBeGreaterThan(20)
    const framed = frameParts(parts)
    const read = (bytes: Uint8Array, sizes: number[]): Uint8Array[] => {
      const r = new PartsReader()
      const out: Uint8Array[] = []
      for (let at = 0, k = 0; at < bytes.byteLength; k++) {
        const n = sizes[k % sizes.length] as number
        // A copy: each piece its own allocation, as the chunks a snapshot opener hands over are.
        out.push(...r.push(bytes.slice(at, at + n)))
        at += n
      }
      return [...out, ...r.end()]
    }
    const biggest = Math.max(...parts.map(p => p.byteLength))
    for (const sizes of [[1], [3, 5, 7], [4096], [4096 + 3, 2], [65_536], [framed.byteLength]]) {
      const got = read(framed, sizes)
      expect(got, String(sizes)).toEqual(parts)
      const piece = Math.max(...sizes)
      if (piece < framed.byteLength) for (const p of got) expect(p.buffer.byteLength).toBeLessThanOrEqual(biggest + 4 + piece)
    }
    same(s.doc, rebuild(read(framed, [65_536])))
    // A state in one update (format 1) is one part, joined at the end; an empty one is one empty update.
    const one = Y.encodeStateAsUpdate(s.doc)
    expect(read(one, [1000])).toEqual([one])
    expect(read(Uint8Array.of(0, 0), [1])).toEqual([Uint8Array.of(0, 0)])
    expect(new PartsReader().end()).toEqual([new Uint8Array(0)])
    // Broken framing, as stateParts refuses it: a length cut short, a part past the end, an empty part, no part.
    expect(() => read(framed.subarray(0, framed.byteLength - 1), [100])).toThrow(/past its end/)
    expect(() => read(Uint8Array.from([...PARTS_MAGIC, 0, 0]), [3])).toThrow(/inside a part length/)
    expect(() => read(Uint8Array.from([...PARTS_MAGIC, 0, 0, 0, 0, 1]), [3])).toThrow(/empty part/)
    expect(() => read(PARTS_MAGIC, [5])).toThrow(/no part/)
  })
})
