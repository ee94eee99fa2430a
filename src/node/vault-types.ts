/**
 * The vault's options, events and results, apart from the class so that its collaborators
 * (vault-replicas.ts, vault-snapshots.ts, vault-admission.ts, vault-registry.ts) can name them
 * without importing the vault. vault.ts re-exports every one of them.
 */
import type { DocId, RegistryOp, UnsignedEntry, Wallet } from '../identity/index.js'
import type { EnrolOptions } from './enrol.js'
import type { Limits } from './limits.js'
import type { Fork, Quarantined } from './quarantine.js'
import type { EntryEvent } from './replica.js'

export interface VaultOptions {
  home: string
  /** Needed only to create the home (or re-issue its certificate). */
  wallet?: Wallet
  /** Enrol options used when the home is created with the wallet. */
  enrol?: EnrolOptions
  /** Seal a snapshot once a document has this many entries no snapshot covers. @default 1000 */
  snapshotEvery?: number
  /** On close, snapshot documents with at least this many uncovered entries. @default 32 */
  snapshotOnClose?: number
  /** The clock certificate expiry is judged by (ms). @default Date.now */
  clock?: () => number
  /** Per-author budgets for received entries and snapshots (see limits.ts). */
  limits?: Partial<Limits>
  /**
   * A home set up before that cannot be written (a backup mounted read-only, a folder this user
   * may not write) is opened to read, instead of refused with HOME_READ_ONLY: without its lock,
   * writing nothing at all (EntryStore readOnly: no sum, no lane, no sweep, no repair), every
   * write refused with HOME_READ_ONLY (Vault.readOnlyHome). Never taken for a home another
   * process holds: that is HOME_IN_USE as ever, and the lock stays the writers'.
   */
  readIfNotWritable?: boolean
}

export type AcceptResult = 'stored' | 'duplicate'

/** An entry's body before its signature: what may go ahead to peers (protocols/sync/SPEC.md, Early entries). */
export interface EarlyEvent { entry: UnsignedEntry }

export interface VaultEvents {
  entry: [EntryEvent]
  /** A snapshot received from a peer was stored: its document holds what it covers. */
  snapshot: [{ doc: DocId }]
  /** One of this device's own new entries before its signature (the signed entry follows as `entry` in the same tick). */
  early: [EarlyEvent]
  certificate: [Uint8Array]
  /** A device's rights changed (a newer certificate, a cutoff); `reloaded`: open documents reloaded without its refused entries. */
  rights: [RightsEvent]
  /** The disk filled up (true: appends are refused, reads go on) or has room again (false). */
  disk: [boolean]
  /** The registry revoked a device (every peer disconnects it at once). */
  revoked: [RevokedEvent]
  /** The registry changed (an operation was added): devices, epochs or debts may have. */
  registry: [RegistryOp]
  quarantined: [Quarantined]
  fork: [Fork]
  /**
   * A replica stopped (a change it could not keep, or one it applied that then proved unstorable):
   * its handles tell nothing more, and the next open of `name` reloads it from the store.
   */
  broken: [{ name: string }]
}

export interface RevokedEvent { deviceKey: Uint8Array, deviceId: string, label: string }

/** How long a device that did not revoke waits before discharging an owed rotation, at random (de-duplication); it always does before its own next write. */
export const DISCHARGE_DELAY_MS = { min: 2000, max: 10_000 }

export interface RightsEvent { deviceId: string, label: string, capabilities: readonly string[], reloaded: string[] }
