/**
 * Which of a document's snapshots a catch-up sends a peer, and what they leave to entries
 * (protocols/sync/SPEC.md, Catch-up from the tail): a question of the store and the registry
 * alone, asked the same way by a member's plan and a blind mirror's.
 */
import type { SnapshotOffer } from '../../protocols/sync/index.js'
import { parseStreamKey, streamKey, type VectorItem } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'

/** What the plan asks of the node it runs on. */
export interface SnapshotRules {
  /** The registry lets this stored snapshot go to a peer now. */
  servable: (s: StoredSnapshot) => boolean
  /** What the snapshot covers as this node counts it (a member: a claim an entry showed false floors nothing). */
  claims: (s: StoredSnapshot) => readonly VectorItem[]
  /** Stored entries of this author may be held back from peers (revoked, or with a cutoff). */
  restricts: (author: Uint8Array) => boolean
  /** Whether the entry at a lane's slot may go to a peer (CertRegistry.servesSlots); undefined: every one may. */
  serves?: (key: string, seq: number) => boolean
  /**
   * A node that cannot check a claim (a blind mirror, mirror-claims.ts): `claims` names only those
   * it trusts, and a snapshot that would stand in for none of the entries sent anyway (none of its
   * trusted claims passes the peer's vector, every entry it claims beyond that vector is held here
   * and may go) is not offered: its entries go instead.
   */
  blind?: boolean
}

/**
 * For a peer holding `have` of a document: the snapshots to send, and per lane the floor past
 * which its held entries go (`have`, raised by what those snapshots cover as `claims` counts it). Entries a snapshot
 * covers go when the tail serves (a peer a little behind is sent the entries it lacks instead of
 * the snapshots). A snapshot the registry holds back raises no floor where the entries it covers
 * can go instead: judged lane by lane, a lane's entries beyond the peer's vector go when they are
 * held here unbroken up to the first slot the registry would hold back anyway; a lane with a gap
 * before that keeps the snapshot's claim as its floor (an entry past the gap would never count as
 * held at the peer), and only that lane.
 */
export function chooseSnapshots (store: Pick<EntryStore, 'heldRun' | 'snapshots' | 'snapshotPieces'>, doc: Uint8Array, have: ReadonlyMap<string, number>, rules: SnapshotRules): { snapshots: SnapshotOffer[], floor: Map<string, number> } {
  const offered: StoredSnapshot[] = []
  const heldBack: StoredSnapshot[] = []
  for (const s of store.snapshots(doc)) {
    // A snapshot goes when it holds something the peer lacks: the entries it covers may be gone.
    if (!s.header.covers.some(c => Number(c.seq) > (have.get(streamKey(c)) ?? 0))) continue
    if (rules.servable(s)) offered.push(s)
    else heldBack.push(s)
  }
  const snapshots: SnapshotOffer[] = []
  const floor = new Map(have)
  if (tailServes(store, doc, offered, have, rules.restricts)) return { snapshots, floor }
  for (const s of offered) {
    const claims = rules.claims(s)
    if (rules.blind === true && !claims.some(c => Number(c.seq) > (have.get(streamKey(c)) ?? 0)) && coveredRuns(store, doc, [s], have, rules.restricts).held) continue
    snapshots.push({ header: s.header.bytes, covers: claims.map(c => ({ author: c.author, lane: c.lane ?? 0, seq: c.seq })), pieces: (pieceBytes, from) => store.snapshotPieces(s, pieceBytes, from) })
    for (const c of claims) {
      const k = streamKey(c)
      floor.set(k, Math.max(floor.get(k) ?? 0, Number(c.seq)))
    }
  }
  for (const [key, to] of coverage(heldBack, rules.claims)) {
    const after = floor.get(key) ?? 0
    if (to <= after) continue
    const last = rules.serves === undefined ? to : lastServed(key, after, to, rules.serves)
    if (!store.heldRun(doc, key, after, last).held) floor.set(key, to)
  }
  return { snapshots, floor }
}

/** Per lane, the highest seq the snapshots cover (as `claims` counts them). */
function coverage (snapshots: readonly StoredSnapshot[], claims: (s: StoredSnapshot) => readonly VectorItem[]): Map<string, number> {
  const upTo = new Map<string, number>()
  for (const s of snapshots) for (const c of claims(s)) upTo.set(streamKey(c), Math.max(upTo.get(streamKey(c)) ?? 0, Number(c.seq)))
  return upTo
}

/** The last slot of a lane from `after` + 1 to `to` before the first the registry holds back (`after` when that is the first). */
function lastServed (key: string, after: number, to: number, serves: (key: string, seq: number) => boolean): number {
  for (let seq = after + 1; seq <= to; seq++) if (!serves(key, seq)) return seq - 1
  return to
}

/**
 * True when the peer holds part of the document (`have`, its vector, is not empty) and every
 * entry the snapshots `offers` cover beyond `have` is held here (none missing, none set aside),
 * weighing less than the snapshots, and none is by an author whose stored entries the registry
 * may hold back (`restricts`: revoked, or with a cutoff): one held back would leave the peer a
 * gap that no snapshot fills.
 */
function tailServes (store: Pick<EntryStore, 'heldRun'>, doc: Uint8Array, offers: readonly StoredSnapshot[], have: ReadonlyMap<string, number>, restricts: (author: Uint8Array) => boolean): boolean {
  if (offers.length === 0 || have.size === 0) return false
  const run = coveredRuns(store, doc, offers, have, restricts)
  return run.held && run.bytes < offers.reduce((n, s) => n + Number(s.header.snapshotSize), 0)
}

/**
 * Whether every entry the snapshots `covering` cover beyond `from` is held here, each lane's an
 * unbroken run (none missing, none set aside), and none is by an author `restricts` names; with
 * those entries' bytes.
 */
function coveredRuns (store: Pick<EntryStore, 'heldRun'>, doc: Uint8Array, covering: readonly StoredSnapshot[], from: ReadonlyMap<string, number>, restricts: (author: Uint8Array) => boolean): { held: boolean, bytes: number } {
  let bytes = 0
  for (const [key, to] of coverage(covering, s => s.header.covers)) {
    const after = from.get(key) ?? 0
    if (to <= after) continue
    if (restricts(parseStreamKey(key).author)) return { held: false, bytes }
    const run = store.heldRun(doc, key, after, to)
    if (!run.held) return { held: false, bytes }
    bytes += run.bytes
  }
  return { held: true, bytes }
}
