/**
 * The ids a transcript holds (crdt/message-ids.ts), which an append that names its messages'
 * ids checks: those there when it was built, those appended here since, and those a peer's
 * update brings; none once stopped. And messageById, which finds the last message of an id
 * from the end.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MessageIds, SessionDoc } from '../../crdt/index.js'

function session (): { doc: Y.Doc, s: SessionDoc } {
  const doc = new Y.Doc()
  const s = new SessionDoc(doc)
  s.init({ key: 'agent:main:ids' }, 'dev-a')
  return { doc, s }
}

describe('MessageIds', () => {
  it('holds the ids there at its start, appended since, and brought by a peer', () => {
    const a = session()
    a.s.appendMessages([{ role: 'user', content: 'one', id: 'm1' }], 'dev-a')
    const ids = new MessageIds(a.s, a.doc)
    expect(ids.has('m1')).toBe(true)
    expect(ids.has('m2')).toBe(false)
    a.s.appendMessages([{ role: 'user', content: 'two', id: 'm2' }], 'dev-a')
    expect(ids.has('m2')).toBe(true)
    // A peer's replica, from the same state, appends m3: its update applied here.
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a.doc))
    const before = Y.encodeStateVector(b)
    new SessionDoc(b).appendMessages([{ role: 'assistant', content: 'three', id: 'm3' }], 'dev-b')
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b, before))
    expect(ids.has('m3')).toBe(true)
    ids.stop()
    a.s.appendMessages([{ role: 'user', content: 'four', id: 'm4' }], 'dev-a')
    expect(ids.has('m4')).toBe(false)
  })

  it('finds the last message of an id, from the end, and none for an unknown id', () => {
    const { s } = session()
    const many = Array.from({ length: 700 }, (_, i) => ({ role: 'user' as const, content: `c${i}`, id: `id${i}` }))
    s.appendMessages(many, 'dev-a')
    expect(s.messageById('id3')).toMatchObject({ id: 'id3', content: 'c3', device: 'dev-a' })
    expect(s.messageById('id699')).toMatchObject({ content: 'c699' })
    expect(s.messageById('nope')).toBeUndefined()
  })
})
