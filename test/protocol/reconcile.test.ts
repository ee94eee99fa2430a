/**
 * Set reconciliation as pure functions: two Reconcilers exchange frames (encoded and decoded as
 * on the wire) over in-memory queues until both are quiet. Each must then have asked to catch the
 * other up on exactly the documents where it holds something the other lacks, and two vaults in
 * sync exchange one small frame each, however many documents they hold.
 */
import { describe, expect, it } from 'vitest'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { between, split, span, type ReconcileIndex, type ReconcileItem } from '../../protocols/sync/reconcile.js'
import { Reconciler } from '../../protocols/sync/reconciler.js'
import type { AuthorSeq, DocVector } from '../../protocols/sync/source.js'
import { FingerprintSum, docFingerprint, fromHex, toHex } from '../../src/identity/index.js'
import { prng } from '../helpers/prng.js'

type Docs = Map<string, AuthorSeq[]>

function indexOf (docs: Docs): ReconcileIndex {
  const items: ReconcileItem[] = [...docs].filter(([, v]) => v.length > 0).map(([id, v]) => ({ id, doc: fromHex(id), fp: docFingerprint(fromHex(id), v) }))
  items.sort((x, y) => x.id < y.id ? -1 : 1)
  const sum = new FingerprintSum()
  for (const i of items) sum.add(i.fp)
  return { items, digest: sum.fingerprint() }
}

interface Side { docs: Docs, r: Reconciler, inbox: Uint8Array[], caughtUp: Map<string, AuthorSeq[]>, remembered: Map<string, AuthorSeq[]>, frames: number }

/** Runs two sides to quiescence; returns each side's catch-up requests and the bytes on the wire. */
function reconcile (a: Docs, b: Docs, options: { lateHello?: boolean } = {}): { a: Side, b: Side, bytes: number, rounds: number } {
  let bytes = 0
  const make = (docs: Docs, peer: () => Side): Side => {
    const index = indexOf(docs)
    const side: Side = {
      docs,
      inbox: [],
      caughtUp: new Map(),
      remembered: new Map(),
      frames: 0,
      r: new Reconciler({
        index: () => index,
        vector: (doc) => docs.get(toHex(doc)) ?? [],
        send: (f) => {
          const m = SyncMessage.encode({ certificates: [], vectors: f.vectors as any, vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false, ranges: f.ranges as any, answer: f.answer })
          bytes += m.byteLength
          side.frames++
          peer().inbox.push(m)
        },
        catchUp: (theirs, ds) => {
          for (const d of ds) {
            const id = toHex(d)
            expect(side.caughtUp.has(id), `${id} caught up twice`).toBe(false)
            side.caughtUp.set(id, theirs.find(v => toHex(v.doc) === id)?.items ?? [])
          }
        },
        remember: (doc, items) => { side.remembered.set(toHex(doc), items) }
      })
    }
    return side
  }
  const A: Side = make(a, () => B)
  const B: Side = make(b, () => A)
  A.r.hello()
  if (options.lateHello === true) {
    // B reads A's digest while its own hello is still being prepared (a session lists the
    // snapshots it holds in part, on disk, before its hello), and only then says hello.
    for (const bytes of B.inbox.splice(0)) B.r.onRanges(SyncMessage.decode(bytes).ranges, [])
    expect(B.frames).toBe(0)
  }
  B.r.hello()
  let rounds = 0
  while (A.inbox.length + B.inbox.length > 0) {
    rounds++
    for (const s of [A, B]) {
      for (const bytes of s.inbox.splice(0)) {
        const m = SyncMessage.decode(bytes)
        if (m.ranges.length > 0) s.r.onRanges(m.ranges, m.vectors)
        else if (m.answer) s.r.onAnswer(m.vectors)
      }
    }
    expect(rounds).toBeLessThan(20)
  }
  return { a: A, b: B, bytes, rounds }
}

const key = (i: AuthorSeq): string => `${toHex(i.author)}.${i.lane}`
/** Documents where `from` holds something `to` lacks. */
function lacking (from: Docs, to: Docs): string[] {
  const out: string[] = []
  for (const [id, v] of from) {
    const t = new Map((to.get(id) ?? []).map(i => [key(i), i.seq]))
    if (v.some(i => i.seq > (t.get(key(i)) ?? 0n))) out.push(id)
  }
  return out.sort()
}

const AUTHORS = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)]
function vault (n: number, seed: number): Docs {
  const r = prng(seed)
  const docs: Docs = new Map()
  for (let i = 0; i < n; i++) {
    const id = toHex(Uint8Array.from({ length: 32 }, () => r.int(256)))
    docs.set(id, [{ author: AUTHORS[0] as Uint8Array, lane: 0, seq: BigInt(1 + r.int(50)) }, { author: AUTHORS[1] as Uint8Array, lane: r.int(3), seq: BigInt(1 + r.int(50)) }])
  }
  return docs
}
const copy = (d: Docs): Docs => new Map([...d].map(([k, v]) => [k, v.map(i => ({ ...i }))]))

