/**
 * Evidence of forks: a second, different entry at a slot (document, author lane, seq) the store
 * already holds. Each is kept in `data/forks/<id>.json` (id: 16 hex digits of the SHA-256 of
 * its bytes; its metadata and bytes), applied beside the held one (both are valid writes of a
 * member: a device restored from a backup reuses sequence numbers in good faith) and offered to
 * every peer, so every node ends with both and reports the fork.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { toHex } from '../identity/index.js'
import { atomicWrite } from './files.js'
import { quarantineId } from './quarantine.js'

const log = logger('mesh:store:forks')

export interface ForkRecord {
  id: string
  /** Hex document id and author key. */
  doc: string
  author: string
  lane: number
  seq: number
  /** Hex prefix of the signature of the entry held in the slot when this one arrived. */
  held: string
  at: number
}

interface ForkFile extends ForkRecord { bytes: string }

export class Forks {
  private readonly records = new Map<string, ForkFile>()

  /** Told the document (hex) of each fork kept after open: the store marks its vector's tips changed. */
  onChanged: ((doc: string) => void) | undefined

  private constructor (readonly dir: string) {}

  static async open (dir: string): Promise<Forks> {
    const f = new Forks(dir)
    let names: string[] = []
    try { names = await readdir(dir) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    for (const n of names) {
      if (!n.endsWith('.json')) continue
      try {
        const r = JSON.parse(await readFile(join(dir, n), 'utf8')) as ForkFile
        if (typeof r.id !== 'string' || typeof r.bytes !== 'string') throw new Error('not a fork record')
        f.records.set(r.id, r)
      } catch (err) {
        log.error('fork record %s is unreadable and is ignored: %e', n, err)
      }
    }
    return f
  }

  /** How many fork evidences are kept (0 almost always: callers skip their scans). */
  count (): number { return this.records.size }

  has (bytes: Uint8Array): boolean { return this.records.size > 0 && this.records.has(quarantineId(bytes)) }

  /** Keeps a second entry of a slot; false when it was kept already. Durable before it resolves. */
  async add (e: { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, bytes: Uint8Array }, heldSignature: Uint8Array): Promise<ForkRecord | undefined> {
    const id = quarantineId(e.bytes)
    if (this.records.has(id)) return undefined
    const r: ForkFile = { id, doc: toHex(e.doc), author: toHex(e.author), lane: e.lane, seq: Number(e.seq), held: toHex(heldSignature).slice(0, 16), at: Date.now(), bytes: Buffer.from(e.bytes).toString('base64') }
    this.records.set(id, r)
    // The slot's content tip changes (a fork counts in it) in memory now, whatever the write does.
    this.onChanged?.(r.doc)
    await atomicWrite(join(this.dir, `${id}.json`), JSON.stringify(r))
    return r
  }

  list (): ForkRecord[] { return [...this.records.values()].map(({ bytes: _b, ...r }) => r).sort((a, b) => a.at - b.at) }

  /** The kept second entries of a document. */
  ofDoc (doc: Uint8Array): Uint8Array[] {
    const hex = toHex(doc)
    return [...this.records.values()].filter(r => r.doc === hex).map(r => new Uint8Array(Buffer.from(r.bytes, 'base64')))
  }
}
