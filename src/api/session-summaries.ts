/**
 * What a list with details shows of each session (status, lease, last writer, message count),
 * kept in memory with the fingerprint of its document's entries when it was read. A list of
 * hundreds of sessions (`mesh agent list`, `mesh sessions --details`) opens a document only when it
 * changed since it was last read, or was never read by this process: opening 100 sessions of 3 MB
 * for every list took 16 s and held 1.7 GB for the minute the cache keeps them. Kept in memory
 * only: the disk holds a session's metadata sealed, as the rest of it.
 */
import { toHex } from '../identity/index.js'
import type { SessionSummary } from './session.js'

export class SessionSummaries {
  private readonly byKey = new Map<string, { fp: string, summary: SessionSummary }>()

  /** The summary read when the document's fingerprint was `fp`, if that is still it. */
  get (key: string, fp: Uint8Array | undefined): SessionSummary | undefined {
    const held = this.byKey.get(key)
    return held !== undefined && fp !== undefined && held.fp === toHex(fp) ? held.summary : undefined
  }

  /** `fp` taken before the document was read: a write meanwhile makes the next get read it again. */
  set (key: string, fp: Uint8Array | undefined, summary: SessionSummary): void {
    if (fp === undefined) this.byKey.delete(key)
    else this.byKey.set(key, { fp: toHex(fp), summary })
  }
}
