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
/**
 * Bytes read from disk at a time. Read whole, a 111 MB snapshot's ciphertext beside its 111 MB
 * plaintext made V8 count 222 MB of new external memory at once, and it answered with a
 * memory-reducing full collection that held the loop for ~500 ms as the reopen began.
 */
const READ = 4 * 1024 * 1024

/** Feeds `bytes` to the opener in pieces, yielding to the loop between them when the slice is due. */
async function feed (opener: SnapshotOpener, bytes: Uint8Array, slicer: Slicer): Promise<void> {
  for (let at = 0; at < bytes.byteLength; at += PIECE) {
    const t = performance.now()
    opener.update(bytes.subarray(at, Math.min(bytes.byteLength, at + PIECE)))
    // The slice ends before the next piece would take it past its budget, at this piece's cost.
    if (slicer.due(performance.now() - t)) await slicer.breathe()
  }
}

/** admitSnapshot for a stored snapshot, in slices: the header's signature and author, then the state, read from disk a piece at a time. */
export async function openStoredSnapshot (store: EntryStore, certs: CertRegistry, keys: VaultKeys, s: StoredSnapshot, judging: Judging, slicer = new Slicer()): Promise<{ header: Entry, state: Uint8Array }> {
  const header = admitSnapshotHeader(s.header.bytes, certs, judging)
  const opener = new SnapshotOpener(keys, header)
  for await (const piece of store.snapshotPieces(s, READ)) await feed(opener, piece, slicer)
  return { header, state: opener.final() }
}
