/**
 * The verified, decrypted state of snapshots just received for documents nobody has open, kept
 * briefly: such a document is usually opened next (`mesh resume`, a watcher waiting for it), and
 * its load then applies this instead of reading, verifying and decrypting the same snapshot
 * again. With the state comes the document the receipt's checks applied it to (an empty one,
 * checked against the shapes: snapshot-verify.ts), which a load that starts from nothing takes
 * as it is instead of applying the state a second time. Bounded in bytes and age; each is used
 * at most once, and a document not taken is destroyed.
 */
import type { Doc } from 'yjs'
import { toHex, type Entry } from '../identity/index.js'

/** How much received snapshot state is kept for a first open, and for how long. */
export const FRESH = { maxBytes: 64 * 1024 * 1024, ms: 30_000 } as const

export interface FreshState {
  header: Entry
  state: Uint8Array
  /** An empty document with exactly `state` applied and checked; whoever takes it owns it. */
  doc?: Doc
}

export class FreshStates {
  private readonly fresh = new Map<string, FreshState & { until: number }>()
  private timer: ReturnType<typeof setTimeout> | undefined

  keep (header: Entry, state: Uint8Array, doc?: Doc): void {
    this.expire()
    if (state.byteLength > FRESH.maxBytes) { doc?.destroy(); return }
    let bytes = state.byteLength
    for (const f of this.fresh.values()) bytes += f.state.byteLength
    // The oldest go first (a Map keeps insertion order).
    for (const [k, f] of this.fresh) {
      if (bytes <= FRESH.maxBytes) break
      this.drop(k, f)
      bytes -= f.state.byteLength
    }
    const k = toHex(header.signature)
    const old = this.fresh.get(k)
    if (old !== undefined) this.drop(k, old)
    this.fresh.set(k, { header, state, doc, until: Date.now() + FRESH.ms })
    this.arm()
  }

  take (signature: Uint8Array): FreshState | undefined {
    const k = toHex(signature)
    const f = this.fresh.get(k)
    if (f === undefined) return undefined
    this.fresh.delete(k)
    if (this.fresh.size === 0) this.disarm()
    if (f.until <= Date.now()) { f.doc?.destroy(); return undefined }
    return { header: f.header, state: f.state, doc: f.doc }
  }

  clear (): void {
    for (const [k, f] of this.fresh) this.drop(k, f)
    this.disarm()
  }

  private disarm (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private drop (k: string, f: FreshState): void {
    this.fresh.delete(k)
    f.doc?.destroy()
  }

  private expire (): void {
    const now = Date.now()
    for (const [k, f] of this.fresh) if (f.until <= now) this.drop(k, f)
  }

  /** A document held here is a whole session's heap: it goes when its time is up, not at the next keep. */
  private arm (): void {
    if (this.timer !== undefined) return
    const next = Math.min(...[...this.fresh.values()].map(f => f.until))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.expire()
      if (this.fresh.size > 0) this.arm()
    }, Math.max(0, next - Date.now()) + 10)
    this.timer.unref?.()
  }
}
