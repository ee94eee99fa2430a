/**
 * Checking an update against the open document it is about to be applied to (crdt/validate.ts
 * checkAgainstDoc), for a big append: an entry of 800 messages is placed whole (every item's
 * parent found, so the check after integration is skipped) and in a bounded time. The check once
 * searched the update's items linearly for every item and walked each appended message's left
 * neighbours again, up to 64 deep: ~1.0–1.6 s per such entry, all of it blocking the event loop
 * of a node that had the session open while the entries arrived (`mesh session show`), and
 * every item past the depth bound counted as unplaced.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { checkAgainstDoc, SessionDoc } from '../../crdt/index.js'

describe('checkAgainstDoc on a big append', () => {
  it('places every item of an append of 800 messages, each in well under a second', () => {
    const src = new SessionDoc(new Y.Doc())
    src.init({ key: 'k' }, 'dev')
    const open = new Y.Doc()
    Y.applyUpdate(open, Y.encodeStateAsUpdate(src.doc))
    const times: number[] = []
    for (let e = 0; e < 3; e++) {
      const before = Y.encodeStateVector(src.doc)
      src.appendMessages(Array.from({ length: 800 }, (_, j) => ({ role: 'user' as const, content: `m ${e}.${j} ${'z'.repeat(1000)}` })), 'dev')
      const update = Y.encodeStateAsUpdate(src.doc, before)
      const t = performance.now()
      const r = checkAgainstDoc('session', open, update)
      times.push(performance.now() - t)
      expect(r).toEqual({ complete: true })
      Y.applyUpdate(open, update)
    }
    // ~20–100 ms each on the 2-core machine; the linear search took over a second each.
    expect(times.reduce((a, b) => a + b, 0), times.map(t => t.toFixed(0)).join(', ')).toBeLessThan(1500)
  })

  it('still finds a wrong shape written through an appended map', () => {
    const src = new SessionDoc(new Y.Doc())
    src.init({ key: 'k' }, 'dev')
    const open = new Y.Doc()
    Y.applyUpdate(open, Y.encodeStateAsUpdate(src.doc))
    const before = Y.encodeStateVector(src.doc)
    src.appendMessages(Array.from({ length: 300 }, (_, j) => ({ role: 'user' as const, content: `m ${j}` })), 'dev')
    // The last message's map gets a type where a plain value belongs, in the same update.
    const chunk = (src.doc.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>)
    chunk.get(chunk.length - 1).set('content', new Y.Map())
    const r = checkAgainstDoc('session', open, Y.encodeStateAsUpdate(src.doc, before))
    expect(r.problem).toMatch(/content/)
  })
})
