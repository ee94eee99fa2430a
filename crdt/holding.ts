/**
 * What a Yjs state holds, to check an update against it without applying anything: a snapshot
 * claims (in `covers`) the entries its state contains, and a receiver with the key checks that
 * claim entry by entry. An update is held when every struct it writes lies within the state's
 * state vector and every range it deletes is deleted in the state (a GC'd item counts).
 */
import * as Y from 'yjs'
import { stateParts } from './parts.js'

export interface Holding {
  /** client -> next clock the state lacks. */
  readonly sv: Map<number, number>
  /** client -> sorted, merged [clock, end) ranges the state deletes. */
  readonly ds: Map<number, Array<[number, number]>>
}

interface Decoded { structs: Array<{ id: { client: number, clock: number }, length: number }>, ds: { clients: Map<number, Array<{ clock: number, len: number }>> } }

/** Decodes a state (an update of a whole document, or its parts: see parts.ts); throws what Yjs throws on bytes that do not decode. */
export function holdingOf (state: Uint8Array | readonly Uint8Array[]): Holding {
  const b = new HoldingBuilder()
  for (const part of state instanceof Uint8Array ? stateParts(state) : state) b.add(part)
  return b.done()
}

/** holdingOf one part at a time (a caller may yield between parts of a large state). */
export class HoldingBuilder {
  private readonly sv = new Map<number, number>()
  private readonly deleted = new Map<number, Array<{ clock: number, len: number }>>()

  add (part: Uint8Array): void {
    const d = Y.decodeUpdate(part) as unknown as Decoded
    for (const s of d.structs) {
      if (s instanceof Y.Skip) continue
      const end = s.id.clock + s.length
      if (end > (this.sv.get(s.id.client) ?? 0)) this.sv.set(s.id.client, end)
    }
    for (const [client, ranges] of d.ds.clients) {
      let l = this.deleted.get(client)
      if (l === undefined) { l = []; this.deleted.set(client, l) }
      for (const r of ranges) l.push(r)
    }
  }

  done (): Holding {
    return { sv: this.sv, ds: mergedRanges(this.deleted) }
  }
}

/** Per client, deleted ranges as sorted, merged [clock, end) pairs. */
function mergedRanges (deleted: ReadonlyMap<number, ReadonlyArray<{ clock: number, len: number }>>): Map<number, Array<[number, number]>> {
  const ds = new Map<number, Array<[number, number]>>()
  for (const [client, ranges] of deleted) {
    const sorted = ranges.map(r => [r.clock, r.clock + r.len] as [number, number]).sort((a, b) => a[0] - b[0])
    const merged: Array<[number, number]> = []
    for (const r of sorted) {
      const last = merged[merged.length - 1]
      if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
      else merged.push([r[0], r[1]])
    }
    ds.set(client, merged)
  }
  return ds
}

/**
 * What a document that applied a whole state holds, read off its struct store instead of
 * decoding the state again: its state vector and its deleted ranges (GC'd items included).
 * Undefined when Yjs holds structs or deletions of it back (pending): those are in the state's
 * bytes but not in the store, and the state's own holding must be decoded then.
 */
export function holdingOfDoc (doc: Y.Doc): Holding | undefined {
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return undefined
  const sv = new Map<number, number>()
  for (const [client, structs] of doc.store.clients) {
    const last = structs[structs.length - 1]
    if (last !== undefined) sv.set(client, last.id.clock + last.length)
  }
  const deleted = Y.createDeleteSetFromStructStore(doc.store) as unknown as Decoded['ds']
  return { sv, ds: mergedRanges(deleted.clients) }
}

/** Whether the state holds everything an update (or a state in parts) writes and deletes; false when it does not decode. */
export function holds (h: Holding, update: Uint8Array): boolean {
  let parts: Uint8Array[]
  try { parts = stateParts(update) } catch { return false }
  return parts.every(p => holdsOne(h, p))
}

/** holds() for one Yjs update. */
export function holdsOne (h: Holding, update: Uint8Array): boolean {
  let d: Decoded
  try { d = Y.decodeUpdate(update) as unknown as Decoded } catch { return false }
  for (const s of d.structs) {
    if (s instanceof Y.Skip) continue
    if (s.id.clock + s.length > (h.sv.get(s.id.client) ?? 0)) return false
  }
  for (const [client, ranges] of d.ds.clients) {
    const have = h.ds.get(client) ?? []
    for (const r of ranges) if (r.len > 0 && !covered(have, r.clock, r.clock + r.len)) return false
  }
  return true
}

function covered (ranges: Array<[number, number]>, from: number, to: number): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const r = ranges[mid] as [number, number]
    if (r[1] <= from) lo = mid + 1
    else if (r[0] > from) hi = mid - 1
    else return to <= r[1]
  }
  return false
}
