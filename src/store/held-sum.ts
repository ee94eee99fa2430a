/**
 * Where the index (held.ts) says each entry is, summed at close and compared at the next open.
 *
 * An entry record damaged on disk with its checksum intact is indexed where its damaged bytes say
 * it belongs. Damage to its author, lane or seq is found when its document loads (its signature
 * no longer verifies), but damage to its document id files it under a document nobody opens, and
 * the slot it really held, maybe this device's lane tip, looks free. Verifying every entry at
 * open would find it, at the cost of one signature check per entry. Instead, at close the store
 * writes `held.sum`: per bucket of documents (the first byte of the document id), a sum of a hash
 * of every held slot (document, author lane, seq), with the log's length. An
 * open that finds the log at that length (nothing was written since) sums the index it rebuilt:
 * a bucket whose sum differs holds a slot that moved, and only its documents' entries are
 * verified (EntryStore.damagedAtOpen). A log written since (a crash, another version), or no
 * file, is not checked, as before. A differing sum proves nothing by itself: only an entry whose
 * signature fails is set aside.
 */
import { readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { verifyEntry } from '../identity/index.js'
import { noteShortened, type DamagedFile } from './damaged.js'
import { atomicWrite } from './files.js'
import type { DocIndex } from './held.js'

const log = logger('mesh:store')

export const SUM_FILE = 'held.sum'
const BUCKETS = 256

/** Which bucket a document (by its hex id) is summed in. */
const bucketOf = (id: string): number => parseInt(id.slice(0, 2), 16) & (BUCKETS - 1)

/** FNV-1a over a string's UTF-16 code units. */
function fnv (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) }
  return h >>> 0
}

/** MurmurHash3's finaliser: every input bit reaches every output bit before the hashes are added. */
function mix (h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A document id's 32 bytes hashed: damage to any of them changes it. */
function docHash (doc: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < doc.length; i++) { h ^= doc[i] as number; h = Math.imul(h, 0x01000193) }
  return mix(h)
}

/**
 * Per bucket, the sum (mod 2^32) of every held slot's hash: its document, author lane and seq.
 * (Its signature is left out: damage there fails the signature check of the load that reads it.)
 */
export function sumIndex (docs: Iterable<DocIndex>): Uint32Array {
  const sums = new Uint32Array(BUCKETS)
  // A vault has a few author lanes, each in many documents: each key is hashed once.
  const keys = new Map<string, number>()
  for (const d of docs) {
    if (d.authors.size === 0) continue
    const dh = docHash(d.doc)
    let s = 0
    for (const [key, a] of d.authors) {
      let kh = keys.get(key)
      if (kh === undefined) { kh = fnv(key); keys.set(key, kh) }
      const base = mix(dh ^ kh)
      for (const seq of a.seqs.keys()) s = (s + mix(base ^ mix((seq >>> 0) ^ Math.imul(Math.floor(seq / 0x100000000), 0x9e3779b1)))) >>> 0
    }
    const b = bucketOf(d.id)
    sums[b] = ((sums[b] as number) + s) >>> 0
  }
  return sums
}

export interface HeldSum { log: number, sums: Uint32Array }

/** The sum written at the last close, or undefined (none, or unreadable: nothing is checked). */
export async function readSum (path: string): Promise<HeldSum | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8'))
    if (v?.version !== 1 || !Number.isSafeInteger(v.log) || !Array.isArray(v.sums) || v.sums.length !== BUCKETS) return undefined
    if (!v.sums.every((n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 32)) return undefined
    return { log: v.log, sums: Uint32Array.from(v.sums) }
  } catch (err: any) {
    if (err?.code !== 'ENOENT') log.error('%s does not read (%e): the index is not checked at this open', path, err)
    return undefined
  }
}

/**
 * Reads the sum the last close wrote, and removes it: a sum found at an open was written by the
 * close just before it, with nothing of mesh run on the log since. (A crash leaves none, so a
 * compaction since, which shortens the log, is never taken for a log cut on the disk.)
 */
async function takeSum (path: string): Promise<HeldSum | undefined> {
  const sum = await readSum(path)
  if (sum !== undefined) await unlink(path).catch((err: unknown) => { log.error('%s not removed (%e): a crash before the next close may read it as this close\'s', path, err) })
  return sum
}

/** Writes the sum at close; a failure (a read-only or full disk) leaves the next open unchecked or checking more, never wrong. */
export async function writeSum (path: string, sum: HeldSum): Promise<void> {
  // Into the store's folder as it closes: a home removed under a running node is not made again for it.
  await atomicWrite(path, JSON.stringify({ version: 1, log: sum.log, sums: [...sum.sums] }), 0o600, { makeDir: false }).catch((err: unknown) => {
    log('%s not written (the next open checks what differs from the last one written, or nothing): %e', path, err)
  })
}

/**
 * The documents to verify at open: those in a bucket whose sum differs from the one written at the
 * last close, when the log is still the length it had then; none otherwise.
 */
export function moved (docs: Iterable<DocIndex>, now: Uint32Array, was: HeldSum | undefined, logBytes: number): DocIndex[] {
  if (was === undefined || was.log !== logBytes) return []
  const differ = new Set<number>()
  for (let b = 0; b < BUCKETS; b++) if (now[b] !== was.sums[b]) differ.add(b)
  if (differ.size === 0) return []
  return [...docs].filter(d => differ.has(bucketOf(d.id)))
}

/**
 * The entries of the documents `moved` named that no longer parse or verify, each with why (the
 * document by its hex id): what EntryStore.damagedAtOpen holds for the vault to set aside.
 */
export async function damagedIn (docs: readonly DocIndex[], entries: (doc: Uint8Array) => AsyncIterable<Uint8Array>): Promise<Array<{ bytes: Uint8Array, reason: string }>> {
  const out: Array<{ bytes: Uint8Array, reason: string }> = []
  for (const d of docs) {
    for await (const bytes of entries(d.doc)) {
      try {
        verifyEntry(bytes)
      } catch (err: any) {
        log.error('store: entry of document %s found damaged at open: %e', d.id, err)
        out.push({ bytes, reason: `${String(err?.message ?? err)} (found at open, document ${d.id})` })
      }
    }
  }
  return out
}

/**
 * What an open finds of the last close (its sum, taken: takeSum): the entries that no longer
 * verify in documents whose slots moved since, and a log cut shorter on the disk since, by more
 * than `cut` (what its repair copied aside), noted in damaged/ (damaged.ts noteShortened).
 */
export async function sinceLastClose (dataDir: string, docs: ReadonlyMap<string, DocIndex>, logBytes: number, cut: ReadonlyArray<{ bytes: number }>, entries: (doc: Uint8Array) => AsyncIterable<Uint8Array>): Promise<{ damaged: Array<{ bytes: Uint8Array, reason: string }>, shortened: DamagedFile | undefined }> {
  const sum = await takeSum(join(dataDir, SUM_FILE))
  const damaged = await damagedIn(moved(docs.values(), sumIndex(docs.values()), sum, logBytes), entries)
  return { damaged, shortened: await noteShortened(dataDir, sum?.log, logBytes, cut) }
}

/**
 * Writes the sum at close, once every write settled: what the next open should find where. A store
 * without entries (a home being set up) has nothing to check, and its disk may have no room to spare.
 */
export async function sumAtClose (dataDir: string, logBytes: number, docs: ReadonlyMap<string, DocIndex>, entries: number): Promise<void> {
  if (entries > 0) await writeSum(join(dataDir, SUM_FILE), { log: logBytes, sums: sumIndex(docs.values()) })
}
