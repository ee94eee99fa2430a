/**
 * Admission of entries: the one path every entry takes, local or from a peer, before it is stored
 * or any Yjs code sees it. In order: size limits, the signature over the received bytes, the
 * author's rights at the entry's position in its log (certs.ts: a known epoch; within a recorded
 * cutoff, or `write` under the author's newest certificate), then decryption.
 *
 * One exception, for latency: an entry that arrives straight from its author, over the Noise
 * channel that authenticated that author's PeerId, is already authentic and intact; the author's
 * certificate and the decryption are checked, and the signature (needed to store and forward it)
 * is checked by the caller right after it is applied, before it is stored.
 */
import { openSnapshot, openUpdates } from '../../crdt/index.js'
import { InvalidEntryError } from '../errors.js'
import { checkEntrySignature, ENTRY_KIND, isUpdateKind, verifyEntry, type Entry, type VaultKeys } from '../identity/index.js'
import type { CertRegistry, Judging } from './certs.js'

/**
 * Admits a parsed update entry: signature, the author's rights, decryption; returns its Yjs
 * updates. `signature: 'later'` only for an entry straight from its author (see above).
 */
export function admitUpdate (entry: Entry, certs: CertRegistry, keys: VaultKeys, judging: Judging, signature: 'now' | 'later' = 'now'): Uint8Array[] {
  if (signature === 'now') checkEntrySignature(entry)
  if (!isUpdateKind(entry.kind)) throw new InvalidEntryError('expected an update entry')
  certs.judgeUpdate(entry, judging)
  return openUpdates(keys, entry)
}

/** Whether an update entry came straight from its author: `from` is the PeerId a channel authenticated. */
export function isFromAuthor (entry: Entry, from: string, certs: CertRegistry): boolean {
  return isUpdateKind(entry.kind) && certs.get(entry.author)?.deviceId === from
}

export function admitSnapshot (headerBytes: Uint8Array, ciphertext: Uint8Array, certs: CertRegistry, keys: VaultKeys, judging: Judging): { header: Entry, state: Uint8Array } {
  const header = admitSnapshotHeader(headerBytes, certs, judging)
  return { header, state: openSnapshot(keys, header, ciphertext) }
}

/** A snapshot's signed header: signature and author's certificate. Its ciphertext is checked against it by openSnapshot. */
export function admitSnapshotHeader (headerBytes: Uint8Array, certs: CertRegistry, judging: Judging): Entry {
  const header = verifyEntry(headerBytes)
  if (header.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError('expected a snapshot header')
  certs.judgeSnapshot(header, judging)
  return header
}
