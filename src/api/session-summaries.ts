/**
 * What a list with details shows of each session (status, lease, last writer, message count),
 * kept with the fingerprint of its document's entries when it was read. A list of hundreds of
 * sessions (`mesh agent list`, `mesh sessions --details`) opens a document only when it changed
 * since it was last read: opening 100 sessions of 3 MB for every list took 16 s and held 1.7 GB
 * for the minute the cache keeps them.
 *
 * Kept in memory and, when the API runs on a home, in the home's `summaries.sealed` as well,
 * sealed under a key of the vault (identity/record-seal.ts: the disk holds a session's metadata
 * only sealed), so the first list after a restart reads only what changed meanwhile. It is a
 * cache: a file that is missing, cut short, tampered with or of another vault is set aside with a
 * log line and the sessions are read again; a write that fails (a full disk) costs only that.
 * Written a moment after the summaries change (SAVE_AFTER_MS), and at close.
 */
import { logger } from '@libp2p/logger'
import { toHex, utf8, type RecordSealer } from '../identity/index.js'
import { readHomeText, writeHomeFile } from '../store/index.js'
import type { SessionSummary } from './session.js'

const log = logger('mesh:api:summaries')
/** A list sets many summaries at once: they are written together, this long after the first. */
export const SAVE_AFTER_MS = 2000
/** The file's format: bumped whenever what a SessionSummary holds or means changes, so an older file is read again, not trusted. */
const FORMAT = 1

export class SessionSummaries {
  private readonly byKey = new Map<string, { fp: string, summary: SessionSummary }>()
  private loaded: Promise<void> | undefined
  private dirty = false
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> = Promise.resolve()

  /** `disk`: the home whose summaries file to read and write, and its sealer; none: memory only. */
  constructor (private readonly disk?: { home: string, sealer: RecordSealer }) {}

  /** Reads the home's file once, before the first list uses the summaries. */
  async ready (): Promise<void> {
    this.loaded ??= this.load()
    await this.loaded
  }

  /** The summary read when the document's fingerprint was `fp`, if that is still it. */
  get (key: string, fp: Uint8Array | undefined): SessionSummary | undefined {
    const held = this.byKey.get(key)
    return held !== undefined && fp !== undefined && held.fp === toHex(fp) ? held.summary : undefined
  }

  /** `fp` taken before the document was read: a write meanwhile makes the next get read it again. */
  set (key: string, fp: Uint8Array | undefined, summary: SessionSummary): void {
    if (fp === undefined) this.byKey.delete(key)
    else this.byKey.set(key, { fp: toHex(fp), summary })
    this.dirty = true
    if (this.disk !== undefined && this.timer === undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; void this.flush() }, SAVE_AFTER_MS)
      this.timer.unref()
    }
  }

  /** Writes what changed (at close, or SAVE_AFTER_MS after a change); never throws. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const disk = this.disk
    if (disk === undefined) return
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      const items = [...this.byKey].map(([key, v]) => [key, v.fp, v.summary])
      try {
        const sealed = disk.sealer.seal(utf8(JSON.stringify({ format: FORMAT, items })))
        await writeHomeFile(disk.home, 'summaries', Buffer.from(sealed).toString('base64'))
      } catch (err: any) {
        // Only a cache: the next list reads the sessions again.
        log('could not write the session summaries: %s', err?.code ?? err?.message ?? err)
      }
    })
    await this.saving
  }

  private async load (): Promise<void> {
    const disk = this.disk
    if (disk === undefined) return
    try {
      const text = await readHomeText(disk.home, 'summaries')
      if (text === undefined) return
      const parsed = JSON.parse(Buffer.from(disk.sealer.open(new Uint8Array(Buffer.from(text.trim(), 'base64')))).toString('utf8'))
      if (parsed?.format !== FORMAT || !Array.isArray(parsed.items)) throw new Error(`format ${String(parsed?.format)}`)
      for (const it of parsed.items) {
        if (!Array.isArray(it) || typeof it[0] !== 'string' || typeof it[1] !== 'string' || !isSummary(it[2])) continue
        // A summary read by this process already is newer than the file's.
        if (!this.byKey.has(it[0])) this.byKey.set(it[0], { fp: it[1], summary: it[2] })
      }
    } catch (err: any) {
      // Cut short, tampered with, another vault's, or unreadable: the sessions are read again,
      // and the next write replaces it.
      log('the session summaries file was not used (%s): sessions are read again', err?.code ?? err?.message ?? err)
      this.dirty = true
    }
  }
}

function isSummary (s: any): s is SessionSummary {
  return s !== null && typeof s === 'object' && typeof s.status === 'string' && typeof s.messageCount === 'number' &&
    (s.lease === undefined || (typeof s.lease === 'object' && typeof s.lease.device === 'string' && typeof s.lease.expiresAt === 'number')) &&
    (s.lastWriter === undefined || (typeof s.lastWriter === 'object' && typeof s.lastWriter.device === 'string' && typeof s.lastWriter.ts === 'number'))
}
