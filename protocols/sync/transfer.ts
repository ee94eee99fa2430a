/**
 * What a sync session has in flight per document and direction, for progress a person can see:
 * bytes and entries done of the totals the sender announced (a snapshot's size from its header,
 * a catch-up's entries and bytes from its plan), the rate over the last seconds and the time
 * left. Counted from what was actually received (or handed to the stream, on the sending side),
 * never estimated. Live entries are not transfers: only a document with an announced snapshot or
 * catch-up plan is tracked, until everything announced arrived or the session ended.
 */

export type Direction = 'in' | 'out'

export interface Transfer {
  /** The PeerId on the other side. */
  peer: string
  /** The document id, hex. */
  doc: string
  direction: Direction
  bytesDone: number
  bytesTotal: number
  entriesDone: number
  entriesTotal: number
  /** Snapshot bytes already held when this transfer resumed one that broke off. */
  resumedFrom: number
  startedAt: number
  updatedAt: number
  /** Bytes per second over the last few seconds. */
  rateBps: number
  /** Time left at that rate; undefined until there is a rate. */
  etaMs: number | undefined
  /** Everything announced arrived (or, when `ended`, the session ended first). */
  done: boolean
  /** The session ended before the transfer was done: it continues in the next one. */
  ended: boolean
  /**
   * A final report of a transfer too short to be shown (under PROGRESS_EVERY_MS and never
   * reported before): for what keeps track of how transfers end (cut-off.ts), not for a person.
   */
  quiet?: boolean
}

/** Reports a transfer at most this often, once it has lasted this long, plus a final report. */
export const PROGRESS_EVERY_MS = 1000
const RATE_WINDOW_MS = 5000

interface Rec {
  t: Transfer
  /** `announced` by the plan, `begun` by headers so far. */
  snapshot: { done: number, total: number, announced: number, begun: number } | undefined
  entries: { done: number, total: number, bytesDone: number, bytesTotal: number } | undefined
  samples: Array<{ at: number, bytes: number }>
  lastReport: number
  reported: boolean
}

export class Transfers {
  private readonly recs = new Map<string, Rec>()

  constructor (private readonly peer: string, private readonly report: (t: Transfer) => void, private readonly now: () => number = Date.now, private readonly maxIncoming = Infinity) {}

  /** Incoming transfers in flight. */
  private incoming (): number {
    let n = 0
    for (const r of this.recs.values()) if (r.t.direction === 'in') n++
    return n
  }

  /**
   * A snapshot of `size` bytes begins, from `offset` when it resumes one held in part. Its size
   * counts in the total unless the plan announced it already.
   */
  snapshotBegins (direction: Direction, doc: string, size: number, offset: number): void {
    const r = this.rec(direction, doc)
    const sn = r.snapshot ??= { done: 0, total: 0, announced: 0, begun: 0 }
    sn.begun += size
    sn.total = Math.max(sn.announced, sn.begun)
    sn.done += offset
    r.t.resumedFrom += offset
    // Bytes held before a resume arrived in no time: the rate starts from them.
    if (offset > 0) r.samples = []
    this.update(r)
  }

  snapshotBytes (direction: Direction, doc: string, n: number): void {
    const r = this.recs.get(key(direction, doc))
    if (r?.snapshot === undefined) return
    r.snapshot.done += n
    this.update(r)
  }

  /**
   * snapshotBytes for the snapshot under way now, told later (its last piece, once it is stored):
   * if a new catch-up of the document was planned meanwhile, the bytes are not counted in it.
   */
  snapshotBytesLater (direction: Direction, doc: string): (n: number) => void {
    const r = this.recs.get(key(direction, doc))
    const sn = r?.snapshot
    return (n) => {
      if (r === undefined || sn === undefined || r.snapshot !== sn || this.recs.get(key(direction, doc)) !== r) return
      sn.done += n
      this.update(r)
    }
  }

