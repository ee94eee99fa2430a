/**
 * The member's side of circuit relay v2: a libp2p transport that dials
 * `<relay>/p2p-circuit/p2p/<peer>` through the relay's hop protocol and, for each listen address
 * `<relay addr>/p2p/<relay>/p2p-circuit`, holds a reservation there (renewed at half its life,
 * retaken when the connection to the relay drops) and accepts the relay's stop streams. Noise and
 * yamux run end to end over the relayed stream: the relay forwards ciphertext. See SPEC.md.
 *
 * @example
 * transports: [tcp(), relayTransport()], addresses: { listen: ['/ip4/0.0.0.0/tcp/0', `${relayAddr}/p2p-circuit`] }
 */
import { DialError, ListenError, TypedEventEmitter, transportSymbol } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { AbstractMultiaddrConnection, pbStream, type AbstractMultiaddrConnectionInit, type SendResult } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { AbortOptions, ComponentLogger, Connection, CreateListenerOptions, DialTransportOptions, Listener, ListenerEvents, Logger, MultiaddrConnection, PeerId, Startable, Stream, Transport, Upgrader } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { ProtocolRegistrar } from '../membership/index.js'
import { HopMessage, Status, StopMessage } from './pb/relay.js'
import { HOP_PROTOCOL, MAX_RELAY_MESSAGE, STOP_PROTOCOL } from './server.js'

const HANDSHAKE_MS = 10_000
const RETRY = { firstMs: 1000, maxMs: 30_000 } as const

export interface RelayTransportComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  upgrader: Upgrader
  connectionManager: { getConnections: (peerId?: PeerId) => Connection[], openConnection: (peer: PeerId | Multiaddr, options?: AbortOptions) => Promise<Connection> }
  peerStore: { merge: (peerId: PeerId, data: { multiaddrs: Multiaddr[] }) => Promise<unknown> }
  events: EventTarget
  logger: ComponentLogger
}

/** `/…/p2p/<relay>/p2p-circuit/p2p/<peer>`: a relayed address of one peer. */
export function isCircuitAddr (ma: Multiaddr): boolean {
  return /\/p2p\/[^/]+\/p2p-circuit\/p2p\/[^/]+$/.test(ma.toString())
}

/** `/…/p2p/<relay>/p2p-circuit`: where to take a reservation. */
export function isRelayListenAddr (ma: Multiaddr): boolean {
  return /\/p2p\/[^/]+\/p2p-circuit$/.test(ma.toString())
}

/** A relayed stream as the byte pipe libp2p's upgrader runs Noise and yamux over. */
class StreamConnection extends AbstractMultiaddrConnection {
  constructor (private readonly stream: Stream, init: Omit<AbstractMultiaddrConnectionInit, 'direction'>) {
    super({ ...init, direction: stream.direction })
    stream.addEventListener('close', (evt) => { this.onTransportClosed(evt.error) })
    stream.addEventListener('remoteCloseWrite', () => {
      this.onRemoteCloseWrite()
      this.close().catch((err: Error) => { this.abort(err) })
    })
    stream.addEventListener('message', (evt) => { this.onData(evt.data) })
    stream.addEventListener('drain', () => { this.safeDispatchEvent('drain') })
  }

  sendData (data: Uint8ArrayList): SendResult { return { sentBytes: data.byteLength, canSendMore: this.stream.send(data) } }
  async sendClose (options?: AbortOptions): Promise<void> { await this.stream.close(options) }
  sendReset (): void { this.stream.abort(new Error('relayed connection reset')) }
  sendPause (): void { this.stream.pause() }
  sendResume (): void { this.stream.resume() }
}

/** Where a reservation stands, for `mesh status`. */
export interface ReservationState { relay: string, state: 'reserved' | 'trying', expires?: number, lastError?: string }

class RelayListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private addrs: Multiaddr[] = []
  private relay?: Multiaddr
  private relayId?: string
  private timer?: ReturnType<typeof setTimeout>
  private closed = false
  private retryMs: number = RETRY.firstMs
  readonly state: ReservationState = { relay: '', state: 'trying' }

  constructor (private readonly transport: RelayTransportService, private readonly log: Logger) { super() }

  async listen (addr: Multiaddr): Promise<void> {
    if (!isRelayListenAddr(addr)) throw new ListenError(`not a relay listen address: ${addr.toString()}`)
    this.relay = multiaddr(addr.toString().replace(/\/p2p-circuit$/, ''))
    this.relayId = this.relay.getComponents().findLast(c => c.name === 'p2p')?.value
    this.state.relay = this.relay.toString()
    this.transport.listeners.add(this)
    // The first attempt is awaited so a reachable relay's address is printed at start; an
    // unreachable one must not keep the node from starting: it is retried in the background.
    await this.reserve()
  }

  holds (relay: string): boolean { return relay === this.relayId && this.addrs.length > 0 }

  /** The relay connection closed: the reservation went with it. */
  dropped (relay: string): void {
    if (relay !== this.relayId || this.closed) return
    if (this.addrs.length > 0) { this.addrs = []; this.state.state = 'trying'; this.safeDispatchEvent('listening') }
    this.schedule(RETRY.firstMs)
  }

  private schedule (ms: number): void {
    if (this.closed) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { void this.reserve() }, ms)
  }

  private async reserve (): Promise<void> {
    if (this.closed || this.relay === undefined) return
    try {
      const expires = await this.transport.reserve(this.relay, { signal: AbortSignal.timeout(HANDSHAKE_MS) })
      this.addrs = expires.addrs
      Object.assign(this.state, { state: 'reserved', expires: expires.at, lastError: undefined })
      this.retryMs = RETRY.firstMs
      this.safeDispatchEvent('listening')
      this.schedule(Math.max(1000, (expires.at - Date.now()) / 2))
    } catch (err: any) {
      this.log('reservation on %s failed, next in %d ms: %e', this.relay.toString(), this.retryMs, err)
      Object.assign(this.state, { state: 'trying', lastError: String(err?.message ?? err) })
      this.schedule(this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, RETRY.maxMs)
    }
  }

  getAddrs (): Multiaddr[] { return this.addrs }
  updateAnnounceAddrs (): void {}

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.addrs = []
    this.transport.listeners.delete(this)
    queueMicrotask(() => { this.safeDispatchEvent('close') })
  }
}

export interface RelayTransport { reservations: () => ReservationState[] }

class RelayTransportService implements Transport, RelayTransport, Startable {
  readonly [Symbol.toStringTag] = 'mesh:relay-transport'
  readonly [transportSymbol] = true
  readonly listeners = new Set<RelayListener>()
  private readonly log: Logger
  private shutdown = new AbortController()
  private readonly onClose = (evt: Event): void => {
    const conn = (evt as CustomEvent<Connection>).detail
    for (const l of this.listeners) l.dropped(conn.remotePeer.toString())
  }

  constructor (private readonly components: RelayTransportComponents) {
    this.log = components.logger.forComponent('mesh:relay:transport')
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    this.components.events.addEventListener('connection:close', this.onClose)
    await this.components.registrar.handle(STOP_PROTOCOL, (stream, connection) => {
      void this.onStop(stream, connection).catch((err: unknown) => {
        this.log('stop from %p failed: %e', connection.remotePeer, err)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      })
    })
  }

  async stop (): Promise<void> {
    this.shutdown.abort()
    this.components.events.removeEventListener('connection:close', this.onClose)
    await this.components.registrar.unhandle(STOP_PROTOCOL)
  }

  reservations (): ReservationState[] { return [...this.listeners].map(l => ({ ...l.state })) }

