/**
 * agents.import's pieces shared by its two paths (api/local.ts): storing native records with
 * the session's capture metadata, idempotently, and picking the view messages of the records
 * that were new. Runs inside a change of the session's document. Also what a transcript holds
 * beside its records' view: messages appended through mesh, which no agent's file gets.
 */
import { MAX_APPEND_BYTES, messageCost, RecordsDoc, type CaptureNote, type CaptureStuck, type NativeRecord, type NewMessage } from '../../crdt/index.js'

/** `stuck`: undefined leaves what is held; null clears it. */
export interface CaptureMeta { agent: string, sessionId: string, cwd?: string, gitRemote?: string, name?: string, dir?: string, stuck?: CaptureStuck | null, capture?: CaptureNote | null }

/** Appends the records not held yet (and the metadata when it changed); returns those added. */
export function appendRecords (d: RecordsDoc, meta: CaptureMeta, records: readonly NativeRecord[]): NativeRecord[] {
  // Idempotence: what is held already costs nothing, not even an entry.
  const old = d.getMeta()
  const { stuck, capture, ...rest } = meta
  const metaChanged = old === undefined || Object.entries(rest).some(([k, v]) => v !== undefined && (old as unknown as Record<string, unknown>)[k] !== v)
  if (metaChanged) d.setMeta(rest)
  if (stuck !== undefined) d.setStuck(stuck)
  const added = d.append(records)
  // An import's note of how far it got moves with a batch that stored something, or alone (a
  // call with no records: its Ctrl-C); a batch that held all already leaves it as it is, so a
  // re-import of what mesh holds (the hook's, on every Stop) writes nothing. Cleared at once.
  if (capture === null || (capture !== undefined && (records.length === 0 || added.length > 0))) d.setCapture(capture)
  return added
}

/** The record id a view message carries: its own id without `#n` (a record shown as several messages). */
export function recordIdOf (messageId: string): string { return messageId.replace(/#\d+$/, '') }

/** The view messages of the records just added (a message carries its record's id, maybe with #n). */
export function viewOf<M extends { id?: string }> (added: readonly NativeRecord[], messages: readonly M[]): M[] {
  // A record in parts shows its messages once, with its last part: given with each part's batch
  // (import-batches.ts), a 2 MB line was shown 4 times, a 20 MB one 38.
  const ids = new Set(added.filter(a => a.file === '' && (a.parts === undefined || (a.part ?? 0) === a.parts - 1)).map(a => a.id))
  return messages.filter(m => m.id !== undefined && ids.has(recordIdOf(m.id)))
}

/**
 * How many of a transcript's messages are the view of no record of its main file: messages
 * appended through mesh (sessions.append), which stay in mesh and never reach the agent, since
 * a resume writes the agent's files from its records alone.
 */
export function meshOnlyCount (messageIds: Iterable<string>, records: Iterable<NativeRecord>): number {
  const ids = new Set<string>()
  for (const r of records) if (r.file === '') ids.add(r.id)
  let n = 0
  for (const id of messageIds) if (!ids.has(recordIdOf(id))) n++
  return n
}

/**
 * What sessions.append says when the session holds an agent's own records: the message is kept
 * in mesh, and the agent never gets it.
 */
export function meshOnlyNote (key: string, agent: string): string {
  return `kept in mesh only: ${key} is ${agent}'s own session, and resuming it writes only what ${agent} recorded, so ${agent} never sees this message`
}

/** A device id (a peer id: 52 characters) with room to spare: what each message carries, counted where the writer is not at hand. */
export const A_DEVICE_ID = '-'.repeat(64)

/** Whether records and their view fit in one entry together (each message at what the append counts it, crdt/session.ts messageCost). */
export function fitsOneEntry (recordBytes: number, messages: readonly NewMessage[]): boolean {
  let n = recordBytes
  for (const m of messages) n += messageCost(m, A_DEVICE_ID)
  return n <= MAX_APPEND_BYTES
}
