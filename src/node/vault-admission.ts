/**
 * Accepting an update entry, from anywhere: the vault's single admission path. Verify, store
 * (durably), apply to the open replica, in an order that keeps the apply in the caller's slice;
 * straight from its author to a loaded replica, applied first and checked in the same tick; a
 * second entry at a held slot compared as a possible fork; a slot a stored snapshot claims
 * checked against that snapshot's state. Owns no state: what it reads and writes is the store's,
 * the open replicas' (vault-replicas.ts) and the budgets'; what it finds bad is set aside
 * (quarantine.ts) and told through the vault's events.
 */
import type { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { holds, updateWrites, type DocKind, type Holding, type Problem } from '../../crdt/index.js'
import { ClosedError, DocumentReloadedError, InvalidEntryError, QuarantinedError } from '../errors.js'
import { checkEntrySignature, parseTrustedEntry, parseUnsignedEntry, signedEntrySize, streamKey, withSignature, type Entry, type UnsignedEntry, type VaultKeys } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import { admitUpdate, isFromAuthor } from './admit.js'
import { LiveRuns } from './live-runs.js'
import type { CertRegistry } from './certs.js'
import type { Budgets } from './limits.js'
import { againstDoc, staticProblem } from './load-checks.js'
import type { SetAside } from './quarantine.js'
import type { Replica } from './replica.js'
import type { OpenReplicas } from './vault-replicas.js'
import type { AcceptResult, VaultEvents } from './vault-types.js'

const log = logger('mesh:node:vault')
/**
 * How long the write of a live entry from its author (its signature after its body: early
 * entries) may wait to share a later write: a live peer's entries then cost one disk flush per
 * batch instead of one each, and the session reads on meanwhile. The author writes the entry
 * itself (its own write is under way as it sends); until this node's write, it serves the entry
 * from memory, and acknowledges the frame only once the write is done.
 */
export const LIVE_WRITE_WITHIN_MS = 20

export interface AdmissionInit {
  store: EntryStore
  certs: CertRegistry
  keys: VaultKeys
  budgets: Budgets
  replicas: OpenReplicas
  /** Throws CLOSED once the vault is closing. */
  check: () => void
  /** The vault itself, whose `quarantined` and `fork` events this emits. */
  events: EventEmitter<VaultEvents>
  setAside: SetAside
  kindOf: (doc: Uint8Array) => DocKind
  /** Sets an entry aside and emits `quarantined` (see quarantine.ts). */
  quarantineEntry: (entry: Entry, reason: string) => Promise<void>
  /** What a stored snapshot's state holds (snapshot-verify.ts). */
  holdingOfStored: (s: StoredSnapshot) => Promise<Holding>
  /** An entry of this device's own lane in use (vault-lanes.ts). */
  noticeOwnLane: (entry: Entry) => void
  /** Emits the vault's `entry` event. */
  emitEntry: (replica: Replica | undefined, entry: Entry, local: boolean, from?: string) => void
}

export class Admission {
  /** Signatures of live entries from their author, checked a run at a time (live-runs.ts). */
  private readonly live = new LiveRuns()

  constructor (private readonly init: AdmissionInit) {}

  /** The vault is closing: every live entry's check runs now (its admission then finds the vault closed). */
  close (): void {
    this.live.closeAll()
  }

  /**
   * The admission path for an update entry from anywhere: verify, store (durably), apply to the
   * open replica. Throws the typed error of the first failed check; stores nothing then.
   * `from` is the PeerId of the authenticated channel it came over, if any.
   */
  async accept (bytes: Uint8Array | Entry, from?: string): Promise<{ result: AcceptResult, entry: Entry }> {
    this.init.check()
    const { store, certs, keys, budgets, replicas } = this.init
    const entry = bytes instanceof Uint8Array ? parseTrustedEntry(bytes) : bytes
    let stored = from === undefined ? undefined : this.acceptFromAuthor(entry, from)
    if (stored === undefined) {
      const updates = admitUpdate(entry, certs, keys, { at: 'receive', from })
      if (store.has(entry.doc, entry.author, entry.seq, entry.lane)) {
        return { result: (await this.checkFork(entry, updates, from)) ? 'stored' : 'duplicate', entry }
      }
      // Awaited only when a snapshot claims the slot: an await here would move the rest of the
      // admission (the shape check, the store's write) out of the caller's slice (sync/slice.ts).
      const claimed = store.claimants(entry.doc, entry.author, entry.seq, entry.lane)
      if (claimed.length > 0 && await this.claimedAndHeld(entry, updates, claimed)) return { result: 'duplicate', entry }
      budgets.take(entry.doc, entry.author, entry.bytes.byteLength)
      this.init.noticeOwnLane(entry)
      // Bytes Yjs cannot decode, or a wrong shape visible without the document: never stored.
      // (An open document checks each update against itself instead, before it is applied.)
      const loaded = replicas.instance(entry.doc)
      const pre = loaded?.loaded === true && loaded.readable ? againstDoc(loaded, updates) : undefined
      const bad = pre !== undefined ? pre.problem : staticProblem(this.init.kindOf(entry.doc), updates)
      if (bad !== undefined) {
        await this.init.quarantineEntry(entry, bad)
        throw new QuarantinedError(`entry quarantined: ${bad}`, { reason: bad })
      }
      // putEntry indexes the entry before its first await, and the replica is looked up in the
      // same tick: a replica created later loads it from the index, one that exists gets it here.
      stored = store.putEntry(entry)
      const open = replicas.opening(entry.doc)
      if (open !== undefined) {
        // A loaded replica is applied to in this call (its promise resolves to it), not after an
        // await: the apply is part of the caller's slice, and the check above surely still holds.
        const r = loaded?.loaded === true ? loaded : await open
        // The check above holds if nothing ran in between (the replica is the one checked, in this tick).
        const q = this.applyChecked(r, updates, entry, r === loaded ? pre : undefined)
        if (q !== undefined) stored = Promise.all([stored, q]).then(() => undefined)
      }
    }
    await stored
    this.init.emitEntry(undefined, entry, false, from)
    return { result: 'stored', entry }
  }

  /**
   * A body its author sent ahead of the signature, on its own channel (protocols/sync/SPEC.md,
   * Early entries): applied now when an entry straight from its author would be (a loaded
   * replica, a new slot, every check but the signature passes). Its signature goes through
   * accept(), which checks it, stores and forwards the entry (applying it again changes nothing
   * in Yjs), or refuses it and reloads the document. Nothing is thrown here: what is wrong with
   * the body is the signature's refusal.
   */
  early (body: Uint8Array, from: string): { applied: boolean, sign: (signature: Uint8Array) => Promise<{ result: AcceptResult, entry: Entry, durable?: Promise<void> }>, abandon: () => void } {
    // Not applied; its signature is refused with why.
    const refused = (err: unknown): ReturnType<Admission['early']> => ({ applied: false, sign: async () => { throw err }, abandon: () => {} })
    let unsigned: UnsignedEntry
    try {
      unsigned = parseUnsignedEntry(body)
    } catch (err) {
      return refused(err)
    }
    // Until its signature arrives it is no entry: nothing signed, stored or forwarded is made of it.
    const provisional: Entry = { ...unsigned, bytes: body, signature: new Uint8Array(0) }
    // Only its author's channel vouches for a body without its signature.
    if (!isFromAuthor(provisional, from, this.init.certs)) return refused(new InvalidEntryError('an entry was sent ahead of its signature by a peer that is not its author'))
    const r = this.applyEarly(provisional, from)
    // Until it is signed, a snapshot of the replica waits (snapshot-take.ts).
    const settled = r?.appliedAhead()
    // What the replica shows must be what the store holds: a body applied whose entry is not
    // stored after all is undone by reloading the document from the store.
    const undo = (why: string, cause?: unknown): void => {
      settled?.()
      if (r === undefined || this.init.replicas.instance(unsigned.doc) !== r || !r.readable) return
      // A refusal (with its cause) is an error; an author gone before signing is not, nor a
      // vault closing while the entry's check waited for its run (live-runs.ts).
      const say = cause === undefined || cause instanceof ClosedError ? log : log.error
      say('an entry from %s applied to %s ahead of its signature %s: the document is reloaded from the store', from, r.name, why)
      r.discard(new DocumentReloadedError(`${r.name} was reloaded: a change shown ahead of its signature ${why}`, {}, { cause }))
    }
    return {
      applied: r !== undefined,
      sign: async (signature) => {
        try {
          const done = await this.completeEarly(withSignature(unsigned, signature), from, r)
          settled?.()
          return done
        } catch (err: any) {
          // Refused (a bad signature, its author's rights, its budget now, a slot taken meanwhile):
          // it may come again whole (asked for again, or from another peer), applied then.
          undo(`was refused (${String(err?.code ?? err?.message ?? err)})`, err)
          throw err
        }
      },
      // Its author may have died before signing (and so before storing) it: no store will ever
      // hold it, and its author may write the same content again on a new lane.
      abandon: () => { undo('never got it (its author\'s session ended)') }
    }
  }

  /**
   * The signature of a body: checked, and the entry stored and forwarded. A body applied on
   * arrival is not decrypted and applied again when nothing changed in between (the same replica
   * open, the slot still free): its signature (with its author's run: live-runs.ts) and the
   * author's rights are checked, and it
   * is forwarded and resolved at once, its write in `durable` (within LIVE_WRITE_WITHIN_MS),
   * unless too many writes wait already.
   * Anything else takes the whole admission.
   */
  private async completeEarly (entry: Entry, from: string, r: Replica | undefined): Promise<{ result: AcceptResult, entry: Entry, durable?: Promise<void> }> {
    const { store, certs, budgets } = this.init
    if (r === undefined || this.replicaForNewSlot(entry) !== r) return await this.accept(entry, from)
    this.init.check()
    // Checked with the author's run (live-runs.ts): a later entry of it may vouch for this one.
    await this.live.checked(entry)
    // Whatever changed while it waited (the vault closing, the replica reloaded, the slot taken
    // by the same entry from another peer) is judged as any entry's would be.
    this.init.check()
    if (this.replicaForNewSlot(entry) !== r) return await this.accept(entry, from)
    // The author's rights may have changed since the body arrived (a revocation in between).
    certs.judgeUpdate(entry, { at: 'receive', from })
    // Over budget now (other entries took it meanwhile): refused like any entry, and asked for
    // again later (protocols/sync RETRY); the applied body is undone until then (early()).
    budgets.take(entry.doc, entry.author, entry.bytes.byteLength)
    r.markApplied(entry)
    // Past what may wait, written at once and awaited: a peer faster than this disk is held back.
    const mayWait = store.writeMayWait(entry)
    const durable = store.putEntry(entry, mayWait ? LIVE_WRITE_WITHIN_MS : 0)
    if (!mayWait) await durable
    this.init.emitEntry(undefined, entry, false, from)
    return mayWait ? { result: 'stored', entry, durable } : { result: 'stored', entry }
  }

  /** Applies a body from its author on arrival when it may be; returns the replica it was applied to. */
  private applyEarly (entry: Entry, from: string): Replica | undefined {
    const { certs, budgets } = this.init
    try { this.init.check() } catch { return undefined }
    const r = this.replicaForNewSlot(entry)
    if (r === undefined) return undefined
    // Over its budget it waits for the signature, whose admission refuses it (and asks again later).
    if (!budgets.allows(entry.doc, entry.author, signedEntrySize(entry.body.byteLength))) return undefined
    let updates: Uint8Array[]
    try { updates = admitUpdate(entry, certs, this.init.keys, { at: 'receive', from }, 'later') } catch { return undefined }
    const pre = againstDoc(r, updates)
    if (pre.problem !== undefined) return undefined
    // Not marked applied (no entry): what a snapshot covers stays what the store holds.
    const problem = applyRemote(r, updates, undefined, pre.complete)
    if (problem !== undefined) {
      // Its memory holds part of it: reloaded; the signature's admission quarantines the entry.
      r.discard(new QuarantinedError(`${r.name} was reloaded: an entry sent ahead of its signature broke it (${problem.reason})`))
      return undefined
    }
    return r
  }

  /**
   * The loaded, readable replica of an entry's document when the entry's slot is new here (not
   * held, no snapshot claiming it): where an entry from its author may be applied before its
   * signature is checked.
   */
  private replicaForNewSlot (e: Pick<Entry, 'doc' | 'author' | 'seq' | 'lane'>): Replica | undefined {
    const { store } = this.init
    const r = this.init.replicas.instance(e.doc)
    if (r === undefined || !r.loaded || !r.readable) return undefined
    if (store.has(e.doc, e.author, e.seq, e.lane) || store.claimants(e.doc, e.author, e.seq, e.lane).length > 0) return undefined
    return r
  }

  /**
   * Straight from its author to a loaded replica: applied first (readers see it at once), then
   * the signature is checked and the entry stored, all in this tick. Undefined when that does
   * not apply (another author, a duplicate, no loaded replica, an update that does not decode):
   * the caller takes the usual path. Returns the store's write.
   */
  private acceptFromAuthor (entry: Entry, from: string): Promise<void> | undefined {
    const { store, certs } = this.init
    if (!isFromAuthor(entry, from, certs)) return undefined
    const r = this.replicaForNewSlot(entry)
    if (r === undefined) return undefined
    const updates = admitUpdate(entry, certs, this.init.keys, { at: 'receive', from }, 'later')
    const pre = againstDoc(r, updates)
    if (pre.problem !== undefined) return undefined
    try { this.init.budgets.take(entry.doc, entry.author, entry.bytes.byteLength) } catch { return undefined } // the usual path refuses it, counting it once
    let applied: Promise<void> | undefined
    try {
      applied = this.applyChecked(r, updates, entry, pre)
      checkEntrySignature(entry)
    } catch (err: any) {
      log.error('entry from %s applied to %s, then its signature failed: the document is reloaded from the store', from, r.name)
      r.discard(err)
      throw err
    }
    const stored = store.putEntry(entry)
    return applied === undefined ? stored : Promise.all([stored, applied]).then(() => undefined)
  }

  /**
   * Applies an entry to an open replica. When it throws or breaks the shape, the replica is
   * broken (its memory holds part of it; the next open reloads from the store) and, when this
   * entry wrote the bad item, it is quarantined: the returned promise rejects with
   * QuarantinedError once that is durable. Another entry's item (one Yjs held back until this
   * one arrived) is found by the reload instead.
   */
  private applyChecked (r: Replica, updates: Uint8Array[], entry: Entry, checked?: { problem?: string, complete: boolean }): Promise<void> | undefined {
    // Checked against the open document first: most bad entries never touch it.
    const pre = checked ?? (r.readable ? againstDoc(r, updates) : { complete: false })
    const before = pre.problem
    if (before !== undefined) return this.init.quarantineEntry(entry, before).then(() => { throw new QuarantinedError(`entry quarantined: ${before}`, { reason: before }) })
    const problem = applyRemote(r, updates, entry, pre.complete)
    if (problem === undefined) return undefined
    r.discard(new QuarantinedError(`${r.name} was reloaded: a received entry broke it (${problem.reason})`))
    if (problem.at !== undefined && !updates.some(u => updateWrites(u, problem.at as { client: number, clock: number }))) return undefined
    return this.init.quarantineEntry(entry, problem.reason).then(() => { throw new QuarantinedError(`entry quarantined: ${problem.reason}`, { reason: problem.reason }) })
  }

  /**
   * A second entry at a held slot: compared by signature, then by signed body. A different one is
   * a fork: kept as evidence, applied beside the held one (nothing either side wrote is lost),
   * reported, and sent to every peer together with the held one (which goes back to the peer
   * the second came from), so every node holds both and reports it. True when it was new.
   */
  private async checkFork (entry: Entry, updates: Uint8Array[], from?: string): Promise<boolean> {
    const { store } = this.init
    if (!store.differs(entry.doc, entry.author, entry.seq, entry.lane, entry.signature)) return false
    if (store.forks.has(entry.bytes)) return false
    const heldBytes = await store.read(entry.doc, entry.author, entry.seq, entry.lane)
    if (heldBytes === undefined) return false
    const held = parseTrustedEntry(heldBytes)
    if (Buffer.from(held.body).equals(Buffer.from(entry.body))) return false // same content, signed twice
    const bad = staticProblem(this.init.kindOf(entry.doc), updates)
    if (bad !== undefined) {
      await this.init.quarantineEntry(entry, bad)
      throw new QuarantinedError(`entry quarantined: ${bad}`, { reason: bad })
    }
    const rec = await store.forks.add(entry, held.signature)
    if (rec === undefined) return false
    const open = this.init.replicas.opening(entry.doc)
    if (open !== undefined) await this.applyChecked(await open, updates, entry)
    const f = this.init.setAside.describeFork(rec)
    log.error('fork: two different entries of %s at %s lane %d seq %d (both kept and applied)', f.authorLabel ?? f.author.slice(0, 12), f.docName ?? f.doc.slice(0, 12), f.lane, f.seq)
    this.init.events.emit('fork', f)
    this.init.emitEntry(undefined, entry, false, from)
    this.init.emitEntry(undefined, held, false)
    return true
  }

  /**
   * An entry the store does not hold, in a slot a stored snapshot claims: a duplicate only if
   * that snapshot's state holds it. Otherwise the claim was false: it is recorded as such (the
   * snapshot's state stays, its coverage counts for nothing) and the entry is taken.
   */
  private async claimedAndHeld (entry: Entry, updates: Uint8Array[], claimed: StoredSnapshot[]): Promise<boolean> {
    for (const s of claimed) {
      const h = await this.init.holdingOfStored(s).catch((err: unknown) => { log.error('snapshot %s unreadable: %e', s.path, err); return undefined })
      if (h !== undefined && updates.every(u => holds(h, u))) return true
    }
    for (const s of claimed) {
      const rec = await this.init.store.disprove(s, `claims seq ${entry.seq} of ${streamKey(entry).slice(0, 12)} without holding it`)
      log.error('snapshot %s claims an entry its state does not hold: its coverage no longer counts', s.path)
      this.init.events.emit('quarantined', this.init.setAside.describe(rec))
    }
    return false
  }
}

/** Applies updates to an open replica: the problem it found, or why they did not apply. */
function applyRemote (r: Replica, updates: Uint8Array[], entry: Entry | undefined, checked: boolean): Problem | undefined {
  try {
    return r.applyRemote(updates, entry, checked)
  } catch (err: any) {
    return { reason: `the update does not apply: ${String(err?.message ?? err)}` }
  }
}
