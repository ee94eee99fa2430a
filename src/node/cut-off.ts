/**
 * Catch-ups that stopped part way: a document some of whose entries (or snapshot) came from a
 * peer before the connection or the peer went. What came is readable, and a front-end says the
 * rest is missing (`mesh session show`: incomplete) instead of showing it as whole. Kept while
 * this node runs, per document, until a transfer of it moves again (from any peer): the rest
 * comes by that one, or it was not needed.
 */
import type { Transfer } from '../../protocols/sync/transfer.js'

export interface CutOff {
  peerId: string
  /** The peer's label. */
  from: string
  bytesDone: number
  bytesTotal: number
  entriesDone: number
  entriesTotal: number
  /** When it stopped (ms since the epoch). */
  at: number
}

export class CutOffs {
  private readonly byDoc = new Map<string, CutOff>()

  /** An incoming transfer's report: one that ended before it was done is kept, any other clears its document. */
  note (t: Transfer, label: string): void {
    if (t.direction !== 'in') return
    if (t.done && t.ended && t.bytesDone < t.bytesTotal) {
      this.byDoc.set(t.doc, { peerId: t.peer, from: label, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, entriesDone: t.entriesDone, entriesTotal: t.entriesTotal, at: Date.now() })
    } else {
      this.byDoc.delete(t.doc)
    }
  }

  /** The catch-up of this document (hex id) that stopped part way, if any. */
  get (doc: string): CutOff | undefined { return this.byDoc.get(doc) }
}
