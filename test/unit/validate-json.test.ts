/**
 * Plain values in a document are JSON, and readers hand out copies of their known fields. Yjs
 * also holds bigints, bytes and subdocuments: a member's `extra: 10n` beside the known fields of
 * a summary, a memory entry or a lease, or a bigint in a task field, passed every check, and the
 * reader returned the stored object, so JSON.stringify threw where the API sent the result.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkAgainst, checkChanges, checkUpdate, MemoryDoc, SessionDoc, SessionsIndexDoc, SkillsDoc } from '../../crdt/index.js'
import { change } from '../helpers/y-change.js'

const NOT_JSON: Array<[string, () => unknown]> = [['a bigint', () => 10n], ['bytes', () => new Uint8Array([1])], ['a subdocument', () => new Y.Doc()], ['a nested bigint', () => ({ a: [1, { b: 10n }] })]]

describe('values that are not JSON are refused', () => {
  for (const [what, make] of NOT_JSON) {
    it(`${what} beside a summary's, a memory entry's and a lease's fields: refused before it is stored`, () => {
      // (Yjs writes a subdocument inside a plain object as undefined: an absent member, harmless.)
      if (what === 'a subdocument') return
      expect(checkUpdate('sessions-index', change(d => { d.getMap('sessions').set('agent:main:x', { key: 'agent:main:x', title: 't', createdAt: 1, extra: make() }) }))).toMatch(/extra/)
      expect(checkUpdate('memory', change(d => { d.getMap('entries').set('k', { key: 'k', value: 'v', tags: [], updatedAt: 1, device: 'd', extra: make() }) }))).toMatch(/extra/)
      expect(checkUpdate('session', change(d => { d.getMap('meta').set('lease', { device: 'x', epoch: 1, expiresAt: 1, takenAt: 1, extra: make() }) }))).toMatch(/extra/)
    })

    it(`${what} in a task field or a tool call's input: refused against the document and in its changes`, () => {
      const doc = new Y.Doc()
      const s = new SessionDoc(doc)
      s.init({ key: 'agent:main:k' }, 'dev')
      s.updateTask({ fields: { a: 'b' } }, 'dev')
      s.appendMessages([{ role: 'user', content: 'hi' }], 'dev')
      const field = change(d => { (d.getMap('task').get('fields') as Y.Map<unknown>).set('x', make()) }, doc)
      // (Yjs cannot encode a subdocument inside a plain object: it walks the Y.Doc's fields for good.)
      const input = what === 'a subdocument' ? field : change(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set('toolCall', { name: 'n', input: make() }) }, doc)
      for (const u of [field, input]) {
        expect(checkAgainst('session', doc, u)).toBeDefined()
        const copy = new Y.Doc()
        Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
        let p: unknown
        copy.transact(tr => { Y.applyUpdate(copy, u); p = checkChanges('session', tr) })
        expect(p).toBeDefined()
      }
    })
  }

  it('a member whose value is undefined is absent, as in JSON: a tool call with no arguments (as the views build it) still fits', () => {
    const doc = new Y.Doc()
    const s = new SessionDoc(doc)
    s.init({ key: 'agent:main:k' }, 'dev')
    s.appendMessages([{ role: 'user', content: 'hi' }], 'dev')
    const u = change(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set('toolCall', { id: 'c1', name: 'x', input: undefined }) }, doc)
    expect(checkAgainst('session', doc, u)).toBeUndefined()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
    let p: unknown
    copy.transact(tr => { Y.applyUpdate(copy, u); p = checkChanges('session', tr) })
    expect(p).toBeUndefined()
    expect(new SessionDoc(copy).messages()[0]?.toolCall).toEqual({ id: 'c1', name: 'x' })
  })

  it('a Y.Map in a task field is refused too (its value is read as plain data)', () => {
    const doc = new Y.Doc()
    const s = new SessionDoc(doc)
    s.init({ key: 'agent:main:k' }, 'dev')
    s.updateTask({ fields: { a: 'b' } }, 'dev')
    const u = change(d => { const m = new Y.Map(); (d.getMap('task').get('fields') as Y.Map<unknown>).set('x', m); m.set('y', 1) }, doc)
    expect(checkAgainst('session', doc, u)).toMatch(/not a plain value|not JSON/)
  })

  it('an honest write of a value that is not JSON is refused before it touches the document', () => {
    const s = new SessionDoc()
    s.init({ key: 'agent:main:k' }, 'dev')
    expect(() => { s.updateTask({ fields: { x: 10n } }, 'dev') }).toThrow(/JSON/)
    expect(() => s.appendMessages([{ role: 'tool', content: 'c', toolCall: { name: 'n', input: { big: 10n } } }], 'dev')).toThrow(/tool call/)
    expect(s.getTask().fields).toEqual({})
    expect(s.messages()).toEqual([])
  })
})

describe('readers hand out copies of the known fields', () => {
  it('without the other fields the stored value holds (written without a check)', () => {
    const doc = new Y.Doc()
    doc.getMap('sessions').set('agent:main:x', { key: 'agent:main:x', title: 't', createdAt: 1, extra: 'x' })
    doc.getMap('sessions').set('agent:main:y', { key: 'agent:main:y', title: 't', createdAt: 2, extra: 10n })
    doc.getMap('entries').set('k', { key: 'k', value: 'v', tags: ['a'], updatedAt: 1, device: 'd', extra: 'x' })
    doc.getMap('entries').set('l', { key: 'l', value: 'v', tags: ['a'], updatedAt: 1, device: 'd', extra: 10n })
    const s = new SessionDoc(doc)
    s.init({ key: 'agent:main:k' }, 'dev')
    s.appendMessages([{ role: 'tool', content: 'c', toolCall: { name: 'n', input: { a: 1 } }, toolResult: { callId: 'c', output: 'o' } }], 'dev')
    doc.getMap('meta').set('lease', { device: 'x', epoch: 1, expiresAt: 1, takenAt: 1, extra: 'x' })
    s.updateTask({ fields: { ok: { a: [1] } } }, 'dev')
    doc.getMap('meta').set('lastWriter', { device: 'x', ts: 1, extra: 10n })
    ;(doc.getMap('task').get('fields') as Y.Map<unknown>).set('big', 10n)
    expect(s.getTask().fields).toEqual({ ok: { a: [1] } })
    expect(s.getMeta().lastWriter).toBeUndefined()
    const index = new SessionsIndexDoc(doc).list()
    const memory = new MemoryDoc(doc)
    expect(index).toEqual([{ key: 'agent:main:x', title: 't', createdAt: 1 }])
    expect(memory.list()).toEqual([{ key: 'k', value: 'v', tags: ['a'], updatedAt: 1, device: 'd' }])
    expect(memory.get('k')).toEqual({ key: 'k', value: 'v', tags: ['a'], updatedAt: 1, device: 'd' })
    expect(s.getMeta().lease).toEqual({ device: 'x', epoch: 1, expiresAt: 1, takenAt: 1 })
    expect(() => JSON.stringify([index, memory.list(), s.getMeta(), s.getTask(), s.messages()])).not.toThrow()

    // A copy: changing what a reader returned changes nothing in the document.
    const [m] = s.messages()
    ;(m?.toolCall?.input as { a: number }).a = 2
    memory.list()[0]?.tags.push('b')
    expect(s.messages()[0]?.toolCall).toEqual({ name: 'n', input: { a: 1 } })
    expect(memory.get('k')?.tags).toEqual(['a'])
  })

  it('a skill and a tombstone likewise', () => {
    const doc = new Y.Doc()
    const skills = new SkillsDoc(doc)
    skills.add('---\nname: s\ndescription: d\n---\nbody', { source: 'claude', device: 'd' })
    const stored = doc.getMap('skills').get('s') as Record<string, unknown>
    doc.getMap('skills').set('s', { ...stored, extra: 'x' })
    expect(skills.list()[0]).not.toHaveProperty('extra')
    expect(skills.get('s')).not.toHaveProperty('extra')
  })
})
