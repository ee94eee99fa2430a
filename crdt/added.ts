/**
 * What a transaction inserted into arrays, found from the transaction's new structs instead of
 * Yjs's `event.changes`, which walks every item of the event's target: an append to a chunk of
 * the transcript walked up to its 512 messages (~50 µs a message on the 2-core machine, on the
 * path from a peer's entry to the subscriber that shows it).
 */
import * as Y from 'yjs'

/**
 * The undeleted items `tr` inserted, by the array they went into (an item of a map has a key and
 * is left out); undefined when `tr` made more than `most` clocks of new structs (a large remote
 * update, whose structs outnumber the items a walk of its arrays would visit).
 */
export function insertedByParent (tr: Y.Transaction, most = Number.POSITIVE_INFINITY): Map<Y.AbstractType<any>, Y.Item[]> | undefined {
  let made = 0
  for (const [client, after] of tr.afterState) made += Math.max(0, after - (tr.beforeState.get(client) ?? 0))
  if (made > most) return undefined
  const out = new Map<Y.AbstractType<any>, Y.Item[]>()
  for (const [client, after] of tr.afterState) {
    const before = tr.beforeState.get(client) ?? 0
    if (after <= before) continue
    const structs = tr.doc.store.clients.get(client)
    if (structs === undefined) continue
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
      const s = structs[i] as Y.Item | Y.GC
      if (s.id.clock >= after) break
      if (!(s instanceof Y.Item) || s.deleted || s.parentSub !== null || !(s.parent instanceof Y.AbstractType)) continue
      const list = out.get(s.parent)
      if (list === undefined) out.set(s.parent, [s])
      else list.push(s)
    }
  }
  return out
}

/**
 * `items` (all inserted into one array) in the array's order when they lie side by side in it,
 * as one run: what `event.changes.added` lists for that array. Undefined otherwise (inserts of
 * several devices between items already there, or around items deleted in the same
 * transaction): the caller takes `event.changes`.
 */
export function asOneRun (items: readonly Y.Item[]): Y.Item[] | undefined {
  if (items.length <= 1) return [...items]
  const set = new Set(items)
  let head: Y.Item | undefined
  for (const it of items) {
    if (it.left !== null && set.has(it.left)) continue
    if (head !== undefined) return undefined
    head = it
  }
  const run: Y.Item[] = []
  for (let it: Y.Item | null | undefined = head; it !== null && it !== undefined && set.has(it); it = it.right) run.push(it)
  return run.length === items.length ? run : undefined
}
