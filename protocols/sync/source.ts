/**
 * What the sync protocol needs from the data layer (after Syncthing's lib/protocol Model). The
 * protocol sees sealed entries as opaque bytes; src/node/ implements this over the vault, and a
 * blind mirror could implement it over the store alone.
 */
/** One author lane's highest contiguous sequence number (lanes: crdt/SPEC.md). */
export interface AuthorSeq { author: Uint8Array, lane: number, seq: bigint }
export interface DocVector { doc: Uint8Array, items: AuthorSeq[] }
/** Where an entry sits: its document and its (author, lane, seq), as the data layer parsed them. */
export interface EntryRef { doc: Uint8Array, item: AuthorSeq }

export interface SnapshotOffer {
  /** The signed snapshot header entry. */
  header: Uint8Array
  /** What it covers. */
  covers: AuthorSeq[]
  read: () => Promise<Uint8Array>
}

export interface SyncPlan {
  /** Snapshots the peer needs because the entries they cover are no longer held. */
  snapshots: SnapshotOffer[]
  /** Entries the peer lacks, oldest first per author. */
  entries: AsyncIterable<Uint8Array>
}

export type AcceptOutcome = 'stored' | 'duplicate'

export interface ReplicaSource {
  certificates: () => Uint8Array[]
  addCertificate: (bytes: Uint8Array) => Promise<void>
  vectors: () => DocVector[]
  plan: (doc: Uint8Array, theirs: AuthorSeq[]) => SyncPlan
  accept: (entry: Uint8Array, from: string) => Promise<{ outcome: AcceptOutcome } & EntryRef>
  acceptSnapshot: (header: Uint8Array, ciphertext: Uint8Array, from: string) => Promise<{ doc: Uint8Array }>
  /** Calls back for every entry newly stored (local or from a peer), with the peer it came from. */
  onEntry: (cb: (entry: Uint8Array, ref: EntryRef, from: string | undefined) => void) => () => void
  onCertificate: (cb: (certificate: Uint8Array) => void) => () => void
}
