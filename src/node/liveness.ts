/**
 * Connections pinged from one end only. libp2p's connection monitor pings every connection from
 * both ends each interval, each ping a new stream with its protocol negotiation and a peer-store
 * merge on both sides: with two siblings, four pings a minute per node, a third of an idle node's
 * CPU (measured: 0.17% of a core with it, 0.11% without). One ping a minute per connection shows
 * both ends alive, so only the end whose PeerId string is smaller pings (the end that also opens
 * the sync stream), and closes the connection when an answer does not come within `timeoutMs`.
 * The other end learns of a vanished peer from the silence: it closes a connection that brought
 * nothing from the peer for `silenceMs` (two intervals), which a live peer's ping never lets
 * happen. What it heard is counted, not what it wrote: the TCP transport's socket timeout (also
 * set to `silenceMs`, mesh-libp2p.ts) counts writes too, and a laptop whose link was cut (no FIN,
 * no RST) kept writing new sessions into it, TCP retransmitting unseen, and showed its sibling
 * connected and in sync for minutes (test/netns/link-cut.test.ts). It asks no ping of its own: one
 * timer, due when the connection heard from longest ago would turn silent, and set only while
 * this end has a connection it does not ping. A peer that exits or is killed is seen at once
 * either way: its kernel closes the socket.
 *
 * @example
 * const live = new Liveness(node, { intervalMs: 60_000, timeoutMs: 20_000, heard: lastHeard })
 * node.addEventListener('connection:open', () => { live.arm() })
 * live.stop()
 */
import { randomBytes } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { byteStream } from '@libp2p/utils'
import { TimeoutError, type Connection, type Libp2p } from '@libp2p/interface'

const log = logger('mesh:node:liveness')
/** @libp2p/ping's protocol: every node answers it, an older mesh node and a bare libp2p node too. */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_BYTES = 32

export interface LivenessInit {
  /** How often the pinging end pings each of its connections. @default 60000 */
  intervalMs?: number
  /** How long an answer may take before the connection is closed. @default 20000 */
  timeoutMs?: number
  /**
   * When a connection last received anything from its peer (performance.now()), undefined when
   * not known (muxer.ts's lastHeard). Without it the silent end has only the socket's timeout.
   */
  heard?: (conn: Connection) => number | undefined
  /** A connection's peer showed itself alive at `at` (Date.now()): its ping answered, or it was heard within the silence. */
  alive?: (peer: string, at: number) => void
}

export const LIVENESS_DEFAULTS = { intervalMs: 60_000, timeoutMs: 20_000 } as const
/** How long a connection checked after a network change may take to answer (check()). */
const CHECK_TIMEOUT_MS = 5000

/** How long a connection may bring nothing before the silent end closes it: two pings missed. */
export function silenceMs (intervalMs: number): number { return 2 * intervalMs }

