/**
 * Last writer by time for the values Yjs resolves by client id: a memory entry, a skill and a
 * session's `lastWriter`. Two devices that set one key of a Y.Map while apart both write an item;
 * Yjs keeps the one of the higher client id, whatever their times. Each of these values carries
 * its (time, device): after a remote transaction, a device whose document holds, among the values
 * of a key the transaction displaced or whose item lost, one newer by (time, device) than what the
 * key holds now, writes that value back as it was (its own time and device). Every write-back
 * moves the key to a strictly greater (time, device), so devices converge on the newest and never
 * loop; a local write is stamped past what it replaces (`stampAfter`), so a later write is newer
 * even on a clock that is behind. See crdt/SPEC.md (Last writer by time).
 */
import * as Y from 'yjs'
import type { DocKind } from './schema.js'
import { copyOf, MAX_TIME, SHAPES } from './validate.js'

/** When, and by which device, a value was written. */
export interface Stamp { ts: number, device: string }

/** Whether `a` is newer than `b`: a later time, or the same time and a greater device id. */
export function newerStamp (a: Stamp, b: Stamp): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.device > b.device)
}

/** The time a write replacing `held` takes: now, or 1 ms past `held` when the clock is not past it (at most the last time a Date holds). */
export function stampAfter (now: number, held: number | undefined): number {
  return held !== undefined && held >= now ? Math.min(held + 1, MAX_TIME) : now
}

interface Field { map: string, key?: string, stamp: (v: unknown) => Stamp | undefined }

const FIELDS: Partial<Record<DocKind, readonly Field[]>> = {
  memory: [{ map: 'entries', stamp: v => { const e = copyOf<{ updatedAt: number, device: string }>(SHAPES.memory, v); return e === undefined ? undefined : { ts: e.updatedAt, device: e.device } } }],
  skills: [{ map: 'skills', stamp: v => { const s = copyOf<{ updatedAt: number, device: string }>(SHAPES.skill, v); return s === undefined ? undefined : { ts: s.updatedAt, device: s.device } } }],
  session: [{ map: 'meta', key: 'lastWriter', stamp: v => copyOf<Stamp>(SHAPES.writer, v) }]
}

/**
 * Makes the root maps `outranked` reads typed maps before anything is applied to `doc`: a root
 * first met in a remote update is a placeholder until someone asks for it, and asking during a
 * transaction's end makes a new instance that is not the one the transaction recorded as changed.
 */
export function watchRoots (kind: DocKind, doc: Y.Doc): void {
  for (const f of FIELDS[kind] ?? []) doc.getMap(f.map)
}

/** A value to write back: `value` under `key` of the root map `map`. */
export interface Outranked { map: string, key: string, value: unknown, stamp: Stamp }

/**
 * What transaction `tr` (a remote one) left outranked in a document of `kind`: for each key it
 * changed, the newest value it displaced or whose item it integrated as the loser, when that is
 * newer than the value the key holds now. Called before the transaction's end collects deleted
 * content (an 'afterTransaction' handler). A key deleted now is left so.
 */
export function outranked (kind: DocKind, tr: Y.Transaction): Outranked[] {
  const fields = FIELDS[kind]
  if (fields === undefined) return []
  const out: Outranked[] = []
  for (const f of fields) {
    const map = tr.doc.getMap(f.map)
    const keys = tr.changed.get(map as Y.AbstractType<any>)
    if (keys === undefined) continue
    for (const key of keys) {
      if (key === null || (f.key !== undefined && key !== f.key)) continue
      const cur = map._map.get(key)
      if (cur === undefined || cur.deleted) continue
      const held = f.stamp(cur.content.getContent()[0])
      if (held === undefined) continue
      let best: Outranked | undefined
      for (let it = cur.left; it !== null; it = it.left) {
        // Only what this transaction touched still has its content: an item it integrated, or one it deleted.
        // One plain value (a ContentAny's); deleted content ([]) and nested types do not fit a stamp.
        if (!it.deleted) continue
        const fresh = it.id.clock >= (tr.beforeState.get(it.id.client) ?? 0)
        if (!fresh && !Y.isDeleted(tr.deleteSet, it.id)) continue
        const content = it.content.getContent()
        if (content.length !== 1) continue
        const stamp = f.stamp(content[0])
        if (stamp !== undefined && newerStamp(stamp, best?.stamp ?? held)) best = { map: f.map, key, value: structuredClone(content[0]), stamp }
      }
      if (best !== undefined) out.push(best)
    }
  }
  return out
}

/** Those of `values` still newer than what their key holds in `doc` (and the key still set). */
export function stillOutranked (kind: DocKind, doc: Y.Doc, values: Iterable<Outranked>): Outranked[] {
  const fields = FIELDS[kind] ?? []
  return [...values].filter(o => {
    const f = fields.find(x => x.map === o.map)
    const map = doc.getMap(o.map)
    if (f === undefined || !map.has(o.key)) return false
    const held = f.stamp(map.get(o.key))
    return held !== undefined && newerStamp(o.stamp, held)
  })
}

/** Writes each value back under its key, as it was (to be called inside a change of `doc`). */
export function writeBack (doc: Y.Doc, values: readonly Outranked[]): void {
  doc.transact(() => { for (const o of values) doc.getMap(o.map).set(o.key, o.value) })
}
