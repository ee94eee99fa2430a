/**
 * Certificate records in the entry store's log: type 2 a certificate in plaintext (written by
 * older versions, and by a store given no sealer), type 3 one sealed by the store's sealer (see
 * identity/record-seal.ts): certificates name the wallet and the device's label, which a copy of
 * `data/` alone must not reveal. Each certificate is held once, in the order first seen.
 */
import { logger } from '@libp2p/logger'
import { toHex, type RecordSealer } from '../identity/index.js'
import { HEADER } from './log-format.js'
import type { RecordLog, RecordRef } from './log.js'

const log = logger('mesh:store')
export const T_CERT = 2
export const T_CERT_SEALED = 3

/** Where a record a log rewrite keeps goes: called with its new place. */
export type Moves = Map<number, (r: RecordRef) => void>

export class CertificateRecords {
  private readonly certs: Uint8Array[] = []
  private readonly seen = new Set<string>()
  /** Where each certificate's record is, and whether it is sealed. */
  private readonly refs = new Map<string, { ref: RecordRef, sealed: boolean }>()
  /** Sealed records this store cannot open (no sealer: a blind mirror; or not under its key): kept as they are. */
  private readonly unread: RecordRef[] = []
  /** Plaintext certificate records in the log: while a store that seals has any, `data/` names the wallet. */
  private plaintext = 0
  /** Set once the log is open (records are read while it opens). */
  log!: RecordLog

  /** Without a sealer (a node without the vault key), certificates are written in plaintext and sealed ones are skipped. */
  constructor (private readonly sealer: RecordSealer | undefined) {}

  /** A certificate record read from the log (type T_CERT or T_CERT_SEALED). */
  read (type: number, body: Uint8Array, ref: RecordRef): void {
    let cert = body
    if (type === T_CERT) this.plaintext++
    if (type === T_CERT_SEALED) {
      if (this.sealer === undefined) { this.unread.push(ref); return } // kept, unread: only the vault key opens it
      try {
        cert = this.sealer.open(body)
      } catch (err) {
        log.error('store: certificate record at %d does not open, ignored (kept in the log): %e', ref.offset, err)
        this.unread.push(ref)
        return
      }
    }
    const id = toHex(cert)
    if (!this.seen.has(id)) { this.seen.add(id); this.certs.push(cert) }
    if (this.refs.get(id)?.sealed !== true) this.refs.set(id, { ref, sealed: type === T_CERT_SEALED })
  }

  /** The log is read again from its start (it recovered a torn record). */
  reset (): void {
    this.certs.length = 0
    this.seen.clear()
    this.refs.clear()
    this.unread.length = 0
    this.plaintext = 0
  }

  /** A log rewrite that carried them (carry) is done: the log holds only the records it kept. */
  rewritten (): void { this.plaintext = [...this.refs.values()].filter(c => !c.sealed).length }

  /**
   * What a rewrite of the log (compaction) carries over of them: one record per certificate (its
   * sealed one where both are held) and every record this store cannot open, each in `moves` to
   * learn its new place. They are never dropped and written again after: a crash in between
   * would lose every certificate and registry operation the log held.
   */
  carry (keep: RecordRef[], moves: Moves): void {
    for (const [id, c] of this.refs) {
      keep.push(c.ref)
      moves.set(c.ref.offset, (r) => this.refs.set(id, { ref: r, sealed: c.sealed }))
    }
    for (const ref of this.unread) {
      keep.push(ref)
      // Found by the record itself: one left out as damaged (forget) may be gone from the list by then.
      moves.set(ref.offset, (r) => { const i = this.unread.indexOf(ref); if (i !== -1) this.unread[i] = r })
    }
  }

  /**
   * A record of theirs a log rewrite found damaged and left out: the certificate is no longer
   * held (a peer shows it again). False when the record is not one of theirs.
   */
  forget (ref: RecordRef): boolean {
    const u = this.unread.findIndex(r => r.offset === ref.offset)
    if (u !== -1) { this.unread.splice(u, 1); return true }
    for (const [id, c] of this.refs) {
      if (c.ref.offset !== ref.offset) continue
      this.refs.delete(id)
      this.seen.delete(id)
      const i = this.certs.findIndex(b => toHex(b) === id)
      if (i !== -1) this.certs.splice(i, 1)
      return true
    }
    return false
  }

  all (): readonly Uint8Array[] { return this.certs }

  /** Stores certificate bytes once; resolves true when they were new. */
  async put (bytes: Uint8Array): Promise<boolean> {
    const id = toHex(bytes)
    if (this.seen.has(id)) return false
    this.seen.add(id)
    try {
      await this.append(id, bytes)
      this.certs.push(bytes)
      return true
    } catch (err) {
      this.seen.delete(id)
      throw err
    }
  }

  private async append (id: string, bytes: Uint8Array): Promise<void> {
    const body = this.sealer?.seal(bytes) ?? bytes
    const payload = new Uint8Array(body.byteLength + 1)
    payload[0] = this.sealer !== undefined ? T_CERT_SEALED : T_CERT
    payload.set(body, 1)
    const ref = await this.log.append(payload)
    if (this.sealer === undefined) this.plaintext++
    this.refs.set(id, { ref, sealed: this.sealer !== undefined })
  }

  /** Whether a certificate is held in plaintext though this store seals them. */
  unsealed (): boolean { return this.sealer !== undefined && this.plaintext > 0 }

  /**
   * A home written before certificates were sealed: each is appended again sealed, then the log
   * is rewritten without the plaintext records (every other record kept: `others` adds the
   * entries and what the store does not read; `carry` the sealed certificates and the sealed
   * records this store cannot open), so `data/` stops naming the wallet. Sealed copies are
   * durable before the plaintext ones go: a crash loses neither. `fits` tells whether a copy of
   * that many bytes has room: without it the rewrite waits for a later open (or a compaction,
   * which leaves the plaintext records out too), as a full disk must not stop the store opening.
   */
  async seal (others: (keep: RecordRef[], moves: Moves) => void, lost: (ref: RecordRef) => void, fits: (bytes: number) => boolean): Promise<void> {
    for (const [id, c] of [...this.refs]) {
      if (c.sealed) continue
      const cert = this.certs.find(b => toHex(b) === id)
      if (cert !== undefined) await this.append(id, cert)
    }
    const moves: Moves = new Map()
    let short = 0
    const done = await this.log.rewrite(() => {
      const keep: RecordRef[] = []
      others(keep, moves)
      this.carry(keep, moves)
      const bytes = keep.reduce((n, r) => n + HEADER + r.length, 0)
      if (!fits(bytes)) { short = bytes; return undefined }
      return keep.sort((x, y) => x.offset - y.offset)
    }, { onDamaged: lost, onMoved: (from, to) => moves.get(from.offset)?.(to), onDone: () => { this.rewritten() } })
    if (done) log('store: %d certificate records sealed', this.refs.size)
    else log.error('store: no room to rewrite the log (%d bytes) without its plaintext certificate records: they stay until an open with room, or a compaction', short)
  }
}
