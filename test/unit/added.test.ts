/**
 * crdt/added.ts: the messages a transaction added to a session, found from the transaction's own
 * structs, are exactly (and in the same order) what Yjs's `event.changes.added` walk finds, for
 * local appends, merged concurrent appends of several devices, and updates that also delete;
 * and a plain append no longer walks its chunk.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CHUNK_SIZE, SessionDoc } from '../../crdt/session.js'
import { asOneRun, insertedByParent } from '../../crdt/added.js'
import { docVersion } from '../../crdt/doc-version.js'
import { prng } from '../helpers/prng.js'

afterEach(() => { vi.restoreAllMocks() })

/**
 * What the session reports, found the slow way: Yjs's walk of every event's target (what it
 * reported before crdt/added.ts), in the transcript's order.
 */
function walked (doc: Y.Doc): Array<Array<{ id: string, local: boolean }>> {
  const seen: Array<Array<{ id: string, local: boolean }>> = []
  doc.getArray('transcript').observeDeep((events, tr) => {
    const ids: string[] = []
    const visit = (c: unknown): void => {
      if (c instanceof Y.Map) { if (typeof c.get('id') === 'string') ids.push(c.get('id') as string) } else if (c instanceof Y.Array) for (const m of c.toArray()) visit(m)
    }
    for (const ev of events) for (const item of ev.changes.added) for (const c of item.content.getContent()) visit(c)
    const at = new Map<string, number>()
    for (const c of doc.getArray('transcript').toArray()) if (c instanceof Y.Array) for (const m of c.toArray()) if (m instanceof Y.Map) at.set(m.get('id') as string, at.size)
    ids.sort((a, b) => (at.get(a) ?? 0) - (at.get(b) ?? 0))
    if (ids.length > 0) seen.push(ids.map(id => ({ id, local: tr.local })))
  })
  return seen
}

function reported (s: SessionDoc): Array<Array<{ id: string, local: boolean }>> {
  const seen: Array<Array<{ id: string, local: boolean }>> = []
  s.onMessages((added, local) => { seen.push(added.map(m => ({ id: m.id, local }))) })
  return seen
}

const msg = (id: string): { id: string, role: 'user', content: string } => ({ id, role: 'user', content: `content of ${id}` })

