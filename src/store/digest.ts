/**
 * The vault's digest kept current as documents change: each document's vector fingerprint
 * (identity/fingerprint.ts) is rehashed only once it changed (its old fingerprint leaves the
 * running sum, the new one joins it), so a reconnect does not rehash the vault.
 */
import { docFingerprint, FingerprintSum, type VectorLane } from '../identity/index.js'

/**
 * What the digest needs of a document: its id and bytes, and where its fingerprint is kept.
 * `lanes`: its lanes as last computed, dropped whenever it changes (held.ts keeps them there).
 */
export interface Fingerprinted { readonly doc: Uint8Array, readonly id: string, fp?: Uint8Array, lanes?: readonly VectorLane[] }

/** Documents that hold something, by id, with their vector fingerprints (identity/fingerprint.ts). */
export interface FingerprintIndex {
  /** Ascending by id. Each item's `fp` is current as of the last `fingerprints()` call. */
  readonly items: ReadonlyArray<{ readonly id: string, readonly doc: Uint8Array, readonly fp: Uint8Array }>
  /** The whole vault's fingerprint (over every item). */
  readonly digest: Uint8Array
}

export class Digest<D extends Fingerprinted> {
  /** Documents whose vector changed since their fingerprint was last counted. */
  private readonly dirty = new Set<D>()
  private readonly total = new FingerprintSum()
  private sorted: D[] | undefined

  /** `lanes`: a document's lanes that hold something, with their tips. */
  constructor (private readonly lanes: (d: D) => readonly VectorLane[]) {}

  /** The document's vector (or a tip in it) changed: every change of either comes here. */
  changed (d: D): void { this.dirty.add(d); d.lanes = undefined }

  /**
   * Fingerprints every changed document in the background, a slice of 256 every `paceMs`, so the
   * first connection finds the vault's digest ready and no single step hashes 10,000 documents at
   * once. Paced, not a slice per turn of the event loop: a node that has just started answers its
   * first commands and peers between the slices (10,000 documents take about a second).
   */
  warm (stopped: () => boolean, paceMs = 20): void {
    const slice = (): void => {
      if (stopped() || this.dirty.size === 0) return
      this.refresh(256)
      setTimeout(slice, paceMs).unref()
    }
    setTimeout(slice, paceMs).unref()
  }

  /** Every document that holds something, ascending, with its fingerprint, and the vault's digest. */
  index (docs: Iterable<D>): FingerprintIndex {
    this.refresh(Infinity)
    this.sorted ??= [...docs].filter(d => d.fp !== undefined).sort((x, y) => x.id < y.id ? -1 : 1)
    return { items: this.sorted as FingerprintIndex['items'], digest: this.total.fingerprint() }
  }

  /** Rehashes up to `max` changed documents. */
  private refresh (max: number): void {
    let done = 0
    for (const d of this.dirty) {
      if (done++ >= max) return
      this.dirty.delete(d)
      const old = d.fp
      const items = this.lanes(d)
      const fp = items.length > 0 ? docFingerprint(d.doc, items) : undefined
      if (old !== undefined) this.total.sub(old)
      if (fp !== undefined) this.total.add(fp)
      if ((old === undefined) !== (fp === undefined)) this.sorted = undefined
      d.fp = fp
    }
  }
}
