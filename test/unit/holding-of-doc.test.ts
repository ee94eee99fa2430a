/**
 * What a document that applied a state holds, read off its store (crdt/holding.ts holdingOfDoc),
 * is what decoding the state says (holdingOf): the same answer for every update, held or not.
 * A document holding structs back (pending) has none: the state's bytes must be decoded then.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { holdingOf, holdingOfDoc, holds } from '../../crdt/index.js'

describe('a document\'s holding', () => {
  it('is the holding of the state it applied, deletions and GC included', () => {
    const a = new Y.Doc()
    a.clientID = 1
    const b = new Y.Doc()
    b.clientID = 2
    const updates: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => updates.push(u))
    b.on('update', (u: Uint8Array) => updates.push(u))
    const t = a.getText('t')
    for (let i = 0; i < 50; i++) t.insert(t.length, `line ${i}\n`)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    b.getText('t').delete(3, 40)
    b.getMap('m').set('k', 'v1')
    b.getMap('m').set('k', 'v2')
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    t.insert(0, 'late')
    const state = Y.encodeStateAsUpdate(a)
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, state)
    const fromDoc = holdingOfDoc(scratch)
    expect(fromDoc).toEqual(holdingOf(state))
    // Every update made is held; one made after the state is not.
    for (const u of updates) expect(holds(fromDoc as NonNullable<typeof fromDoc>, u)).toBe(true)
    const later: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => later.push(u))
    t.insert(0, 'after')
    t.delete(10, 5)
    for (const u of later) expect(holds(fromDoc as NonNullable<typeof fromDoc>, u)).toBe(false)
  })

  it('is not read off a document that holds structs back', () => {
    const a = new Y.Doc()
    const first: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => first.push(u))
    a.getText('t').insert(0, 'one')
    a.getText('t').insert(3, 'two')
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, first[1] as Uint8Array) // the second without the first: pending
    expect(holdingOfDoc(scratch)).toBeUndefined()
  })
})
