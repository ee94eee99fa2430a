/**
 * A message map with only an id fits the schema key by key (each key it has is of its type), so
 * it is stored; messages() skipped it, but range() (sessions.show after a message id, which
 * mesh watch uses) handed it out, and formatting it threw.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkAgainst, SessionDoc } from '../../crdt/index.js'
import { formatMessage } from '../../src/cli/commands/sessions.js'

it('range() skips an item that is no message, as messages() does, and counts it as indexOf does', () => {
  const doc = new Y.Doc()
  const s = new SessionDoc(doc)
  s.init({ key: 'agent:main:k' }, 'dev')
  s.appendMessages([{ role: 'user', content: 'a', id: 'm1' }], 'dev')
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
  const sv = Y.encodeStateVector(other)
  const half = new Y.Map<unknown>()
  ;(other.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).insert(1, [half])
  half.set('id', 'half')
  const u = Y.encodeStateAsUpdate(other, sv)
  expect(checkAgainst('session', doc, u)).toBeUndefined()
  Y.applyUpdate(doc, u)
  s.appendMessages([{ role: 'assistant', content: 'b', id: 'm2' }], 'dev')

  expect(s.messages().map(m => m.id)).toEqual(['m1', 'm2'])
  const after = s.range(s.indexOf('m1') + 1)
  expect(after.map(m => m.id)).toEqual(['m2'])
  expect(s.indexOf('m2')).toBe(2)
  expect(s.range(0, 2).map(m => m.id)).toEqual(['m1'])
  for (const m of after) expect(() => formatMessage(m)).not.toThrow()
})