describe('messages added by a transaction (crdt/added.ts)', () => {
  it('matches the walk of every target for local appends across chunk boundaries', () => {
    const doc = new Y.Doc()
    const s = new SessionDoc(doc)
    const want = walked(doc)
    const got = reported(s)
    let n = 0
    for (let i = 0; i < CHUNK_SIZE + 40; i++) s.appendMessages(Array.from({ length: 1 + (i % 3) }, () => msg(`m${n++}`)), 'A')
    expect(got.length).toBe(CHUNK_SIZE + 40)
    expect(got).toEqual(want)
  })

  it('an append that fills a chunk and begins the next is told in order, locally and at a peer', () => {
    const doc = new Y.Doc()
    const s = new SessionDoc(doc)
    s.appendMessages(Array.from({ length: CHUNK_SIZE - 2 }, (_, i) => msg(`old${i}`)), 'A')
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    doc.on('update', (u: Uint8Array) => { Y.applyUpdate(peer, u) })
    const here = reported(s)
    const there = reported(new SessionDoc(peer))
    s.appendMessages(['m0', 'm1', 'm2', 'm3', 'm4'].map(msg), 'A')
    expect(here.map(b => b.map(m => m.id))).toEqual([['m0', 'm1', 'm2', 'm3', 'm4']])
    expect(there.map(b => b.map(m => m.id))).toEqual([['m0', 'm1', 'm2', 'm3', 'm4']])
  })

  it('matches it for concurrent appends of three devices merged in random order, with deletions', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rnd = prng(seed)
      const docs = [0, 1, 2].map(i => { const d = new Y.Doc(); d.clientID = 100 + i; return d })
      const sessions = docs.map(d => new SessionDoc(d))
      const reader = new Y.Doc()
      const rs = new SessionDoc(reader)
      const want = walked(reader)
      const got = reported(rs)
      const pending: Uint8Array[] = []
      docs.forEach(d => d.on('update', (u: Uint8Array) => { pending.push(u) }))
      let n = 0
      for (let round = 0; round < 60; round++) {
        const who = rnd.int(3)
        const d = docs[who] as Y.Doc
        const r = rnd.int(10)
        if (r < 7) sessions[who]?.appendMessages(Array.from({ length: 1 + rnd.int(3) }, () => msg(`s${seed}-${n++}`)), `d${who}`)
        else if (r < 8) {
          // A message put at the front of a chunk beside an append, in one transaction: the two
          // new items are apart, with old ones between (not one run: Yjs's walk is taken).
          d.transact(() => {
            const c = d.getArray('transcript').toArray().find((x): x is Y.Array<unknown> => x instanceof Y.Array && x.length > 0)
            if (c !== undefined) { const m = new Y.Map<unknown>(); for (const [k, v] of Object.entries({ ...msg(`s${seed}-${n++}`), ts: 1, device: `d${who}` })) m.set(k, v); c.insert(0, [m]) }
            sessions[who]?.appendMessages([msg(`s${seed}-${n++}`)], `d${who}`)
          })
        } else if (r < 9) {
          // Deletes a message somewhere, and appends in the same transaction.
          d.transact(() => {
            const chunks = d.getArray('transcript').toArray().filter((c): c is Y.Array<unknown> => c instanceof Y.Array && c.length > 0)
            const c = chunks[rnd.int(chunks.length)]
            if (c !== undefined) c.delete(rnd.int(c.length), 1)
            sessions[who]?.appendMessages([msg(`s${seed}-${n++}`)], `d${who}`)
          })
        } else {
          // A device catches up with the others (its next appends interleave with theirs).
          for (const o of docs) if (o !== d) Y.applyUpdate(d, Y.encodeStateAsUpdate(o, Y.encodeStateVector(d)))
        }
        // The reader gets a random batch of what was written, merged into one update at times.
        const take = pending.splice(0, rnd.int(pending.length + 1))
        if (take.length > 1 && rnd.int(2) === 0) Y.applyUpdate(reader, Y.mergeUpdates(take))
        else for (const u of take) Y.applyUpdate(reader, u)
      }
      for (const u of pending.splice(0)) Y.applyUpdate(reader, u)
      expect(got).toEqual(want)
      expect(got.flat().length).toBeGreaterThan(0)
    }
  })

  it('matches the walk for one large transaction (a catch-up), which it walks', () => {
    const writer = new Y.Doc()
    const ws = new SessionDoc(writer)
    for (let i = 0; i < 3; i++) ws.appendMessages(Array.from({ length: 700 }, (_, j) => msg(`big${i}-${j}`)), 'A')
    const reader = new Y.Doc()
    const rs = new SessionDoc(reader)
    const want = walked(reader)
    const got = reported(rs)
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(writer))
    expect(got).toEqual(want)
    expect(got.flat().length).toBe(2100)
  })

  it('does not walk the chunk for an append (no event.changes)', () => {
    const doc = new Y.Doc()
    const s = new SessionDoc(doc)
    const got = reported(s)
    s.appendMessages([msg('first')], 'A')
    const spy = vi.spyOn(Y.YEvent.prototype, 'changes', 'get')
    for (let i = 0; i < 20; i++) s.appendMessages([msg(`m${i}`)], 'A')
    expect(got.length).toBe(21)
    expect(spy).not.toHaveBeenCalled()
  })

  it('asOneRun orders a run by its links and refuses items that are not one run', () => {
    const doc = new Y.Doc()
    // Types, as the transcript holds: Yjs merges neighbouring plain values of one device into one item.
    const arr = doc.getArray<unknown>('a')
    for (let i = 0; i < 3; i++) arr.insert(i, [new Y.Map()])
    const items: Y.Item[] = []
    for (let it = arr._start; it !== null; it = it.right) items.push(it)
    expect(items.length).toBe(3)
    expect(asOneRun([items[2], items[0], items[1]] as Y.Item[])).toEqual(items)
    expect(asOneRun([items[0], items[2]] as Y.Item[])).toBeUndefined()
    expect(asOneRun([])).toEqual([])
    // The transaction's inserts, by the array they went into.
    let byParent: Map<Y.AbstractType<any>, Y.Item[]> | undefined
    doc.on('afterTransaction', (tr: Y.Transaction) => { byParent = insertedByParent(tr) })
    doc.transact(() => { arr.insert(3, [4, 5]); doc.getMap('m').set('k', 1) })
    expect(byParent?.size).toBe(1)
    expect(byParent?.get(arr)?.flatMap(i => i.content.getContent())).toEqual([4, 5])
    // An item inserted and deleted in one transaction is left out.
    doc.transact(() => { arr.insert(0, [6]); arr.delete(0, 1); arr.insert(0, [7]) })
    expect(byParent?.get(arr)?.flatMap(i => i.content.getContent())).toEqual([7])
    // Past `most` clocks of new structs it declines (the caller walks instead).
    let declined: unknown = 'not called'
    doc.on('afterTransaction', (tr: Y.Transaction) => { declined = insertedByParent(tr, 3) })
    doc.transact(() => { arr.insert(0, [1, 2, 3, 4]) })
    expect(declined).toBeUndefined()
    doc.transact(() => { arr.insert(0, [1, 2]) })
    expect(declined).toBeInstanceOf(Map)
  })

  it('a snapshot applied in parts tells every message once, in order, though a message\'s fields may come in the part after its map', async () => {
    const { StatePartsEncoder } = await import('../../crdt/parts.js')
    const from = new SessionDoc()
    from.init({ key: 'agent:main:parts', createdAt: 1 }, 'dev')
    for (let i = 0; i < 600; i++) from.appendMessages([{ role: 'user', content: `m${i} ${'z'.repeat(900)}` }], 'dev')
    const ids = from.messages().map(m => m.id)
    const enc = new StatePartsEncoder(from.doc, 16 * 1024)
    const parts: Uint8Array[] = []
    for (let p = enc.next(); p !== undefined; p = enc.next()) parts.push(p)
    expect(parts.length).toBeGreaterThan(10)
    const to = new SessionDoc()
    const told: string[] = []
    to.onMessages((added) => { for (const m of added) told.push(m.id) })
    for (const p of parts) Y.applyUpdate(to.doc, p)
    expect(to.messageCount()).toBe(600)
    expect(told).toEqual(ids)
  })

  it('a telling\'s version is above every read taken before it and at or below every read taken after (a field that completes a message included)', async () => {
    const { StatePartsEncoder } = await import('../../crdt/parts.js')
    const from = new SessionDoc()
    from.init({ key: 'agent:main:versions', createdAt: 1 }, 'dev')
    for (let i = 0; i < 300; i++) from.appendMessages([{ role: 'user', content: `m${i} ${'z'.repeat(900)}` }], 'dev')
    const enc = new StatePartsEncoder(from.doc, 16 * 1024)
    const to = new SessionDoc()
    const tellings: Array<{ version: number, read: number, part: number }> = []
    let read = docVersion(to.doc)
    const reads: number[] = [read]
    to.onMessages(() => { tellings.push({ version: docVersion(to.doc), read, part: reads.length }) })
    for (let p = enc.next(); p !== undefined; p = enc.next()) {
      Y.applyUpdate(to.doc, p)
      read = docVersion(to.doc)
      reads.push(read)
    }
    expect(tellings.length).toBeGreaterThan(10)
    for (const t of tellings) {
      expect(t.version).toBeGreaterThan(t.read)
      expect(t.version).toBeLessThanOrEqual(reads[t.part]!)
    }
    for (let i = 1; i < tellings.length; i++) expect(tellings[i]!.version).toBeGreaterThanOrEqual(tellings[i - 1]!.version)
    expect(docVersion(to.doc)).toBe(docVersion(from.doc))
    // A later change, of any field, grows it.
    const before = docVersion(to.doc)
    to.setMeta({ title: 'renamed' }, 'dev')
    expect(docVersion(to.doc)).toBeGreaterThan(before)
  })
})
