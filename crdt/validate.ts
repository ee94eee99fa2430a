/**
 * Updates checked before they are applied. A member's entry can hold any Yjs a writer's key
 * signs: bytes Yjs cannot decode (which throw deep inside it), or valid Yjs of the wrong shape (a
 * lease that is a number, a transcript item that is not a chunk). `checkUpdate` decodes an update
 * without applying it (nothing changes when it throws) and checks its bounds and what it writes
 * under a root; `checkAgainst` checks it against the open document it is about to change;
 * `checkBounds` reads the bounds alone off its bytes. Each returns why the update is bad, or
 * undefined. The shapes are schema.ts's, and the checks of what a document already holds
 * (`checkChanges`, `checkDoc`) doc-check.ts's; both are named from here too, as before.
 */
import * as Y from 'yjs'
import { checkChanges, checkDoc, check, locate, messageProblem, type Problem } from './doc-check.js'
import { keyPath, own, quoteKey, ROOTS, type DocKind, type Node } from './schema.js'
import { scanUpdate, type UpdateExtent } from './update-scan.js'

// The shapes (schema.ts) and the checks of a document's data (doc-check.ts) are named from here too.
export { copyJson, copyOf, docKind, fits, isJson, isTime, MAX_JSON_DEPTH, MAX_TIME, MESSAGE_FIELDS, SHAPES, withoutKeys, type DocKind } from './schema.js'
export { checkChanges, checkDoc, messageProblem, type Problem }

/**
 * Bounds on one update, checked on its decoded structs before it is applied. An entry is at
 * most 1 MiB, but a struct's length or a deleted range is a varint: a crafted update can claim
 * billions of clock ticks in a few bytes, which Yjs then walks (yjs issue #687).
 */
export const UPDATE_BOUNDS = { maxClockSpan: 1 << 24, maxStructs: 1 << 20 } as const

/** Whether an update writes the struct with this id (the culprit of a Problem). */
export function updateWrites (update: Uint8Array, at: { client: number, clock: number }): boolean {
  let structs: Array<{ id: { client: number, clock: number }, length: number }>
  try { structs = Y.decodeUpdate(update).structs } catch { return false }
  return structs.some(s => s.id.client === at.client && s.id.clock <= at.clock && at.clock < s.id.clock + s.length)
}

/**
 * Decodes an update without applying it and checks it: it must decode whole, stay within
 * UPDATE_BOUNDS, and what it writes straight under a root of this kind of document must fit
 * (a lease that is a number is caught here, before the entry is stored or forwarded; deeper
 * items need the document and are checked by checkChanges). Returns the problem or undefined.
 */
export function checkUpdate (kind: DocKind, update: Uint8Array, bounds: { maxClockSpan: number, maxStructs: number } = UPDATE_BOUNDS): string | undefined {
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>, ds: { clients: Map<number, Array<{ clock: number, len: number }>> } }
  try {
    decoded = Y.decodeUpdate(update) as any
  } catch (err: any) {
    return `the update does not decode: ${String(err?.message ?? err)}`
  }
  const out = bounded(decoded, bounds)
  if (out !== undefined) return out
  const roots = ROOTS[kind]
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item) || typeof s.parent !== 'string') continue
    const n = own(roots, s.parent)
    if (n === undefined) continue
    const values = s.content.getContent()
    let p: string | undefined
    if (n.y === 'array') {
      // Types written under a root are new: they are empty here, their content follows as items of their own.
      if (s.parentSub === null) for (const v of values) { p = checkShallow(n.item, v, `${s.parent}[]`); if (p !== undefined) break }
    } else if (s.parentSub !== null) {
      const f = n.key(s.parentSub)
      if (f !== undefined && values.length > 0) p = checkShallow(f, values[values.length - 1], keyPath(n, s.parent, s.parentSub))
    }
    if (p !== undefined) return p
  }
  return undefined
}

/**
 * The bounds of UPDATE_BOUNDS (or others) alone, read off the update's bytes without decoding
 * it (update-scan.ts): for a snapshot's parts, which are then applied to a scratch document
 * whose changes checkChanges checks for the shapes. Returns the problem or undefined.
 */
