/**
 * Quarantine: entries and snapshots that passed every check above Yjs (signature, certificate,
 * decryption) and still could not be applied, or broke their document's shape. Each is kept as
 * evidence in `data/quarantine/<id>.json` (its metadata and, for an entry, its bytes; a
 * snapshot's file moves beside it as `<id>.snap`), never applied, never sent to a peer. Its
 * slot (document, author lane, seq) counts as held, so peers do not send it again. Dropping one
 * deletes its evidence and keeps a tombstone: the slot stays excluded, so the next open does not
 * take the entry back from the log or a peer and quarantine it anew.
 *
 * Records hold ids, never names or labels: the layer above resolves those when it lists them.
 */
import { readdir, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { fromHex, streamKey, toHex } from '../identity/index.js'
import { NotFoundError } from '../errors.js'
import { shownInput } from '../shown-input.js'
import { atomicWrite, fsyncDir } from './files.js'

const log = logger('mesh:store:quarantine')

export interface QuarantineRecord {
  /** 16 hex digits of the SHA-256 of the entry (or snapshot header) bytes. */
  id: string
  /** entry, snapshot: set aside; claim: a snapshot kept whose `covers` an entry showed false */
  kind: 'entry' | 'snapshot' | 'claim'
  /** Hex document id. */
  doc: string
  /** Hex author key. */
  author: string
  lane: number
  seq: number
  reason: string
  /** When it was quarantined (ms). */
  at: number
  dropped?: boolean
}

interface RecordFile extends QuarantineRecord { bytes?: string }

export const quarantineId = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16)
const slotKey = (doc: string, key: string, seq: number): string => `${doc}/${key}/${seq}`

export class Quarantine {
  private readonly records = new Map<string, RecordFile>()
  private readonly slots = new Set<string>()

  /** `readOnly`: records added are held in memory only (a home that cannot be written), nothing is written or moved. */
  private constructor (readonly dir: string, private readonly readOnly: boolean) {}

