/**
 * The calls of one import: records in batches under a byte budget (a long record in parts first),
 * each batch with the view messages of its main file's records. A message's id is its record's,
 * or `id#n` for the n-th message one record shows; a record in parts over two batches gives its
 * messages to both, as a filter of the view per batch did. One pass over each list: that filter
 * went over the whole view for every batch, which made a long transcript's import quadratic.
 *
 * @example
 * for (const { records, messages } of importBatches(bundle.records, bundle.view)) await api.call('agents.import', { ...meta, records, messages })
 */
import type { NativeRecord } from '../../crdt/records.js'
import { batches, toParts } from './bundle.js'
import type { ViewMessage } from './claude/view.js'

export interface ImportBatch { records: NativeRecord[], messages: ViewMessage[] }

export function importBatches (records: readonly NativeRecord[], view: readonly ViewMessage[]): ImportBatch[] {
  const out: ImportBatch[] = batches(toParts(records)).map(records => ({ records, messages: [] }))
  const batchesOf = new Map<string, number[]>()
  out.forEach(({ records }, i) => {
    for (const r of records) {
      if (r.file !== '') continue
      const at = batchesOf.get(r.id)
      if (at === undefined) batchesOf.set(r.id, [i])
      else if (at[at.length - 1] !== i) at.push(i)
    }
  })
  for (const m of view) {
    const hash = m.id.search(/#\d+$/)
    for (const i of batchesOf.get(hash === -1 ? m.id : m.id.slice(0, hash)) ?? []) out[i]?.messages.push(m)
  }
  return out
}
