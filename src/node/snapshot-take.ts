/**
 * Taking a snapshot of an open document in slices: its state is encoded as parts (crdt/parts.ts)
 * and sealed chunk by chunk as they come, the event loop given a turn between slices, and the
 * sealed chunks written to a staged file. In one step (encodeStateAsUpdate, then sealing) a
 * 100,000-message session held the loop for about a second.
 */
import { logger } from '@libp2p/logger'
import { PARTS_MAGIC, SnapshotSealer, StatePartsEncoder, type SealContext } from '../../crdt/index.js'
import { StoreWriteError } from '../errors.js'
import { toHex, u32be, type Entry } from '../identity/index.js'
import { KEEP_FREE, type EntryStore, type StoredSnapshot } from '../store/index.js'
import type { Replica } from './replica.js'
import { Slicer } from './slice.js'

const log = logger('mesh:node:snapshot')
/** How long a snapshot waits at its end for the signatures of bodies applied ahead of them. */
const AHEAD_WAIT_MS = 2_000
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * The replica's state as it is now, with the vector it covers, sealed (format 2: parts).
 * Undefined when the replica stopped or was reloaded meanwhile, or still holds a body applied
 * ahead of its signature at the end (nothing is written then; a later snapshot takes it).
 * `sink`, when given, is handed the sealed chunks as they come (and waited for when it asks);
 * the chunks returned are then only the last ones.
 */
export async function sealReplica (ctx: SealContext, r: Replica, seq: bigint, slicer = new Slicer(), sink?: (chunk: Uint8Array) => Promise<void> | undefined): Promise<{ header: Entry, chunks: Uint8Array[] } | undefined> {
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
    if (sink !== undefined) for (const c of sealer.take()) await sink(c)
    if (slicer.due(last)) {
      await slicer.breathe()
      if (!r.readable || r.doc !== doc) return undefined
    }
  }
  // A body applied ahead of its signature may be in what was sealed: the snapshot is kept once
  // every such body is signed, never if one was undone (the replica is reloaded then), so it
  // never seals a change that no stored entry holds. Only bodies applied before the last part was
  // encoded can be in it: those are waited for, not the ones a live stream applies meanwhile.
  // Signatures follow their bodies within a tick or two, and are checked with their author's run
  // (live-runs.ts, up to LIVE_RUN_MS); one that does not come in AHEAD_WAIT_MS gives this snapshot
  // up (a later one is taken).
  const mark = r.aheadMark()
  for (const until = performance.now() + AHEAD_WAIT_MS; !r.settledBefore(mark) && performance.now() < until;) await sleep(5)
  if (!r.settledBefore(mark) || !r.readable || r.doc !== doc) return undefined
  return sealer.final(covers)
}

/**
 * Seals the replica's state and stores it. It replaces only snapshots this document applied:
 * its state holds those, by construction. Undefined when the replica stopped meanwhile.
 * `atLeast`: the room an earlier try found it needs at least (the `needs` of its error: twice
 * what it had sealed when it gave up); with less free it is not tried (undefined, logged for
 * debugging only: the first try said why), so each close or append past the threshold costs a
 * statfs, not a seal of up to half the free space and an error.
 */
export async function storeSnapshotOf (store: EntryStore, ctx: SealContext, r: Replica, seq: bigint, atLeast = 0): Promise<StoredSnapshot | undefined> {
  // The chunks wait on disk, not in memory, until the header that comes first in the file is
  // signed (see snapshotScratch), then are copied into the snapshot's file a piece at a time:
  // the document's size twice on disk at once. Given up before it would take the room kept
  // for the log's appends (KEEP_FREE). A disk that cannot be asked stops nothing: the writes tell.
  const room = (await store.freeBytes() ?? Infinity) - KEEP_FREE
  if (atLeast > room) { log('snapshot of %s waits for room: %d bytes free past the reserve, at least %d needed', r.name, room, atLeast); return undefined }
  let size = 0
  const hold = (c: Uint8Array): Promise<void> | undefined => {
    size += c.byteLength
    if (2 * size > room) throw noRoom(store, size, room)
    return scratch.write(c)
  }
  const scratch = store.snapshotScratch(r.id)
  try {
    const sealed = await sealReplica(ctx, r, seq, undefined, hold)
    if (sealed === undefined) return undefined
    for (const c of sealed.chunks) await hold(c)
    const staged = store.stageSnapshot(sealed.header, { replaces: s => r.snapshotsIn.has(toHex(s.header.signature)) })
    try {
      for await (const piece of scratch.pieces(COPY_PIECE)) await staged.write(piece)
    } catch (err) {
      await staged.discard()
      throw err
    }
    const stored = await staged.commit()
    r.snapshotsIn.add(toHex(sealed.header.signature))
    return stored
  } finally {
    await scratch.discard()
  }
}

function noRoom (store: EntryStore, size: number, room: number): StoreWriteError {
  const mib = (n: number): string => `${(Math.max(0, n) / (1024 * 1024)).toFixed(1)} MiB`
  return new StoreWriteError(`no room for a snapshot under ${store.dir}: it takes over ${mib(2 * size)} while it is written (${mib(room + KEEP_FREE)} free, ${mib(KEEP_FREE)} of it kept for writes); it is taken once space is freed, and the log keeps every entry meanwhile`, { path: store.dir, errno: 'ENOSPC', needs: 2 * size })
}

/** Bytes copied from the scratch file at a time. */
const COPY_PIECE = 4 * 1024 * 1024
