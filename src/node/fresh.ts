/**
 * The verified, decrypted state of snapshots just received for documents nobody has open, kept
 * briefly: such a document is usually opened next (`mesh resume`, a watcher waiting for it), and
 * its load then applies this instead of reading, verifying and decrypting the same snapshot
 * again. Bounded in bytes and age; each is used at most once.
 */
import { toHex, type Entry } from '../identity/index.js'

/** How much received snapshot state is kept for a first open, and for how long. */
export const FRESH = { maxBytes: 64 * 1024 * 1024, ms: 30_000 } as const

export class FreshStates {
  private readonly fresh = new Map<string, { header: Entry, state: Uint8Array, until: number }>()

  keep (header: Entry, state: Uint8Array): void {
    const now = Date.now()
    for (const [k, f] of this.fresh) if (f.until <= now) this.fresh.delete(k)
    if (state.byteLength > FRESH.maxBytes) return
    let bytes = state.byteLength
    for (const f of this.fresh.values()) bytes += f.state.byteLength
    // The oldest go first (a Map keeps insertion order).
    for (const [k, f] of this.fresh) {
      if (bytes <= FRESH.maxBytes) break
      this.fresh.delete(k)
      bytes -= f.state.byteLength
    }
    this.fresh.set(toHex(header.signature), { header, state, until: now + FRESH.ms })
  }

  take (signature: Uint8Array): { header: Entry, state: Uint8Array } | undefined {
    const k = toHex(signature)
    const f = this.fresh.get(k)
    if (f === undefined) return undefined
    this.fresh.delete(k)
    return f.until > Date.now() ? f : undefined
  }

  clear (): void { this.fresh.clear() }
}
