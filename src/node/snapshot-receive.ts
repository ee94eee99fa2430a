/**
 * Receiving a snapshot from a peer: the signed header and its author's certificate are checked
 * before any byte of the state (a refused one costs no transfer), the pieces are decrypted and
 * hashed as they arrive and written to a staged file, and the state is checked (with the key:
 * snapshot-verify.ts) before the file joins the store.
 */
import type * as Y from 'yjs'
import { SnapshotOpener, stateParts } from '../../crdt/index.js'
import { NotFoundError, QuarantinedError } from '../errors.js'
import { toHex, type Entry, type VaultKeys } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import { admitSnapshotHeader } from './admit.js'
import type { CertRegistry } from './certs.js'
import type { Budgets } from './limits.js'
import type { Replica } from './replica.js'
import type { StateFit } from './snapshot-verify.js'

/** What receiving a snapshot needs of the vault. */
export interface ReceiveHost {
  readonly store: EntryStore
  readonly certs: CertRegistry
  readonly keys: VaultKeys
  readonly budgets: Budgets
  /**
   * Checks a state with the key; returns which stored snapshots it may replace and the empty
   * document it applied the state to, if it did (see snapshot-verify.ts).
   */
  verify: (header: Entry, state: Uint8Array, fitted?: Y.Doc) => Promise<{ replaces: (s: StoredSnapshot) => boolean, doc?: Y.Doc }>
  /** The bounds and shapes check of the state, made as it arrives (snapshot-verify.ts, StateFit); none for a document without shapes. */
  fitAsItArrives: (doc: Uint8Array) => StateFit | undefined
  /** The document's replica when it is open (or opening). */
  openReplica: (doc: Uint8Array) => Promise<Replica> | undefined
  /** A state for a document nobody has open, kept for its first open with the document it was checked on (see fresh.ts). */
  keepFresh: (header: Entry, state: Uint8Array, doc?: Y.Doc) => void
  /** Work that outlives the transfer (a broken-off file synced for a resume); the vault's close waits for it. */
  keepInBackground: (p: Promise<void>) => void
  /** A received snapshot is stored and its state is what the document's next open reads (or its open replica holds). */
  stored: (header: Entry) => void
}

export interface SnapshotReception {
  write: (piece: Uint8Array) => Promise<void> | undefined
  end: () => Promise<Entry>
  abort: () => void
}

/**
 * Takes a snapshot from a peer as it arrives: the signed header and its author's certificate
 * are checked first (a refused one costs no transfer), then each piece is decrypted, hashed
 * and written to a staged file while the rest is still on the wire. At the end the signed
 * digest decides: the file joins the store and the state is applied (or kept for the first
 * open), or everything is dropped. Throws, as `end()` does, the typed error of the first check
 * that failed. From `offset` > 0 it resumes a transfer that broke off (see store/partial.ts);
 * `abort()` keeps what arrived for that.
 */
export function receiveSnapshot (host: ReceiveHost, headerBytes: Uint8Array, offset = 0): SnapshotReception {
  const header = admitSnapshotHeader(headerBytes, host.certs, { at: 'receive' })
  // Refused from its header, before its bytes come: larger than what it claims can hold.
  host.budgets.checkSnapshot(Number(header.snapshotSize), header.covers, host.store.vector(header.doc), host.store.docBytes(header.doc))
  const opener = new SnapshotOpener(host.keys, header)
  const partial = offset > 0 ? host.store.partialFor(header) : undefined
  if (offset > 0 && (partial === undefined || partial.held < offset)) throw new NotFoundError(`no partial snapshot of ${offset} bytes is held to resume`, { offset })
  const file = host.store.receiveSnapshotFile(header, offset)
  // A transfer from its first byte has its state checked as it arrives (a resume, which re-reads
  // what it holds first, is checked at its end, as before); from the piece on which its kind is
  // known (a session's name may come with the sessions index while its snapshot is on the way):
  // the check then starts on all that was decrypted so far.
  let fit: StateFit | undefined
  let failed: unknown
  const feed = (piece: Uint8Array): void => {
    if (failed !== undefined) return
    try { opener.update(piece) } catch (err) { failed = err; return }
    if (offset === 0) fit ??= host.fitAsItArrives(header.doc)
    fit?.feed(opener.decrypted())
  }
  // A resume re-reads the bytes held first, in slices: the running digest and the decrypted
  // state are recomputed from what is on disk (nothing of a transfer is trusted before the
  // whole snapshot's signed digest matched). Pieces arriving meanwhile are fed after them.
  let loading: Promise<void> | undefined
  const chain = (next: () => void | Promise<void>): Promise<void> => {
    const p: Promise<void> = (loading ?? Promise.resolve()).then(next).catch((err: unknown) => { failed ??= err })
    loading = p
    void p.then(() => { if (loading === p) loading = undefined })
    return p
  }
  if (partial !== undefined) {
    void chain(async () => {
      for await (const piece of host.store.partialPrefix(partial, offset, 1024 * 1024)) {
        feed(piece)
        await new Promise(resolve => setImmediate(resolve)) // the event loop breathes between slices
      }
    })
  }
  return {
    write: (piece) => {
      if (failed !== undefined) return undefined
      const disk = file.write(piece)
      if (loading === undefined) { feed(piece); return disk }
      const fed = chain(() => { feed(piece) })
      return disk === undefined ? fed : Promise.all([fed, disk]).then(() => undefined)
    },
    end: async () => {
      let state: Uint8Array
      let checked: Awaited<ReturnType<ReceiveHost['verify']>>
      try {
        while (loading !== undefined) await loading
        if (failed !== undefined) throw failed
        state = opener.final()
        checked = await host.verify(header, state, await fit?.done())
      } catch (err) {
        fit?.abandon()
        await file.discard()
        throw err
      }
      const { replaces, doc } = checked
      try {
        await file.commit({ replaces })
      } catch (err) {
        doc?.destroy()
        throw err
      }
      const open = host.openReplica(header.doc)
      if (open !== undefined) {
        doc?.destroy()
        const r = await open
        // Checked against the shapes before it was kept (see verify); a document it still
        // breaks together with what is open is reloaded, and the load finds the culprit.
        const p = await r.applySnapshot(stateParts(state), header.covers)
        if (p === undefined) r.snapshotsIn.add(toHex(header.signature))
        else r.discard(new QuarantinedError(`${r.name} was reloaded: a received snapshot broke it (${p.reason})`))
      } else host.keepFresh(header, state, doc)
      host.stored(header)
      return header
    },
    // Broken off: what arrived is kept for a resume, unless it already proved bad. In the
    // background (the session that broke off does not wait); close() waits for it.
    abort: () => {
      fit?.abandon()
      host.keepInBackground(failed !== undefined ? file.discard() : file.keep())
    }
  }
}
