/**
 * Retired lanes on the wire (protocols/sync/lanes.ts): folding an author's lanes into one digest,
 * and expanding it back only when the receiver holds exactly those lanes (seqs and content tips).
 */
import { describe, expect, it } from 'vitest'
import { expandVector, foldVector, retiredDigest } from '../../protocols/sync/lanes.js'
import type { AuthorSeq } from '../../protocols/sync/index.js'

const A = new Uint8Array(32).fill(1)
const B = new Uint8Array(32).fill(2)
const tip = (n: number): Uint8Array => new Uint8Array(12).fill(n)
const lanes = (author: Uint8Array, n: number): AuthorSeq[] => Array.from({ length: n }, (_, i) => ({ author, lane: i, seq: BigInt(i + 1), tip: tip(i) }))

describe('retired lanes', () => {
  it('folds the lanes below the bound into one item and leaves the rest and other authors alone', () => {
    const items = [...lanes(A, 50), ...lanes(B, 3)]
    const f = foldVector(items, [{ author: A, below: 49 }])
    expect(f.retired).toHaveLength(1)
    expect(f.retired[0]?.count).toBe(49)
    expect(f.items.map(i => i.lane)).toEqual([49, 0, 1, 2])
  })

  it('expands a fold into the receiver\'s own lanes when they match', () => {
    const items = lanes(A, 10)
    const f = foldVector(items, [{ author: A, below: 9 }])
    const e = expandVector(f, items)
    expect(e?.items.length).toBe(10)
    expect(e?.matched).toEqual([{ author: A, below: 9 }])
    expect(new Set(e?.items.map(i => `${i.lane}:${i.seq}`))).toEqual(new Set(items.map(i => `${i.lane}:${i.seq}`)))
  })

  it('does not expand when the receiver holds a lane otherwise: a seq, a tip (a fork), a lane more or less', () => {
    const items = lanes(A, 10)
    const f = foldVector(items, [{ author: A, below: 9 }])
    const behind = items.map(i => i.lane === 3 ? { ...i, seq: i.seq - 1n } : i)
    const forked = items.map(i => i.lane === 3 ? { ...i, tip: tip(99) } : i)
    const missing = items.filter(i => i.lane !== 3)
    const ahead = items.map(i => i.lane === 0 ? { ...i, seq: i.seq + 1n } : i)
    for (const mine of [behind, forked, missing, ahead]) expect(expandVector(f, mine)).toBeUndefined()
  })

  it('leaves lanes whose tail is held only inside a snapshot (no tip) listed, and a single lane too', () => {
    const items = lanes(A, 4).map(i => i.lane === 1 ? { author: i.author, lane: i.lane, seq: i.seq } : i)
    expect(foldVector(items, [{ author: A, below: 3 }]).retired).toHaveLength(0)
    expect(retiredDigest(A, items.slice(0, 3))).toBeUndefined()
    expect(foldVector(lanes(A, 2), [{ author: A, below: 1 }]).retired).toHaveLength(0)
  })

  it('a vector without folds expands to itself', () => {
    const items = lanes(B, 3)
    expect(expandVector({ items }, [])?.items).toEqual(items)
  })
})