function expectExact (a: Docs, b: Docs, run: ReturnType<typeof reconcile>): void {
  // Each side catches the other up on every document where it is ahead, with the other's true vector.
  for (const [me, peer, side] of [[a, b, run.a], [b, a, run.b]] as const) {
    const want = lacking(me, peer)
    const asked = [...side.caughtUp.keys()].filter(id => want.includes(id)).sort()
    expect(asked).toEqual(want)
    for (const id of want) {
      const theirs = new Map((peer.get(id) ?? []).map(i => [key(i), i.seq]))
      const told = new Map((side.caughtUp.get(id) ?? []).map(i => [key(i), i.seq]))
      expect(told).toEqual(theirs)
    }
    // And knows that the other holds every document both hold the same (what `mesh peers` shows
    // as in sync): by a range found equal, or by the other's vector of it.
    const unknown = [...me].filter(([id, v]) => {
      const p = peer.get(id)
      if (p === undefined || lacking(new Map([[id, v]]), new Map([[id, p]])).length > 0 || lacking(new Map([[id, p]]), new Map([[id, v]])).length > 0) return false
      return !side.r.agrees(id) && !side.remembered.has(id)
    }).map(([id]) => id)
    expect(unknown).toEqual([])
  }
}

describe('set reconciliation', () => {
  it('two vaults in sync exchange one digest frame each, the same bytes for 10 and 10,000 documents', () => {
    const small = vault(10, 1)
    const big = vault(10_000, 2)
    const s = reconcile(small, copy(small))
    const b = reconcile(big, copy(big))
    expect(b.a.frames + b.b.frames).toBe(2)
    expect(b.a.caughtUp.size + b.b.caughtUp.size).toBe(0)
    expect(b.bytes).toBeLessThan(100)
    expect(b.bytes - s.bytes).toBeLessThanOrEqual(4) // the count's varint
  })

  it('a fresh node and a full one: the full one sends every document, in one round', () => {
    const big = vault(5000, 3)
    const run = reconcile(big, new Map())
    expect(run.a.caughtUp.size).toBe(5000)
    expect(run.b.caughtUp.size).toBe(0)
    expect(run.bytes).toBeLessThan(200)
  })

  for (const seed of [4, 5, 6, 7]) {
    it(`finds exactly the documents that differ, each way (seed ${seed})`, () => {
      const r = prng(seed)
      const a = vault(3000, seed * 10)
      const b = copy(a)
      const ids = [...a.keys()]
      for (let k = 0; k < 40; k++) {
        const id = r.pick(ids)
        const va = a.get(id) as AuthorSeq[]
        const vb = b.get(id) as AuthorSeq[]
        switch (r.int(5)) {
          case 0: (va[0] as AuthorSeq).seq += 1n; break // a ahead
          case 1: (vb[1] as AuthorSeq).seq += 2n; break // b ahead
          case 2: va.push({ author: AUTHORS[2] as Uint8Array, lane: 1, seq: 3n }); (vb[0] as AuthorSeq).seq += 1n; break // both
          case 3: b.delete(id); break // only a
          case 4: a.delete(id); break // only b
        }
      }
      for (let k = 0; k < 10; k++) b.set(toHex(Uint8Array.from({ length: 32 }, () => r.int(256))), [{ author: AUTHORS[2] as Uint8Array, lane: 0, seq: 1n }])
      const run = reconcile(a, b)
      expectExact(a, b, run)
      // Only documents in differing leaf ranges travel: far fewer than the vault's vectors.
      expect(run.bytes).toBeLessThan(3000 * 2 * 70 / 4)
    })
  }

  for (const [name, b] of [['a fresh node', (): Docs => new Map()], ['a node that lacks one document', (a: Docs): Docs => { const c = copy(a); c.delete([...c.keys()][7] as string); return c }]] as const) {
    it(`${name} that reads the peer's digest before sending its own: each document caught up once, nothing sent before the hello`, () => {
      // Before, the late side answered the digest as if it had sent none, and the other side
      // answered its digest too: both caught each other up on the same documents.
      for (const seed of [11, 12, 13, 14]) {
        const a = vault(20, seed)
        const theirs = b(a)
        const run = reconcile(a, theirs, { lateHello: true })
        expectExact(a, theirs, run)
        const swapped = reconcile(theirs, a, { lateHello: true })
        expectExact(theirs, a, swapped)
      }
    })
  }

  it('ranges split on short bounds that keep every document in exactly one range', () => {
    const docs = vault(1000, 8)
    const index = indexOf(docs)
    const parts = split(index.items, 0, index.items.length, { lower: new Uint8Array(0), upper: new Uint8Array(0) }, 16)
    expect(parts).toHaveLength(16)
    let covered = 0
    for (const p of parts) {
      const [from, to] = span(index.items, p)
      expect(to - from).toBe(p.count)
      covered += p.count
      expect(p.upper.byteLength).toBeLessThanOrEqual(3)
    }
    expect(covered).toBe(1000)
    expect(between('0a10', '0a2f')).toBe('0a2f')
    expect(between('0a10ff', '0b0000')).toBe('0b')
    expect(between('0a', '0a00')).toBe('0a00')
  })
})