export class Liveness {
  private readonly intervalMs: number
  private readonly timeoutMs: number
  private readonly silenceMs: number
  private readonly heard: ((conn: Connection) => number | undefined) | undefined
  private readonly alive: ((peer: string, at: number) => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  /** The silent end's timer, and when it is due (performance.now()). */
  private silence: { timer: ReturnType<typeof setTimeout>, due: number } | undefined
  private stopped = false

  constructor (private readonly node: Pick<Libp2p, 'peerId' | 'getConnections'>, init: LivenessInit = {}) {
    this.intervalMs = init.intervalMs ?? LIVENESS_DEFAULTS.intervalMs
    this.timeoutMs = init.timeoutMs ?? LIVENESS_DEFAULTS.timeoutMs
    this.silenceMs = silenceMs(this.intervalMs)
    this.heard = init.heard
    this.alive = init.alive
  }

  /** This end pings a connection whose remote PeerId string is the greater one. */
  pings (conn: Connection): boolean { return this.node.peerId.toString() < conn.remotePeer.toString() }

  /**
   * A connection opened: the ping timer runs while this end has a connection to ping, the silence
   * timer while it has one it does not ping, and each only then.
   */
  arm (): void {
    if (this.stopped) return
    const conns = this.node.getConnections()
    this.listen(conns)
    if (this.timer !== undefined || !conns.some(c => this.pings(c))) return
    this.timer = setTimeout(() => { this.tick() }, this.intervalMs)
  }

  stop (): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.silence !== undefined) clearTimeout(this.silence.timer)
    this.timer = undefined
    this.silence = undefined
  }

  /** When the connection this end does not ping and heard from longest ago turns silent, if any. */
  private silentAt (conns: Connection[]): number | undefined {
    if (this.heard === undefined) return undefined
    let due: number | undefined
    for (const conn of conns) {
      if (conn.status !== 'open' || this.pings(conn)) continue
      const at = this.heard(conn)
      if (at !== undefined && (due === undefined || at + this.silenceMs < due)) due = at + this.silenceMs
    }
    return due
  }

  /** Sets the silence timer for the earliest connection to turn silent (an earlier one set stays). */
  private listen (conns: Connection[]): void {
    const due = this.silentAt(conns)
    if (due === undefined || (this.silence !== undefined && this.silence.due <= due)) return
    if (this.silence !== undefined) clearTimeout(this.silence.timer)
    this.silence = { timer: setTimeout(() => { this.hark() }, Math.max(0, due - performance.now())), due }
  }

  /** Closes each connection it does not ping that brought nothing for `silenceMs`; a live one moves the timer on. */
  private hark (): void {
    this.silence = undefined
    if (this.stopped) return
    const now = performance.now()
    for (const conn of this.node.getConnections()) {
      if (conn.status !== 'open' || this.pings(conn)) continue
      const at = this.heard?.(conn)
      if (at === undefined) continue
      if (now - at < this.silenceMs) { this.alive?.(conn.remotePeer.toString(), Date.now() - Math.round(now - at)); continue }
      log('nothing from %p for %d ms, closing the connection', conn.remotePeer, Math.round(now - at))
      conn.abort(new TimeoutError(`nothing received for ${Math.round(now - at)} ms`))
    }
    this.listen(this.node.getConnections())
  }

  /**
   * This node's addresses changed (another DHCP lease, another access point): a connection bound
   * to an address it no longer has carries nothing either way, yet looks open until its next
   * ping, up to an interval and a timeout later, meanwhile shown `connected` and in sync while
   * what is written here never leaves. Every open connection is pinged now, from this end whatever
   * its PeerId, with `CHECK_TIMEOUT_MS` at most (an answer on a live link takes milliseconds; one
   * closed wrongly is redialed by the discovery the change woke), and a dead one is closed so the
   * sibling is dialed at its new address. Its sibling learns of it when it dials again (proven-links.ts).
   */
  checkAll (): void {
    if (this.stopped) return
    for (const conn of this.node.getConnections()) {
      if (conn.status !== 'open') continue
      void this.answers(conn).then((alive) => {
        if (alive || this.stopped) return
        log('no answer from %p after a network change, closing the connection', conn.remotePeer)
        conn.abort(new TimeoutError('no answer to a ping after a network change'))
      })
    }
  }

  /** Whether a connection answers a ping within `CHECK_TIMEOUT_MS` (the timeout at most) now. */
  async answers (conn: Connection): Promise<boolean> {
    try {
      await this.ping(conn, Math.min(this.timeoutMs, CHECK_TIMEOUT_MS))
      this.alive?.(conn.remotePeer.toString(), Date.now())
      return true
    } catch (err) {
      log('no answer from %p: %e', conn.remotePeer, err)
      return false
    }
  }

  private tick (): void {
    this.timer = undefined
    for (const conn of this.node.getConnections()) {
      if (conn.status !== 'open' || !this.pings(conn)) continue
      this.ping(conn).then(() => { this.alive?.(conn.remotePeer.toString(), Date.now()) }, (err: unknown) => {
        if (this.stopped) return
        log('no answer from %p within %d ms, closing the connection: %e', conn.remotePeer, this.timeoutMs, err)
        conn.abort(err as Error)
      })
    }
    this.arm()
  }

  /** One ping on a stream of its own, as @libp2p/ping sends it; throws when no answer comes in time. */
  async ping (conn: Connection, timeoutMs = this.timeoutMs): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs)
    let stream
    try {
      stream = await conn.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true })
    } catch (err) {
      // A peer without the protocol answered the negotiation: it is alive.
      if ((err as { name?: string }).name === 'UnsupportedProtocolError') return
      throw err
    }
    try {
      const bs = byteStream(stream)
      const sent = randomBytes(PING_BYTES)
      const [, got] = await Promise.all([bs.write(sent, { signal }), bs.read({ bytes: PING_BYTES, signal })])
      if (!Buffer.from(got.subarray()).equals(sent)) throw new Error('the ping came back changed')
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}
