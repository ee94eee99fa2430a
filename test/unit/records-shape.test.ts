/**
 * Native agent records as a faulty member may write them: the `records` and `agent` roots had no
 * shape, so a record that is no Y.Map (42) passed every check and made every read and append of
 * the session's records throw (resume and import failed for good: records are append-only);
 * a lone part 1 of 2 made fromParts throw, and part 2^32-2 of 2^32-1 walked a sparse array for
 * minutes.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { captureGap, checkAgainst, checkDoc, checkUpdate, MAX_PARTS, RecordsDoc, SessionDoc, type NativeRecord } from '../../crdt/index.js'
import { appendRecords } from '../../src/api/agents-import.js'
import { fromParts } from '../../src/agents/bundle.js'
import { change } from '../helpers/y-change.js'

function recorded (): { doc: Y.Doc, rd: RecordsDoc } {
  const doc = new Y.Doc()
  new SessionDoc(doc).init({ key: 'agent:claude:s1' }, 'dev')
  const rd = RecordsDoc.of(doc)
  rd.setMeta({ agent: 'claude', sessionId: 's1' })
  rd.append([{ id: 'u1', file: '', kind: 'user', text: '{}' }])
  return { doc, rd }
}

const recordMap = (fields: Record<string, unknown>) => (d: Y.Doc): void => {
  const m = new Y.Map<unknown>()
  d.getArray('records').insert(d.getArray('records').length, [m])
  for (const [k, v] of Object.entries(fields)) m.set(k, v)
}

const GOOD = { id: 'x', file: '', kind: 'user', text: 't' }

describe('records that do not fit are refused', () => {
  it('an item that is no Y.Map: before it is stored, and against the document', () => {
    const { doc } = recorded()
    expect(checkUpdate('session', change(d => { d.getArray('records').insert(0, [42]) }))).toMatch(/records\[\]: not a Y\.Map/)
    expect(checkAgainst('session', doc, change(d => { d.getArray('records').insert(1, [42]) }, doc))).toMatch(/not a Y\.Map/)
  })

  const bad: Array<[string, Record<string, unknown>]> = [
    ['a text that is no string', { ...GOOD, text: 1 }],
    ['an enc other than base64', { ...GOOD, enc: 'hex' }],
    ['a file outside the bundle', { ...GOOD, file: '../x' }],
    ['a part that is no integer', { ...GOOD, part: 0.5, parts: 2 }],
    ['too many parts', { ...GOOD, part: 0, parts: 2 ** 32 - 1 }],
    ['a negative part', { ...GOOD, part: -1, parts: 2 }]
  ]
  for (const [what, fields] of bad) {
    it(`${what}: against the document`, () => {
      const { doc } = recorded()
      expect(checkAgainst('session', doc, change(recordMap(fields), doc))).toBeDefined()
    })
  }

  it('an agent field that is no string', () => {
    const { doc } = recorded()
    expect(checkUpdate('session', change(d => { d.getMap('agent').set('cwd', 7) }, doc))).toMatch(/agent\.cwd/)
  })

  it('a local append of a part outside its parts throws before anything is written', () => {
    const { rd } = recorded()
    expect(() => rd.append([{ ...GOOD, part: 2, parts: 2 }])).toThrow(/part 2 of 2/)
    expect(rd.length).toBe(1)
  })

  it('honest records with parts still fit', () => {
    const { doc, rd } = recorded()
    rd.append([{ ...GOOD, part: 0, parts: 2 }, { ...GOOD, text: 'u', part: 1, parts: 2 }])
    expect(checkDoc('session', doc)).toBeUndefined()
    expect(fromParts(rd.slice(0)).map(r => r.text)).toEqual(['{}', 'tu'])
    expect(MAX_PARTS).toBeGreaterThanOrEqual(1 << 12)
  })
})

describe('readers skip what does not fit (applied without a check)', () => {
  it('a record that is no Y.Map, or has fields of the wrong type', () => {
    const { doc, rd } = recorded()
    Y.applyUpdate(doc, change(d => { d.getArray('records').insert(1, [42]) }, doc))
    Y.applyUpdate(doc, change(recordMap({ ...GOOD, id: 'y', part: 3, parts: 2 }), doc))
    Y.applyUpdate(doc, change(recordMap({ ...GOOD, id: 7 }), doc))
    expect(rd.slice(0).map(r => r.id)).toEqual(['u1'])
    expect(rd.fresh([{ ...GOOD, id: 'u2' }]).map(r => r.id)).toEqual(['u2'])
    expect(rd.append([{ ...GOOD, id: 'u2' }]).map(r => r.id)).toEqual(['u2'])
    expect(rd.slice(0).map(r => r.id)).toEqual(['u1', 'u2'])
  })
})

describe('fromParts', () => {
  const p = (part: number, parts: number, text = String(part)): NativeRecord => ({ id: 'x', file: '', kind: 'user', text, part, parts })

  it('skips a record missing its first part', () => {
    expect(fromParts([{ ...GOOD }, p(1, 2)])).toEqual([GOOD])
  })

  it('skips a record with a part far past what it holds, at once', () => {
    const t = performance.now()
    expect(fromParts([p(0, 2 ** 32 - 1), p(2 ** 32 - 2, 2 ** 32 - 1)])).toEqual([])
    expect(performance.now() - t).toBeLessThan(1000)
  })

  it('skips parts that are no place among their parts, and joins the others in order', () => {
    expect(fromParts([p(1, 3, 'b'), p(0.5, 3), p(-1, 3), p(3, 3), p(0, 3, 'a'), p(0, 9, 'z'), p(2, 3, 'c')])).toEqual([{ id: 'x', file: '', kind: 'user', text: 'abc' }])
  })
})

describe('an import\'s capture note (agent.capture)', () => {
  const note = { host: 'desk', path: '/p/s.jsonl', reason: 'unfinished' as const, lines: 1, linesTotal: 3, bytes: 10, bytesTotal: 30, at: 1 }
  it('moves with a batch that stores something or alone, not with one whose records are all held, and clears', () => {
    const { rd } = recorded()
    const meta = { agent: 'claude', sessionId: 's1' }
    // A re-import of what is held (the hook's, on every Stop) writes no note.
    appendRecords(rd, { ...meta, capture: note }, [{ id: 'u1', file: '', kind: 'user', text: '{}' }])
    expect(rd.getMeta()?.capture).toBeUndefined()
    appendRecords(rd, { ...meta, capture: note }, [{ id: 'u2', file: '', kind: 'user', text: '{}' }])
    expect(rd.getMeta()?.capture).toEqual(note)
    appendRecords(rd, { ...meta, capture: { ...note, reason: 'interrupted' } }, [])
    expect(rd.getMeta()?.capture?.reason).toBe('interrupted')
    appendRecords(rd, { ...meta, capture: null }, [])
    expect(rd.getMeta()?.capture).toBeUndefined()
  })

  it('fits the document, and one that does not parse reads as none (older readers never read the key)', () => {
    const { doc, rd } = recorded()
    expect(checkAgainst('session', doc, change(d => { d.getMap('agent').set('capture', JSON.stringify(note)) }, doc))).toBeUndefined()
    doc.getMap('agent').set('capture', '{"host":1}')
    expect(rd.getMeta()?.capture).toBeUndefined()
    expect(captureGap(rd.getMeta())).toBeUndefined()
    doc.getMap('agent').set('capture', JSON.stringify(note))
    expect(captureGap(rd.getMeta())).toEqual({ host: 'desk', path: '/p/s.jsonl', lines: 1, linesTotal: 3, state: 'partial', reason: 'import not finished' })
  })
})
