/**
 * The calls of one import: records in batches under a byte budget (a long record in parts first),
 * each batch with the view messages of its main file's records. A message's id is its record's,
 * or `id#n` for the n-th message one record shows; a record in parts over two batches gives its
 * messages to both, as a filter of the view per batch did. One pass over each list: that filter
 * went over the whole view for every batch, which made a long transcript's import quadratic.
 * Each message is shown at most MAX_SHOWN characters a field (shown()): the records keep all.
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
  for (const v of view) {
    const m = shown(v)
    const hash = m.id.search(/#\d+$/)
    for (const i of batchesOf.get(hash === -1 ? m.id : m.id.slice(0, hash)) ?? []) out[i]?.messages.push(m)
  }
  return out
}

/**
 * The most characters of a view message's content, of its tool call's input (as JSON) and of its
 * tool result's output: what the agents' views cut a message's text to. The view is for reading;
 * the record keeps the whole line, which an export or resume writes back.
 */
export const MAX_SHOWN = 16 * 1024

/**
 * A view message as the import sends it: each long field cut to MAX_SHOWN characters and `…`
 * (a tool call's input then its JSON text, cut). A Codex message's text and every agent's tool
 * call input went whole: a 2 MB one was refused by the append (over 512 KiB a message, 960 KiB
 * an entry) and failed the whole import, though its record travels in parts.
 */
export function shown (m: ViewMessage): ViewMessage {
  let out = m
  if (m.content.length > MAX_SHOWN) out = { ...out, content: cut(m.content) }
  if (m.toolResult !== undefined && m.toolResult.output.length > MAX_SHOWN) out = { ...out, toolResult: { ...m.toolResult, output: cut(m.toolResult.output) } }
  if (m.toolCall !== undefined && m.toolCall.input !== undefined) {
    const json = JSON.stringify(m.toolCall.input) ?? ''
    if (json.length > MAX_SHOWN) out = { ...out, toolCall: { ...m.toolCall, input: cut(json) } }
  }
  return out
}

/** The first MAX_SHOWN characters and `…`, never half a surrogate pair. */
function cut (s: string): string {
  let end = MAX_SHOWN
  const c = s.charCodeAt(end - 1)
  if (c >= 0xd800 && c <= 0xdbff) end--
  return s.slice(0, end) + '…'
}
