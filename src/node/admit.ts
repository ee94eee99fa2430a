/**
 * Admission of entries: the one path every entry takes, local or from a peer, before it is stored
 * or any Yjs code sees it. In order: size limits, the signature over the received bytes, the
 * author's certificate (same wallet, `write`, known epoch), then decryption.
 */
import { openSnapshot, openUpdate } from '../../crdt/index.js'
import { InvalidEntryError } from '../errors.js'
import { ENTRY_KIND, verifyEntry, type Entry, type VaultKeys } from '../identity/index.js'
import type { CertRegistry } from './certs.js'

export interface Admitted { entry: Entry, update: Uint8Array }

export function admitUpdate (bytes: Uint8Array, certs: CertRegistry, keys: VaultKeys): Admitted {
  const entry = verifyEntry(bytes)
  if (entry.kind !== ENTRY_KIND.update) throw new InvalidEntryError('expected an update entry')
  certs.writer(entry.author, entry.epoch)
  return { entry, update: openUpdate(keys, entry) }
}

export function admitSnapshot (headerBytes: Uint8Array, ciphertext: Uint8Array, certs: CertRegistry, keys: VaultKeys): { header: Entry, state: Uint8Array } {
  const header = verifyEntry(headerBytes)
  if (header.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError('expected a snapshot header')
  certs.writer(header.author, header.epoch)
  return { header, state: openSnapshot(keys, header, ciphertext) }
}
