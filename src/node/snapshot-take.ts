/**
 * Taking a snapshot of an open document in slices: its state is encoded as parts (crdt/parts.ts)
 * and sealed chunk by chunk as they come, the event loop given a turn between slices, and the
 * sealed chunks written to a staged file. In one step (encodeStateAsUpdate, then sealing) a
 * 100,000-message session held the loop for about a second.
 */
import { PARTS_MAGIC, SnapshotSealer, StatePartsEncoder, type SealContext } from '../../crdt/index.js'
import { toHex, u32be, type Entry } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import type { Replica } from './replica.js'
import { Slicer } from './slice.js'

/**
 * The replica's state as it is now, with the vector it covers, sealed (format 2: parts).
 * Undefined when the replica stopped or was reloaded meanwhile (nothing is written then).
 */
export async function sealReplica (ctx: SealContext, r: Replica, seq: bigint, slicer = new Slicer()): Promise<{ header: Entry, chunks: Uint8Array[] } | undefined> {
  // What the doc holds, not what the store holds: the two differ while entries are in flight.
  const covers = r.coverVector()
  const doc = r.doc
  const parts = new StatePartsEncoder(doc)
  const sealer = new SnapshotSealer(ctx, r.id, seq)
  sealer.update(PARTS_MAGIC)
  // A part takes 1-20 ms to encode and seal (more on a loaded machine): the slice ends before the
  // next one would take it past its budget, at the cost the last one took.
  let last = 0
  for (let t = performance.now(), p = parts.next(); p !== undefined; t = performance.now(), p = parts.next()) {
    sealer.update(u32be(p.byteLength))
    sealer.update(p)
    last = performance.now() - t
    if (slicer.due(last)) {
      await slicer.breathe()
      if (!r.readable || r.doc !== doc) return undefined
    }
  }
  return sealer.final(covers)
}

/**
 * Seals the replica's state and stores it. It replaces only snapshots this document applied:
 * its state holds those, by construction. Undefined when the replica stopped meanwhile.
 */
export async function storeSnapshotOf (store: EntryStore, ctx: SealContext, r: Replica, seq: bigint): Promise<StoredSnapshot | undefined> {
  const sealed = await sealReplica(ctx, r, seq)
  if (sealed === undefined) return undefined
  const staged = store.stageSnapshot(sealed.header, { replaces: s => r.snapshotsIn.has(toHex(s.header.signature)) })
  try {
    for (const c of sealed.chunks) await staged.write(c)
  } catch (err) {
    await staged.discard()
    throw err
  }
  const stored = await staged.commit()
  r.snapshotsIn.add(toHex(sealed.header.signature))
  return stored
}
