/**
 * Retiring lanes (protocols/sync/SPEC.md, Retired lanes). A device opens a new lane after every
 * crash, and each lane stayed an item of every vector of the documents it wrote. A lane is
 * retired here once it is closed (its author holds a newer lane, in any document) and every peer
 * that holds the vault's documents (every member in force that reads, and every mirror) was seen
 * holding its tail, same seq and same content tip. Retired lanes then travel folded (lanes.ts);
 * nothing else changes: entries, forks and admission see every lane as before, and a lane whose
 * tail moves after all (a late entry) is simply folded with its new seq, which peers that lack
 * it cannot match and ask for lane by lane.
 *
 * What peers hold is known from what they report in sync (their vectors, ranges found equal, a
 * digest equal to ours), held in memory: a restart meets them again. Retirement also spreads: a
 * peer whose folded lanes match ours exactly retired them, and this node may too (adopt).
 *
 * @example
 * const lanes = new LaneRetirer({ store, holders: () => holdersOf(certs, self), vector })
 * lanes.heldBy(peer, doc, items); lanes.retired(doc)
 */
import { logger } from '@libp2p/logger'
import type { AuthorSeq, RetiredBound } from '../../protocols/sync/index.js'
import { fromHex, hasCapability, streamKey, toHex } from '../identity/index.js'
import type { EntryStore } from '../store/index.js'
import type { CertRegistry } from './certs.js'

const log = logger('mesh:node:retire')

export interface LaneRetirerInit {
  store: EntryStore
  /** Device ids of every peer that must hold a lane's tail before it retires (this node excluded). */
  holders: () => string[]
  /** This node's vector of a document, with content tips. */
  vector: (doc: Uint8Array) => AuthorSeq[]
}

/** Members in force that read, and mirrors: every device that holds the vault's documents, but `self`. */
export function holdersOf (certs: CertRegistry, self: string): string[] {
  return certs.all()
    .filter(c => c.deviceId !== self && !certs.isRevoked(c.deviceKey) && (hasCapability(c, 'read') || hasCapability(c, 'mirror')))
    .map(c => c.deviceId)
}

/** `seq:tip` of a lane, as compared between this node and a peer. */
const slot = (i: AuthorSeq): string => `${i.seq}:${i.tip === undefined ? '' : toHex(i.tip)}`

export class LaneRetirer {
  /** Per document (hex), per peer, per closed lane (`streamKey`): the `slot` the peer reported. */
  private readonly acks = new Map<string, Map<string, Map<string, string>>>()
  /** Reports waiting for the next pass: per document, per peer, its items or 'same' (exactly ours). */
  private readonly reports = new Map<string, Map<string, AuthorSeq[] | 'same'>>()
  /** Peers whose whole state equals ours (a digest found equal), for the next pass. */
  private readonly whole = new Set<string>()
  private scheduled = false
  private pass: Promise<void> = Promise.resolve()

  constructor (private readonly init: LaneRetirerInit) {}

  /** The retired bounds of a document, for the wire. */
  retired (doc: Uint8Array): RetiredBound[] {
    const out: RetiredBound[] = []
    for (const [author, below] of this.init.store.retired.of(toHex(doc))) out.push({ author: fromHex(author), below })
    return out
  }

  /** A peer reported holding `items` of `doc` (absent: exactly ours; no doc: our whole state). */
  heldBy (peer: string, doc?: Uint8Array, items?: AuthorSeq[]): void {
    if (doc === undefined) this.whole.add(peer)
    else {
      const k = toHex(doc)
      let m = this.reports.get(k)
      if (m === undefined) { m = new Map(); this.reports.set(k, m) }
      m.set(peer, items ?? 'same')
    }
    this.schedule()
  }

  /** A peer retired these lanes and holds them exactly as this node does. */
  adopt (doc: Uint8Array, bounds: RetiredBound[]): void {
    for (const b of bounds) this.raise(toHex(doc), toHex(b.author), b.below)
  }

  /** Resolves once the reports so far are judged and what they retire is on disk (tests). */
  async settled (): Promise<void> {
    while (this.scheduled) await new Promise(resolve => setImmediate(resolve))
    await this.pass
  }

