/**
 * Receiving a snapshot: its header and chunks handed to the data layer as they are read, checked
 * against the header's size, and the sender granted more of it as it is taken (SPEC.md, Snapshot
 * credit). What arrived of a snapshot that broke off is kept by the data layer for a resume.
 */
import type { Logger } from '@libp2p/interface'
import { parseTrustedEntry, toHex } from '../../src/identity/index.js'
import { ProtocolError } from '../../src/errors.js'
import { LIMITS } from './limits.js'
import { EMPTY } from './messages.js'
import type { Outbox } from './outbox.js'
import type { SyncMessage } from './pb/sync.js'
import type { ReplicaSource, SnapshotSink } from './source.js'
import type { Transfers } from './transfer.js'

export interface SnapshotReceiverHost {
  peer: string
  log: Logger
  source: ReplicaSource
  outbox: Outbox
  transfers: Transfers
  /** The data layer refused a snapshot's header. */
  refused: (err: any) => void
}

export class SnapshotReceiver {
  /**
   * The snapshot being received; no sink when the data layer refused its header: the sender was
   * asked to stop it (SPEC.md, Skipped snapshots), and what it sends until then is dropped.
   */
  private snapshot: { sink: SnapshotSink | undefined, size: number, got: number, doc: string, granted: number, window: number } | undefined

  constructor (private readonly host: SnapshotReceiverHost) {}

  /**
   * Hands a frame's snapshot header or chunk to the data layer as it is read. Returns the sink
   * once the snapshot's last byte arrived, what to wait for when the sink is behind, and whether
   * the frame's part was dropped (its snapshot's header was refused: `skipped`). The last chunk's
   * bytes count in the transfer only once the sink ended (`settled`): until the snapshot is
   * checked and stored, its document is still arriving, not a document holding what came before it.
   */
  assemble (msg: SyncMessage): { complete?: SnapshotSink, settled?: () => void, wait?: Promise<void>, skipped?: boolean } {
    let wait: Promise<void> | undefined
    if (msg.snapshotCut) {
      // Only the snapshot this side asked to skip (refused: no sink) ends short, and only before its end.
      const s = this.snapshot
      if (s === undefined || s.sink !== undefined) throw new ProtocolError('a snapshot cut short that was not skipped')
      this.snapshot = undefined
      this.host.log('snapshot of %s from %s stopped at byte %d of %d, as asked', s.doc.slice(0, 12), this.host.peer, s.got, s.size)
      // Nothing more of this document comes in this catch-up: it is not in flight from this peer.
      this.host.transfers.stop('in', s.doc)
    }
    if (msg.snapshotHeader.byteLength > 0) {
      if (this.snapshot !== undefined) throw new ProtocolError('a snapshot began before the last one ended')
      const h = parseTrustedEntry(msg.snapshotHeader)
      const size = Number(h.snapshotSize)
      if (size > LIMITS.maxSnapshotBytes) throw new ProtocolError(`snapshot of ${size} bytes exceeds the limit`)
      const offset = Number(msg.snapshotOffset)
      if (offset > size) throw new ProtocolError(`snapshot resumed at ${offset}, past its ${size} bytes`)
      let sink: SnapshotSink | undefined
      try {
        sink = this.host.source.receiveSnapshot(msg.snapshotHeader, this.host.peer, offset)
      } catch (err: any) {
        this.host.refused(err)
      }
      const doc = toHex(h.doc)
      const window = Math.min(LIMITS.maxSnapshotWindowBytes, Math.max(LIMITS.snapshotWindowBytes, Math.floor(size / 32)))
      this.snapshot = { sink, size, got: offset, doc, granted: offset + LIMITS.snapshotWindowBytes, window }
      this.host.log('snapshot of %s from %s: %d bytes, from byte %d', doc.slice(0, 12), this.host.peer, size, offset)
      this.host.transfers.snapshotBegins('in', doc, size, offset)
      // Refused: the sender stops it (and that document's catch-up) rather than send it whole to
      // be dropped. Grants go on as before: a sender that does not know the field sends it all.
      if (sink === undefined && offset < size) {
        const skip = { doc: h.doc, author: h.author, seq: h.seq, offset: BigInt(offset) }
        this.host.outbox.enqueue({ ...EMPTY(), snapshotSkip: skip as SyncMessage['snapshotSkip'] }, false, undefined, true)
      }
    }
    if (msg.snapshotChunk.byteLength > 0) {
      const s = this.snapshot
      if (s === undefined) throw new ProtocolError('snapshot chunk without a header')
      s.got += msg.snapshotChunk.byteLength
      if (s.got > s.size) throw new ProtocolError('snapshot longer than its header says')
      wait = s.sink?.write(msg.snapshotChunk)
      if (s.got < s.size || s.sink === undefined) this.host.transfers.snapshotBytes('in', s.doc, msg.snapshotChunk.byteLength)
    }
    const s = this.snapshot
    const part = msg.snapshotHeader.byteLength > 0 || msg.snapshotChunk.byteLength > 0
    const skipped = part && s !== undefined && s.sink === undefined
    if (s === undefined || s.got !== s.size || !part) return { wait, skipped }
    this.snapshot = undefined
    const last = msg.snapshotChunk.byteLength
    const count = s.sink === undefined || last === 0 ? undefined : this.host.transfers.snapshotBytesLater('in', s.doc)
    const settled = count === undefined ? undefined : () => { count(last) }
    return { complete: s.sink, settled, wait, skipped }
  }

  /** Grants the sender more of the current snapshot once enough of it was taken. */
  grant (): void {
    const s = this.snapshot
    // Never past the snapshot's end: a grant beyond it, arriving once the sender moved on to its
    // next snapshot, let that one run ahead by up to this one's size and window.
    if (s === undefined || s.got >= s.size || s.granted >= s.size) return
    if (s.got + s.window - s.granted < LIMITS.snapshotGrantBytes) return
    s.granted = Math.min(s.size, s.got + s.window)
    // Ahead of whatever this side is sending the peer itself (its own catch-up may queue
    // megabytes): the peer's snapshot waits on this frame.
    this.host.outbox.enqueue({ ...EMPTY(), snapshotCredit: BigInt(s.granted) }, false, undefined, true)
  }

  /** The session ended: a snapshot being received stops here. */
  end (): void {
    // What arrived of a snapshot is kept: the next session resumes it (session.ts, sendHeld).
    if (this.snapshot !== undefined) this.host.log('snapshot from %s broke off at %d of %d bytes; kept for a resume', this.host.peer, this.snapshot.got, this.snapshot.size)
    this.snapshot?.sink?.abort()
    this.snapshot = undefined
  }
}
