/**
 * Ranges a hostile member sends to make a node work: one 5 KB frame of 1,024 copies of the whole
 * id space with a wrong fingerprint made the node fingerprint and split its 10,000 documents
 * 1,024 times (3.9 s of a blocked event loop), and frames of ranges it holds equal made it tell
 * the data layer about every document again per range and keep every range (88 s for 20 frames).
 * Counted as work, not time: overlapping ranges are refused with their frame, and each document
 * found equal is told once.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type ReconcileItem, type WireRange } from '../../protocols/sync/reconcile.js'
import { Reconciler } from '../../protocols/sync/reconciler.js'
import { FingerprintSum, fromHex, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'

function vault (n: number): { items: ReconcileItem[], digest: Uint8Array } {
  const items: ReconcileItem[] = Array.from({ length: n }, () => {
    const doc = new Uint8Array(randomBytes(32))
    return { id: toHex(doc), doc, fp: new Uint8Array(randomBytes(16)) }
  }).sort((x, y) => x.id < y.id ? -1 : 1)
  const sum = new FingerprintSum()
  for (const i of items) sum.add(i.fp)
  return { items, digest: sum.fingerprint() }
}

function node (index: ReturnType<typeof vault>): { r: Reconciler, sent: () => number, agreed: () => number } {
  let sent = 0
  let agreed = 0
  const r = new Reconciler({
    index: () => index,
    vector: () => [],
    send: (f) => { sent += f.ranges.length + f.vectors.length },
    catchUp: () => {},
    remember: () => {},
    agreed: (docs) => { agreed += docs.length }
  })
  r.hello()
  sent = 0
  return { r, sent: () => sent, agreed: () => agreed }
}

const NONE = new Uint8Array(0)

describe('sync: ranges that make a node work', () => {
  const index = vault(10_000)

  it('1,024 copies of the whole id space in one frame are refused, not answered 1,024 times', () => {
    const { r, sent } = node(index)
    const wrong: WireRange = { lower: Uint8Array.of(0), upper: NONE, fingerprint: new Uint8Array(16), count: 1, listed: false }
    // Before: 16,384 ranges queued back (16 per copy), each copy a pass over 10,000 documents.
    expect(() => { r.onRanges(Array.from({ length: 1024 }, () => wrong), []) }).toThrow(ProtocolError)
    expect(sent()).toBe(0)
  })

  it('ranges that overlap, repeat or end before they start are refused; disjoint ones are answered', () => {
    const { r } = node(index)
    const at = (hex: string): Uint8Array => fromHex(hex)
    const range = (lower: string, upper: string): WireRange => ({ lower: at(lower), upper: at(upper), fingerprint: new Uint8Array(16), count: 1, listed: false })
    expect(() => { r.onRanges([range('10', '30'), range('20', '40')], []) }).toThrow(ProtocolError)
    expect(() => { r.onRanges([range('10', '30'), range('10', '30')], []) }).toThrow(ProtocolError)
    expect(() => { r.onRanges([range('30', '10')], []) }).toThrow(ProtocolError)
    expect(() => { r.onRanges([range('40', ''), range('10', '')], []) }).toThrow(ProtocolError)
    // Adjacent and out of order (a reply lists its sub-ranges, then the peer's ranges it echoes): fine.
    expect(() => { r.onRanges([range('30', '40'), range('10', '30'), range('', '10')], []) }).not.toThrow()
  })

  it('the same equal range, 20 frames of it: each document is told held once', () => {
    const { r, agreed } = node(index)
    const items = index.items
    const sum = new FingerprintSum()
    for (const i of items.slice(1)) sum.add(i.fp)
    // Every document but the first: equal, not the hello's digest.
    const equal: WireRange = { lower: fromHex(items[1]?.id as string), upper: NONE, fingerprint: sum.fingerprint(), count: items.length - 1, listed: false }
    for (let k = 0; k < 20; k++) r.onRanges([equal], [])
    // Before: 20 × 9,999 documents told (and 20 ranges kept, each scanned per document asked about).
    expect(agreed()).toBe(items.length - 1)
    expect(r.agrees(items[5]?.id as string)).toBe(true)
    expect(r.agrees(items[0]?.id as string)).toBe(false)
  })
})
