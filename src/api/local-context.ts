/**
 * What the in-process API's method implementations share (local-<area>.ts): the vault, the node
 * when one runs, the event log, and the session cache. Types only, and the schema only as types:
 * zod is loaded by the first call (local.ts).
 */
import type { MeshNode } from '../node/mesh.js'
import type { Approvals } from './pairing.js'
import type { ApiEvent, METHODS, MethodName, Output } from './schema.js'
import type { Session, SummaryView } from './session.js'
import type { MeshVault } from './vault.js'

export interface LocalApiOptions {
  vault: MeshVault
  node?: MeshNode
  /** Called by `node.stop`; without it the method says no daemon runs. */
  onStop?: () => void
  /** What `node.status` reports about the daemon. */
  daemon?: { pid: number, http?: () => string | undefined }
  /** How long a session stays open after its last use (session-cache.ts). @default 60 s */
  sessionIdleMs?: number
}

export type ParsedInput<M extends MethodName> = import('zod').output<(typeof METHODS)[M]['input']>
export type Handler<M extends MethodName> = (input: ParsedInput<M>, signal: AbortSignal | undefined, client?: AbortSignal) => Promise<Output<M>>
/** The implementations of these methods. */
export type Handlers<K extends MethodName> = { [M in K]: Handler<M> }

export interface LocalContext {
  readonly vault: MeshVault
  readonly node: MeshNode | undefined
  readonly options: LocalApiOptions
  /** Tells subscribers. */
  push: (event: ApiEvent) => void
  /**
   * Runs `fn` on the session, held open in the cache between calls. `whole`: a call that judges
   * or changes the lease (a write, a take, a resume) is refused, as arriving, while part of the
   * session is still coming from a peer: what is here may not show the lease as it stands.
   */
  withSession: <T>(key: string, fn: (s: Session) => Promise<T> | T, opts?: { whole?: boolean }) => Promise<T>
  /** For one list, each session's summary (status, lease, last writer, message count) read only when it changed (local.ts). */
  summaries: () => (key: string) => Promise<SummaryView>
  /** A session was created here: the index refresh does not announce it again. */
  created: (key: string) => void
  /** The pairing runs held between devices.approve and devices.decide (pairing.ts). */
  approvals: () => Approvals
}
