/**
 * The session's frames as SyncMessages (pb/sync.proto): an empty one to fill in, the values of
 * its small fields, and the codec with the session's limits on repeated fields.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../../src/errors.js'
import { frame, framePieces } from './frames.js'
import { LIMITS } from './limits.js'
import { SyncMessage } from './pb/sync.js'

export const EMPTY = (): SyncMessage => ({ certificates: [], vectors: [], vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false, ranges: [], answer: false, partialSnapshots: [], snapshotOffset: 0n, snapshotWindow: 0n, snapshotCredit: 0n, disk: 0, lanes: 0, unfold: [], holds: new Uint8Array(0), early: 0, earlyEntries: [], signatures: [], acks: 0, settled: 0n, refusedFrames: [], snapshotCut: false })

/** The `lanes` field of the held frame: this side reads and sends retired lanes (SPEC.md, Retired lanes). */
export const LANES_VERSION = 1

/** The `early` field of the held frame: this side takes early entries (SPEC.md, Early entries). */
export const EARLY_VERSION = 1

/** The `acks` field of the held frame: this side acknowledges frames and reads acknowledgements (SPEC.md, Acknowledgements). */
export const ACKS_VERSION = 1

/** The `disk` field: 0 says nothing (an older peer, or no change). */
export const DISK = { full: 1, room: 2 } as const

/** A received frame's body, its repeated fields bounded. */
export function decodeMessage (bytes: Uint8Array): SyncMessage {
  const msg = SyncMessage.decode(bytes, { limits: { certificates: LIMITS.maxCertificates, vectors: LIMITS.docsPerFrame, entries: 4096, ranges: LIMITS.maxRanges, unfold: LIMITS.docsPerFrame, partialSnapshots: LIMITS.maxHeldSnapshots, earlyEntries: LIMITS.maxEarly, signatures: LIMITS.maxEarly, refusedFrames: LIMITS.maxRefusedPerAck } } as any)
  // Ids of a size no node writes are refused here, with the frame: a document's fingerprint
  // (src/identity/fingerprint.ts) writes each with a one- or two-byte length, and a larger one
  // made that throw wherever the vector was used.
  for (const v of msg.vectors) {
    if (v.doc.byteLength > MAX_ID_BYTES) throw new ProtocolError(`a vector's document id of ${v.doc.byteLength} bytes`)
    for (const i of v.items) {
      if (i.author.byteLength > MAX_ID_BYTES || (i.tip !== undefined && i.tip.byteLength > MAX_ID_BYTES)) throw new ProtocolError('a vector\'s author or tip of more than 64 bytes')
    }
  }
  // Each asks for our vector of a document: as many as a vectors frame holds, no longer than an id.
  if (msg.unfold.some(doc => doc.byteLength > MAX_ID_BYTES)) throw new ProtocolError(`an unfold's document id of more than ${MAX_ID_BYTES} bytes`)
  return msg
}

/**
 * About the bytes a message takes on the wire (a little more, never much less): what a queue of
 * frames holds, counted without encoding them. Every field counts, not only entries: a queue of
 * vectors or ranges frames counted as 64 bytes each grew without bound.
 */
export function frameBytes (msg: SyncMessage): number {
  let n = 16
  const list = (xs: readonly Uint8Array[]): void => { for (const x of xs) n += x.byteLength + 4 }
  list(msg.certificates)
  list(msg.entries)
  list(msg.earlyEntries)
  list(msg.signatures)
  list(msg.unfold)
  n += msg.snapshotHeader.byteLength + msg.snapshotChunk.byteLength + msg.holds.byteLength
  for (const v of msg.vectors) {
    n += v.doc.byteLength + 8
    for (const i of v.items) n += i.author.byteLength + (i.tip?.byteLength ?? 0) + 24
    for (const r of v.retired ?? []) n += r.author.byteLength + r.digest.byteLength + 20
  }
  for (const r of msg.ranges) n += r.lower.byteLength + r.upper.byteLength + r.fingerprint.byteLength + 16
  for (const p of msg.partialSnapshots) n += p.doc.byteLength + p.author.byteLength + 28
  if (msg.catchup !== undefined) n += msg.catchup.doc.byteLength + 36
  n += msg.refusedFrames.length * 10
  return n
}

/** The longest document id, author key or tip a vector may name (each is 32 bytes or less). */
const MAX_ID_BYTES = 64

/** A message as it goes on the stream: length-prefixed; a large one (a catch-up's) as its prefix and body, uncopied. */
export function encodeFrame (msg: SyncMessage): Uint8Array | Uint8ArrayList {
  const body = SyncMessage.encode(msg)
  return body.byteLength >= LIMITS.slicedFrameBytes ? framePieces(body) : frame(body)
}

/** Bytes a received frame took on the stream: its body and its length prefix. */
export const wireLength = (body: Uint8Array): number => body.byteLength + varintLength(body.byteLength)

const varintLength = (n: number): number => n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4