  private async relayConnection (relay: Multiaddr, options: AbortOptions): Promise<Connection> {
    const id = relay.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id === undefined) throw new DialError(`relay address ${relay.toString()} names no relay peer`)
    const peer = peerIdFromString(id)
    const open = this.components.connectionManager.getConnections(peer).find(c => c.status === 'open' && !c.remoteAddr.toString().includes('/p2p-circuit'))
    if (open !== undefined) return open
    return await this.components.connectionManager.openConnection(relay, options)
  }

  /** Takes or renews a reservation: the relay's addresses to announce and when it expires. */
  async reserve (relay: Multiaddr, options: AbortOptions): Promise<{ addrs: Multiaddr[], at: number }> {
    const conn = await this.relayConnection(relay, options)
    const stream = await conn.newStream(HOP_PROTOCOL, options)
    try {
      const hop = pbStream(stream, { maxDataLength: MAX_RELAY_MESSAGE }).pb(HopMessage)
      await hop.write({ type: HopMessage.Type.RESERVE }, options)
      const answer = await hop.read(options)
      await stream.close(options)
      if (answer.status !== Status.OK || answer.reservation === undefined) throw new ListenError(`relay ${conn.remotePeer.toString()} refused the reservation (${String(answer.status)})`)
      // Announced: the relay address this node reached it at. The relay's own list holds every
      // interface it listens on (loopback and private ones too), which other members mostly cannot reach.
      return { addrs: [relay.encapsulate('/p2p-circuit')], at: Number(answer.reservation.expire) * 1000 }
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const text = ma.toString()
    const cut = text.lastIndexOf('/p2p-circuit')
    const relay = multiaddr(text.slice(0, cut))
    const destination = peerIdFromString(text.slice(cut).split('/').pop() as string)
    const conn = await this.relayConnection(relay, options)
    const stream = await conn.newStream(HOP_PROTOCOL, options)
    try {
      const hop = pbStream(stream, { maxDataLength: MAX_RELAY_MESSAGE }).pb(HopMessage)
      await hop.write({ type: HopMessage.Type.CONNECT, peer: { id: destination.toMultihash().bytes, addrs: [] } }, options)
      const answer = await hop.read(options)
      if (answer.status !== Status.OK) throw new DialError(`relay ${conn.remotePeer.toString()} could not connect to ${destination.toString()} (${String(answer.status)})`)
      const maConn = new StreamConnection(hop.unwrap().unwrap(), { remoteAddr: ma, localAddr: relay.encapsulate(`/p2p-circuit/p2p/${this.components.peerId.toString()}`), log: this.log.newScope('connection') })
      return await this.components.upgrader.upgradeOutbound(maConn as MultiaddrConnection, { ...options, limits: undefined })
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }

  /** The relay opens a stop stream for a member who dialed us through it. */
  private async onStop (stream: Stream, connection: Connection): Promise<void> {
    const relay = connection.remotePeer.toString()
    // Only a relay we reserved with may hand us connections: any other peer is answered nothing.
    if (![...this.listeners].some(l => l.holds(relay))) { stream.abort(new Error('no reservation with this relay')); return }
    const signal = this.components.upgrader.createInboundAbortSignal(this.shutdown.signal)
    try {
      const stop = pbStream(stream, { maxDataLength: MAX_RELAY_MESSAGE }).pb(StopMessage)
      const request = await stop.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(HANDSHAKE_MS)]) })
      if (request.type !== StopMessage.Type.CONNECT || request.peer === undefined) {
        await stop.write({ type: StopMessage.Type.STATUS, status: Status.MALFORMED_MESSAGE }, { signal })
        await stream.close({ signal })
        return
      }
      const remote = peerIdFromMultihash(Digest.decode(request.peer.id))
      await stop.write({ type: StopMessage.Type.STATUS, status: Status.OK }, { signal })
      const maConn = new StreamConnection(stop.unwrap().unwrap(), {
        remoteAddr: connection.remoteAddr.encapsulate(`/p2p-circuit/p2p/${remote.toString()}`),
        log: this.log.newScope('connection')
      })
      await this.components.upgrader.upgradeInbound(maConn as MultiaddrConnection, { signal, limits: undefined })
    } finally {
      signal.clear()
    }
  }

  createListener (_options: CreateListenerOptions): Listener {
    return new RelayListener(this, this.log.newScope('listener'))
  }

  listenFilter (addrs: Multiaddr[]): Multiaddr[] { return addrs.filter(isRelayListenAddr) }
  dialFilter (addrs: Multiaddr[]): Multiaddr[] { return addrs.filter(isCircuitAddr) }
}

export function relayTransport (): (components: RelayTransportComponents) => RelayTransport & Transport {
  return (components) => new RelayTransportService(components)
}