  static async open (dir: string, opts: { readOnly?: boolean } = {}): Promise<Quarantine> {
    const q = new Quarantine(dir, opts.readOnly === true)
    let names: string[] = []
    try { names = await readdir(dir) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    for (const n of names) {
      if (!n.endsWith('.json')) continue
      try {
        const r = JSON.parse(await readFile(join(dir, n), 'utf8')) as RecordFile
        if (typeof r.id !== 'string' || typeof r.doc !== 'string' || typeof r.author !== 'string' || !Number.isSafeInteger(r.seq)) throw new Error('not a quarantine record')
        q.index(r)
      } catch (err) {
        log.error('quarantine record %s is unreadable and is ignored: %e', n, err)
      }
    }
    return q
  }

  private claims = 0
  /**
   * Told the document (hex) of each record added after open: a quarantined slot counts as passed
   * in its vector, a disproved claim no more (the store marks the vector changed: held.ts lanes,
   * the digest). Told as the record is indexed, before its write: memory changes first.
   */
  onChanged: ((doc: string) => void) | undefined

  private index (r: RecordFile): void {
    if (r.kind === 'claim' && !this.records.has(r.id)) this.claims++
    this.records.set(r.id, r)
    if (r.kind === 'entry') this.slots.add(slotKey(r.doc, streamKey({ author: fromHex(r.author), lane: r.lane }), r.seq))
    this.onChanged?.(r.doc)
  }

  /** Whether an entry's slot is quarantined (or was, and dropped). */
  holds (doc: Uint8Array, key: string, seq: number): boolean {
    return this.slots.size > 0 && this.slots.has(slotKey(toHex(doc), key, seq))
  }

  /** Quarantined seqs of one author lane of a document. */
  seqs (doc: Uint8Array, key: string): number[] {
    if (this.slots.size === 0) return []
    const prefix = `${toHex(doc)}/${key}/`
    const out: number[] = []
    for (const s of this.slots) if (s.startsWith(prefix)) out.push(Number(s.slice(prefix.length)))
    return out
  }

  /** The entry slots of a document set aside, dropped ones included. */
  slotsOf (doc: Uint8Array): Array<{ author: Uint8Array, lane: number, seq: bigint }> {
    const hex = toHex(doc)
    return [...this.records.values()].filter(r => r.kind === 'entry' && r.doc === hex).map(r => ({ author: fromHex(r.author), lane: r.lane, seq: BigInt(r.seq) }))
  }

  list (): QuarantineRecord[] {
    return [...this.records.values()].filter(r => r.dropped !== true).map(({ bytes: _b, ...r }) => r).sort((a, b) => a.at - b.at)
  }

  get (id: string): QuarantineRecord | undefined { return this.records.get(id) }

  /** Quarantines an entry: durable before it resolves. Idempotent. */
  async addEntry (e: { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, bytes: Uint8Array }, reason: string): Promise<QuarantineRecord> {
    const id = quarantineId(e.bytes)
    const have = this.records.get(id)
    if (have !== undefined) return have
    const r: RecordFile = { id, kind: 'entry', doc: toHex(e.doc), author: toHex(e.author), lane: e.lane, seq: Number(e.seq), reason, at: Date.now(), bytes: Buffer.from(e.bytes).toString('base64') }
    this.index(r) // at once: a concurrent reader skips it while the file is written
    if (!this.readOnly) await atomicWrite(join(this.dir, `${id}.json`), JSON.stringify(r))
    return r
  }

  /** Moves a snapshot's file into quarantine (its slot is its own: the entries it covers stay as they are). */
  async addSnapshot (s: { header: { doc: Uint8Array, author: Uint8Array, seq: bigint, bytes: Uint8Array }, path: string }, reason: string): Promise<QuarantineRecord> {
    const id = quarantineId(s.header.bytes)
    const r: RecordFile = { id, kind: 'snapshot', doc: toHex(s.header.doc), author: toHex(s.header.author), lane: 0, seq: Number(s.header.seq), reason, at: Date.now() }
    if (this.readOnly) { this.index(r); return r }
    await atomicWrite(join(this.dir, `${id}.json`), JSON.stringify(r))
    await rename(s.path, join(this.dir, `${id}.snap`))
    await fsyncDir(join(s.path, '..'))
    this.index(r)
    return r
  }

  /** Whether a snapshot's claim was shown false (its header's record is a `claim`). */
  disproves (headerBytes: Uint8Array): boolean {
    if (this.claims === 0) return false
    return this.records.get(`c${quarantineId(headerBytes).slice(1)}`)?.kind === 'claim'
  }

  /** Records that a snapshot's claim is false. Idempotent. */
  async addClaim (header: { doc: Uint8Array, author: Uint8Array, seq: bigint, bytes: Uint8Array }, reason: string): Promise<QuarantineRecord> {
    const id = `c${quarantineId(header.bytes).slice(1)}`
    const have = this.records.get(id)
    if (have !== undefined) return have
    const r: RecordFile = { id, kind: 'claim', doc: toHex(header.doc), author: toHex(header.author), lane: 0, seq: Number(header.seq), reason, at: Date.now() }
    this.index(r)
    if (!this.readOnly) await atomicWrite(join(this.dir, `${id}.json`), JSON.stringify(r))
    return r
  }

  /** Deletes a record's evidence, keeping a tombstone (see the module comment). */
  async drop (id: string): Promise<void> {
    const r = this.records.get(id)
    if (r === undefined || r.dropped === true) throw new NotFoundError(`nothing in quarantine has the id ${shownInput(id)}`, { id })
    const { bytes: _b, ...rest } = r
    const tomb: RecordFile = { ...rest, dropped: true }
    await atomicWrite(join(this.dir, `${id}.json`), JSON.stringify(tomb))
    this.records.set(id, tomb)
    if (r.kind === 'snapshot') await unlink(join(this.dir, `${id}.snap`)).catch((err: any) => { if (err?.code !== 'ENOENT') throw err })
  }
}
