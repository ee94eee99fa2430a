/**
 * A stored snapshot's state, read, checked against its signed header and decrypted in slices:
 * a 100 MB snapshot is ~1,700 sealed chunks and one SHA-256 over them, which in one go held the
 * event loop for a second or more.
 */
import { SnapshotOpener } from '../../crdt/index.js'
import type { Entry, VaultKeys } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import { admitSnapshotHeader } from './admit.js'
import type { CertRegistry, Judging } from './certs.js'
import { Slicer } from './slice.js'

/** Bytes fed to the opener between two looks at the clock (~1 ms of work here, ~10 ms loaded). */
const PIECE = 256 * 1024

/** Decrypts a snapshot's ciphertext against its (already admitted) header, yielding to the loop between pieces. */
export async function openSnapshotSliced (keys: VaultKeys, header: Entry, ciphertext: Uint8Array, slicer = new Slicer()): Promise<Uint8Array> {
  const opener = new SnapshotOpener(keys, header)
  for (let at = 0; at < ciphertext.byteLength; at += PIECE) {
    const t = performance.now()
    opener.update(ciphertext.subarray(at, Math.min(ciphertext.byteLength, at + PIECE)))
    // The slice ends before the next piece would take it past its budget, at this piece's cost.
    if (slicer.due(performance.now() - t)) await slicer.breathe()
  }
  return opener.final()
}

/** admitSnapshot for a stored snapshot, in slices: the header's signature and author, then the state. */
export async function openStoredSnapshot (store: EntryStore, certs: CertRegistry, keys: VaultKeys, s: StoredSnapshot, judging: Judging, slicer?: Slicer): Promise<{ header: Entry, state: Uint8Array }> {
  const header = admitSnapshotHeader(s.header.bytes, certs, judging)
  const ciphertext = await store.readSnapshot(s)
  return { header, state: await openSnapshotSliced(keys, header, ciphertext, slicer) }
}
