/**
 * Data already in a document checked against its shapes (schema.ts): `checkChanges`, inside the
 * transaction that applied remote updates, every value they added or changed; `checkDoc`, a whole
 * document; `messageProblem`, one message. Each returns why the data is bad and the Yjs id of the
 * item that holds it (to find the entry that wrote it), or undefined.
 */
import * as Y from 'yjs'
import { keyPath, MESSAGE, own, ROOTS, type DocKind, type Node, type YArrayShape, type YMapShape } from './schema.js'

/** Why data does not fit, and the Yjs id of the item that holds it (to find the entry that wrote it). */
export interface Problem { reason: string, at?: { client: number, clock: number } }

/** A message map's fields, or undefined when it does not fit. */
export function messageProblem (m: unknown): string | undefined {
  if (m instanceof Y.Map) for (const k of ['id', 'role', 'content', 'ts', 'device']) if (!m.has(k)) return `message: no ${k}`
  return check(MESSAGE, m, 'message')?.reason
}

const problem = (reason: string, item: Y.Item | undefined): Problem => item === undefined ? { reason } : { reason, at: { client: item.id.client, clock: item.id.clock } }

export function check (n: Node, v: unknown, path: string, item?: Y.Item): Problem | undefined {
  if (typeof n === 'function') {
    const p = n(v)
    return p === undefined ? undefined : problem(`${path}: ${p}`, item)
  }
  if (n.y === 'array') {
    if (!(v instanceof Y.Array)) return problem(`${path}: not a Y.Array`, item)
    return checkItems(n.item, items(v), path)
  }
  if (!(v instanceof Y.Map)) return problem(`${path}: not a Y.Map`, item)
  return checkKeys(n, v, [...mapKeys(v)], path)
}

/** The whole document (after a load). Root types Yjs holds as placeholders are read through. */
export function checkDoc (kind: DocKind, doc: Y.Doc): Problem | undefined {
  for (const [name, n] of Object.entries(ROOTS[kind])) {
    const t = doc.share.get(name)
    if (t === undefined) continue
    const p = n.y === 'array' ? checkItems(n.item, items(t), name) : checkKeys(n, t, [...mapKeys(t)], name)
    if (p !== undefined) return p
  }
  return undefined
}

/**
 * What a transaction of remote updates added or changed, before it ends: for every type it
 * changed (`tr.changed`; types created in it are reached through their parent), the items it
 * inserted into an array and the keys it set in a map, each checked deeply.
 */
export function checkChanges (kind: DocKind, tr: Y.Transaction): Problem | undefined {
  const roots = ROOTS[kind]
  if (Object.keys(roots).length === 0) return undefined
  for (const [type, keys] of tr.changed) {
    const at = locate(roots, tr.doc, type)
    if (at === undefined) continue
    const [n, path] = at
    let p: Problem | undefined
    if (typeof n === 'function') p = problem(`${path}: not a plain value`, type._item ?? undefined)
    else if (n.y === 'array') p = checkItems(n.item, items(type, tr.beforeState), path)
    else p = checkKeys(n, type, [...keys].filter((k): k is string => k !== null), path)
    if (p !== undefined) return p
  }
  return undefined
}

function checkItems (n: Node, list: Iterable<[unknown, Y.Item]>, path: string): Problem | undefined {
  for (const [x, item] of list) {
    const p = check(n, x, `${path}[]`, item)
    if (p !== undefined) return p
  }
  return undefined
}

function checkKeys (n: YMapShape, t: Y.AbstractType<any>, keys: string[], path: string): Problem | undefined {
  for (const k of keys) {
    const s = n.key(k)
    if (s === undefined) continue
    const item = t._map.get(k)
    if (item === undefined || item.deleted) continue
    const c = item.content.getContent()
    const p = check(s, c[c.length - 1], keyPath(n, path, k), item)
    if (p !== undefined) return p
  }
  return undefined
}

/** The schema node of a type and its path, walking up to its root; undefined outside the schema. */
export function locate (roots: Record<string, YArrayShape | YMapShape>, doc: Y.Doc, type: Y.AbstractType<any>): [Node, string] | undefined {
  const item = type._item
  if (item === null) {
    for (const [name, t] of doc.share) {
      if (t !== type) continue
      const n = own(roots, name)
      return n === undefined ? undefined : [n, name]
    }
    return undefined
  }
  const parent = item.parent
  if (!(parent instanceof Y.AbstractType)) return undefined
  const up = locate(roots, doc, parent)
  if (up === undefined) return undefined
  const [pn, path] = up
  if (typeof pn === 'function') return [pn, path]
  if (pn.y === 'array') return [pn.item, `${path}[]`]
  const sub = item.parentSub
  if (sub === null) return undefined // an array-style item in a map: no reader sees it
  const s = pn.key(sub)
  return s === undefined ? undefined : [s, keyPath(pn, path, sub)]
}

/** A type's live array values with their items (placeholders included), or only those inserted since `before`. */
function * items (t: Y.AbstractType<any>, before?: Map<number, number>): Generator<[unknown, Y.Item]> {
  for (let n = t._start; n !== null; n = n.right) {
    if (n.deleted || !n.countable) continue
    if (before !== undefined && n.id.clock < (before.get(n.id.client) ?? 0)) continue
    for (const x of n.content.getContent()) yield [x, n]
  }
}

function * mapKeys (t: Y.AbstractType<any>): Generator<string> {
  for (const [k, item] of t._map) if (!item.deleted) yield k
}
