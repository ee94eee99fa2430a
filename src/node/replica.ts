/**
 * A replica: one open document. Local Yjs updates are sealed, signed, appended to the store and
 * handed to the mesh as they happen (the send does not wait for the local fsync: see lane.ts);
 * `change()` resolves once they are durable. Remote updates arrive through the
 * vault's admission path and are applied with the REMOTE origin so they are not sealed again.
 * A failed write (a full disk) breaks the replica: its in-memory state holds a change the disk
 * does not, so it refuses further work and the vault reloads the document from disk on next open.
 */
import { logger } from '@libp2p/logger'
import * as Y from 'yjs'
import { checkChanges, docKind, newerStamp, outranked, sealUpdatesUnsigned, stillOutranked, watchRoots, writeBack, type DocKind, type Outranked, type Problem } from '../../crdt/index.js'
import { ClosedError, EntryTooLargeError } from '../errors.js'
import { LIMITS as ENTRY_LIMITS, parseStreamKey, prevOf, signedEntrySize, signPrepared, streamKey, type DocId, type Entry, type VectorItem } from '../identity/index.js'
import { Slicer } from './slice.js'
import type { Vault } from './vault.js'

const log = logger('mesh:node:replica')
export const REMOTE = Symbol('mesh-remote')
/** Bounds of one entry sealed from a turn's updates (an entry is at most 1 MiB). */
const BATCH = { maxBytes: 256 * 1024, maxUpdates: 1024 } as const

export class Replica {
  readonly id: DocId
  readonly name: string
  readonly kind: DocKind
  private ydoc = new Y.Doc()
  private seq = 0
  /** Taken at the first change (a read-only use never writes the lane file). */
  private lane: number | undefined
  private laneGeneration = 0
  /** This replica's last entry: its lane, seq and `prevOf` (the next entry in that lane names it). */
  private last: { lane: number, seq: number, prev: Uint8Array } | undefined
  private readonly writes = new Set<Promise<void>>()
  /** Local updates made while earlier ones wait for the disk, sealed together when the turn ends. */
  private batch: { updates: Uint8Array[], bytes: number, done: Promise<void>, resolve: () => void } | undefined
  /** Writes issued by the change() now running: it waits for these only, not for later ones. */
  private collecting: Array<Promise<void>> | undefined
  private broken: Error | undefined
  /** Nesting of remote() calls: the listener is detached by the outermost one. */
  private remoteDepth = 0
  private closed = false
  /** Exactly the entries this doc holds, per author: a snapshot may claim these and no more. */
  private readonly applied = new Map<string, { contiguous: number, above: Set<number> }>()
  /** Signatures (hex) of the snapshots this doc applied: a snapshot of it holds them, and may replace them. */
  readonly snapshotsIn = new Set<string>()
  refs = 0
  /** Set once load() applied what the store held: from then on it is current with the store. */
  loaded = false

  constructor (private readonly vault: Vault, id: DocId, name: string) {
    this.id = id
    this.name = name
    this.kind = docKind(name)
    this.ydoc.on('update', this.onUpdate)
    this.ydoc.on('afterTransaction', this.onTransaction)
    watchRoots(this.kind, this.ydoc)
  }

  get doc (): Y.Doc { return this.ydoc }

  /**
   * Starts the document over, empty: only while it loads (nobody holds it yet), after a stored
   * entry or snapshot proved bad and was quarantined (applying Yjs is not transactional).
   */
  reset (): void {
    this.ydoc.off('update', this.onUpdate)
    this.ydoc.off('afterTransaction', this.onTransaction)
    this.ydoc.destroy()
    this.ydoc = new Y.Doc()
    this.ydoc.on('update', this.onUpdate)
    this.ydoc.on('afterTransaction', this.onTransaction)
    watchRoots(this.kind, this.ydoc)
    this.owed.clear()
    this.applied.clear()
    this.snapshotsIn.clear()
  }

  /**
   * Takes `doc` as this document, in place of the empty one: only while it loads (nobody holds it
   * yet) and before anything was applied, for the document a received snapshot's checks applied
   * that snapshot to (see fresh.ts), which saves applying the same state a second time. False,
   * and nothing changed, otherwise.
   */
  adopt (doc: Y.Doc): boolean {
    if (this.loaded || this.remoteDepth !== 0 || this.ydoc.store.clients.size > 0 || this.applied.size > 0) return false
    this.ydoc.off('update', this.onUpdate)
    this.ydoc.off('afterTransaction', this.onTransaction)
    this.ydoc.destroy()
    this.ydoc = doc
    this.ydoc.on('update', this.onUpdate)
    this.ydoc.on('afterTransaction', this.onTransaction)
    watchRoots(this.kind, this.ydoc)
    return true
  }