  /** A catch-up of this document follows: snapshots of `snapshotBytes`, then `entries` entries of `bytes`. */
  plan (direction: Direction, doc: string, snapshotBytes: number, entries: number, bytes: number): void {
    // A peer's plans are its word: past `maxIncoming` in flight, a new one is not tracked.
    if (direction === 'in' && !this.recs.has(key(direction, doc)) && this.incoming() >= this.maxIncoming) return
    const r = this.rec(direction, doc)
    if (snapshotBytes > 0) r.snapshot = { done: 0, total: snapshotBytes, announced: snapshotBytes, begun: 0 }
    r.entries = { done: 0, total: entries, bytesDone: 0, bytesTotal: bytes }
    this.update(r)
  }

  /** Entries of a planned catch-up arrived (stored or already held) or were sent. */
  entries (direction: Direction, doc: string, n: number, bytes: number): void {
    const r = this.recs.get(key(direction, doc))
    if (r?.entries === undefined) return
    r.entries.done += n
    r.entries.bytesDone += bytes
    this.update(r)
  }

  /**
   * The transfer of this document stopped short in this session (its snapshot was skipped: the
   * receiver takes it from another transfer): reported as ended and forgotten.
   */
  stop (direction: Direction, doc: string): void {
    const r = this.recs.get(key(direction, doc))
    if (r === undefined) return
    r.t.ended = true
    r.t.done = true
    this.finish(r)
    this.recs.delete(key(direction, doc))
  }

  /** What is in flight now. */
  list (): Transfer[] { return [...this.recs.values()].map(r => ({ ...r.t })) }

  /** The session ended: what was still in flight is reported as ended and forgotten. */
  end (): void {
    for (const r of this.recs.values()) {
      r.t.ended = true
      r.t.done = true
      this.finish(r)
    }
    this.recs.clear()
  }

  private rec (direction: Direction, doc: string): Rec {
    const k = key(direction, doc)
    let r = this.recs.get(k)
    if (r === undefined || r.t.done) {
      const at = this.now()
      r = {
        t: { peer: this.peer, doc, direction, bytesDone: 0, bytesTotal: 0, entriesDone: 0, entriesTotal: 0, resumedFrom: 0, startedAt: at, updatedAt: at, rateBps: 0, etaMs: undefined, done: false, ended: false },
        snapshot: undefined,
        entries: undefined,
        samples: [],
        lastReport: at,
        reported: false
      }
      this.recs.set(k, r)
    }
    return r
  }

  private update (r: Rec): void {
    const t = r.t
    const at = this.now()
    const s = r.snapshot
    const e = r.entries
    t.bytesDone = (s?.done ?? 0) + Math.min(e?.bytesDone ?? 0, e?.bytesTotal ?? 0)
    t.bytesTotal = (s?.total ?? 0) + (e?.bytesTotal ?? 0)
    t.entriesDone = Math.min(e?.done ?? 0, e?.total ?? 0) // live entries of the same document may count in
    t.entriesTotal = e?.total ?? 0
    t.updatedAt = at
    r.samples.push({ at, bytes: t.bytesDone })
    while (r.samples.length > 2 && (r.samples[0] as { at: number }).at < at - RATE_WINDOW_MS) r.samples.shift()
    const first = r.samples[0] as { at: number, bytes: number }
    const span = at - first.at
    if (span > 0) t.rateBps = Math.round((t.bytesDone - first.bytes) * 1000 / span)
    t.etaMs = t.rateBps > 0 ? Math.round((t.bytesTotal - t.bytesDone) * 1000 / t.rateBps) : undefined
    const complete = (s === undefined || s.done >= s.total) && (e === undefined || e.done >= e.total)
    if (complete) {
      t.done = true
      t.etaMs = 0
      this.finish(r)
      this.recs.delete(key(t.direction, t.doc))
      return
    }
    if (at - t.startedAt >= PROGRESS_EVERY_MS && at - r.lastReport >= PROGRESS_EVERY_MS) {
      r.lastReport = at
      r.reported = true
      this.report({ ...t })
    }
  }

  /** The final report of a transfer that lasted long enough to be reported at all. */
  private finish (r: Rec): void {
    const shown = r.reported || this.now() - r.t.startedAt >= PROGRESS_EVERY_MS
    this.report(shown ? { ...r.t } : { ...r.t, quiet: true })
  }
}

const key = (direction: Direction, doc: string): string => `${direction}:${doc}`
