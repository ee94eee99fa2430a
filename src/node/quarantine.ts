/**
 * Setting aside what proved bad: an entry or a snapshot moved to the store's quarantine
 * (src/store/quarantine.ts) durably and logged, and the records of quarantine and forks named as
 * `mesh doctor` shows them (document names, author labels).
 */
import { logger } from '@libp2p/logger'
import { withoutKeys } from '../../crdt/index.js'
import { fromHex, type Entry } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import type { CertRegistry } from './certs.js'

const log = logger('mesh:node:vault')

/** Two different entries of one author at one (document, lane, seq): both kept and applied, reported. */
export interface Fork {
  /** Id of the second entry's evidence (data/forks/<id>.json). */
  id: string
  doc: string
  docName?: string
  author: string
  authorLabel?: string
  lane: number
  seq: number
  /** Signature prefix (hex) of the entry held at the slot when the second arrived. */
  held: string
  at: number
}

/** An entry or snapshot kept aside as bad (see src/store/quarantine.ts), as `mesh doctor` lists it. */
export interface Quarantined {
  id: string
  /** entry, snapshot: set aside; claim: a snapshot kept whose coverage an entry showed false */
  kind: 'entry' | 'snapshot' | 'claim'
  /** Hex document id, and its name when this vault can name it. */
  doc: string
  docName?: string
  /** Hex author key, and the label of its certificate. */
  author: string
  authorLabel?: string
  lane: number
  seq: number
  reason: string
  at: number
}

export class SetAside {
  /** `names`: document names by hex id, as far as the vault has seen them (kept current by it). */
  constructor (private readonly store: EntryStore, private readonly certs: CertRegistry, private readonly names: ReadonlyMap<string, string>) {}

  /**
   * Puts an entry in quarantine (durably); returns the record to report. The record on disk
   * holds the reason without the keys it names (withoutKeys: a session key, a memory key); the
   * log and the record returned (the live event) hold it whole.
   */
  async entry (entry: Entry, reason: string): Promise<Quarantined> {
    const rec = await this.store.quarantine.addEntry(entry, withoutKeys(reason))
    log.error('entry %s of %s (author %s, lane %d, seq %d) quarantined: %s', rec.id, this.names.get(rec.doc) ?? rec.doc.slice(0, 12), rec.author.slice(0, 12), rec.lane, rec.seq, reason)
    return { ...this.describe(rec), reason }
  }

  async snapshot (s: StoredSnapshot, reason: string): Promise<Quarantined> {
    const rec = await this.store.setAsideSnapshot(s, withoutKeys(reason))
    log.error('snapshot %s of %s quarantined: %s', rec.id, this.names.get(rec.doc) ?? rec.doc.slice(0, 12), reason)
    return { ...this.describe(rec), reason }
  }

  describe (r: Omit<Quarantined, 'docName' | 'authorLabel'>): Quarantined {
    const q: Quarantined = { id: r.id, kind: r.kind, doc: r.doc, author: r.author, lane: r.lane, seq: r.seq, reason: r.reason, at: r.at }
    const docName = this.names.get(r.doc)
    if (docName !== undefined) q.docName = docName
    const label = this.certs.get(fromHex(r.author))?.label
    if (label !== undefined) q.authorLabel = label
    return q
  }

  describeFork (r: Omit<Fork, 'docName' | 'authorLabel'>): Fork {
    const f: Fork = { id: r.id, doc: r.doc, author: r.author, lane: r.lane, seq: r.seq, held: r.held, at: r.at }
    const docName = this.names.get(r.doc)
    if (docName !== undefined) f.docName = docName
    const label = this.certs.get(fromHex(r.author))?.label
    if (label !== undefined) f.authorLabel = label
    return f
  }
}
