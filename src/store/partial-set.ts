/**
 * Snapshots received in part, at most one per document (the one furthest along), and which
 * documents a transfer is writing a partial file for right now: a transfer that broke off keeps
 * what it wrote, and the next one resumes from there (partial.ts holds the file format).
 */
import { rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { logger } from '@libp2p/logger'
import { toHex, type Entry } from '../identity/index.js'
import { RateLimitedError, StoreWriteError } from '../errors.js'
import { fsyncDir } from './files.js'
import { listPartials, partialPath, readPartial, readPartialPrefix, removePartial, writePartial, type PartialSnapshot } from './partial.js'
import type { StagedSnapshot, StoredSnapshot } from './snapshots.js'
import { dominates, vectorOf, type Vector } from './vector.js'

const log = logger('mesh:store')
/** A transfer that wrote within this long is under way: another of the same document waits for it. */
const ALIVE_MS = 5_000

export interface SnapshotReplace {
  /** Whether a stored snapshot may go once the new one is in (checked to be held by it). @default none */
  replaces?: (s: StoredSnapshot) => boolean
}

/** A snapshot file being received, committed into the store, kept for a resume, or discarded. */
export type ReceivedSnapshot = StagedSnapshot & { commit: (opts?: SnapshotReplace) => Promise<StoredSnapshot>, keep: () => Promise<void> }

/** What receiving needs of the store: a private staging file, adopting a committed file, whether it closed. */
export interface ReceiveDeps {
  stage: (header: Entry) => StagedSnapshot
  adopt: (stored: StoredSnapshot, opts?: SnapshotReplace) => Promise<StoredSnapshot>
  closed: () => boolean
}

export class PartialSnapshots {
  private readonly byDoc = new Map<string, PartialSnapshot>()
  /** Documents whose partial file a transfer is writing now, with when it last wrote (ms). */
  private readonly receiving = new Map<string, number>()

  /** `dir`: the store's snapshots directory. */
  constructor (private readonly dir: string) {}

  /** Reads the partial files left by earlier runs: per document, the one furthest along is kept, the others removed. */
  async load (): Promise<void> {
    for (const found of await listPartials(this.dir)) {
      const p = await this.named(found)
      const k = toHex(p.header.doc)
      const other = this.byDoc.get(k)
      if (other !== undefined && other.held >= p.held) { await removePartial(p); continue }
      if (other !== undefined) await removePartial(other)
      this.byDoc.set(k, p)
    }
  }

  /**
   * A partial file under an earlier version's name (`<author>-<seq>.part`) takes its header's
   * name (snapshots.ts snapshotFileName), where a resume writes; one that cannot be renamed is
   * left as it is (a resume then starts over).
   */
  private async named (p: PartialSnapshot): Promise<PartialSnapshot> {
    const path = partialPath(this.dir, p.header)
    if (p.path === path) return p
    try {
      await rename(p.path, path)
      await fsyncDir(dirname(path))
      return { ...p, path }
    } catch (err) {
      log.error('could not rename partial snapshot %s to %s: %e', p.path, path, err)
      return p
    }
  }

  all (): readonly PartialSnapshot[] { return [...this.byDoc.values()] }

  /** The partial snapshot held for this header, if any (same document, author and seq). */
  for (header: Entry): PartialSnapshot | undefined {
    const p = this.byDoc.get(toHex(header.doc))
    return p !== undefined && toHex(p.header.signature) === toHex(header.signature) ? p : undefined
  }

  /** The first `upTo` held bytes of a partial snapshot, in pieces. */
  prefix (p: PartialSnapshot, upTo: number, pieceBytes: number): AsyncGenerator<Uint8Array> { return readPartialPrefix(p, upTo, pieceBytes) }

  /** A snapshot of this document covering `cover` was stored: a partial one it dominates goes. */
  async stored (doc: Uint8Array, cover: Vector): Promise<void> {
    const p = this.byDoc.get(toHex(doc))
    if (p !== undefined && dominates(cover, vectorOf(p.header.covers))) {
      this.byDoc.delete(toHex(doc))
      await removePartial(p)
    }
  }

  /**
   * Starts writing a snapshot received from a peer, from `offset` (0: from its start, replacing
   * any partial snapshot of the same document). Nothing is visible until `commit()`; `keep()`
   * (the transfer broke off) leaves what was written for a resume.
   */
  receive (header: Entry, offset: number, deps: ReceiveDeps): ReceivedSnapshot {
    const k = toHex(header.doc)
    const other = this.receiving.get(k)
    if (other !== undefined) {
      // Another transfer of this document is writing its partial file: two peers sending the same
      // snapshot at once (a fresh node meeting two siblings), or the same peer's transfer on a
      // connection that ended and is not yet seen to. A wait, not a fault of the disk (`busy`: not
      // said as a refusal; the sender is asked to stop, and asked again later for what is missing).
      if (offset > 0) throw new RateLimitedError('another transfer of this snapshot is still being received, so this one cannot resume beside it: it is asked for again once that one ends', { offset, busy: true })
      if (Date.now() - other < ALIVE_MS) throw new RateLimitedError('another transfer of this document\'s snapshot is under way: this one is skipped, and asked for again if that one does not bring it', { offset, busy: true })
      // That one stalled: this one goes beside it, in a private temp file, not resumable.
      const staged = deps.stage(header)
      return { ...staged, commit: async (opts?: SnapshotReplace) => await deps.adopt(await staged.commit(), opts), keep: staged.discard }
    }
    this.receiving.set(k, Date.now())
    const done = (): void => { this.receiving.delete(k) }
    const old = this.byDoc.get(k)
    if (old !== undefined && (offset === 0 || toHex(old.header.signature) !== toHex(header.signature))) {
      this.byDoc.delete(k)
      // Another snapshot's file (its own name: snapshotFileName), never the one written now.
      if (toHex(old.header.signature) !== toHex(header.signature)) void removePartial(old).catch((err: unknown) => { log.error('removing partial snapshot %s failed: %e', old.path, err) })
    }
    const w = writePartial(this.dir, header, offset)
    const sig = toHex(header.signature)
    const forget = (): void => { const p = this.byDoc.get(k); if (p !== undefined && toHex(p.header.signature) === sig) this.byDoc.delete(k) }
    return {
      write: (data) => { if (this.receiving.has(k)) this.receiving.set(k, Date.now()); return w.write(data) },
      commit: async (opts?: SnapshotReplace) => {
        forget()
        try { return await deps.adopt(await w.commit(), opts) } finally { done() }
      },
      keep: async () => {
        try {
          await w.keep()
          // What the disk holds, not what was handed over: a write may have failed.
          const p = await readPartial(partialPath(this.dir, header))
          if (!deps.closed()) this.byDoc.set(k, p)
        } finally { done() }
      },
      discard: async () => { forget(); try { await w.discard() } finally { done() } }
    }
  }
}