export function checkBounds (update: Uint8Array, bounds: { maxClockSpan: number, maxStructs: number } = UPDATE_BOUNDS): string | undefined {
  let x: UpdateExtent
  try {
    x = scanUpdate(update)
  } catch (err: any) {
    return `the update does not decode: ${String(err?.message ?? err)}`
  }
  if (x.structs > bounds.maxStructs) return OUT_OF_BOUNDS.structs(x.structs)
  if (x.maxSpan > bounds.maxClockSpan) return OUT_OF_BOUNDS.span(x.maxSpan)
  if (x.maxDeleted > bounds.maxClockSpan) return OUT_OF_BOUNDS.deleted(x.maxDeleted)
  return undefined
}

/** Why an update is out of bounds, said one way whether it was decoded (bounded) or scanned (checkBounds). */
const OUT_OF_BOUNDS = {
  structs: (n: number) => `the update holds ${n} structs`,
  span: (n: number) => `a struct of the update spans ${n} clock ticks`,
  deleted: (n: number) => `the update deletes a range of ${n}`
}

function bounded (decoded: { structs: Array<{ length: number }>, ds: { clients: Map<number, Array<{ len: number }>> } }, bounds: { maxClockSpan: number, maxStructs: number }): string | undefined {
  if (decoded.structs.length > bounds.maxStructs) return OUT_OF_BOUNDS.structs(decoded.structs.length)
  for (const s of decoded.structs) {
    if (!(s.length >= 0 && s.length <= bounds.maxClockSpan)) return OUT_OF_BOUNDS.span(s.length)
  }
  for (const ranges of decoded.ds.clients.values()) {
    for (const r of ranges) if (!(r.len >= 0 && r.len <= bounds.maxClockSpan)) return OUT_OF_BOUNDS.deleted(r.len)
  }
  return undefined
}

/** A value's own kind against a node, without its content (a new type has none yet). */
function checkShallow (n: Node, v: unknown, path: string): string | undefined {
  if (typeof n === 'function') return v instanceof Y.AbstractType ? `${path}: not a plain value` : check(n, v, path)?.reason
  if (n.y === 'array') return v instanceof Y.Array ? undefined : `${path}: not a Y.Array`
  return v instanceof Y.Map ? undefined : `${path}: not a Y.Map`
}

/** Where a new item would go: its parent type's schema node, and the key it sets (null in an array). */
type Place = { node: Node | undefined, sub: string | null } | 'unknown' | string

/**
 * Checks an update against the document it is about to be applied to, before anything changes:
 * every item's parent (named, or taken from its neighbour, in the document or in the update)
 * must be a type, and what it writes must fit the schema there (types by kind; their content
 * follows as items of their own, checked the same way). Items whose neighbours are missing
 * (Yjs would hold them back) are left to checkChanges when they integrate. Applying is not
 * transactional, so this is what keeps a bad entry from touching an open document at all.
 */
export function checkAgainst (kind: DocKind, doc: Y.Doc, update: Uint8Array): string | undefined {
  return checkAgainstDoc(kind, doc, update).problem
}

/**
 * As checkAgainst, and whether every item was placed: when all were (and nothing waited in Yjs
 * before), applying the update integrates exactly what was checked, and checkChanges may be skipped.
 */
