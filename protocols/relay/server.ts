/**
 * The relay's side of circuit relay v2 (`/libp2p/circuit/relay/0.2.0/hop`) for members only: a
 * proven member may reserve a slot and may be connected to another member holding one; nothing is
 * limited (no duration, no byte cap), so mesh's own protocols run over the relayed connection as
 * over any other. A peer that is not a member is answered nothing: its stream is aborted. See
 * SPEC.md.
 *
 * @example
 * services: { relay: relayServer({ whenMember: (id) => membership.whenProven(id) }) }
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { pbStream, pipe, type ProtobufMessageStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { ComponentLogger, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { NotMemberError } from '../../src/errors.js'
import type { ProtocolRegistrar } from '../membership/index.js'
import { HopMessage, Status, StopMessage } from './pb/relay.js'

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'
/** A hop or stop message is a peer id and a few addresses: 4 KiB is plenty. */
export const MAX_RELAY_MESSAGE = 4096
/** How long a reservation lasts unless renewed; clients renew at half of it. @default 2 h, as the spec suggests */
export const RESERVATION_TTL_MS = 2 * 60 * 60 * 1000
const HANDSHAKE_MS = 10_000

export interface RelayServerInit {
  /** Resolves true once the peer is a proven member, false once it cannot be (the deadline passed, or it was refused). */
  whenMember: (peerId: string) => Promise<boolean>
  /** @default RESERVATION_TTL_MS */
  reservationTtlMs?: number
  /** Slots held at once; a personal mesh has a handful of devices. @default 64 */
  maxReservations?: number
}

export interface RelayServerComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  connectionManager: { getConnections: (peerId?: PeerId) => Connection[] }
  addressManager: { getAddresses: () => Multiaddr[] }
  logger: ComponentLogger
}

export interface RelayServerStats {
  /** Members holding a reservation now. */
  reservations: string[]
  /** Relayed connections open now. */
  circuits: number
  /** Reservation or connect requests refused because the asker is not a member. */
  refused: number
}

export interface RelayServer {
  stats: () => RelayServerStats
}

interface Slot { expires: number, connection: Connection }

class RelayServerService implements RelayServer, Startable {
  private readonly log: Logger
  private readonly slots = new Map<string, Slot>()
  private readonly ttl: number
  private readonly max: number
  private circuits = 0
  private refused = 0
  private shutdown = new AbortController()

  constructor (private readonly components: RelayServerComponents, private readonly init: RelayServerInit) {
    this.log = components.logger.forComponent('mesh:relay:server')
    this.ttl = init.reservationTtlMs ?? RESERVATION_TTL_MS
    this.max = init.maxReservations ?? 64
  }

