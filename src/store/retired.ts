/**
 * Retired lanes (protocols/sync/SPEC.md, Retired lanes): per document and author, the lane number
 * below which that author's lanes are retired. Kept in `data/retired.json` (`{"version": 1,
 * "docs": {"<doc hex>": {"<author hex>": below}}}`, temp + fsync + rename), so a restart does not
 * list the lanes one by one again until every peer has been met anew. Losing the file loses
 * nothing but bytes: retirement only changes how vectors are written on the wire.
 */
import { readFile } from 'node:fs/promises'
import { logger } from '@libp2p/logger'
import { atomicWrite } from './files.js'

const log = logger('mesh:store:retired')

interface RetiredFile { version: 1, docs: Record<string, Record<string, number>> }

export class RetiredLanes {
  private readonly docs = new Map<string, Map<string, number>>()
  private writing: Promise<void> = Promise.resolve()

  private constructor (readonly path: string) {}

  static async open (path: string): Promise<RetiredLanes> {
    const r = new RetiredLanes(path)
    let text: string | undefined
    try { text = await readFile(path, 'utf8') } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    if (text === undefined) return r
    try {
      const f = JSON.parse(text) as RetiredFile
      for (const [doc, authors] of Object.entries(f.docs ?? {})) {
        const m = new Map<string, number>()
        for (const [author, below] of Object.entries(authors)) if (Number.isSafeInteger(below) && below > 0) m.set(author, below)
        if (m.size > 0) r.docs.set(doc, m)
      }
    } catch (err) {
      // Only bytes are at stake (lanes are listed one by one again until retired anew).
      log.error('%s is not valid JSON, starting without retired lanes: %e', path, err)
    }
    return r
  }

  /** Per author (hex), the lane below which its lanes of this document are retired. */
  of (doc: string): ReadonlyMap<string, number> { return this.docs.get(doc) ?? new Map() }

  /** Raises a bound; resolves once the file holds it. False when it was not higher. */
  async raise (doc: string, author: string, below: number): Promise<boolean> {
    let m = this.docs.get(doc)
    if ((m?.get(author) ?? 0) >= below) return false
    if (m === undefined) { m = new Map(); this.docs.set(doc, m) }
    m.set(author, below)
    // Writes one after another, each of the whole current state: the last one written wins. A
    // write that failed was reported to its own caller; the next one is still made (chained on
    // the failed one alone, every later write was refused until a restart).
    const write = this.writing.catch(() => {}).then(async () => { await atomicWrite(this.path, this.serialize()) })
    this.writing = write
    await write
    return true
  }

  private serialize (): string {
    const docs: RetiredFile['docs'] = {}
    for (const [doc, m] of this.docs) docs[doc] = Object.fromEntries(m)
    return JSON.stringify({ version: 1, docs } satisfies RetiredFile) + '\n'
  }
}
