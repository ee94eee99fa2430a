/**
 * What each record of the store's log is, and where it goes: an entry into the held index
 * (held.ts), a certificate to its records (certificates.ts), anything this version does not read
 * kept as it is. And what a log rewrite must carry over of them, and forget when it found one
 * damaged.
 *
 * Record payloads: u8 type | bytes, type 1 an entry (SignedEntry), types 2 and 3 a certificate,
 * in plaintext or sealed (certificates.ts).
 */
import { createHash } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { entryPlace, type Entry } from '../identity/index.js'
import { T_CERT, T_CERT_SEALED, type CertificateRecords } from './certificates.js'
import type { HeldIndex } from './held.js'
import type { RecordRef } from './log.js'

const log = logger('mesh:store')
export const T_ENTRY = 1
/** An entry's record in the log: its type byte, then its bytes. */
export const recordBytes = (entry: Entry): number => entry.bytes.byteLength + 1

/** Where a log rewrite learns each kept record's new place, by its old offset. */
export type Moves = Map<number, (r: RecordRef) => void>

export class LogRecords {
  /** Records this version does not read (an unknown type, an entry that does not parse): kept as they are (carryUnknown). */
  private readonly unknown: RecordRef[] = []
  /**
   * Entry records found at open that do not parse (kept in the log): per record, the first 16 hex
   * digits of the SHA-256 of its bytes. Where it belongs cannot be read, so its slot (of this
   * device's lane, maybe) counts as free: the vault ends its lane in use (lane.ts endFor).
   */
  readonly unreadable: string[] = []

  constructor (private readonly idx: HeldIndex, private readonly certs: CertificateRecords) {}

  /** The log is read again from its start (a repair): what was read of it is forgotten. */
  reset (): void {
    this.idx.reset()
    this.certs.reset()
    this.unknown.length = 0
    this.unreadable.length = 0
  }

  /** One record read from the log at open. */
  read (payload: Uint8Array, ref: RecordRef): void {
    const type = payload[0]
    const body = payload.subarray(1)
    // The payload is a view of the log's read block: a certificate is kept, so it is copied.
    if (type === T_CERT || type === T_CERT_SEALED) { this.certs.read(type, body.slice(), ref); return }
    if (type !== T_ENTRY) { log.error('store: record of unknown type %d at %d ignored (kept in the log)', type, ref.offset); this.unknown.push(ref); return }
    let e: ReturnType<typeof entryPlace>
    try {
      e = entryPlace(body)
    } catch (err) {
      log.error('store: unreadable entry at %d ignored (kept in the log): %e', ref.offset, err)
      this.unknown.push(ref)
      this.unreadable.push(createHash('sha256').update(body).digest('hex').slice(0, 16))
      return
    }
    this.idx.add(e, ref)
  }

  /**
   * What every log rewrite carries over of the records this store does not read: each in `moves`
   * to learn its new place. A newer version may read them, and a rewrite is no place to lose them.
   */
  carryUnknown (keep: RecordRef[], moves: Moves): void {
    for (const ref of this.unknown) {
      keep.push(ref)
      moves.set(ref.offset, (r) => { const i = this.unknown.indexOf(ref); if (i !== -1) this.unknown[i] = r })
    }
  }

  /** Every entry record, and every record not read, for a log rewrite that keeps them all (sealing certificates). */
  readonly all = (keep: RecordRef[], moves: Moves): void => {
    this.carryUnknown(keep, moves)
    for (const d of this.idx.docs.values()) {
      for (const a of d.authors.values()) {
        for (const [seq, ref] of a.seqs) {
          if (ref.offset < 0) continue
          keep.push(ref)
          moves.set(ref.offset, (r) => a.seqs.set(seq, r))
        }
      }
    }
  }

  /**
   * A record a log rewrite found damaged and left out (log.ts, saved beside the log): what it held
   * is no longer held here, so a peer that has it sends it again.
   */
  lost (ref: RecordRef): void {
    if (this.certs.forget(ref)) return
    const u = this.unknown.findIndex(r => r.offset === ref.offset)
    if (u !== -1) { this.unknown.splice(u, 1); return }
    this.idx.forgetRecord(ref.offset)
  }
}
