/**
 * crdt/update-scan.ts reads a Yjs update's extent off its bytes. Checked against Yjs's own
 * decoding on documents that hold every kind of struct and content Yjs writes, on every prefix
 * of them, and on crafted updates that claim huge spans or counts in a few bytes.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkBounds, scanUpdate, SessionDoc, UPDATE_BOUNDS } from '../../crdt/index.js'

/** A small seeded generator (mulberry32), so a failure is the same on every run. */
function rng (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = ['a', 'héllo', '😀 smile', 'ünïcode ✓', '', 'x'.repeat(300), '\u{10FFFF}', 'tab\tnl\n']

/** A document with every kind of struct: strings, any values, binary, embeds, formats, types, XML, subdocuments, deletes, GC. */
function busyDoc (seed: number, gc: boolean): Y.Doc[] {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  const docs = [new Y.Doc({ gc }), new Y.Doc({ gc })]
  for (let round = 0; round < 30; round++) {
    const d = pick(docs)
    const arr = d.getArray<unknown>('arr')
    const map = d.getMap<unknown>('map')
    const text = d.getText('text')
    const xml = d.getXmlFragment('xml')
    switch (Math.floor(r() * 11)) {
      case 0: arr.insert(Math.floor(r() * (arr.length + 1)), [pick(WORDS), Math.floor(r() * 1e9) - 5e8, r(), r() < 0.5, null, { k: pick(WORDS), n: [1, { deep: [pick(WORDS)] }] }]); map.set('undef', undefined); break
      case 1: arr.insert(0, [new Uint8Array([1, 2, 3, Math.floor(r() * 255)])]); break
      case 2: text.insert(Math.floor(r() * (text.length + 1)), pick(WORDS) + pick(WORDS)); break
      case 3: if (text.length > 2) text.format(0, 2, { bold: r() < 0.5 ? true : null }); break
      case 4: text.insertEmbed(0, { image: pick(WORDS) }); break
      case 5: map.set(pick(WORDS), r() < 0.5 ? new Y.Map() : new Y.Array()); break
      case 6: { const el = new Y.XmlElement(pick(['p', 'div'])); el.setAttribute('class', pick(WORDS)); el.insert(0, [new Y.XmlText(pick(WORDS))]); xml.insert(0, [el, new Y.XmlHook('hook') as unknown as Y.XmlElement]); break }
      case 7: map.set('sub' + Math.floor(r() * 3), new Y.Doc()); break
      case 8: if (arr.length > 0) arr.delete(Math.floor(r() * arr.length), 1); break
      case 9: if (text.length > 1) text.delete(0, Math.ceil(r() * (text.length - 1))); break
      case 10: { const m = new Y.Map<unknown>(); map.set('nest', m); m.set('v', pick(WORDS)); m.set('v', 42); map.delete('nest'); break }
    }
    if (r() < 0.3) { // sync the two, so structs of both clients interleave
      Y.applyUpdate(docs[0] as Y.Doc, Y.encodeStateAsUpdate(docs[1] as Y.Doc))
      Y.applyUpdate(docs[1] as Y.Doc, Y.encodeStateAsUpdate(docs[0] as Y.Doc))
    }
  }
  return docs
}

/** Yjs's own answer: structs, the longest struct, the longest deleted range. */
function yjsExtent (u: Uint8Array): { structs: number, maxSpan: number, maxDeleted: number, strings: boolean } {
  const d = Y.decodeUpdate(u)
  let maxSpan = 0
  let maxDeleted = 0
  let strings = false
  for (const s of d.structs) {
    maxSpan = Math.max(maxSpan, s.length)
    if (s instanceof Y.Item && s.content instanceof Y.ContentString) strings = true
  }
  for (const ranges of d.ds.clients.values()) for (const x of ranges) maxDeleted = Math.max(maxDeleted, x.len)
  return { structs: d.structs.length, maxSpan, maxDeleted, strings }
}

function agrees (u: Uint8Array): void {
  const y = yjsExtent(u)
  const x = scanUpdate(u)
  expect(x.structs).toBe(y.structs)
  expect(x.maxDeleted).toBe(y.maxDeleted)
  // A string counts its UTF-8 bytes: never fewer than Yjs's UTF-16 units.
  if (y.strings) expect(x.maxSpan).toBeGreaterThanOrEqual(y.maxSpan)
  else expect(x.maxSpan).toBe(y.maxSpan)
}

describe('scanUpdate', () => {
  it('agrees with Yjs on documents holding every kind of struct and content', () => {
    let kinds = new Set<string>()
    for (let seed = 1; seed <= 40; seed++) {
      for (const gc of [true, false]) {
        const docs = busyDoc(seed, gc)
        for (const d of docs) {
          const u = Y.encodeStateAsUpdate(d)
          agrees(u)
          for (const s of Y.decodeUpdate(u).structs) kinds.add(s instanceof Y.Item ? s.content.constructor.name : s.constructor.name)
          // Updates since a state vector, and merged updates (which hold Skip structs).
          const other = docs.find(o => o !== d) as Y.Doc
          agrees(Y.encodeStateAsUpdate(d, Y.encodeStateVector(other)))
        }
      }
    }
    // Gaps between merged updates are Skip structs.
    const a = new Y.Doc()
    const ups: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => ups.push(u))
    for (let i = 0; i < 5; i++) a.getArray('x').insert(0, [i])
    const merged = Y.mergeUpdates([ups[0] as Uint8Array, ups[2] as Uint8Array, ups[4] as Uint8Array])
    agrees(merged)
    for (const s of Y.decodeUpdate(merged).structs) kinds.add(s.constructor.name)
    kinds = new Set([...kinds].map(k => k.replace(/\d+$/, '')))
    for (const k of ['ContentString', 'ContentAny', 'ContentBinary', 'ContentEmbed', 'ContentFormat', 'ContentType', 'ContentDoc', 'ContentDeleted', 'GC', 'Skip']) expect([...kinds], k).toContain(k)
  })

  it('agrees on a session document as mesh writes it', () => {
    const s = new SessionDoc()
    s.init({ key: 'agent:main:scan', title: 't', goal: 'g' }, 'dev')
    for (let i = 0; i < 300; i += 30) s.appendMessages(Array.from({ length: 30 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j} ${'😀'.repeat(j)}` })), 'dev')
    agrees(Y.encodeStateAsUpdate(s.doc))
  })

  it('throws on every prefix of an update, as Yjs does', () => {
    const [d] = busyDoc(7, true)
    const u = Y.encodeStateAsUpdate(d as Y.Doc)
    for (let n = 0; n < u.byteLength; n++) {
      const cut = u.subarray(0, n)
      let yjs = true
      try { Y.decodeUpdate(cut) } catch { yjs = false }
      let scan = true
      try { scanUpdate(cut) } catch { scan = false }
      expect(scan, `prefix of ${n} bytes`).toBe(yjs)
    }
  })

  it('refuses crafted spans and counts read from a few bytes, without reading on', () => {
    // One client, one GC struct spanning 2^40 ticks; an empty delete set.
    const gc = new Uint8Array([1, 1, 5, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0])
    expect(scanUpdate(gc).maxSpan).toBe(2 ** 40)
    expect(checkBounds(gc)).toBe(`a struct of the update spans ${2 ** 40} clock ticks`)
    // A deleted range of 2^30.
    const ds = new Uint8Array([0, 1, 5, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x04])
    expect(checkBounds(ds)).toBe(`the update deletes a range of ${2 ** 30}`)
    // An item of `any` content claiming 2^50 values, then nothing: an error at the end of the bytes, at once.
    const many = new Uint8Array([1, 1, 5, 0, 8, 1, 1, 97, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
    const t0 = performance.now()
    expect(checkBounds(many)).toMatch(/^the update does not decode: unexpected end/)
    expect(performance.now() - t0).toBeLessThan(1000)
    // 2^24 structs claimed: refused by the bytes running out, not by allocating them.
    expect(checkBounds(new Uint8Array([1, 0x80, 0x80, 0x80, 0x08, 5, 0]))).toMatch(/does not decode/)
    // An unknown content kind and an unknown value type.
    expect(checkBounds(new Uint8Array([1, 1, 5, 0, 11, 1, 1, 97, 0]))).toMatch(/unknown content kind 11/)
    expect(checkBounds(new Uint8Array([1, 1, 5, 0, 8, 1, 1, 97, 1, 100, 0]))).toMatch(/unknown value type 100/)
    expect(checkBounds(Y.encodeStateAsUpdate(new Y.Doc()))).toBeUndefined()
    expect(UPDATE_BOUNDS.maxClockSpan).toBeLessThan(2 ** 30)
  })
})
