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
 * content (an 'afterTransaction' handler). A key deleted now is left so. Its cost is the
 * transaction's items, not the key's history: a session's `lastWriter`, set about once a second
 * by each writer, keeps every earlier value's item in its chain.
 */
export function outranked (kind: DocKind, tr: Y.Transaction): Outranked[] {
  const fields = FIELDS[kind]
  if (fields === undefined) return []
  // The keys this transaction changed, per field: none for most (a session's messages).
  const wanted = new Map<Y.AbstractType<any>, { f: Field, keys: Set<string>, losers: Map<string, Y.Item[]> }>()
  for (const f of fields) {
    const map = tr.doc.getMap(f.map) as Y.AbstractType<any>
    const keys = new Set([...tr.changed.get(map) ?? []].filter((k): k is string => k !== null && (f.key === undefined || k === f.key)))
    if (keys.size > 0) wanted.set(map, { f, keys, losers: new Map() })
  }
  if (wanted.size === 0) return []
  // Only what this transaction touched still has its content: an item it integrated that lost, or one it deleted.
  touched(tr, it => {
    const w = it.deleted && typeof it.parentSub === 'string' ? wanted.get(it.parent as Y.AbstractType<any>) : undefined
    if (w === undefined || !w.keys.has(it.parentSub as string)) return
    const l = w.losers.get(it.parentSub as string)
    if (l === undefined) w.losers.set(it.parentSub as string, [it])
    else l.push(it)
  })
  const out: Outranked[] = []
  for (const [map, { f, losers }] of wanted) {
    for (const [key, items] of losers) {
      const cur = (map as Y.Map<unknown>)._map.get(key)
      if (cur === undefined || cur.deleted) continue
      const held = f.stamp(cur.content.getContent()[0])
      if (held === undefined) continue
      let best: Outranked | undefined
      for (const it of items) {
        // One plain value (a ContentAny's); deleted content ([]) and nested types do not fit a stamp.
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

/**
 * Each item transaction `tr` integrated or deleted, once or more (no struct is split, as Yjs's
 * own iterateDeletedStructs would: the transaction is ending).
 */
function touched (tr: Y.Transaction, visit: (it: Y.Item) => void): void {
  const within = (client: number, from: number, to: number): void => {
    const structs = tr.doc.store.clients.get(client)
    if (structs === undefined || from >= to) return
    for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
      const s = structs[i] as Y.AbstractStruct
      if (s.id.clock >= to) break
      if (s instanceof Y.Item) visit(s)
    }
  }
  for (const [client, after] of tr.afterState) within(client, tr.beforeState.get(client) ?? 0, after)
  for (const [client, ranges] of tr.deleteSet.clients) for (const r of ranges) within(client, r.clock, r.clock + r.len)
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

/** The origin of a write-back's transaction. */
export const WRITE_BACK = Symbol('mesh/write-back')

/**
 * Writes each value back under its key, as it was (to be called inside a change of `doc`: it is
 * sealed and sent as every local write is). Its transaction is not `local`: no one here made it,
 * it follows from what a peer sent, so a session's subscribers are told of it as of that change
 * (remote), not as of a write of this device's user.
 */
export function writeBack (doc: Y.Doc, values: readonly Outranked[]): void {
  Y.transact(doc, () => { for (const o of values) doc.getMap(o.map).set(o.key, o.value) }, WRITE_BACK, false)
}
