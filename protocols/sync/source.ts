/**
 * What the sync protocol needs from the data layer (after Syncthing's lib/protocol Model). The
 * protocol sees sealed entries as opaque bytes; src/node/ implements this over the vault, and a
 * blind mirror could implement it over the store alone.
 */
import type { ReconcileIndex } from './reconcile.js'
import type { RetiredLanes } from './lanes.js'

/**
 * One author lane's highest contiguous sequence number (lanes: crdt/SPEC.md). In vectors, `tip`:
 * the content tip of the entry at seq (SPEC.md, Content tips), when the data layer holds it.
 */
export interface AuthorSeq { author: Uint8Array, lane: number, seq: bigint, tip?: Uint8Array }
export interface DocVector { doc: Uint8Array, items: AuthorSeq[], retired?: RetiredLanes[] }
/** An author's lanes numbered below `below` are retired (SPEC.md, Retired lanes). */
export interface RetiredBound { author: Uint8Array, below: number }
/** Where an entry sits: its document and its (author, lane, seq), as the data layer parsed them. */
export interface EntryRef { doc: Uint8Array, item: AuthorSeq }

export interface SnapshotOffer {
  /** The signed snapshot header entry. */
  header: Uint8Array
  /** What it covers. */
  covers: AuthorSeq[]
  /** Its ciphertext in pieces of at most `pieceBytes`, read as they are taken, from byte `from` on. */
  pieces: (pieceBytes: number, from?: number) => AsyncIterable<Uint8Array>
}

export interface SyncPlan {
  /** Snapshots the peer needs because the entries they cover are no longer held. */
  snapshots: SnapshotOffer[]
  /** Entries the peer lacks, oldest first per author. */
  entries: AsyncIterable<Uint8Array>
  /** How many entries, and their bytes, `entries` holds (announced to the peer for progress). */
  entryCount?: number
  entryBytes?: number
}

/** A snapshot held in part after a transfer broke off: named by its header's doc, author and seq. */
export interface HeldSnapshot { doc: Uint8Array, author: Uint8Array, seq: bigint, offset: number }

export type AcceptOutcome = 'stored' | 'duplicate'

/** A snapshot being received: its ciphertext in order, as it arrives, then end() or abort(). */
export interface SnapshotSink {
  /**
   * The next piece (taken synchronously; a bad piece is reported by end()). Returns a promise
   * when the sink is behind (its disk is slower than the link): the reader waits for it, and so
   * holds the sender back.
   */
  write: (piece: Uint8Array) => Promise<void> | undefined
  /**
   * After the last piece: resolves once the snapshot is verified and stored, or throws why not;
   * with the vector it covers (what its sender holds, at least).
   */
  end: () => Promise<{ doc: Uint8Array, covers?: ReadonlyArray<{ author: Uint8Array, lane?: number, seq: bigint }> }>
  /** The transfer broke off: what arrived is kept for a resume (unless it proved bad). */
  abort: () => void
}

/** A body received ahead of its signature (ReplicaSource.acceptEarly). */
export interface EarlyEntry {
  /** Whether it was applied to an open document on arrival. */
  readonly applied: boolean
  /**
   * Checks the signature and takes the entry. `durable`, when given: the entry is taken and
   * held, its write still under way (it rejects, with the error an admission would have thrown,
   * if the write fails).
   */
  sign: (signature: Uint8Array) => Promise<{ outcome: AcceptOutcome, durable?: Promise<void> } & EntryRef>
  /** Its signature will not come (the session ended first): what was applied of it is undone. */
  abandon: () => void
}

export interface ReplicaSource {
  certificates: () => Uint8Array[]
  addCertificate: (bytes: Uint8Array) => Promise<void>
  vectors: () => DocVector[]
  /** One document's vector (lanes with seq > 0). */
  vector: (doc: Uint8Array) => AuthorSeq[]
  /**
   * Every document that holds something, ascending by id, with the fingerprint of its vector, and
   * the fingerprint of them all (reconcile.ts). Kept up to date as documents change: cheap to call
   * per connection.
   */
  index: () => ReconcileIndex
  plan: (doc: Uint8Array, theirs: AuthorSeq[]) => SyncPlan
  accept: (entry: Uint8Array, from: string) => Promise<{ outcome: AcceptOutcome } & EntryRef>
  /**
   * Called with a frame of many entries before they are accepted one by one: the data layer may
   * check what needs no order (their signatures) ahead, off the event loop. A hint only: accept()
   * still refuses whatever does not pass, and a failure here is logged, never a refusal.
   */
  verifyAhead?: (entries: Uint8Array[]) => Promise<void>
  /**
   * Starts taking a snapshot whose signed header arrived; throws to refuse it before its bytes do.
   * `offset` > 0: the sender resumes one this side announced holding in part (heldSnapshots).
   */
  receiveSnapshot: (header: Uint8Array, from: string, offset?: number) => SnapshotSink
  /** Snapshots held in part, announced at the start of a session so their senders resume them. */
  heldSnapshots?: () => HeldSnapshot[] | Promise<HeldSnapshot[]>
  /** Calls back for every entry newly stored (local or from a peer), with the peer it came from. */
  onEntry: (cb: (entry: Uint8Array, ref: EntryRef, from: string | undefined) => void) => () => void
  onCertificate: (cb: (certificate: Uint8Array) => void) => () => void
  /**
   * Calls back with each of this node's own new entries before it is signed: its body (EntryBody
   * bytes), which goes ahead to peers that take early entries (SPEC.md, Early entries). The
   * signed entry follows through onEntry in the same tick.
   */
  onEarly?: (cb: (body: Uint8Array, ref: EntryRef) => void) => () => void
  /**
   * Takes a body its author sent ahead of the signature on its own channel: applied at once when
   * the document is open here and it passes every check but the signature. Never throws: what is
   * wrong with it is reported when its signature arrives (`sign`), which checks that signature,
   * stores and forwards the entry, or runs the whole admission when the body was not applied.
   * When the session ends first, `abandon` undoes a body that was applied (its author may have
   * died before signing and storing it: no store would ever hold it).
   */
  acceptEarly?: (body: Uint8Array, from: string) => EarlyEntry
  /** The retired lanes of a document, sent folded to peers that read them (SPEC.md, Retired lanes). */
  retired?: (doc: Uint8Array) => RetiredBound[]
  /**
   * What a peer holds, as it reported it: its vector of `doc` (whole, retired lanes expanded), or,
   * with `items` absent, exactly this node's vector of `doc` (a range found equal); with `doc`
   * absent, exactly this node's whole state (its hello's digest equals ours). The data layer
   * retires a closed lane once every peer was seen holding its tail.
   */
  heldBy?: (peer: string, doc?: Uint8Array, items?: AuthorSeq[]) => void
  /** A peer retired these lanes of `doc` and holds exactly what this node holds of them: they may be retired here too. */
  adoptRetired?: (doc: Uint8Array, bounds: RetiredBound[]) => void
  /** Whether this node's disk is full (it refuses writes until there is room): told to peers. */
  diskFull?: () => boolean
  /** Calls back when the disk fills up (true) or has room again (false). */
  onDisk?: (cb: (full: boolean) => void) => () => void
}