  /** Reports are judged together once the current turn ends: a reconnect reports many documents at once. */
  private schedule (): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.pass = this.pass.then(() => { this.judge() }).catch((err: unknown) => { log.error('retiring lanes failed: %e', err) })
    })
  }

  private judge (): void {
    const store = this.init.store
    const tops = store.laneTops()
    // No author holds a second lane anywhere (a vault whose devices never crashed): nothing is closed.
    if ([...tops.values()].every(top => top === 0)) { this.reports.clear(); this.whole.clear(); return }
    const closed = (key: string): boolean => {
      const dot = key.indexOf('.')
      const lane = dot < 0 ? 0 : Number(key.slice(dot + 1))
      return lane < (tops.get(dot < 0 ? key : key.slice(0, dot)) ?? 0)
    }
    // Only documents with a closed lane not yet retired can change anything: the others cost a
    // look at their index keys, not a vector (a full exchange reports every document).
    const open = (doc: Uint8Array, k: string): boolean => {
      const bounds = store.retired.of(k)
      return store.laneKeys(doc).some(key => closed(key) && laneOf(key) >= (bounds.get(authorOf(key)) ?? 0))
    }
    const reports = new Map([...this.reports].filter(([k]) => open(fromHex(k), k)))
    this.reports.clear()
    if (this.whole.size > 0) {
      for (const doc of store.docIds()) {
        const k = toHex(doc)
        if (!open(doc, k)) continue
        let m = reports.get(k)
        if (m === undefined) { m = new Map(); reports.set(k, m) }
        for (const p of this.whole) m.set(p, 'same')
      }
      this.whole.clear()
    }
    if (reports.size === 0) return
    const holders = this.init.holders()
    log.trace('judging %d documents against %d holders', reports.size, holders.length)
    for (const [k, peers] of reports) {
      const doc = fromHex(k)
      const mine = this.init.vector(doc)
      let acks = this.acks.get(k)
      for (const [peer, items] of peers) {
        if (acks === undefined) { acks = new Map(); this.acks.set(k, acks) }
        let a = acks.get(peer)
        if (a === undefined) { a = new Map(); acks.set(peer, a) }
        for (const i of items === 'same' ? mine : items) {
          const key = streamKey(i)
          if (closed(key)) a.set(key, slot(i))
        }
      }
      if (acks !== undefined) this.retire(k, mine, tops, holders, acks)
    }
  }

  /** Raises each author's bound over its closed lanes that every holder holds as this node does, in lane order. */
  private retire (k: string, mine: AuthorSeq[], tops: Map<string, number>, holders: string[], acks: Map<string, Map<string, string>>): void {
    const byAuthor = new Map<string, AuthorSeq[]>()
    for (const i of mine) {
      const a = toHex(i.author)
      const list = byAuthor.get(a) ?? []
      list.push(i)
      byAuthor.set(a, list)
    }
    const bounds = this.init.store.retired.of(k)
    for (const [author, lanes] of byAuthor) {
      const from = bounds.get(author) ?? 0
      let below = from
      for (const i of lanes.sort((x, y) => x.lane - y.lane)) {
        if (i.lane < from) continue
        if (i.lane >= (tops.get(author) ?? 0) || i.tip === undefined) break
        const key = streamKey(i)
        const want = slot(i)
        if (!holders.every(p => acks.get(p)?.get(key) === want)) break
        below = i.lane + 1
      }
      if (below > from) {
        this.raise(k, author, below)
        for (const a of acks.values()) for (const key of [...a.keys()]) if (authorOf(key) === author && laneOf(key) < below) a.delete(key)
      }
    }
  }

  private raise (doc: string, author: string, below: number): void {
    this.init.store.retired.raise(doc, author, below).then(
      (raised) => { if (raised) log('lanes of %s below %d retired in %s', author.slice(0, 8), below, doc.slice(0, 12)) },
      (err: unknown) => { log.error('recording retired lanes of %s failed: %e', doc.slice(0, 12), err) }
    )
  }
}

const authorOf = (key: string): string => { const dot = key.indexOf('.'); return dot < 0 ? key : key.slice(0, dot) }
const laneOf = (key: string): number => { const dot = key.indexOf('.'); return dot < 0 ? 0 : Number(key.slice(dot + 1)) }