  /** Applies the stored snapshots and entries; called once by the vault before first use. */
  async load (): Promise<void> {
    await this.vault.loadInto(this)
    this.loaded = true
    // Written back before anyone reads it (or a snapshot at close seals the older value alone).
    await this.writeBackOwed()
  }

  /**
   * Values a remote transaction left outranked by an older one (crdt/newest.ts), by map and key:
   * written back once the document is loaded, by a device that may write.
   */
  private readonly owed = new Map<string, Outranked>()
  private readonly writingBack = new Set<Promise<void>>()

  private readonly onTransaction = (tr: Y.Transaction): void => {
    if (tr.origin !== REMOTE || this.closed || this.broken !== undefined) return
    const found = outranked(this.kind, tr)
    if (found.length === 0) return
    for (const o of found) {
      const k = `${o.map}\0${o.key}`
      const had = this.owed.get(k)
      if (had === undefined || newerStamp(o.stamp, had.stamp)) this.owed.set(k, o)
    }
    if (this.loaded) void this.writeBackOwed()
  }

  /** Writes back what is owed and still outranked; never throws (a failed write breaks the replica as any other). */
  private writeBackOwed (): Promise<void> {
    if (this.owed.size === 0 || !this.readable || !this.vault.writable || this.vault.diskFull) return Promise.resolve()
    const values = [...this.owed.values()]
    this.owed.clear()
    const p = (async () => {
      // Not inside the remote transaction's end (Yjs's afterTransaction): its update would be made
      // while this replica's listener is detached (remote()), never sealed, and every later write
      // of this device would build on a change no peer ever gets.
      await new Promise<void>(resolve => { setImmediate(resolve) })
      if (!this.readable || !this.vault.writable || this.vault.diskFull) return
      const due = stillOutranked(this.kind, this.doc, values)
      if (due.length === 0) return
      log('%s: writing back %d value(s) newer than what replaced them', this.name, due.length)
      await this.change(() => { writeBack(this.doc, stillOutranked(this.kind, this.doc, due)) })
    })().catch((err: Error) => { log.error('%s: writing back newer values failed: %e', this.name, err) })
    this.writingBack.add(p)
    void p.then(() => this.writingBack.delete(p))
    return p
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === REMOTE) return
    if (this.broken !== undefined || this.closed) return
    if (!this.vault.writable) {
      log.error('local change to %s on a read-only device is not persisted', this.name)
      return
    }
    if (this.lane === undefined) {
      this.fail(new Error(`local change to ${this.name} made outside change(): not persisted`), false)
      return
    }
    // Nothing of this document waiting for the disk: sealed, sent and written now. Otherwise the
    // updates of this turn of the event loop are sealed together once it ends (group commit one
    // level up: one seal, signature, record and frame for many, and one signature check at
    // every peer), which is what lets a busy writer keep up.
    if (this.batch === undefined && this.writes.size === 0) {
      this.collecting?.push(this.seal([update]))
      return
    }
    let b = this.batch
    if (b !== undefined && (b.bytes + update.byteLength > BATCH.maxBytes || b.updates.length >= BATCH.maxUpdates)) {
      this.sealBatch()
      b = undefined
    }
    if (b === undefined) {
      let resolve!: () => void
      const done = new Promise<void>(r => { resolve = r })
      const nb = { updates: [] as Uint8Array[], bytes: 0, done, resolve }
      b = this.batch = nb
      this.writes.add(done)
      void done.then(() => this.writes.delete(done))
      setImmediate(() => { if (this.batch === nb) this.sealBatch() })
    }
    b.updates.push(update)
    b.bytes += update.byteLength
    this.collecting?.push(b.done)
  }

  private sealBatch (): void {
    const b = this.batch
    if (b === undefined) return
    this.batch = undefined
    if (this.broken !== undefined) { b.resolve(); return } // change() reports the break
    this.seal(b.updates).then(b.resolve, b.resolve)
  }

  /**
   * Seals updates as one entry, sends it at once (in this tick, when the link is quiet), indexes
   * it (peers asking for it get it from memory) and writes it. Resolves once durable, or once
   * the replica broke (never rejects: change() reports the break).
   */
  private seal (updates: Uint8Array[]): Promise<void> {
    let entry: Entry
    let early = false
    try {
      // An owed rotation is discharged before this device's next write (crdt/SPEC.md §Registry).
      this.vault.beforeWrite()
      const { identity } = this.vault
      const lane = this.lane as number
      // The entry names the one before it when this replica wrote that one (after a load or a
      // new lane it does not: its receivers then check its signature, as any other).
      const prev = this.last !== undefined && this.last.lane === lane && this.last.seq === this.seq ? this.last.prev : undefined
      const unsigned = sealUpdatesUnsigned({ keys: identity.keys, author: identity.device.signer.publicKey }, this.id, BigInt(this.seq + 1), updates, { lane, prev })
      // Every reader (peers, and this device at its next load) refuses a larger entry: storing
      // it would acknowledge a change that is gone at the next open. The change is refused
      // instead, and the document reloads from the store without it.
      const size = signedEntrySize(unsigned.body.byteLength)
      if (size > ENTRY_LIMITS.maxEntryBytes) {
        throw new EntryTooLargeError(`a change of ${size} bytes exceeds the largest entry (${ENTRY_LIMITS.maxEntryBytes} bytes): make it in smaller parts`)
      }
      // Its body goes ahead to peers that take it, while it is signed (protocols/sync/SPEC.md,
      // Early entries): from here on it may have reached a peer.
      early = true
      this.vault.emitEarly(unsigned)
      entry = signPrepared(identity.device.signer, unsigned)
    } catch (err: any) {
      this.fail(err, early)
      return Promise.resolve()
    }
    this.seq++
    this.last = { lane: entry.lane, seq: this.seq, prev: prevOf(entry) }
    this.markApplied(entry)
    this.vault.emitEntry(this, entry, true)
    const w: Promise<void> = this.vault.store.putEntry(entry).then(
      () => { this.writes.delete(w) },
      (err: Error) => { this.writes.delete(w); this.fail(err) }
    )
    this.writes.add(w)
    return w
  }

  /** Breaks the replica. `sent`: an entry of it may have reached peers but not the disk. */
  private fail (err: Error, sent = true): void {
    // A write that failed after a discard still counts as one: the lane goes, and change() reports it.
    if (this.broken !== undefined && sent && this.discarded) {
      this.discarded = false
      this.broken = err
      this.vault.lane.abandon()
      return
    }
    if (this.broken === undefined) {
      this.broken = err
      // The entry may have reached peers already: its (lane, seq) must never be written again.
      if (sent) this.vault.lane.abandon()
      log.error('replica %s failed to persist a change and must be reopened: %e', this.name, err)
      this.vault.evict(this)
      this.vault.emit('broken', { name: this.name })
    }
  }

  /**
   * Breaks the replica because it applied an entry that then proved unstorable (a bad signature
   * from an authenticated author): its memory holds what the store does not, so it is reloaded.
   */
  discard (err: Error): void {
    if (this.broken === undefined) this.discarded = true
    this.fail(err, false)
  }

  /** Broken by discard() (what was applied), not by a failed write: changes already made are durable. */
  private discarded = false

  /**
   * Bodies applied ahead of their signatures (vault-admission.ts `early`) and not signed yet: a
   * snapshot must not seal a change that no stored entry holds (snapshot-take.ts waits for them).
   */
  private readonly ahead = new Set<number>()
  /** The number the next body applied ahead gets: they are numbered in the order applied. */
  private aheadNext = 0

  /** A body was applied ahead of its signature; the returned call says it is settled (signed, or the replica reloaded). */
  appliedAhead (): () => void {
    const id = this.aheadNext++
    this.ahead.add(id)
    return () => { this.ahead.delete(id) }
  }

  /** What has been applied ahead until now, for settledBefore. */
  aheadMark (): number { return this.aheadNext }

  /**
   * Whether every body applied ahead before `mark` (aheadMark) is settled: a snapshot sealed at
   * the mark waits for those only, not for bodies of a live stream applied after it.
   */
  settledBefore (mark: number): boolean {
    // The set iterates in insertion order: its first member is its oldest.
    const oldest = this.ahead.values().next()
    return oldest.done === true || (oldest.value as number) >= mark
  }

  private check (): void {
    if (this.closed) throw new ClosedError(`document ${this.name} is closed`)
    if (this.broken !== undefined) throw this.broken
  }

  get readable (): boolean { return !this.closed && this.broken === undefined }

  /** Why this replica stopped (a change it could not persist), if it did: its handles must be reopened. */
  get failure (): Error | undefined { return this.broken }

  /** Runs `fn` (which changes the doc) and resolves once every resulting entry is durable. */
  async change<T>(fn: () => T): Promise<T> {
    this.check()
    this.vault.assertWritable()
    // A lane abandoned since (peers showed this home behind its own lane) is left for a fresh one.
    if (this.lane === undefined || this.laneGeneration !== this.vault.lane.generation) {
      const generation = this.vault.lane.generation
      const lane = await this.vault.lane.get()
      this.check()
      if (this.lane === undefined || this.laneGeneration !== generation) {
        this.lane = lane
        this.laneGeneration = generation
        this.seq = this.vault.store.maxSeq(this.id, this.vault.identity.device.publicKey, lane)
      }
    }
    const mine: Array<Promise<void>> = []
    this.collecting = mine
    let result: T
    try {
      result = fn()
    } finally {
      this.collecting = undefined
    }
    await Promise.all(mine)
    if (this.closed) throw new ClosedError(`document ${this.name} is closed`)
    // Discarded meanwhile (a received entry broke the document): this change is durable all the same.
    if (this.broken !== undefined && !this.discarded) throw this.broken
    if (this.broken === undefined) this.vault.maybeSnapshot(this)
    return result
  }

  /** Waits for every write issued so far. */
  async settle (): Promise<void> {
    while (this.writes.size > 0 || this.writingBack.size > 0) await Promise.allSettled([...this.writes, ...this.writingBack])
  }

  /**
   * Applies a verified entry's updates (from a peer or the store) and records which entry it
   * was. Returns why the result breaks the document's shape (the entry is then not recorded,
   * and the document must be reloaded without it); throws what Yjs throws.
   */
  applyRemote (updates: readonly Uint8Array[], entry?: Pick<Entry, 'author' | 'lane' | 'seq'>, checked = false): Problem | undefined {
    if (!this.readable) return undefined
    let p: Problem | undefined
    // Checked item by item before (checkAgainstDoc, every item placed) and nothing waiting in
    // Yjs: the transaction integrates exactly that, so its changes need no second look.
    const again = !checked || this.doc.store.pendingStructs !== null
    this.remote((tr) => {
      for (const u of updates) Y.applyUpdate(this.doc, u, REMOTE)
      if (again) p = checkChanges(this.kind, tr)
    })
    if (p === undefined && entry !== undefined) this.markApplied(entry)
    return p
  }

  /**
   * Applies a verified snapshot state's parts (crdt/parts.ts), a transaction each with the event
   * loop given turns between them, and records the vector it covers. Returns why a part broke
   * the document's shape (the rest is not applied).
   */
  async applySnapshot (parts: readonly Uint8Array[], covers: readonly VectorItem[]): Promise<Problem | undefined> {
    const slicer = new Slicer()
    for (const part of parts) {
      if (!this.readable) return undefined
      let p: Problem | undefined
      this.remote((tr) => {
        Y.applyUpdate(this.doc, part, REMOTE)
        p = checkChanges(this.kind, tr)
      })
      if (p !== undefined) return p
      if (slicer.due()) await slicer.breathe()
    }
    if (this.readable) for (const c of covers) this.markApplied(c, true)
    return undefined
  }

  /**
   * Runs remote applies in one transaction with this replica's own 'update' listener detached:
   * Yjs encodes a transaction's update only when someone listens, and ours ignores remote ones.
   * Re-encoding a 12 MB snapshot at load for nothing cost a cold open ~70 ms plus its garbage.
   */
  remote (fn: (tr: Y.Transaction) => void): void {
    if (this.remoteDepth++ === 0) this.doc.off('update', this.onUpdate)
    try {
      Y.transact(this.doc, fn, REMOTE)
    } finally {
      if (--this.remoteDepth === 0 && !this.closed) this.doc.on('update', this.onUpdate)
    }
  }

  markApplied (e: { author: Uint8Array, lane?: number, seq: bigint }, throughSeq = false): void {
    const id = streamKey(e)
    let a = this.applied.get(id)
    if (a === undefined) { a = { contiguous: 0, above: new Set() }; this.applied.set(id, a) }
    const n = Number(e.seq)
    if (throughSeq) a.contiguous = Math.max(a.contiguous, n)
    else if (n > a.contiguous) a.above.add(n)
    while (a.above.delete(a.contiguous + 1)) a.contiguous++
    for (const x of a.above) if (x <= a.contiguous) a.above.delete(x)
  }

  /** The per-lane contiguous vector of what this doc holds: what a snapshot of it covers. */
  coverVector (): VectorItem[] {
    return [...this.applied].filter(([, a]) => a.contiguous > 0).map(([k, a]) => ({ ...parseStreamKey(k), seq: BigInt(a.contiguous) }))
  }

  async close (): Promise<void> {
    if (this.closed) return
    await this.settle()
    this.closed = true
    this.doc.off('update', this.onUpdate)
    this.doc.off('afterTransaction', this.onTransaction)
    this.doc.destroy()
  }
}

export interface EntryEvent { replica?: Replica, doc: DocId, entry: Entry, local: boolean, from?: string }