export function checkAgainstDoc (kind: DocKind, doc: Y.Doc, update: Uint8Array): { problem?: string, complete: boolean } {
  const roots = ROOTS[kind]
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>, ds: { clients: Map<number, Array<{ clock: number, len: number }>> } }
  try { decoded = Y.decodeUpdate(update) as any } catch (err: any) { return { problem: `the update does not decode: ${String(err?.message ?? err)}`, complete: false } }
  const out = bounded(decoded, UPDATE_BOUNDS)
  if (out !== undefined) return { problem: out, complete: false }
  const structs = decoded.structs
  let complete = true
  // The update's items by client, in clock order: a lookup is a binary search. (A linear find per
  // lookup, times the walks below, made an append of 800 messages take ~2 s to check against an
  // open document: the event loop blocked, the sync session starved.)
  const mine = new Map<number, Y.Item[]>()
  for (const s of structs) if (s instanceof Y.Item) { const l = mine.get(s.id.client) ?? []; l.push(s); mine.set(s.id.client, l) }
  for (const l of mine.values()) l.sort((a, b) => a.id.clock - b.id.clock)
  const inUpdate = (id: { client: number, clock: number }): Y.Item | undefined => {
    const l = mine.get(id.client)
    if (l === undefined) return undefined
    let lo = 0
    let hi = l.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const i = l[mid] as Y.Item
      if (id.clock < i.id.clock) hi = mid - 1
      else if (id.clock >= i.id.clock + i.length) lo = mid + 1
      else return i
    }
    return undefined
  }
  // Where each item of the update goes, once found: an array's appended items each reach their
  // parent through their left neighbour, and a map's keys through the map, so without this every
  // item walked its neighbours again (up to 64 deep, then counted as unknown). Only what was found
  // is kept: an 'unknown' may come from the depth bound, and another walk may get further.
  const placed = new Map<Y.Item, Place>()
  const inDoc = (id: { client: number, clock: number }): Y.Item | Y.GC | undefined => {
    const have = doc.store.clients.get(id.client)
    const last = have?.[have.length - 1]
    if (last === undefined || id.clock >= last.id.clock + last.length) return undefined
    try { return Y.getItem(doc.store, Y.createID(id.client, id.clock)) as Y.Item | Y.GC } catch { return undefined }
  }
  const placeOfType = (item: Y.Item, depth: number): Place => {
    // The node of the type an existing or new ContentType item holds.
    if (!(item.content instanceof Y.ContentType)) return 'its parent is not a type'
    if (item.parent instanceof Y.AbstractType) {
      const at = locate(roots, doc, item.content.type)
      return { node: at?.[0], sub: null }
    }
    const up = placeOf(item, depth + 1)
    if (typeof up === 'string') return up
    return { node: childNode(up.node, up.sub), sub: null }
  }
  const placeOf = (item: Y.Item, depth: number): Place => {
    const known = placed.get(item)
    if (known !== undefined) return known
    const at = walk(item, depth)
    if (at !== 'unknown') placed.set(item, at)
    return at
  }
  const walk = (item: Y.Item, depth: number): Place => {
    if (depth > 64) return 'unknown'
    if (typeof item.parent === 'string') return { node: own(roots, item.parent), sub: item.parentSub }
    if (item.parent instanceof Y.AbstractType) { // an item of the document
      const at = locate(roots, doc, item.parent)
      return { node: at?.[0], sub: item.parentSub }
    }
    if (item.parent !== null) {
      const pid = item.parent as unknown as { client: number, clock: number }
      const p = inUpdate(pid) ?? inDoc(pid)
      if (p === undefined) return 'unknown'
      // Deleted (a GC, or an item whose content was dropped): Yjs discards what goes into it.
      if (p instanceof Y.GC || p.deleted || p.content instanceof Y.ContentDeleted) return 'unknown'
      const t = placeOfType(p, depth)
      return typeof t === 'string' ? t : { node: t.node, sub: item.parentSub }
    }
    const nid = item.origin ?? item.rightOrigin
    if (nid === null) return 'unknown'
    const n = inUpdate(nid) ?? inDoc(nid)
    if (n === undefined || n instanceof Y.GC) return 'unknown'
    if (n.parent === null && n.content instanceof Y.ContentDeleted && !(typeof n.parent === 'string')) return 'unknown'
    return placeOf(n, depth + 1)
  }
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue
    const at = placeOf(s, 0)
    if (at === 'unknown') { complete = false; continue }
    if (typeof at === 'string') return { problem: at, complete }
    if (at.node === undefined) continue
    const values = s.content.getContent()
    if (values.length === 0) continue
    const n = childNode(at.node, at.sub)
    if (n === undefined) continue
    if (at.sub === null && typeof at.node !== 'function' && at.node.y === 'array') {
      for (const v of values) { const p = checkShallow(n, v, 'item'); if (p !== undefined) return { problem: p, complete } }
    } else {
      const p = checkShallow(n, values[values.length - 1], at.sub === null ? 'item' : typeof at.node !== 'function' && at.node.y === 'map' && at.node.anyKey !== true ? at.sub : quoteKey(at.sub))
      if (p !== undefined) return { problem: p, complete }
    }
  }
  return { complete }
}

/** The node of a child of `n` at key `sub` (null: an array element). */
function childNode (n: Node | undefined, sub: string | null): Node | undefined {
  if (n === undefined) return undefined
  if (typeof n === 'function') return () => 'not a plain value'
  if (n.y === 'array') return sub === null ? n.item : undefined
  return sub === null ? undefined : n.key(sub)
}
