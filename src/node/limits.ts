/**
 * Per-author budgets: how much one device may push into one document per minute, and how large
 * a snapshot may be for what it claims. A faulty or stolen member can otherwise fill every
 * peer's disk with valid, signed, encrypted garbage. Beyond a budget an entry is refused with a
 * typed error (RATE_LIMITED, with `retryAfterMs`: when the window moves), logged by the sync
 * session, which goes on; a refused entry is missing data, and the session asks the peer for it
 * again once the window has moved (protocols/sync/SPEC.md, Refused entries).
 */
import { EntryTooLargeError, RateLimitedError } from '../errors.js'
import { streamKey, toHex } from '../identity/index.js'

export interface Limits {
  /** Entries one author may add to one document per minute. @default 100000 */
  entriesPerMinute: number
  /** Bytes one author may add to one document per minute. @default 256 MiB */
  bytesPerMinute: number
  /** A snapshot may be this many bytes beyond what its claim can hold. @default 64 MiB */
  snapshotSlackBytes: number
  /** ...plus this many times the bytes this node holds of the document. @default 4 */
  snapshotDocFactor: number
  /** The window the entry and byte budgets count in (ms). @default 60000 */
  windowMs: number
}

export const DEFAULT_LIMITS: Limits = { entriesPerMinute: 100_000, bytesPerMinute: 256 * 1024 * 1024, snapshotSlackBytes: 64 * 1024 * 1024, snapshotDocFactor: 4, windowMs: 60_000 }

/** The largest entry (crdt/SPEC.md): what one claimed sequence number can add to a state at most. */
const MAX_ENTRY_BYTES = 1024 * 1024

export class Budgets {
  limits: Limits
  /** Per doc|author: the window's start and what was taken in it (fixed windows: cheap, and at most 2x at a boundary). */
  private readonly windows = new Map<string, { start: number, entries: number, bytes: number }>()

  constructor (limits: Partial<Limits> = {}) { this.limits = { ...DEFAULT_LIMITS, ...limits } }

  /** Counts one received entry against its author's budget for its document; throws RateLimitedError beyond it. */
  /** Whether take() would pass now, taking nothing (an early entry's apply: its signature's admission takes). */
  allows (doc: Uint8Array, author: Uint8Array, bytes: number, now = Date.now()): boolean {
    const w = this.windows.get(`${toHex(doc)}|${toHex(author)}`)
    if (w === undefined || now - w.start >= this.limits.windowMs) return true
    return w.entries + 1 <= this.limits.entriesPerMinute && w.bytes + bytes <= this.limits.bytesPerMinute
  }

  take (doc: Uint8Array, author: Uint8Array, bytes: number, now = Date.now()): void {
    const k = `${toHex(doc)}|${toHex(author)}`
    let w = this.windows.get(k)
    const windowMs = this.limits.windowMs
    if (w === undefined || now - w.start >= windowMs) {
      if (this.windows.size > 10_000) for (const [x, v] of this.windows) if (now - v.start >= windowMs) this.windows.delete(x)
      w = { start: now, entries: 0, bytes: 0 }
      this.windows.set(k, w)
    }
    if (w.entries + 1 > this.limits.entriesPerMinute || w.bytes + bytes > this.limits.bytesPerMinute) {
      throw new RateLimitedError(`author ${toHex(author).slice(0, 12)} is over its budget for this document (${this.limits.entriesPerMinute} entries, ${this.limits.bytesPerMinute} bytes per ${windowMs / 1000} s)`, { author: toHex(author), retryAfterMs: Math.max(0, w.start + windowMs - now) })
    }
    w.entries++
    w.bytes += bytes
  }

  /**
   * A snapshot's size against what it can hold: every sequence number it claims beyond what this
   * node holds adds at most one entry's bytes, on top of what this node holds of the document.
   */
  checkSnapshot (size: number, covers: ReadonlyArray<{ author: Uint8Array, lane?: number, seq: bigint }>, held: Map<string, number>, docBytes: number): void {
    let fresh = 0
    for (const c of covers) fresh += Math.max(0, Number(c.seq) - (held.get(streamKey(c)) ?? 0))
    const max = this.limits.snapshotSlackBytes + this.limits.snapshotDocFactor * docBytes + Math.min(fresh, 1 << 20) * MAX_ENTRY_BYTES
    if (size > max) throw new EntryTooLargeError(`a snapshot of ${size} bytes is larger than what it claims can hold (${max} bytes)`, { size, max })
  }
}
