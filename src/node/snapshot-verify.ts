/**
 * Checks on snapshot states, with the key: a received snapshot's state decodes within bounds,
 * fits its document's shapes and holds every entry its `covers` claims that this node holds
 * (crdt/SPEC.md, Snapshot claims); and what a stored snapshot's state holds, to judge an entry
 * in a slot it claims. Large states are taken part by part, the event loop given turns between.
 */
import { logger } from '@libp2p/logger'
import * as Y from 'yjs'
import { checkBounds, checkChanges, HoldingBuilder, holdingOfDoc, holdsOne, PartsReader, stateParts, type DocKind, type Holding } from '../../crdt/index.js'
import { QuarantinedError, SnapshotUnprovenError } from '../errors.js'
import { parseTrustedEntry, streamKey, toHex, type Entry, type VaultKeys } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import { admitUpdate } from './admit.js'
import type { CertRegistry } from './certs.js'
import { Slicer } from './slice.js'
import { openStoredSnapshot } from './snapshot-open.js'

const log = logger('mesh:node:snapshot')
/** A snapshot is a whole document: its structs may be many and long-merged, within these. */
const SNAPSHOT_BOUNDS = { maxClockSpan: 1 << 30, maxStructs: 1 << 24 } as const

export interface VerifyHost {
  readonly store: EntryStore
  readonly certs: CertRegistry
  readonly keys: VaultKeys
  readonly device: Uint8Array
  kindOf: (doc: Uint8Array) => DocKind
  /** A claim over this device's own lane beyond this home: restored or copied (see Vault.behindOwnLane). */
  behindOwnLane: (doc: Uint8Array, lane: number, seq: bigint) => boolean
}

export class SnapshotChecks {
  /** What stored snapshots' states hold, decrypted once and kept for a few (a false claim is rare). */
  private readonly holdings = new Map<string, Holding>()

  constructor (private readonly host: VerifyHost) {}

  /** What a state (format 1 or 2) holds, part by part. */
  async holdingOf (parts: readonly Uint8Array[], slicer = new Slicer()): Promise<Holding> {
    const b = new HoldingBuilder()
    for (const p of parts) {
      b.add(p)
      if (slicer.due()) await slicer.breathe()
    }
    return b.done()
  }

  async holdingOfStored (s: StoredSnapshot): Promise<Holding> {
    const k = toHex(s.header.signature)
    let h = this.holdings.get(k)
    if (h !== undefined) return h
    const { state } = await openStoredSnapshot(this.host.store, this.host.certs, this.host.keys, s, { at: 'load' })
    h = await this.holdingOf(stateParts(state))
    if (this.holdings.size >= 8) this.holdings.delete(this.holdings.keys().next().value as string)
    this.holdings.set(k, h)
    return h
  }

  /**
   * Checks a received snapshot's state before it is kept. Returns the stored snapshots it may
   * replace (those it dominates whose states it holds too) and, for a document with shapes, the
   * empty document the check applied the state to (the caller owns it: a first load may take it
   * as it is, see fresh.ts). Throws QuarantinedError or SnapshotUnprovenError.
   */
  async verify (header: Entry, state: Uint8Array, fitted?: Y.Doc): Promise<{ replaces: (s: StoredSnapshot) => boolean, doc?: Y.Doc }> {
    const host = this.host
    const slicer = new Slicer()
    const kind = host.kindOf(header.doc)
    let parts: Uint8Array[]
    try { parts = stateParts(state) } catch (err: any) { fitted?.destroy(); throw unreadable(err) }
    // Bounds first, off the bytes (Yjs would walk a crafted span); the shapes are checked on the
    // scratch document the parts are applied to (fits), as a load checks a stored snapshot's.
    // `fitted`: both were done as the state arrived (StateFit), on this very state.
    if (fitted === undefined) {
      for (const p of parts) {
        const bad = checkBounds(p, SNAPSHOT_BOUNDS)
        if (bad !== undefined) throw new QuarantinedError(`snapshot refused: ${bad}`, { reason: bad })
        if (slicer.due()) await slicer.breathe()
      }
    }
    const doc = fitted ?? (kind !== 'other' ? await this.fits(kind, parts, slicer) : undefined)
    try {
      // What the state holds is decoded only when something held here is to be compared with
      // it: a document this node holds nothing of (a fresh node's) has no entry or snapshot to check.
      let h: Holding | undefined
      // The scratch document that applied the state holds the same, read off its store.
      const holding = async (): Promise<Holding> => (h ??= (doc === undefined ? undefined : holdingOfDoc(doc)) ?? await this.holdingOf(parts, slicer))
      for (const c of header.covers) {
        if (Buffer.from(c.author).equals(Buffer.from(host.device))) host.behindOwnLane(header.doc, c.lane ?? 0, c.seq)
        const key = streamKey(c)
        for await (const bytes of host.store.held(header.doc, key, Number(c.seq))) {
          const e = parseTrustedEntry(bytes)
          let updates: Uint8Array[]
          try { updates = admitUpdate(e, host.certs, host.keys, { at: 'load' }) } catch { continue } // an entry this node cannot open proves nothing either way
          const have = await holding()
          if (!updates.every(u => holdsOne(have, u))) throw new SnapshotUnprovenError(`snapshot of ${key.slice(0, 12)} claims seq ${c.seq} of lane ${key.slice(0, 12)}… but its state lacks entry ${e.seq} held here`, { seq: Number(e.seq) })
          if (slicer.due()) await slicer.breathe()
        }
      }
      const replaceable = new Set<string>()
      for (const s of host.store.snapshots(header.doc)) {
        try {
          const { state: old } = await openStoredSnapshot(host.store, host.certs, host.keys, s, { at: 'load' }, slicer)
          const have = await holding()
          let all = true
          for (const p of stateParts(old)) {
            if (!holdsOne(have, p)) { all = false; break }
            if (slicer.due()) await slicer.breathe()
          }
          if (all) replaceable.add(s.path)
        } catch (err) {
          log('stored snapshot %s not compared: %e', s.path, err)
        }
      }
      return { replaces: (s) => replaceable.has(s.path), doc }
    } catch (err) {
      doc?.destroy()
      throw err
    }
  }

