/**
 * agents.import's pieces shared by its two paths (api/local.ts): storing native records with
 * the session's capture metadata, idempotently, and picking the view messages of the records
 * that were new. Runs inside a change of the session's document.
 */
import { MAX_APPEND_BYTES, RecordsDoc, type NativeRecord } from '../../crdt/index.js'

export interface CaptureMeta { agent: string, sessionId: string, cwd?: string, gitRemote?: string, name?: string, dir?: string }

/** Appends the records not held yet (and the metadata when it changed); returns those added. */
export function appendRecords (d: RecordsDoc, meta: CaptureMeta, records: readonly NativeRecord[]): NativeRecord[] {
  // Idempotence: what is held already costs nothing, not even an entry.
  const old = d.getMeta()
  const metaChanged = old === undefined || Object.entries(meta).some(([k, v]) => v !== undefined && (old as unknown as Record<string, unknown>)[k] !== v)
  if (metaChanged) d.setMeta(meta as Parameters<RecordsDoc['setMeta']>[0])
  return d.append(records)
}

/** The view messages of the records just added (a message carries its record's id, maybe with #n). */
export function viewOf<M extends { id?: string }> (added: readonly NativeRecord[], messages: readonly M[]): M[] {
  const ids = new Set(added.filter(a => a.file === '').map(a => a.id))
  return messages.filter(m => m.id !== undefined && ids.has(m.id.replace(/#\d+$/, '')))
}

/** Whether records and their view fit in one entry together. */
export function fitsOneEntry (recordBytes: number, messages: ReadonlyArray<{ content: string }>): boolean {
  let n = recordBytes
  for (const m of messages) n += Buffer.byteLength(m.content) + 256
  return n <= MAX_APPEND_BYTES
}
