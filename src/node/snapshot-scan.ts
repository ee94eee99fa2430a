/**
 * Every stored snapshot checked as a load checks it (its header admitted, its file's ciphertext
 * hashed against the digest the header signs), without opening a document or changing anything:
 * what `mesh doctor` runs, so a snapshot damaged on this disk shows before something opens its
 * document (a load sets it aside then). Only file damage is reported (what load.ts sets aside);
 * a snapshot refused for its author's rights is not this disk's doing.
 *
 * The check goes a page at a time (checkSnapshots, in path order, from after the last path a page
 * checked), so a caller can say how far it is on a big store. What a page finds is kept in
 * `data/doctor-found.json` (path, size, mtime of each), so `mesh status` counts what doctor found
 * and nothing has moved yet (countFound) without checking again: one no longer there as found (set
 * aside by a load, replaced by a newer snapshot, changed) is no longer counted. `mesh doctor --drop`
 * takes one by the id a page listed (dropFound): set aside as a load would, and deleted.
 *
 * @example
 * const found = await findDamagedSnapshots(vault.store, vault.certs)
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, relative } from 'node:path'
import { logger } from '@libp2p/logger'
import { toHex } from '../identity/index.js'
import { atomicWrite, type DamagedFile, type EntryStore, type StoredSnapshot } from '../store/index.js'
import type { CertRegistry } from './certs.js'
import { checkStoredSnapshot } from './snapshot-open.js'

const log = logger('mesh:node:snapshot-scan')

/** The error codes of a file damaged on this disk, as load.ts sets one aside for them. */
const FILE_DAMAGE = new Set(['DECRYPT_FAILED', 'STORE_CORRUPT', 'INVALID_SIGNATURE', 'INVALID_ENTRY'])

/** A snapshot found damaged where it lies: listed as damaged, not moved (a load moves it). */
export type FoundDamaged = DamagedFile & { unmoved: true }

/** Files and bytes. */
export interface Amount { files: number, bytes: number }

export interface CheckPage {
  found: FoundDamaged[]
  /** Done so far, this page's included (every snapshot up to its last path), of `total`. */
  checked: Amount
  total: Amount
  /** Where the next page starts (its `after`); none when this page was the last. */
  next?: string
}

/** What doctor found where it lies, by path under the store's folder (a home moved keeps it): the file's size and mtime then. */
type FoundRecord = Record<string, { bytes: number, mtimeMs: number }>

const FOUND_FILE = 'doctor-found.json'

const sizeOf = async (path: string): Promise<number> => await stat(path).then(st => st.size, () => 0)

/**
 * Each store's snapshot sizes by path, for the pages' totals: a page stated every snapshot of the
 * store again (10,000 files a page on a big vault). A snapshot's file is written once under a name
 * of its own (its header's hash) and not rewritten; one set aside or replaced leaves the listing.
 */
const knownSizes = new WeakMap<EntryStore, Map<string, number>>()

async function sizesOf (store: EntryStore, paths: readonly string[]): Promise<number[]> {
  let known = knownSizes.get(store)
  if (known === undefined) knownSizes.set(store, known = new Map())
  const listed = new Set(paths)
  for (const p of known.keys()) if (!listed.has(p)) known.delete(p)
  const cache = known
  return await Promise.all(paths.map(async p => {
    const had = cache.get(p)
    if (had !== undefined) return had
    const n = await sizeOf(p)
    cache.set(p, n)
    return n
  }))
}

/**
 * Checks the snapshots whose path comes after `after` (all from the start without it), for
 * about `budgetMs` and at most `files` of them (one at least), and records what it found (`record`: false on a home opened
 * only to read).
 */
export async function checkSnapshots (store: EntryStore, certs: CertRegistry, opts: { after?: string, budgetMs?: number, files?: number, record?: boolean } = {}): Promise<CheckPage> {
  const all = store.docIds().flatMap(doc => store.snapshots(doc).map(s => ({ doc, s }))).sort((a, b) => a.s.path < b.s.path ? -1 : a.s.path > b.s.path ? 1 : 0)
  const sizes = await sizesOf(store, all.map(({ s }) => s.path))
  const total = { files: all.length, bytes: sizes.reduce((a, b) => a + b, 0) }
  const checked = { files: 0, bytes: 0 }
  const after = opts.after
  let i = 0
  for (; i < all.length && after !== undefined && (all[i] as { s: StoredSnapshot }).s.path <= after; i++) { checked.files++; checked.bytes += sizes[i] as number }
  const began = Date.now()
  const budget = opts.budgetMs ?? Infinity
  const found: FoundDamaged[] = []
  const good: string[] = []
  const until = i + (opts.files ?? Infinity)
  for (let first = true; i < all.length && i < until && (first || Date.now() - began < budget); i++, first = false) {
    const { doc, s } = all[i] as { doc: Uint8Array, s: StoredSnapshot }
    const f = await checkOne(doc, s, certs, store)
    if (f !== undefined) found.push(f)
    else good.push(s.path)
    checked.files++
    checked.bytes += sizes[i] as number
  }
  if (opts.record !== false) await recordFound(store, found, good).catch((err: unknown) => { log('could not record what the check found: %e', err) })
  return { found, checked, total, ...(i < all.length ? { next: (all[i - 1] as { s: StoredSnapshot }).s.path } : {}) }
}

