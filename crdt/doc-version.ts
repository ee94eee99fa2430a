/**
 * How much of a document a copy of it has applied: the sum of every writer's clock, which grows
 * with each change applied (nothing of a transcript is ever deleted). Read in an observer, it
 * counts the transaction told; a read of the same copy whose version is at or above an event's
 * already holds what the event tells. Cheap: one step per writer, not per item.
 */
import * as Y from 'yjs'

export function docVersion (doc: Y.Doc): number {
  let n = 0
  for (const client of doc.store.clients.keys()) n += Y.getState(doc.store, client)
  return n
}
