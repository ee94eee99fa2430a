/**
 * The seam between the follower and an agent's storage: a Source lists Streams (one thing that
 * grows: a JSONL file, later a session in OpenClaw's or Hermes's SQLite store read read-only),
 * and a Stream reads what is new after an opaque, JSON cursor. The follower stores what a read
 * returns through the API and only then saves the cursor, so a follower killed at any point
 * reads again what it had not saved: records are keyed by id, and the daemon stores an id once.
 *
 * A new source implements `scan` (the streams there are now, the same object for the same id
 * from one scan to the next, and directories whose changes should wake the follower early) and,
 * per stream, `read`. Its records are NativeRecords (crdt/records.ts) with the agent's own ids;
 * its messages the normalized view of those records.
 */
import type { NativeRecord } from '../../../crdt/records.js'
import type { ViewMessage } from '../claude/view.js'
import type { AgentName } from '../names.js'

export interface AbortOptions { signal?: AbortSignal }

/** What the mesh session holds already (agents.records meta): a stream reads its paths back to it. */
/** `stuckPath`: the file mesh holds as stuck (a follower's note, maybe of an earlier run). */
/** `capturePath`: the file of this host an import stored part of and did not finish (its `capture` note in mesh). */
export interface Held { cwd?: string, gitRemote?: string, stuckPath?: string, capturePath?: string }

/**
 * A whole line that is not UTF-8 text: records hold text, so it cannot be kept byte for byte, and
 * nothing after it is read (the records must restore the file as it is) until it is fixed.
 * `line` is 1-based in the file, `from`-`to` its bytes (to: its newline), `before` the lines before it.
 */
export interface Stuck { line: number, from: number, to: number, before: number }

export interface StreamRead {
  records: NativeRecord[]
  /** The view of those records (shown by session show, watch and the MCP tools). */
  messages: ViewMessage[]
  /** Where the session was captured, as far as this read tells. */
  meta: { cwd?: string, name?: string, dir?: string }
  /** Saved by the follower once the records are stored; handed back to the next read. */
  cursor: unknown
  /** When the agent last wrote the stream (ms since the epoch): a live session is recent. */
  mtimeMs: number
  /**
   * Bytes at the end that are not a whole line yet (no '\n', not JSON), left for a later read:
   * the agent is writing that line, or was cut off mid-write (the follower says so once it stays).
   */
  heldBack?: number
  /** Read up to a line that is not UTF-8, and no further while it stays so. */
  stuck?: Stuck
}

export interface Stream {
  /** Names the cursor: stable across runs (agent and path, or agent, database and session). */
  readonly id: string
  /** One of the agents agents.import accepts: what a stream reads is stored under it. */
  readonly agent: AgentName
  readonly sessionId: string
  /** The mesh session, agent:<agent>:<sessionId>. */
  readonly key: string
  /** The file it reads, when it is one. */
  readonly path?: string
  /**
   * The agent holds the file open for as long as it runs the session (Codex's rollout writer),
   * so once no process holds it open the agent is done with it (running.ts): the follower then
   * lets go of the lease it took (follower.ts, RELEASE_QUIET_MS).
   */
  readonly keepsOpen?: boolean
  /** What is new after `cursor` (undefined: from the start); undefined when the stream is gone. */
  read: (cursor: unknown, held: Held | undefined, options?: AbortOptions) => Promise<StreamRead | undefined>
}

export interface Scan {
  streams: Stream[]
  watch: string[]
  /** What could not be listed (a database that is no SQLite file): said once by the follower, tried again next pass. */
  problems?: string[]
}

export interface Source {
  /** One of the agents agents.import accepts: what a stream reads is stored under it. */
  readonly agent: AgentName
  scan: (options?: AbortOptions) => Promise<Scan>
}
