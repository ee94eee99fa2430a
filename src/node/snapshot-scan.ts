/**
 * Every stored snapshot checked as a load checks it (its header admitted, its file's ciphertext
 * hashed against the digest the header signs), without opening a document or changing anything:
 * what `mesh doctor` runs, so a snapshot damaged on this disk shows before something opens its
 * document (a load sets it aside then). Only file damage is reported (what load.ts sets aside);
 * a snapshot refused for its author's rights is not this disk's doing.
 *
 * @example
 * const found = await findDamagedSnapshots(vault.store, vault.certs)
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { logger } from '@libp2p/logger'
import { toHex } from '../identity/index.js'
import type { DamagedFile, EntryStore } from '../store/index.js'
import type { CertRegistry } from './certs.js'
import { checkStoredSnapshot } from './snapshot-open.js'

const log = logger('mesh:node:snapshot-scan')

/** The error codes of a file damaged on this disk, as load.ts sets one aside for them. */
const FILE_DAMAGE = new Set(['DECRYPT_FAILED', 'STORE_CORRUPT', 'INVALID_SIGNATURE', 'INVALID_ENTRY'])

/** A snapshot found damaged where it lies: listed as damaged, not moved (a load moves it). */
export type FoundDamaged = DamagedFile & { unmoved: true }

export async function findDamagedSnapshots (store: EntryStore, certs: CertRegistry): Promise<FoundDamaged[]> {
  const all = store.docIds().flatMap(doc => store.snapshots(doc).map(s => ({ doc, s })))
  const found: FoundDamaged[] = []
  for (const { doc, s } of all) {
    let file
    try {
      file = await store.openSnapshotFile(s)
      await checkStoredSnapshot(file, certs, s, { at: 'load' })
    } catch (err: any) {
      // Gone meanwhile (replaced by a newer snapshot, set aside by a load): nothing to report.
      if (err?.code === 'ENOENT') continue
      if (!FILE_DAMAGE.has(err?.code)) { log('snapshot %s not judged here: %e', s.path, err); continue }
      const bytes = await stat(s.path).then(st => st.size, () => 0)
      found.push({ id: basename(s.path), kind: 'snapshot', path: s.path, bytes, reason: `${String(err.message)} (found by mesh doctor; set aside when document ${toHex(doc)} is next opened)`, at: Date.now(), doc: toHex(doc), unmoved: true })
    } finally {
      await file?.close()
    }
  }
  return found
}
