/** The sync session's bounds: frame sizes, snapshot windows, queues and timers. */
export const LIMITS = {
  /** Largest frame accepted: below libp2p's 4 MiB default. */
  maxFrameBytes: 1024 * 1024 + 64 * 1024,
  /** Entries per frame, by total bytes. */
  batchBytes: 512 * 1024,
  /** Snapshot ciphertext per frame. */
  chunkBytes: 64 * 1024,
  /**
   * Snapshot bytes a sender may have sent ahead of what this receiver took (its grants): what a
   * cut connection can waste, and what a resume sends again. Small against a snapshot (5 cuts of
   * a 7 MB snapshot must cost under 30%), large enough for a LAN (≈ window / round trip).
   */
  snapshotWindowBytes: 256 * 1024,
  /**
   * Once a snapshot's header arrived the receiver grants up to 1/32 of its size ahead (5 cuts
   * then waste under 16% of it), between snapshotWindowBytes and this: a long transfer needs
   * fewer round trips per byte.
   */
  maxSnapshotWindowBytes: 4 * 1024 * 1024,
  /** A receiver grants more once it took this much since its last grant. */
  snapshotGrantBytes: 64 * 1024,
  /** Documents per vectors frame. */
  docsPerFrame: 512,
  /** Live bytes queued for one peer before live pushes are dropped. */
  maxQueuedBytes: 16 * 1024 * 1024,
  /**
   * Bytes of replies to the peer's frames (vectors, ranges, answers) queued for it, past which a
   * frame of the peer that adds more is held, in flight, until they drain below it: a peer that
   * stops reading then stops being read (yamux holds it back) instead of filling our memory.
   */
  maxQueuedReplyBytes: 16 * 1024 * 1024,
  /** Largest snapshot accepted from a peer. */
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxCertificates: 1024,
  /** Longest a frame may take from its first byte to its last. */
  frameDeadlineMs: 30_000,
  /** Frames handled at once: a frame's checks run when it is read, its disk writes overlap the next frames'. */
  framesInFlight: 4,
  /** Reconciliation ranges per frame. */
  maxRanges: 1024,
  /**
   * Incoming transfers (a peer's announced catch-ups) tracked per session: past this, a new one
   * is not shown in progress (a peer announcing made-up documents made one record each, forever).
   */
  maxTransfersIn: 1024,
  /**
   * Vectors of documents this side does not hold, kept per session (the peer's vectors before its
   * vectors_done, what it is known to hold): past this, such a vector is not kept.
   */
  maxUnknownDocs: 16_384,
  /** Snapshots held in part announced at the start of a session. */
  maxHeldSnapshots: 512,
  /**
   * After an entry or snapshot was refused for a reason that passes (see RETRY), this side sends
   * its vectors again this long after (or when the error says), and the peer's catch-up resends
   * what is still missing.
   */
  refetchMs: 5_000,
  /** A frame with at least this many entries has their signatures checked ahead, off-thread (verifyAhead). */
  verifyAheadEntries: 64,
  /** Parsed and sent to the signature worker this many at a time (a few ms each), the loop given its turn between when its budget is spent. */
  verifyAheadChunk: 256,
  /** A frame this large (a catch-up's, not a live entry's) counts as sliced work from its decoding on: it starts the turn's budget. */
  slicedFrameBytes: 64 * 1024,
  /** After entries from the peer, this long without more before this side tells it its digest (`holds`). */
  holdsQuietMs: 1_000,
  /** An entry whose body goes ahead of its signature is at most this large (a live message, not a bulk write). */
  earlyMaxBytes: 64 * 1024,
  /** Early bodies of one peer awaiting their signatures: past this the peer breaks the protocol. */
  maxEarly: 64,
  /**
   * The oldest early body of a peer still without its signature this long: the peer breaks the
   * protocol (its author signs in the same tick it sent the body), and the session ends, which
   * undoes what was applied of its bodies.
   */
  earlySignatureMs: 10_000,
  /**
   * After a frame of the peer carrying entries or a snapshot settled, at most this long before
   * this side acknowledges it (acks.ts): one acknowledgement for every frame settled meanwhile.
   */
  ackMs: 200,
  /** Refused frames one acknowledgement names at most (past that it goes at once, and the next names the rest). */
  maxRefusedPerAck: 64,
  /** Frames sent and awaiting the peer's acknowledgement, past which the peer breaks the protocol. */
  maxUnacknowledged: 65_536
} as const
