/**
 * One import's calls (importBatches): records in byte-bounded batches, each with the view messages
 * of its own main-file records, exactly what filtering the whole view per batch gave, in one pass.
 */
import { describe, expect, it } from 'vitest'
import type { NativeRecord } from '../../crdt/records.js'
import { batches, importBatches, PART_BYTES, toParts, type ViewMessage } from '../../src/agents/index.js'

/** The rule as it was written before: every batch filters the whole view. */
function byFilter (records: NativeRecord[], view: ViewMessage[]): Array<{ records: NativeRecord[], messages: ViewMessage[] }> {
  return batches(toParts(records)).map(batch => {
    const ids = new Set(batch.filter(r => r.file === '').map(r => r.id))
    return { records: batch, messages: view.filter(m => ids.has(m.id.replace(/#\d+$/, ''))) }
  })
}

describe('importBatches', () => {
  it('gives each batch the messages of its main-file records, a record in parts to every batch it spans, side files none', () => {
    const records: NativeRecord[] = []
    const view: ViewMessage[] = []
    for (let i = 0; i < 400; i++) {
      const id = `r${i}`
      // Every 97th record is longer than a part: split over batches.
      records.push({ id, file: '', kind: 'line', text: 'x'.repeat(i % 97 === 0 ? PART_BYTES * 3 + 5 : 5_000 + i) })
      view.push({ id, role: 'user', content: `m${i}` })
      if (i % 3 === 0) view.push({ id: `${id}#1`, role: 'tool', content: `t${i}` })
      // A side file's record sharing the id of a main-file record of a later batch brings no message.
      if (i % 50 === 0 && i < 200) records.push({ id: `r${i + 200}`, file: 'subagents/a.jsonl', kind: 'line', text: 'y'.repeat(300_000) })
    }
    view.push({ id: 'nobody', role: 'system', content: 'no record' }, { id: 'r5#x', role: 'system', content: 'not a #n suffix' })
    const got = importBatches(records, view)
    const want = byFilter(records, view)
    expect(got.length).toBeGreaterThan(5)
    expect(got).toEqual(want)
    // The split records do span batches, so the case above is met.
    const spans = got.filter(b => b.records.some(r => r.id === 'r97' && r.parts !== undefined)).length
    expect(spans).toBeGreaterThan(1)
    expect(got.filter(b => b.messages.some(m => m.id === 'r97')).length).toBe(spans)
  })
})