  /**
   * The state applies to an empty document and what it writes fits the shapes: each part in a
   * transaction of its own, its changes checked as a load checks them (from an empty document
   * every value is a change, so this is the whole document's check). Returns that document.
   */
  private async fits (kind: DocKind, parts: readonly Uint8Array[], slicer: Slicer): Promise<Y.Doc> {
    const scratch = new Y.Doc()
    try {
      for (const part of parts) {
        fitPart(scratch, kind, part)
        if (slicer.due()) await slicer.breathe()
      }
      return scratch
    } catch (err: any) {
      scratch.destroy()
      throw refusal(err)
    }
  }

  /** For a document with shapes: the check `verify` makes of a state, made as it arrives (StateFit). */
  fitAsItArrives (doc: Uint8Array): StateFit | undefined {
    const kind = this.host.kindOf(doc)
    return kind === 'other' ? undefined : new StateFit(kind)
  }
}

/** Applies one part to the scratch document and checks what it wrote; throws QuarantinedError. */
function fitPart (scratch: Y.Doc, kind: DocKind, part: Uint8Array): void {
  let p: ReturnType<typeof checkChanges>
  Y.transact(scratch, (tr) => {
    Y.applyUpdate(scratch, part)
    p = checkChanges(kind, tr)
  })
  const problem = p
  if (problem !== undefined) throw new QuarantinedError(`snapshot refused: ${problem.reason}`, { reason: problem.reason })
}

/** A state whose parts cannot be read off its bytes, said as the refusal it is. */
function unreadable (err: any): QuarantinedError {
  return new QuarantinedError(`snapshot refused: ${String(err?.message ?? err)}`)
}

/** A state that does not apply, said as the refusal it is. */
function refusal (err: any): QuarantinedError {
  if (err instanceof QuarantinedError) return err
  return new QuarantinedError(`snapshot refused: its state does not apply: ${String(err?.message ?? err)}`)
}

/**
 * The bounds and shapes check of a received state, made while the rest of it is on the wire:
 * each part, once its bytes are decrypted, is bounds-checked off its bytes and applied to a
 * scratch document whose changes are checked (as `verify` does after the last byte). On a
 * 10,000-message session that check was ~100-200 ms after the transfer; here it overlaps it.
 * The chunks are authenticated one by one, but only the whole state's signed digest says the
 * state is the author's: the caller hands the document on once that matched, and abandons it
 * otherwise. The loop is given turns between parts (slice.ts).
 */
export class StateFit {
  private readonly scratch = new Y.Doc()
  private readonly reader = new PartsReader()
  private readonly slicer = new Slicer()
  private readonly queue: Uint8Array[] = []
  private fed = 0
  /** The last drain of the queue, and whether one is under way (set and cleared synchronously). */
  private running: Promise<void> = Promise.resolve()
  private draining = false
  private failed: QuarantinedError | undefined
  private abandoned = false

  constructor (private readonly kind: DocKind) {}

  /** The plaintext decrypted so far (a view that only grows): the parts it completes are checked. */
  feed (plain: Uint8Array): void {
    if (this.failed !== undefined || this.abandoned || plain.byteLength <= this.fed) return
    const fresh = plain.subarray(this.fed)
    this.fed = plain.byteLength
    try {
      this.queue.push(...this.reader.push(fresh))
    } catch (err: any) {
      this.failed = unreadable(err)
      return
    }
    this.kick()
  }

  private kick (): void {
    if (this.draining) return
    this.draining = true
    this.running = this.drain()
  }

  private async drain (): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failed === undefined && !this.abandoned) {
        const part = this.queue.shift() as Uint8Array
        const bad = checkBounds(part, SNAPSHOT_BOUNDS)
        if (bad !== undefined) throw new QuarantinedError(`snapshot refused: ${bad}`, { reason: bad })
        fitPart(this.scratch, this.kind, part)
        if (this.slicer.due()) await this.slicer.breathe()
      }
    } catch (err: any) {
      this.failed ??= refusal(err)
    } finally {
      this.draining = false
    }
  }

  /** Once every byte was fed: the last parts checked, and the scratch document. Throws QuarantinedError. */
  async done (): Promise<Y.Doc> {
    await this.running
    if (this.failed === undefined) {
      try { this.queue.push(...this.reader.end()) } catch (err: any) { this.failed = unreadable(err) }
    }
    if (this.failed === undefined) {
      this.kick()
      await this.running
    }
    if (this.failed !== undefined) { this.abandon(); throw this.failed }
    return this.scratch
  }

  /** Not to be used: the scratch document is let go. */
  abandon (): void {
    this.abandoned = true
    this.scratch.destroy()
  }
}
