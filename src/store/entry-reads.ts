/**
 * Reading held entries back: the index (held.ts) says where each entry's record lies in the log,
 * or holds its bytes while its append runs; this reads them, a slot, a lane or a document at a
 * time, skipping quarantined slots. A reference is resolved when the read starts (a compaction
 * may have moved the record since the caller looked).
 */
import { streamKey } from '../identity/index.js'
import type { DocIndex, HeldIndex } from './held.js'
import type { RecordLog } from './log.js'
import type { Quarantine } from './quarantine.js'

export class EntryReads {
  /** `log`: the store's log, set once it is open. */
  constructor (private readonly idx: HeldIndex, private readonly quarantine: Quarantine, private readonly log: () => RecordLog) {}

  /** The bytes of the entry held at a slot (not quarantined), if the log still holds it: one read, not the lane's. */
  async read (doc: Uint8Array, author: Uint8Array, seq: bigint, lane = 0): Promise<Uint8Array | undefined> {
    const key = streamKey({ author, lane })
    const d = this.idx.get(doc)
    const a = d?.authors.get(key)
    const s = Number(seq)
    if (d === undefined || a === undefined || this.quarantine.holds(d.doc, key, s)) return undefined
    const ref = a.seqs.get(s)
    if (ref === undefined) return undefined
    if ('bytes' in ref) return ref.bytes
    const payload = await this.log().read(() => {
      const cur = a.seqs.get(s)
      return cur !== undefined && !('bytes' in cur) ? cur : undefined
    })
    return payload?.subarray(1)
  }

  /** The entries held of one author lane up to a seq (not quarantined), oldest first. */
  async * held (doc: Uint8Array, key: string, max: number): AsyncGenerator<Uint8Array> {
    const d = this.idx.get(doc)
    const a = d?.authors.get(key)
    if (d === undefined || a === undefined) return
    const seqs = [...a.seqs.keys()].filter(s => s <= max && !this.quarantine.holds(d.doc, key, s)).sort((x, y) => x - y)
    for (const s of seqs) {
      const ref = a.seqs.get(s)
      if (ref === undefined) continue
      if ('bytes' in ref) { yield ref.bytes; continue }
      const payload = await this.log().read(() => {
        const cur = a.seqs.get(s)
        return cur !== undefined && !('bytes' in cur) ? cur : undefined
      })
      if (payload !== undefined) yield payload.subarray(1)
    }
  }

  /** A document's entries above `floorOf` each author lane, read from the log in groups, ordered by author lane then seq. */
  async * from (doc: Uint8Array, floorOf: (d: DocIndex, id: string) => number): AsyncGenerator<Uint8Array> {
    const d = this.idx.get(doc)
    if (d === undefined) return
    for (const [id, a] of d.authors) {
      const floor = floorOf(d, id)
      const seqs = [...a.seqs.keys()].filter(s => s > floor && !this.quarantine.holds(d.doc, id, s)).sort((x, y) => x - y)
      // In groups of up to 512 KiB, each read together (log.readMany), so neither a thread-pool
      // trip per entry nor a whole large document is held at once.
      for (let i = 0; i < seqs.length;) {
        let bytes = 0
        let j = i
        while (j < seqs.length && (j === i || bytes < 512 * 1024)) { bytes += a.seqs.get(seqs[j] as number)?.length ?? 0; j++ }
        const group = seqs.slice(i, j)
        i = j
        // Resolved at read time: a compaction may have moved them since the list was taken. An
        // entry still being appended then is taken from memory at that same moment: its append
        // may end while the others are read, and it would be neither in memory nor among what
        // was read (a replica loading beside a received entry lost it until its next open).
        const appending = new Map<number, Uint8Array>()
        const payloads = await this.log().readMany(() => group.map((s, k) => {
          const cur = a.seqs.get(s)
          if (cur !== undefined && 'bytes' in cur) appending.set(k, cur.bytes)
          return cur !== undefined && !('bytes' in cur) ? cur : undefined
        }))
        for (let k = 0; k < group.length; k++) {
          const payload = payloads[k]
          if (payload !== undefined) { yield payload.subarray(1); continue }
          const bytes = appending.get(k)
          if (bytes !== undefined) yield bytes
        }
      }
    }
  }
}
