/**
 * What the sending side counts the peer as holding (protocols/sync/peer-view.ts) for a document in
 * a range reconciliation found equal: the view is made on first use from this side's vector, less
 * what is on its way to the peer and not yet taken.
 */
import { describe, expect, it } from 'vitest'
import { PeerView } from '../../protocols/sync/peer-view.js'
import type { AuthorSeq, ReplicaSource } from '../../protocols/sync/source.js'
import { toHex } from '../../src/identity/index.js'

const DOC = new Uint8Array(32).fill(7)
const ME = new Uint8Array(32).fill(1)
const PEER = new Uint8Array(32).fill(2)

/** A source whose vector of DOC is `vector` (changed by the test as entries are stored). */
function sourceOf (vector: AuthorSeq[]): ReplicaSource {
  return { vector: () => vector, vectors: () => [{ doc: DOC, items: vector }] } as unknown as ReplicaSource
}

describe('the view of a document found equal', () => {
  it('does not count an entry of ours as held when the peer\'s own entry makes the view while ours waits to be framed', () => {
    // Reconciliation found both at ME:4, PEER:2. Then ours, ME:5, is stored and handed to the
    // session, and the peer's PEER:3 arrives before ME:5 is framed.
    const vector: AuthorSeq[] = [{ author: ME, lane: 0, seq: 4n }, { author: PEER, lane: 0, seq: 2n }]
    const view = new PeerView(sourceOf(vector), () => true)
    vector[0] = { author: ME, lane: 0, seq: 5n }
    view.willSend(DOC, { author: ME, lane: 0, seq: 5n })
    vector[1] = { author: PEER, lane: 0, seq: 3n }
    view.remember(DOC, [{ author: PEER, lane: 0, seq: 3n }])
    expect(view.behind().get(toHex(DOC))).toBe(1)
    // ME:5 framed, and refused by the peer: it still lacks it.
    const settled = view.sendingEntries([{ doc: DOC, item: { author: ME, lane: 0, seq: 5n } }])
    expect(view.inFlight().get(toHex(DOC))).toBe(1)
    settled(false)
    expect(view.behind().get(toHex(DOC))).toBe(1)
    expect(view.inFlight().size).toBe(0)
    // Framed again and taken: held.
    view.sendingEntries([{ doc: DOC, item: { author: ME, lane: 0, seq: 5n } }])(true)
    expect(view.behind().get(toHex(DOC))).toBe(0)
  })

  it('counts a refused entry as lacking after a later one of its lane was taken, until the peer is known to hold it', () => {
    const vector: AuthorSeq[] = [{ author: ME, lane: 0, seq: 6n }]
    const view = new PeerView(sourceOf(vector), () => false)
    view.remember(DOC, [{ author: ME, lane: 0, seq: 4n }], true) // its reported vector
    const five = view.sendingEntries([{ doc: DOC, item: { author: ME, lane: 0, seq: 5n } }])
    const six = view.sendingEntries([{ doc: DOC, item: { author: ME, lane: 0, seq: 6n } }])
    five(false) // refused (its budget, a full disk)
    six(true)
    expect(view.behind().get(toHex(DOC))).toBe(1)
    // It reports its vector again: 4 (it holds 4, and 6 past the gap) still lacks 5.
    view.remember(DOC, [{ author: ME, lane: 0, seq: 4n }], true)
    expect(view.behind().get(toHex(DOC))).toBe(1)
    // A catch-up brought it up to our vector: nothing lacking.
    view.remember(DOC, [{ author: ME, lane: 0, seq: 6n }], true)
    expect(view.behind().get(toHex(DOC))).toBe(0)
  })

  it('counts what we held at agreement as held, when nothing of ours is on its way', () => {
    const vector: AuthorSeq[] = [{ author: ME, lane: 0, seq: 4n }]
    const view = new PeerView(sourceOf(vector), () => true)
    view.remember(DOC, [{ author: PEER, lane: 0, seq: 1n }])
    vector.push({ author: PEER, lane: 0, seq: 1n })
    expect(view.behind().get(toHex(DOC))).toBe(0)
  })
})

describe('one document\'s standing, asked alone', () => {
  it('gives what the whole maps give for that document, and lacksAny whether any is lacking', () => {
    // Two documents: DOC, where the peer is behind us (ME 6 to its 4) and ahead (PEER 5 to our 2);
    // OTHER, held the same on both sides.
    const OTHER = new Uint8Array(32).fill(9)
    const vectors = new Map<string, AuthorSeq[]>([
      [toHex(DOC), [{ author: ME, lane: 0, seq: 6n }, { author: PEER, lane: 0, seq: 2n }]],
      [toHex(OTHER), [{ author: ME, lane: 0, seq: 3n }]]
    ])
    const source = { vector: (d: Uint8Array) => vectors.get(toHex(d)) ?? [], vectors: () => [DOC, OTHER].map(d => ({ doc: d, items: vectors.get(toHex(d)) ?? [] })) } as unknown as ReplicaSource
    const view = new PeerView(source, () => false)
    view.remember(DOC, [{ author: ME, lane: 0, seq: 4n }, { author: PEER, lane: 0, seq: 5n }], true)
    view.remember(OTHER, [{ author: ME, lane: 0, seq: 3n }], true)
    view.sendingEntries([{ doc: DOC, item: { author: ME, lane: 0, seq: 5n } }])
    for (const d of [DOC, OTHER, new Uint8Array(32).fill(4)]) {
      const k = toHex(d)
      expect(view.behindOf(k), `behind ${k.slice(0, 4)}`).toBe(view.behind().get(k) ?? 0)
      expect(view.lackingOf(k), `lacking ${k.slice(0, 4)}`).toBe(view.lacking().get(k) ?? 0)
      expect(view.inFlightOf(k), `in flight ${k.slice(0, 4)}`).toBe(view.inFlight().get(k) ?? 0)
    }
    expect(view.lackingOf(toHex(DOC))).toBe(3)
    expect(view.lacksAny()).toBe(true)
    // Once we hold what the peer reported, nothing is lacking anywhere.
    vectors.set(toHex(DOC), [{ author: ME, lane: 0, seq: 6n }, { author: PEER, lane: 0, seq: 5n }])
    expect(view.lacksAny()).toBe(false)
    expect(view.lacking().get(toHex(DOC))).toBe(0)
  })
})
