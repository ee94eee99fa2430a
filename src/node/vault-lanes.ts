/**
 * This device's own lanes as peers show them: a peer that holds more of the lane in use than this
 * home, or other content at one of its positions, means the home was restored or copied and
 * wrote (or will write) again where its original did. The lane is abandoned (the next write opens
 * a fresh one), and from then on every peer showing more of it is sent this home's entries of it,
 * so that a slot written twice is found as a fork on both sides. Owns which lanes were found so.
 */
import { logger } from '@libp2p/logger'
import { toHex, type Entry } from '../identity/index.js'
import type { EntryStore } from '../store/index.js'
import type { Lane } from './lane.js'

const log = logger('mesh:node:vault')

export interface OwnLanesInit {
  store: EntryStore
  lane: Lane
  /** This device's key. */
  device: Uint8Array
  /** The vault's names by hex id, for the log. */
  names: ReadonlyMap<string, string>
}

export class OwnLanes {
  /** Lanes of this device found behind what peers hold: every peer showing more of one is sent this home's entries of it. */
  private readonly restoredLanes = new Set<number>()

  constructor (private readonly init: OwnLanesInit) {}

  /**
   * Whether a peer holds more of this device's lane in use than this home does: the home was
   * restored or copied (or its lane file is stale). The lane is abandoned (the next write opens
   * a fresh one) and true returned; the caller sends the peer this device's own entries of that
   * lane, so any slot written twice is found as a fork on both sides.
   */
  behind (doc: Uint8Array, lane: number, seq: bigint): boolean {
    const me = this.init.device
    // Once found, every peer holding the lane gets this home's entries of it (duplicates are cheap; a missed fork is not).
    if (this.restoredLanes.has(lane)) return seq > 0n
    if (lane !== this.init.lane.active) return false
    const mine = this.init.store.maxSeq(doc, me, lane)
    if (seq <= BigInt(mine)) return false
    this.restoredLanes.add(lane)
    log.error('a peer holds lane %d of this device up to %d, this home only to %d: it was restored or copied; new writes go to a fresh lane', lane, seq, mine)
    this.init.lane.abandon()
    return true
  }

  /**
   * A peer holds other content at a position of this lane (its content tip differs at the same
   * seq): a fork, found before any entry of it arrived twice. When the lane is this device's own
   * lane in use, this home was restored or copied and wrote again where its original had: its
   * next writes go to a fresh lane (see behind).
   */
  diverged (doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint): void {
    log.error('a peer holds other content than this node at %s lane %d up to seq %d (author %s): exchanging that lane to find the fork', this.init.names.get(toHex(doc)) ?? toHex(doc).slice(0, 12), lane, seq, toHex(author).slice(0, 12))
    if (!Buffer.from(author).equals(Buffer.from(this.init.device)) || lane !== this.init.lane.active || this.restoredLanes.has(lane)) return
    this.restoredLanes.add(lane)
    log.error('this home wrote lane %d where a peer holds other entries of it: it was restored or copied; new writes go to a fresh lane', lane)
    this.init.lane.abandon()
  }

  /** An entry of this device's own lane in use that this home does not hold: see behind. */
  notice (entry: Entry): void {
    if (Buffer.from(entry.author).equals(Buffer.from(this.init.device))) this.behind(entry.doc, entry.lane, entry.seq)
  }
}
