/**
 * A document's keys are anyone's text: a key named like a built-in of Object.prototype
 * (`valueOf`, `hasOwnProperty`, `__proto__`) is an unknown key like any other, left alone by
 * every check and every reader. The shapes were looked up as `fields[k]`, which found
 * Object.prototype.valueOf and called it as a shape: every check threw.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkAgainst, checkChanges, checkDoc, checkUpdate, SessionDoc } from '../../crdt/index.js'
import { change } from '../helpers/y-change.js'

const NAMES = ['valueOf', 'hasOwnProperty', 'isPrototypeOf', '__lookupGetter__', '__proto__', 'constructor', 'toString']

function session (): { doc: Y.Doc, s: SessionDoc } {
  const doc = new Y.Doc()
  const s = new SessionDoc(doc)
  s.init({ key: 'agent:main:k' }, 'dev')
  s.appendMessages([{ role: 'user', content: 'hi' }], 'dev')
  return { doc, s }
}

/** Every check of the update, and the session's messages once it applied. */
function checks (u: Uint8Array, doc: Y.Doc, s: SessionDoc): unknown[] {
  const out: unknown[] = [checkUpdate('session', u), checkAgainst('session', doc, u)]
  let changes: unknown = 'not run'
  doc.transact(tr => { Y.applyUpdate(doc, u); changes = checkChanges('session', tr) })
  out.push(changes, checkDoc('session', doc), s.messages().map(m => m.content))
  return out
}

describe('keys named like Object.prototype members', () => {
  for (const k of NAMES) {
    it(`meta.${k} is an unknown key: every check passes`, () => {
      const { doc, s } = session()
      const u = change(d => { d.getMap('meta').set(k, k === '__proto__' ? new Y.Map() : { a: 1 }) }, doc)
      expect(checks(u, doc, s)).toEqual([undefined, undefined, undefined, undefined, ['hi']])
    })

    it(`a message's ${k} is an unknown key: every check passes and the message reads`, () => {
      const { doc, s } = session()
      const u = change(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set(k, 1) }, doc)
      expect(checks(u, doc, s)).toEqual([undefined, undefined, undefined, undefined, ['hi']])
    })

    it(`task.${k} and a root named ${k} are left alone`, () => {
      const { doc, s } = session()
      const u = change(d => { d.getMap('task').set(k, new Y.Map()); d.getMap(k).set('x', 1) }, doc)
      expect(checks(u, doc, s)).toEqual([undefined, undefined, undefined, undefined, ['hi']])
    })
  }

  it('a known key still has its shape', () => {
    const { doc, s } = session()
    const u = change(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set('content', 1) }, doc)
    const [update, against] = checks(u, doc, s)
    expect(update).toBeUndefined() // a deep item: the update alone does not show where it goes
    expect(against).toMatch(/content: not a string/)
  })
})
