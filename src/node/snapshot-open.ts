/**
 * A stored snapshot's state, read, checked against its signed header and decrypted in slices:
 * a 100 MB snapshot is ~1,700 sealed chunks and one SHA-256 over them, which in one go held the
 * event loop for a second or more. Whole (openStoredSnapshot), or checked first and then its
 * parts handed out as they are decrypted (checkStoredSnapshot, then storedParts), for a load.
 */
import { createHash } from 'node:crypto'
import { checkSnapshotCiphertext, PartsReader, SnapshotOpener } from '../../crdt/index.js'
import type { Entry, VaultKeys } from '../identity/index.js'
import type { EntryStore, OpenSnapshotFile, StoredSnapshot } from '../store/index.js'
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

/** Hands `bytes` to `work` in pieces, yielding to the loop between them when the slice is due. */
async function inSlices (bytes: Uint8Array, slicer: Slicer, work: (piece: Uint8Array) => void): Promise<void> {
  for (let at = 0; at < bytes.byteLength; at += PIECE) {
    const t = performance.now()
    work(bytes.subarray(at, Math.min(bytes.byteLength, at + PIECE)))
    // The slice ends before the next piece would take it past its budget, at this piece's cost.
    if (slicer.due(performance.now() - t)) await slicer.breathe()
  }
}

/** admitSnapshot for a stored snapshot, in slices: the header's signature and author, then the state, read from disk a piece at a time. */
export async function openStoredSnapshot (store: EntryStore, certs: CertRegistry, keys: VaultKeys, s: StoredSnapshot, judging: Judging, slicer = new Slicer()): Promise<{ header: Entry, state: Uint8Array }> {
  const header = admitSnapshotHeader(s.header.bytes, certs, judging)
  const opener = new SnapshotOpener(keys, header)
  for await (const piece of store.snapshotPieces(s, READ, 0, { reuse: true })) await inSlices(piece, slicer, p => { opener.update(p) })
  return { header, state: opener.final() }
}

/**
 * The header's signature and author, and the file's ciphertext against the header's size and
 * signed digest, read in pieces and hashed in slices, with nothing decrypted or kept: what
 * openStoredSnapshot checks before it hands the state out, for a load that then decrypts the
 * same open file a part at a time (storedParts).
 */
export async function checkStoredSnapshot (file: OpenSnapshotFile, certs: CertRegistry, s: StoredSnapshot, judging: Judging, slicer = new Slicer()): Promise<Entry> {
  const header = admitSnapshotHeader(s.header.bytes, certs, judging)
  const hash = createHash('sha256')
  let got = 0
  for await (const piece of file.pieces(READ, { reuse: true })) {
    await inSlices(piece, slicer, p => { hash.update(p) })
    got += piece.byteLength
  }
  checkSnapshotCiphertext(header, got, new Uint8Array(hash.digest()))
  return header
}

/**
 * The state's parts of a stored snapshot whose header and file `checkStoredSnapshot` checked,
 * read and decrypted again a piece at a time and handed out as they are decrypted, a batch per
 * piece (none holds the whole state: see SnapshotOpener's handOver). Each chunk is
 * authenticated under the vault key before its parts are handed out; the digest is checked
 * again at the end, and a throw then leaves the caller to undo what it applied. Throws
 * DecryptError, InvalidEntryError (framing), store errors.
 */
export async function * storedParts (file: OpenSnapshotFile, keys: VaultKeys, header: Entry, slicer = new Slicer()): AsyncGenerator<Uint8Array[]> {
  const opener = new SnapshotOpener(keys, header, { handOver: true })
  const reader = new PartsReader()
  // One read buffer: the opener keeps nothing of a piece (it copies a chunk the piece cuts).
  for await (const piece of file.pieces(READ, { reuse: true })) {
    for (let at = 0; at < piece.byteLength; at += PIECE) {
      const t = performance.now()
      opener.update(piece.subarray(at, Math.min(piece.byteLength, at + PIECE)))
      const parts = opener.take().flatMap(p => reader.push(p))
      const ahead = performance.now() - t
      if (parts.length > 0) yield parts
      if (slicer.due(ahead)) await slicer.breathe()
    }
  }
  opener.final()
  const last = reader.end()
  if (last.length > 0) yield last
}
