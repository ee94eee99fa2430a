/**
 * Every stored snapshot checked as a load checks it (its header admitted, its file's ciphertext
 * hashed against the digest the header signs), without opening a document or changing anything:
 * what `mesh doctor` runs, so a snapshot damaged on this disk shows before something opens its
 * document (a load sets it aside then). Only file damage is reported (what load.ts sets aside);
 * a snapshot refused for its author's rights is not this disk's doing.
 *
 * The check goes a page at a time (checkSnapshots, in path order, from after the last path a page
 * checked), so a caller can say how far it is on a big store.
 *
 * @example
 * const found = await findDamagedSnapshots(vault.store, vault.certs)
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { logger } from '@libp2p/logger'
import { toHex } from '../identity/index.js'
import type { DamagedFile, EntryStore, StoredSnapshot } from '../store/index.js'
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

const sizeOf = async (path: string): Promise<number> => await stat(path).then(st => st.size, () => 0)

/**
 * Checks the snapshots whose path comes after `after` (all from the start without it), for
 * about `budgetMs` and at most `files` of them (one at least).
 */
export async function checkSnapshots (store: EntryStore, certs: CertRegistry, opts: { after?: string, budgetMs?: number, files?: number } = {}): Promise<CheckPage> {
  const all = store.docIds().flatMap(doc => store.snapshots(doc).map(s => ({ doc, s }))).sort((a, b) => a.s.path < b.s.path ? -1 : a.s.path > b.s.path ? 1 : 0)
  const sizes = await Promise.all(all.map(async ({ s }) => await sizeOf(s.path)))
  const total = { files: all.length, bytes: sizes.reduce((a, b) => a + b, 0) }
  const checked = { files: 0, bytes: 0 }
  const after = opts.after
  let i = 0
  for (; i < all.length && after !== undefined && (all[i] as { s: StoredSnapshot }).s.path <= after; i++) { checked.files++; checked.bytes += sizes[i] as number }
  const began = Date.now()
  const budget = opts.budgetMs ?? Infinity
  const found: FoundDamaged[] = []
  const until = i + (opts.files ?? Infinity)
  for (let first = true; i < all.length && i < until && (first || Date.now() - began < budget); i++, first = false) {
    const { doc, s } = all[i] as { doc: Uint8Array, s: StoredSnapshot }
    const f = await checkOne(doc, s, certs, store)
    if (f !== undefined) found.push(f)
    checked.files++
    checked.bytes += sizes[i] as number
  }
  return { found, checked, total, ...(i < all.length ? { next: (all[i - 1] as { s: StoredSnapshot }).s.path } : {}) }
}

/** Every stored snapshot checked at once (checkSnapshots without pages). */
export async function findDamagedSnapshots (store: EntryStore, certs: CertRegistry): Promise<FoundDamaged[]> {
  return (await checkSnapshots(store, certs)).found
}

async function checkOne (doc: Uint8Array, s: StoredSnapshot, certs: CertRegistry, store: EntryStore): Promise<FoundDamaged | undefined> {
  let file
  try {
    file = await store.openSnapshotFile(s)
    await checkStoredSnapshot(file, certs, s, { at: 'load' })
    return undefined
  } catch (err: any) {
    // Gone meanwhile (replaced by a newer snapshot, set aside by a load): nothing to report.
    if (err?.code === 'ENOENT') return undefined
    if (!FILE_DAMAGE.has(err?.code)) { log('snapshot %s not judged here: %e', s.path, err); return undefined }
    return { id: basename(s.path), kind: 'snapshot', path: s.path, bytes: await sizeOf(s.path), reason: `${String(err.message)} (found by mesh doctor; set aside when document ${toHex(doc)} is next opened)`, at: Date.now(), doc: toHex(doc), unmoved: true }
  } finally {
    await file?.close()
  }
}