  readonly [Symbol.toStringTag] = 'mesh:relay-server'

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    await this.components.registrar.handle(HOP_PROTOCOL, (stream, connection) => {
      void this.onHop(stream, connection).catch((err: unknown) => {
        this.log('hop from %p failed: %e', connection.remotePeer, err)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      })
    }, { maxInboundStreams: 64 })
  }

  async stop (): Promise<void> {
    this.shutdown.abort()
    this.slots.clear()
    await this.components.registrar.unhandle(HOP_PROTOCOL)
  }

  stats (): RelayServerStats {
    this.expire()
    return { reservations: [...this.slots.keys()], circuits: this.circuits, refused: this.refused }
  }

  private expire (): void {
    const now = Date.now()
    for (const [id, s] of this.slots) if (s.expires <= now || s.connection.status !== 'open') this.slots.delete(id)
  }

  private async onHop (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(HANDSHAKE_MS), this.shutdown.signal])
    const from = connection.remotePeer.toString()
    // A circuit over a circuit would let a relayed peer hide where it is; the spec forbids it.
    if (connection.remoteAddr.toString().includes('/p2p-circuit')) { stream.abort(new Error('hop over a relayed connection')); return }
    const hop = pbStream(stream, { maxDataLength: MAX_RELAY_MESSAGE }).pb(HopMessage)
    // Membership is proven on a stream of its own, often still under way when a new member
    // reserves right after dialing: wait for it, but a stranger learns nothing, not even a status.
    if (!(await this.init.whenMember(from))) {
      this.refused++
      this.log('refused hop from %s: not a member', from)
      stream.abort(new NotMemberError('not a member'))
      return
    }
    const request = await hop.read({ signal })
    if (request.type === HopMessage.Type.RESERVE) {
      this.expire()
      if (!this.slots.has(from) && this.slots.size >= this.max) {
        await hop.write({ type: HopMessage.Type.STATUS, status: Status.RESOURCE_LIMIT_EXCEEDED }, { signal })
        await stream.close({ signal })
        return
      }
      const expires = Date.now() + this.ttl
      this.slots.set(from, { expires, connection })
      const self = this.components.peerId.toString()
      const addrs = this.components.addressManager.getAddresses()
        .map(a => a.toString().includes('/p2p/') ? a : a.encapsulate(`/p2p/${self}`))
        .map(a => a.bytes)
      // No `limit`: the relayed connection is unlimited (applyDefaultLimit: false in js-libp2p's terms).
      await hop.write({ type: HopMessage.Type.STATUS, status: Status.OK, reservation: { expire: BigInt(Math.floor(expires / 1000)), addrs } }, { signal })
      await stream.close({ signal })
      this.log('reservation for %s until %s', from, new Date(expires).toISOString())
      return
    }
    if (request.type === HopMessage.Type.CONNECT) { await this.connect(hop, stream, connection.remotePeer, request, signal); return }
    await hop.write({ type: HopMessage.Type.STATUS, status: Status.UNEXPECTED_MESSAGE }, { signal })
    await stream.close({ signal })
  }

  private async connect (hop: ProtobufMessageStream<HopMessage, Stream>, stream: Stream, source: PeerId, request: HopMessage, signal: AbortSignal): Promise<void> {
    const reply = async (status: Status): Promise<void> => {
      await hop.write({ type: HopMessage.Type.STATUS, status }, { signal })
      await stream.close({ signal })
    }
    let dst: PeerId
    try {
      if (request.peer === undefined) throw new Error('no peer')
      request.peer.addrs.forEach(a => multiaddr(a))
      dst = peerIdFromMultihash(Digest.decode(request.peer.id))
    } catch {
      await reply(Status.MALFORMED_MESSAGE)
      return
    }
    this.expire()
    const slot = this.slots.get(dst.toString())
    // The target must hold a reservation and still be a member now (a revoked device is cut off).
    if (slot === undefined || !(await this.init.whenMember(dst.toString()))) { await reply(Status.NO_RESERVATION); return }
    let target: Stream
    try {
      target = await slot.connection.newStream(STOP_PROTOCOL, { signal })
      const stop = pbStream(target, { maxDataLength: MAX_RELAY_MESSAGE }).pb(StopMessage)
      await stop.write({ type: StopMessage.Type.CONNECT, peer: { id: source.toMultihash().bytes, addrs: [] } }, { signal })
      const answer = await stop.read({ signal })
      if (answer.status !== Status.OK) { target.abort(new Error(`stop refused: ${String(answer.status)}`)); await reply(Status.CONNECTION_FAILED); return }
      target = stop.unwrap().unwrap()
    } catch (err) {
      this.log('stop to %p failed: %e', dst, err)
      await reply(Status.CONNECTION_FAILED)
      return
    }
    await hop.write({ type: HopMessage.Type.STATUS, status: Status.OK }, { signal })
    const from = hop.unwrap().unwrap()
    this.circuits++
    this.log('circuit %p -> %p open', source, dst)
    const end = (err: Error): void => { from.abort(err); target.abort(err) }
    const onShutdown = (): void => { end(new Error('relay stopping')) }
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true })
    void pipe(from, target, from)
      .catch((err: unknown) => { end(err instanceof Error ? err : new Error(String(err))) })
      .finally(() => {
        this.circuits--
        this.shutdown.signal.removeEventListener('abort', onShutdown)
      })
  }
}

export function relayServer (init: RelayServerInit): (components: RelayServerComponents) => RelayServer {
  return (components) => new RelayServerService(components, init)
}
