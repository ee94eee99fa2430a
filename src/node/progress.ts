/**
 * Transfers as a person sees them: per peer and document, what is in flight (bytes and entries
 * done of the totals the sender announced, rate, time left), with the peer's label and the
 * document's name. The sync protocol counts (protocols/sync/transfer.ts); this names.
 */
import type { Transfer } from '../../protocols/sync/index.js'

export interface TransferStatus {
  peerId: string
  label: string
  /** The document's name (a session key, or the fixed documents' names); its id's first 12 hex digits when not known yet. */
  doc: string
  /** The document's id, hex. */
  docId: string
  /** 'in': arriving from the peer; 'out': being sent to it. */
  direction: 'in' | 'out'
  bytesDone: number
  bytesTotal: number
  entriesDone: number
  entriesTotal: number
  /** Snapshot bytes already held when the transfer resumed (not sent again). */
  resumedFrom: number
  rateBps: number
  etaMs: number | undefined
  startedAt: number
  /** When it last moved (ms since the epoch). */
  updatedAt: number
  done: boolean
  /** The session ended before it was done: the next session resumes it. */
  ended: boolean
}

export type ProgressEvent = { type: 'progress' } & Omit<TransferStatus, 'docId' | 'startedAt' | 'updatedAt'>

/** A session still arriving, before it can be opened; `held`: whether this node holds any of it already (an older state). */
export interface Arriving { peerId: string, from: string, bytesDone: number, bytesTotal: number, entriesDone: number, entriesTotal: number, rateBps: number, etaMs: number | undefined, held: boolean, updatedAt: number }

/**
 * A transfer that has not moved for this long is not waited for (a wait for a session, a resume
 * refused as arriving): its peer may have stopped sending without the connection ending.
 */
export const ARRIVAL_STALLED_MS = 30_000

/** Whether what arrives of a document still moves (ARRIVAL_STALLED_MS). */
export function stillArriving (a: Pick<Arriving, 'updatedAt'>, now = Date.now()): boolean {
  return now - a.updatedAt < ARRIVAL_STALLED_MS
}

export function transferStatus (t: Transfer, label: string, name: string | undefined): TransferStatus {
  return {
    peerId: t.peer,
    label,
    doc: name ?? t.doc.slice(0, 12),
    docId: t.doc,
    direction: t.direction,
    bytesDone: t.bytesDone,
    bytesTotal: t.bytesTotal,
    entriesDone: t.entriesDone,
    entriesTotal: t.entriesTotal,
    resumedFrom: t.resumedFrom,
    rateBps: t.rateBps,
    etaMs: t.etaMs,
    startedAt: t.startedAt,
    updatedAt: t.updatedAt,
    done: t.done,
    ended: t.ended
  }
}

export function progressEvent (s: TransferStatus): ProgressEvent {
  const { docId: _d, startedAt: _s, updatedAt: _u, ...rest } = s
  return { type: 'progress', ...rest }
}

/** How much of a whole is here, as a person reads it: `61% (22 MB of 36 MB)`. */
export function portion (done: number, total: number): string {
  return `${total > 0 ? Math.floor(done * 100 / total) : 0}% (${megabytes(done)} of ${megabytes(total)})`
}

/** How far an arrival is, as a person reads it: `61% (22 MB of 36 MB), about 4 s left` (the time once there is a rate). */
export function arrivalPortion (a: { bytesDone: number, bytesTotal: number, etaMs?: number }): string {
  return `${portion(a.bytesDone, a.bytesTotal)}${a.etaMs !== undefined ? `, about ${Math.ceil(a.etaMs / 1000)} s left` : ''}`
}

/** Bytes as a person reads them in a progress line: `3.4 MB`, `36 MB` (whole MB from 10 MB up). */
export function megabytes (n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`
}

/**
 * Bytes as a person reads them, of any size: MB from 0.1 MB up (`3.4 MB`), KB or bytes below,
 * where `0.0 MB` would say nothing (a small file, a short document).
 */
export function sizeWords (n: number): string {
  return n >= 1e5 ? megabytes(n) : n >= 1000 ? `${(n / 1e3).toFixed(1)} KB` : `${n} byte${n === 1 ? '' : 's'}`
}
