/**
 * The sync protocol, `/mesh/sync/1.0.0`: sealed entries as opaque bytes between proven peers.
 * After membership is proven, the dialing side opens one long-lived stream; both sides then
 * run the grammar in session.ts. Streams from peers that are not proven are aborted at once.
 * See SPEC.md.
 *
 * @example
 * services: { sync: sync({ source, isMember: id => membership.isProven(id) }) }
 */
import type { ComponentLogger, Connection, Logger, Startable, Stream } from '@libp2p/interface'
import type { ProtocolRegistrar } from '../membership/index.js'
import { NotMemberError, ProtocolError } from '../../src/errors.js'
import { PeerSession, type SessionEvents, type SessionStats } from './session.js'
import type { ReplicaSource } from './source.js'

export * from './source.js'
export type { ReconcileIndex, ReconcileItem } from './reconcile.js'
export type { Transfer, Direction } from './transfer.js'
export type { SessionStats } from './session.js'
export { LIMITS as SYNC_LIMITS } from './limits.js'
export { onTurn } from './slice.js'
import { SYNC_PROTOCOL } from '../ids.js'

export { SYNC_PROTOCOL }

export interface SyncInit {
  source: ReplicaSource
  isMember: (peerId: string) => boolean
  /** Waits for a peer's membership proof (the other side may open sync a moment before ours completes). */
  whenMember: (peerId: string) => Promise<boolean>
  /** Called when a session ends while the connection may still be up, so the node can reopen it. */
  onEnded?: (peerId: string, reason: string) => void
  /** Called when a peer sent entries that were stored (0 for a snapshot). */
  onReceived?: SessionEvents['received']
  /** Called when something a peer sent was refused. */
  onRefused?: SessionEvents['refused']
  /** Called when a peer's hello is answered and it lacks nothing we hold (SessionEvents.caughtUp). */
  onCaughtUp?: (peerId: string) => void
  /**
   * Open sessions with set reconciliation (SPEC.md, Reconciliation); false sends every document's
   * vector instead (the benchmark's baseline).
   * @default true
   */
  reconcile?: boolean
  /**
   * Send this node's own live entries ahead of their signatures to peers that take them, and
   * take theirs (SPEC.md, Early entries); false: every entry whole, none taken.
   * @default true
   */
  early?: boolean
  /** A transfer's progress: at most about once a second per transfer over a second long, and a final one. */
  onProgress?: SessionEvents['progress']
}

export interface SyncComponents { registrar: ProtocolRegistrar, logger: ComponentLogger }

export interface Sync {
  /** Opens the session with a proven peer over this connection (the dialing side calls this). */
  open: (connection: Connection) => Promise<void>
  sessionWith: (peerId: string) => PeerSession | undefined
  peers: () => string[]
  /** What every session since start moved, ended ones and those running. */
  stats: () => SessionStats
}

class SyncService implements Sync, Startable {
  private readonly log: Logger
  private readonly sessions = new Map<string, PeerSession>()
  private readonly ended: SessionStats = { bytesSent: 0, bytesReceived: 0, snapshotBytesSent: 0, snapshotsSent: 0, snapshotsResumed: 0, catchUpEntriesSent: 0, earlySent: 0, earlyReceived: 0, earlyApplied: 0 }
  private offs: Array<() => void> = []
  private started = false

  constructor (private readonly components: SyncComponents, private readonly init: SyncInit) {
    this.log = components.logger.forComponent('mesh:sync')
  }

  readonly [Symbol.toStringTag] = 'mesh/sync'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(SYNC_PROTOCOL, (stream, connection) => { this.onInbound(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2 })
    this.offs.push(this.init.source.onEntry((entry, ref, from) => {
      for (const [peer, s] of this.sessions) if (peer !== from) s.pushEntry(entry, ref)
    }))
    const offEarly = this.init.early === false ? undefined : this.init.source.onEarly?.((body, ref) => {
      for (const s of this.sessions.values()) s.pushEarly(body, ref)
    })
    if (offEarly !== undefined) this.offs.push(offEarly)
    this.offs.push(this.init.source.onCertificate((cert) => {
      for (const s of this.sessions.values()) s.pushCertificate(cert)
    }))
    const offDisk = this.init.source.onDisk?.((full) => {
      for (const s of this.sessions.values()) s.pushDisk(full)
    })
    if (offDisk !== undefined) this.offs.push(offDisk)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const off of this.offs.splice(0)) off()
    for (const s of this.sessions.values()) s.close()
    this.sessions.clear()
    await this.components.registrar.unhandle(SYNC_PROTOCOL)
  }

  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    void this.init.whenMember(peer).then((ok) => {
      // Stopped meanwhile (the handler is unregistered only after the sessions close): a stream
      // the peer opened on its side's end of the old session must not start a new one here.
      if (!this.started) {
        stream.abort(new ProtocolError('sync stopped'))
        return
      }
      if (!ok) {
        // A peer that is not a member learns nothing: no error frame.
        this.log('sync stream from unproven peer %s aborted', peer)
        stream.abort(new NotMemberError('not a member'))
        return
      }
      this.run(stream, peer)
    })
  }

  async open (connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    if (!this.started || !this.init.isMember(peer) || this.sessions.has(peer)) return
    const stream = await connection.newStream(SYNC_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    if (!this.started) { stream.abort(new ProtocolError('sync stopped')); return }
    this.run(stream, peer)
  }

  private run (stream: Stream, peer: string): void {
    this.sessions.get(peer)?.close()
    const s = new PeerSession(stream, peer, this.init.source, this.log, {
      received: (doc, n, from) => this.init.onReceived?.(doc, n, from),
      refused: (reason, from) => { this.log('refused from %s: %s', from, reason); this.init.onRefused?.(reason, from) },
      caughtUp: (from) => this.init.onCaughtUp?.(from),
      progress: (t) => { this.init.onProgress?.(t) }
    }, { reconcile: this.init.reconcile, early: this.init.early })
    this.sessions.set(peer, s)
    // run() never throws; were it to, the session is still dropped and its stream aborted, and
    // the node goes on (an unhandled rejection would end the process).
    void s.run().catch((err: unknown) => {
      this.log.error('sync with %s failed: %e', peer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      return err instanceof Error ? err.message : String(err)
    }).then((reason) => {
      for (const k of Object.keys(this.ended) as Array<keyof SessionStats>) this.ended[k] += s.stats[k]
      if (this.sessions.get(peer) !== s) return
      this.sessions.delete(peer)
      if (this.started && reason !== undefined) this.init.onEnded?.(peer, reason)
    })
  }

  sessionWith (peerId: string): PeerSession | undefined { return this.sessions.get(peerId) }
  peers (): string[] { return [...this.sessions.keys()] }

  stats (): SessionStats {
    const out = { ...this.ended }
    for (const s of this.sessions.values()) for (const k of Object.keys(out) as Array<keyof SessionStats>) out[k] += s.stats[k]
    return out
  }
}

export function sync (init: SyncInit): (components: SyncComponents) => Sync {
  return (components) => new SyncService(components, init)
}
