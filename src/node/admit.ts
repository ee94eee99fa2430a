/**
 * Admission of entries: the one path every entry takes, local or from a peer, before it is stored
 * or any Yjs code sees it. In order: size limits, the signature over the received bytes, the
 * author's certificate (same wallet, `write`, known epoch), then decryption.
 *
 * One exception, for latency: an entry that arrives straight from its author, over the Noise
 * channel that authenticated that author's PeerId, is already authentic and intact; the author's
 * certificate and the decryption are checked, and the signature (needed to store and forward it)
 * is checked by the caller right after it is applied, before it is stored.
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

/**
 * A parsed (not yet signature-checked) entry from a channel that authenticated `from` (a
 * PeerId): its update once the certificate and decryption checks pass, undefined unless it is an
 * update that `from` wrote.
 */
export function admitFromAuthor (entry: Entry, from: string, certs: CertRegistry, keys: VaultKeys): Uint8Array | undefined {
  if (entry.kind !== ENTRY_KIND.update || certs.get(entry.author)?.deviceId !== from) return undefined
  certs.writer(entry.author, entry.epoch)
  return openUpdate(keys, entry)
}

export function admitSnapshot (headerBytes: Uint8Array, ciphertext: Uint8Array, certs: CertRegistry, keys: VaultKeys): { header: Entry, state: Uint8Array } {
  const header = verifyEntry(headerBytes)
  if (header.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError('expected a snapshot header')
  certs.writer(header.author, header.epoch)
  return { header, state: openSnapshot(keys, header, ciphertext) }
}
