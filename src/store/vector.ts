/**
 * Vectors: per author lane (`streamKey`), the highest contiguous sequence number held, through
 * entries or a snapshot's claim; and whether one vector holds all of another.
 *
 * @example
 * dominates(vectorOf(newer.covers), vectorOf(older.covers)) // the newer snapshot claims all the older does
 */
import { streamKey, type VectorItem } from '../identity/index.js'

/** Per author lane (`streamKey`), the highest contiguous sequence number held (through entries or a snapshot). */
export type Vector = Map<string, number>

export function vectorOf (items: readonly VectorItem[]): Vector {
  const v: Vector = new Map()
  for (const i of items) v.set(streamKey(i), Number(i.seq))
  return v
}

export function dominates (a: Vector, b: Vector): boolean {
  for (const [k, n] of b) if ((a.get(k) ?? 0) < n) return false
  return true
}
