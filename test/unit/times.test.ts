/**
 * Times are ms a Date can hold (|t| ≤ 8.64e15). A lease's expiresAt, a message's ts, a progress
 * note's or last writer's ts past that passed every check, and every view of them threw a
 * RangeError (`mesh resume` failed with one instead of LEASE_HELD); an honest client could write
 * one, as a new message's ts was any number.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkAgainst, checkUpdate, SessionDoc } from '../../crdt/index.js'
import { NewMessageSchema } from '../../src/api/schema-sessions.js'
import { leaseEnds } from '../../src/api/session.js'
import { localTime } from '../../src/cli/context.js'
import { formatLease, formatMessage } from '../../src/cli/commands/sessions.js'
import { change } from '../helpers/y-change.js'

const FAR = 1e16

function session (): { doc: Y.Doc, s: SessionDoc } {
  const doc = new Y.Doc()
  const s = new SessionDoc(doc)
  s.init({ key: 'agent:main:k' }, 'dev')
  s.appendMessages([{ role: 'user', content: 'hi' }], 'dev')
  s.updateTask({ progress: 'p' }, 'dev')
  return { doc, s }
}

describe('a time outside a Date\'s range is refused', () => {
  for (const t of [FAR, -FAR]) {
    it(`${t} as a lease's expiresAt or takenAt, or the last writer's ts: before it is stored`, () => {
      expect(checkUpdate('session', change(d => { d.getMap('meta').set('lease', { device: 'x', epoch: 1, expiresAt: t, takenAt: 0 }) }))).toMatch(/expiresAt: not a time/)
      expect(checkUpdate('session', change(d => { d.getMap('meta').set('lease', { device: 'x', epoch: 1, expiresAt: 0, takenAt: t }) }))).toMatch(/takenAt: not a time/)
      expect(checkUpdate('session', change(d => { d.getMap('meta').set('lastWriter', { device: 'x', ts: t }) }))).toMatch(/ts: not a time/)
    })

    it(`${t} as a message's or a progress note's ts: against the document`, () => {
      const { doc } = session()
      expect(checkAgainst('session', doc, change(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set('ts', t) }, doc))).toMatch(/not a time/)
      expect(checkAgainst('session', doc, change(d => { (d.getMap('task').get('progress') as Y.Array<unknown>).push([{ text: 'x', ts: t, device: 'd' }]) }, doc))).toMatch(/not a time/)
    })
  }

  it('the edge of the range fits', () => {
    expect(checkUpdate('session', change(d => { d.getMap('meta').set('lease', { device: 'x', epoch: 1, expiresAt: 8.64e15, takenAt: -8.64e15 }) }))).toBeUndefined()
  })

  it('an honest write: a new message with such a ts, over the API or in the document', () => {
    expect(NewMessageSchema.safeParse({ role: 'user', content: 'c', ts: FAR }).success).toBe(false)
    expect(NewMessageSchema.safeParse({ role: 'user', content: 'c', ts: 1_700_000_000_000 }).success).toBe(true)
    const { s } = session()
    expect(() => s.appendMessages([{ role: 'user', content: 'c', ts: FAR }], 'dev')).toThrow(/ts/)
    expect(() => s.takeLease('dev', { ttlMs: FAR })).toThrow(/Date's range/)
    expect(s.messages().map(m => m.content)).toEqual(['hi'])
  })
})

describe('views of such a time (written without a check) do not throw', () => {
  it('a lease reads as absent, and can be taken', () => {
    const { doc, s } = session()
    doc.getMap('meta').set('lease', { device: 'evil', epoch: 1, expiresAt: FAR, takenAt: 0 })
    expect(s.getMeta().lease).toBeUndefined()
    expect(s.takeLease('me').device).toBe('me')
  })

  it('leaseEnds, localTime and the CLI\'s lines say the number', () => {
    expect(leaseEnds(FAR)).toContain(String(FAR))
    expect(localTime(FAR)).toContain(String(FAR))
    expect(formatMessage({ id: 'x', role: 'user', content: 'c', ts: FAR, device: 'dddddd' })).toContain('c')
    expect(formatLease({ device: 'evil', epoch: 1, expiresAt: FAR, takenAt: 0, expired: false, mine: false })).toContain(String(FAR))
  })
})
