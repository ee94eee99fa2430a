/**
 * The vault's snapshots: sealing one of an open document once enough entries are uncovered (while
 * it is written to, and on its close), taking one from a peer as it arrives (snapshot-receive.ts),
 * and what is held of transfers that broke off. Owns which documents are being snapshotted, the
 * states just received for a first open (fresh.ts), the checks of a snapshot's state
 * (snapshot-verify.ts), and the broken-off transfers still being synced to disk for a resume.
 */
import { logger } from '@libp2p/logger'
import type { DocKind } from '../../crdt/index.js'
import { toHex, type Entry } from '../identity/index.js'
import { KEEP_FREE, type EntryStore } from '../store/index.js'
import type { CertRegistry } from './certs.js'
import type { HomeIdentity } from './enrol.js'
import { FreshStates, type FreshState } from './fresh.js'
import type { Budgets } from './limits.js'
import type { Replica } from './replica.js'
import { storeSnapshotOf } from './snapshot-take.js'
import { receiveSnapshot, type ReceiveHost, type SnapshotReception } from './snapshot-receive.js'
import { SnapshotChecks } from './snapshot-verify.js'

const log = logger('mesh:node:vault')

export interface SnapshotsInit {
  store: EntryStore
  certs: CertRegistry
  identity: HomeIdentity
  budgets: Budgets
  /** Uncovered entries that make a snapshot while writing, and on close (VaultOptions). */
  every: number
  onClose: number
  writable: () => boolean
  /** Discharges an owed rotation before sealing (vault-registry.ts). */
  beforeWrite: () => void
  kindOf: (doc: Uint8Array) => DocKind
  /** A claim over this device's own lane beyond this home (vault-lanes.ts). */
  behindOwnLane: (doc: Uint8Array, lane: number, seq: bigint) => boolean
  /** The document's replica when it is open or opening (vault-replicas.ts). */
  openReplica: (doc: Uint8Array) => Promise<Replica> | undefined
  /** Background work the vault's close waits for; a failure is logged. */
  track: (p: Promise<unknown>) => void
  /** A snapshot received from a peer was stored (the vault's `snapshot` event). */
  received: (header: Entry) => void
}

export class Snapshots {
  private readonly snapshotting = new Set<string>()
  /** Per document (hex id): the room a snapshot that found none needs at least, until one is taken. */
  private readonly needs = new Map<string, number>()
  /** Snapshot states just received for documents nobody has open (see fresh.ts). */
  readonly fresh = new FreshStates()
  readonly checks: SnapshotChecks
  private readonly receiver: ReceiveHost
  /** Snapshots whose transfer broke off, still being synced to disk for a resume. */
  private readonly keeping = new Set<Promise<void>>()

  constructor (private readonly init: SnapshotsInit) {
    const { store, certs, identity } = init
    this.receiver = {
      store,
      certs,
      keys: identity.keys,
      budgets: init.budgets,
      verify: async (header, state, fitted) => await this.checks.verify(header, state, fitted),
      fitAsItArrives: (doc) => this.checks.fitAsItArrives(doc),
      openReplica: (doc) => init.openReplica(doc),
      keepFresh: (header, state, doc) => { this.fresh.keep(header, state, doc) },
      keepInBackground: (p) => {
        this.keeping.add(p)
        init.track(p.finally(() => this.keeping.delete(p)))
      },
      stored: (header) => { init.received(header) }
    }
    this.checks = new SnapshotChecks({ store, certs, keys: identity.keys, device: identity.device.publicKey, kindOf: (doc) => init.kindOf(doc), behindOwnLane: (doc, lane, seq) => init.behindOwnLane(doc, lane, seq) })
  }

  /**
   * Documents whose snapshot waits for room, by hex id, with the free bytes it needs at least
   * before it is tried again (what it found it needs, and the store's reserve beside it).
   */
  waiting (): Array<{ doc: string, needsBytes: number }> {
    return [...this.needs].map(([doc, needs]) => ({ doc, needsBytes: needs + KEEP_FREE }))
  }

  maybeSnapshot (r: Replica): void {
    if (this.init.store.uncoveredCount(r.id) < this.init.every) return
    this.init.track(this.snapshotIfNeeded(r, this.init.every))
  }

  /** Seals the replica's full state as a snapshot covering the store's vector, then compacts. */
  async snapshotIfNeeded (r: Replica, threshold: number): Promise<boolean> {
    const { store, identity } = this.init
    if (!this.init.writable() || !r.readable) return false
    this.init.beforeWrite()
    const key = toHex(r.id)
    if (this.snapshotting.has(key)) return false
    if (store.uncoveredCount(r.id) < Math.max(1, threshold)) return false
    this.snapshotting.add(key)
    try {
      await r.settle()
      const me = identity.device.publicKey
      let seq = Date.now()
      for (const s of store.snapshots(r.id)) if (toHex(s.header.author) === toHex(me)) seq = Math.max(seq, Number(s.header.seq) + 1)
      // Encoded and sealed in slices (snapshot-take.ts); undefined when the replica stopped meanwhile.
      // One that found no room is tried again only once there is as much as it found it needs at
      // least: every close would otherwise seal up to half the free space before giving up again.
      let stored
      try {
        stored = await storeSnapshotOf(store, { keys: identity.keys, signer: identity.device.signer }, r, BigInt(seq), this.needs.get(key))
      } catch (err) {
        const needs = (err as { details?: { needs?: unknown } })?.details?.needs
        if (typeof needs === 'number') this.needs.set(key, needs)
        throw err
      }
      // Forgotten only once one is taken: a try skipped for room (undefined) still waits for it.
      if (stored === undefined) return false
      this.needs.delete(key)
      await store.compact()
      return true
    } finally {
      this.snapshotting.delete(key)
    }
  }

  /** A snapshot is an optimisation: failing to write one (a full disk) loses nothing, so it is logged. */
  async snapshotOnClose (r: Replica): Promise<void> {
    if (!r.readable) return
    await this.snapshotIfNeeded(r, this.init.onClose).catch((err: unknown) => { log.error('snapshot of %s on close failed: %e', r.name, err) })
  }

  /**
   * Takes a snapshot from a peer as it arrives (see snapshot-receive.ts). From `offset` > 0 it
   * resumes a transfer that broke off; `abort()` keeps what arrived for that.
   */
  receive (headerBytes: Uint8Array, offset: number): SnapshotReception {
    return receiveSnapshot(this.receiver, headerBytes, offset)
  }

  /**
   * Snapshots held in part, once those whose transfer just broke off are on disk: a session that
   * starts right after a dropped one announces what the dropped one received.
   */
  async held (): Promise<ReturnType<EntryStore['partialSnapshots']>> {
    await Promise.allSettled([...this.keeping])
    return this.init.store.partialSnapshots()
  }

  /** A received state kept for the document's first open, if there is one (load.ts). */
  takeFresh (signature: Uint8Array): FreshState | undefined { return this.fresh.take(signature) }
}