/**
 * The stored snapshot listed by checkSnapshots as `id` (its file's name), dropped now as its
 * document's next opening would set it aside (store.dropDamagedSnapshot): checked again first, so
 * only one still damaged is taken. Undefined when no stored snapshot has that id, or it checks.
 */
export async function dropFound (store: EntryStore, certs: CertRegistry, id: string): Promise<DamagedFile | undefined> {
  for (const doc of store.docIds()) {
    for (const s of store.snapshots(doc)) {
      if (basename(s.path) !== id) continue
      const f = await checkOne(doc, s, certs, store, 'found by mesh doctor, dropped with mesh doctor --drop')
      if (f === undefined) return undefined
      const d = await store.dropDamagedSnapshot(s, f.reason)
      if (d !== undefined) await recordFound(store, [], [s.path]).catch((err: unknown) => { log('could not record what was dropped: %e', err) })
      return d
    }
  }
  return undefined
}

/** Every stored snapshot checked at once (checkSnapshots without pages). */
export async function findDamagedSnapshots (store: EntryStore, certs: CertRegistry, opts: { record?: boolean } = {}): Promise<FoundDamaged[]> {
  return (await checkSnapshots(store, certs, opts)).found
}

/** A snapshot checked where it lies: undefined when it checks (or is gone), else found damaged, its reason the check's and `how` (found, or dropped, by doctor). */
async function checkOne (doc: Uint8Array, s: StoredSnapshot, certs: CertRegistry, store: EntryStore, how = `found by mesh doctor; set aside when document ${toHex(doc)} is next opened, or by mesh doctor --drop`): Promise<FoundDamaged | undefined> {
  let file
  try {
    file = await store.openSnapshotFile(s)
    await checkStoredSnapshot(file, certs, s, { at: 'load' })
    return undefined
  } catch (err: any) {
    // Gone meanwhile (replaced by a newer snapshot, set aside by a load): nothing to report.
    if (err?.code === 'ENOENT') return undefined
    if (!FILE_DAMAGE.has(err?.code)) { log('snapshot %s not judged here: %e', s.path, err); return undefined }
    return { id: basename(s.path), kind: 'snapshot', path: s.path, bytes: await sizeOf(s.path), reason: `${String(err.message)} (${how})`, at: Date.now(), doc: toHex(doc), unmoved: true }
  } finally {
    await file?.close()
  }
}

async function readRecord (store: EntryStore): Promise<FoundRecord> {
  try {
    const r = JSON.parse(await readFile(join(store.dir, FOUND_FILE), 'utf8')) as unknown
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? r as FoundRecord : {}
  } catch (err: any) {
    if (err?.code !== 'ENOENT') log('%s not read: %e', FOUND_FILE, err)
    return {}
  }
}

/** `found` added to the record, `good` (checked, not damaged) and files no longer there taken out. */
async function recordFound (store: EntryStore, found: readonly FoundDamaged[], good: readonly string[]): Promise<void> {
  const before = await readRecord(store)
  const rec: FoundRecord = {}
  const key = (path: string): string => relative(store.dir, path)
  const checked = new Set(good.map(key))
  for (const [at, was] of Object.entries(before)) if (!checked.has(at) && await stillAsFound(store, at, was)) rec[at] = was
  for (const f of found) {
    const st = await stat(f.path).catch(() => undefined)
    if (st !== undefined) rec[key(f.path)] = { bytes: st.size, mtimeMs: st.mtimeMs }
  }
  if (Object.keys(rec).length === 0 && Object.keys(before).length === 0) return
  await atomicWrite(join(store.dir, FOUND_FILE), JSON.stringify(rec))
}

/** Whether the file noted at `at` (under the store's folder, nowhere else) is there still, unchanged. */
async function stillAsFound (store: EntryStore, at: string, was: { bytes: number, mtimeMs: number }): Promise<boolean> {
  if (isAbsolute(at) || at.split(/[/\\]/).includes('..')) return false
  return await stat(join(store.dir, at)).then(st => st.size === was.bytes && st.mtimeMs === was.mtimeMs, () => false)
}

/** How many snapshots doctor found damaged that still lie where they were, unchanged (nothing checked again). */
export async function countFound (store: EntryStore): Promise<number> {
  let n = 0
  for (const [at, was] of Object.entries(await readRecord(store))) if (await stillAsFound(store, at, was)) n++
  return n
}
