/**
 * Circuit relay v2 for members only, on @libp2p/circuit-relay-v2 (protocols/relay/SPEC.md): the
 * package runs the protocol; mesh decides who may use it. This module holds what mesh adds:
 *
 * - `relayGater`: the connectionGater hooks the package consults (a reservation, a circuit from
 *   this relay, a circuit accepted through a relay), answered from the proven-member set and the
 *   registry's revocations.
 * - `hopForMembers`, `stopFromOurRelays`: wrappers of the package's handlers. A hop stream waits for its peer's
 *   membership verdict and a stranger's is aborted before the package reads it (it learns nothing,
 *   not even a status); a stop stream is taken only from a relay this node holds a reservation
 *   on (the package would otherwise start listening on any relay that opens one).
 * - `RelayVia`: keeps a reservation on each `--relay-via` relay through the transport's own
 *   reservation store, retaking it when it drops (the package retakes none it was configured with).
 *
 * @example
 * services: { relay: circuitRelayServer(RELAY_SERVER_INIT) }, connectionGater: relayGater(members, counts)
 */
import { RELAY_V2_HOP_CODEC, RELAY_V2_STOP_CODEC, type CircuitRelayServerInit, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, ConnectionGater, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import { NotMemberError } from '../errors.js'
import { PAIRING_DATA_LIMIT, type PairingParties } from './pair-relay.js'

export { RELAY_V2_HOP_CODEC as HOP_PROTOCOL, RELAY_V2_STOP_CODEC as STOP_PROTOCOL }

/**
 * No limits (relayed connections have neither a duration nor a byte cap, so they are not
 * "limited" and mesh's protocols, registered without `runOnLimitedConnection`, run over them);
 * a personal mesh has a handful of devices, 64 slots is plenty.
 */
export const RELAY_SERVER_INIT: CircuitRelayServerInit = { reservations: { applyDefaultLimit: false, maxReservations: 64 } }

export interface Members {
  isProven: (peerId: string) => boolean
  /** Resolves true once the peer is proven, false once it is refused or out of time. */
  whenProven: (peerId: string) => Promise<boolean>
  isRevoked: (peerId: string) => boolean
  /** Devices being paired and approvers' dialers (node/pair-relay.ts), on a relay that serves pairing. */
  pairing?: PairingParties
}

/** Counted by the gate for `mesh status`. */
export interface RelayCounts { refused: number }

export interface RelayServerStats {
  /** Members holding a reservation now (on a connection still open). */
  reservations: string[]
  /** Relayed connections open now. */
  circuits: number
  /** Peers refused at membership, and reservation or connect requests refused because the asker is not a member. */
  refused: number
}

/** Where a reservation stands, for `mesh status`. */
export interface ReservationState { relay: string, state: 'reserved' | 'trying', expires?: number, lastError?: string }

const member = (m: Members, id: string): boolean => m.isProven(id) && !m.isRevoked(id)

/** The relay hooks of libp2p's connectionGater: members only, revoked devices never; pairing candidates a limited slot and only their approver's dialer. */
export function relayGater (m: Members, counts: RelayCounts): Pick<ConnectionGater, 'denyInboundRelayReservation' | 'denyOutboundRelayedConnection' | 'denyInboundRelayedConnection'> {
  return {
    // The hop middleware already waited for the verdict; this answers for the package itself.
    denyInboundRelayReservation: async (peer: PeerId) => {
      const deny = !member(m, peer.toString()) && m.pairing?.isCandidate(peer.toString()) !== true
      if (deny) counts.refused++
      return deny
    },
    // CONNECT: both ends must be members now (a device revoked since it reserved is not connected
    // to), or the source is the dialer a member named for this pairing candidate.
    denyOutboundRelayedConnection: async (source: PeerId, destination: PeerId) => {
      const src = source.toString()
      const dst = destination.toString()
      const deny = !(member(m, src) && member(m, dst)) && m.pairing?.mayConnect(src, dst) !== true
      if (deny) counts.refused++
      return deny
    },
    // Accepting a circuit: only through a proven relay, never from a revoked device (the relayed
    // connection then proves membership itself, as any other).
    denyInboundRelayedConnection: async (relay: PeerId, remote: PeerId) => !member(m, relay.toString()) || m.isRevoked(remote.toString())
  }
}

type Handler = (stream: Stream, connection: Connection) => void | Promise<void>
/**
 * Wraps a protocol's handler. Not libp2p's registrar middleware (`libp2p.use`): libp2p 3.3.11
 * pushes each stream's handler onto the registered middleware array itself, so from the second
 * stream on the handler runs twice on one stream (the second read steals the relayed bytes).
 */
export type HandlerWrap = (handler: Handler) => Handler

/**
 * Hop streams run for proven members and pairing parties (whose requests the gater then limits to
 * their slot and their one circuit); a stranger's is aborted unanswered.
 */
export function hopForMembers (m: Members, counts: RelayCounts, log: Logger): HandlerWrap {
  return (handler) => async (stream, connection) => {
    const id = connection.remotePeer.toString()
    if (m.pairing?.isParty(id) === true && !m.isProven(id)) { await handler(stream, connection); return }
    if (await m.whenProven(id) && !m.isRevoked(id)) { await handler(stream, connection); return }
    counts.refused++
    log('refused hop from %s: not a member', id)
    stream.abort(new NotMemberError('not a member'))
  }
}

/** Re-registers a protocol's handler (registered by the package as the node started) wrapped. */
export async function wrapHandler (registrar: { getHandler: (protocol: string) => { handler: Handler, options: Record<string, unknown> } }, node: Pick<Libp2p, 'handle'>, protocol: string, wrap: HandlerWrap): Promise<void> {
  const { handler, options } = registrar.getHandler(protocol)
  await node.handle(protocol, wrap(handler), { ...options, force: true })
}

/** A reservation's signal, as the package makes it (retimeable-signal): aborts when the reservation expires. */
type Retimeable = AbortSignal & { reset: (ms: number) => void, clear: () => void }
interface ServerReservation { expiry: Date, limit?: { data?: bigint, duration?: number }, signal: Retimeable }
/** The part of the package's server reservation store mesh touches (not part of its typed API). */
interface ServerReservations {
  reserve: (peer: PeerId, addr: Multiaddr, limit?: unknown) => { status: string, expire?: number }
  get: (peer: PeerId) => ServerReservation | undefined
  removeReservation: (peer: PeerId) => void
}

function serverReservations (service: CircuitRelayService): ServerReservations {
  const store = (service as unknown as { reservationStore?: ServerReservations }).reservationStore
  // Fail loudly if the package's internals moved: a pairing slot would be unlimited.
  if (store === undefined || typeof store.reserve !== 'function' || typeof store.get !== 'function') throw new Error('@libp2p/circuit-relay-v2: no reservation store on the server')
  return store
}

/** What the rendezvous does to a candidate's reservation as its slot ends, or is kept for a run. */
export interface PairingReservations {
  /** The slot ended. */
  drop: (peer: PeerId) => void
  /** The slot lasts longer now: the reservation, its circuits and the next circuit's duration end with it. */
  extend: (peer: PeerId) => void
}

/**
 * A pairing candidate's reservation ends with its slot and its circuits carry at most
 * PAIRING_DATA_LIMIT bytes: the server has no per-peer limits (`applyDefaultLimit: false` is for
 * members), so its store's reserve is wrapped to set them on the reservation it makes, and they
 * are set again when a lookup keeps the slot longer.
 */
export function limitPairingReservations (service: CircuitRelayService, pairing: PairingParties): PairingReservations {
  const store = serverReservations(service)
  const reserve = store.reserve.bind(store)
  const ours = new WeakSet<AbortSignal>()
  const endWithSlot = (peer: PeerId, r: ServerReservation): number | undefined => {
    const end = pairing.slotEnd(peer.toString())
    if (end === undefined) return undefined
    const left = Math.max(0, end - Date.now())
    // The package reads a duration in ms here (utils.ts createLimitedRelay) and fixes it as it joins
    // a circuit's streams; the reservation's signal aborts every circuit through it at the slot's end.
    r.limit = { data: PAIRING_DATA_LIMIT, duration: left }
    r.expiry = new Date(end)
    if (!ours.has(r.signal)) {
      // The package's signal (retimeable-signal 1.0.1) leaves each reset's timer armed after the
      // next reset, so a slot kept longer would still be cut at its first end: it is replaced by
      // one whose reset moves the end. Its own timer (the package's TTL) is never reset, so clear() stops it.
      r.signal.clear()
      r.signal = slotSignal(left, () => { if (store.get(peer) === r) store.removeReservation(peer) })
      ours.add(r.signal)
    } else {
      r.signal.reset(left)
    }
    return end
  }
  store.reserve = (peer, addr, limit) => {
    const result = reserve(peer, addr, limit)
    const r = store.get(peer)
    const end = r !== undefined && result.status === 'OK' ? endWithSlot(peer, r) : undefined
    return end === undefined ? result : { status: result.status, expire: Math.round(end / 1000) }
  }
  return {
    drop: (peer) => { store.removeReservation(peer) },
    // Not reserved yet: its reserve reads the new end.
    extend: (peer) => {
      const r = store.get(peer)
      if (r !== undefined) endWithSlot(peer, r)
    }
  }
}

/** Aborts `ms` from now, or from its last reset; `onEnd` then (the package drops a reservation whose signal aborts). */
function slotSignal (ms: number, onEnd: () => void): Retimeable {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const signal = controller.signal as Retimeable
  signal.clear = () => { clearTimeout(timer) }
  signal.reset = (next) => {
    clearTimeout(timer)
    timer = setTimeout(() => { controller.abort(new DOMException('the pairing slot ended', 'AbortError')) }, next)
    timer.unref?.()
  }
  signal.addEventListener('abort', onEnd, { once: true })
  signal.reset(ms)
  return signal
}

/** The reservation store of the package's transport (not part of its typed API). */
interface ReservationStore extends EventTarget {
  hasReservation: (peer: PeerId) => boolean
  getReservation: (peer: PeerId) => { expire: bigint } | undefined
  addRelay: (peer: PeerId, type: 'configured') => Promise<unknown>
}

export function reservationStoreOf (transport: unknown): ReservationStore {
  const store = (transport as { reservationStore?: ReservationStore } | undefined)?.reservationStore
  // Fail loudly if the package's internals moved: --relay-via would silently never reserve.
  if (store === undefined || typeof store.addRelay !== 'function') throw new Error('@libp2p/circuit-relay-v2: no reservation store on the transport')
  return store
}

/** Stop streams only from a relay this node holds a reservation on; any other is aborted. */
export function stopFromOurRelays (transport: () => unknown): HandlerWrap {
  return (handler) => async (stream, connection) => {
    if (reservationStoreOf(transport()).hasReservation(connection.remotePeer)) { await handler(stream, connection); return }
    stream.abort(new NotMemberError('no reservation with this relay'))
  }
}

/** What `mesh status` shows of the relay service. */
export function relayServerStats (node: Pick<Libp2p, 'getConnections'>, service: CircuitRelayService, counts: RelayCounts): RelayServerStats {
  const now = Date.now()
  const reservations = [...service.reservations.entries()]
    .filter(([peer, r]) => r.expiry.getTime() > now && node.getConnections(peer).some(c => c.status === 'open'))
    .map(([peer]) => peer.toString())
  // Each open circuit is one stop stream this relay opened to the target.
  const circuits = node.getConnections().reduce((n, c) => n + c.streams.filter(s => s.protocol === RELAY_V2_STOP_CODEC && s.direction === 'outbound' && s.status === 'open').length, 0)
  return { reservations, circuits, refused: counts.refused }
}

/**
 * Keep only the circuit addresses through a `--relay-via` address as given: a reservation carries
 * every address of the relay (loopback and private ones too), which other members mostly cannot reach.
 */
export function announceOnlyVia (relayVia: string[]): (addrs: Multiaddr[]) => Multiaddr[] {
  const via = new Set(relayVia.map(a => multiaddr(a).toString()))
  return (addrs) => addrs.filter(a => {
    const s = a.toString()
    const cut = s.indexOf('/p2p-circuit')
    return cut < 0 || via.has(s.slice(0, cut))
  })
}

const RETRY = { firstMs: 1000, maxMs: 30_000 } as const
const ATTEMPT_MS = 10_000

interface Via { addr: Multiaddr, peer: PeerId, lastError?: string, retryMs: number, timer?: ReturnType<typeof setTimeout>, listening: boolean, listenTried: boolean }

/**
 * A reservation on each `--relay-via` relay, held through the transport: the first through the
 * transport manager (which makes the transport's listener announce `<relay addr>/p2p-circuit/p2p/<self>`),
 * later ones through the reservation store, which that listener follows. The package renews a
 * reservation before it expires; when one drops (the relay's connection closed, a renewal failed)
 * it is retaken here, 1 s back-off doubling to 30 s.
 */
export class RelayVia {
  private readonly vias: Via[]
  private stopped = false

  constructor (
    private readonly node: Libp2p,
    private readonly transport: () => unknown,
    private readonly listen: (addr: Multiaddr, options: { signal: AbortSignal }) => Promise<void>,
    private readonly whenProven: (peerId: string) => Promise<boolean>,
    relayVia: string[],
    private readonly log: Logger
  ) {
    this.vias = relayVia.map(a => {
      const addr = multiaddr(a)
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id === undefined) throw new Error(`relay address ${a} names no relay peer`)
      return { addr, peer: peerIdFromString(id), retryMs: RETRY.firstMs, listening: false, listenTried: false }
    })
  }

  private readonly onRemoved = (evt: Event): void => {
    const relay = (evt as CustomEvent<{ relay: PeerId }>).detail.relay
    const v = this.vias.find(x => x.peer.equals(relay))
    if (v !== undefined) this.schedule(v, RETRY.firstMs)
  }

  /** The first attempts are awaited, so a reachable relay's address is printed at start; an unreachable one is retried in the background. */
  async start (): Promise<void> {
    if (this.vias.length === 0) return
    reservationStoreOf(this.transport()).addEventListener('relay:removed', this.onRemoved)
    await Promise.all(this.vias.map(async v => { await this.attempt(v) }))
  }

  stop (): void {
    this.stopped = true
    for (const v of this.vias) clearTimeout(v.timer)
    if (this.vias.length > 0) reservationStoreOf(this.transport()).removeEventListener('relay:removed', this.onRemoved)
  }

  states (): ReservationState[] {
    const store = this.vias.length > 0 ? reservationStoreOf(this.transport()) : undefined
    return this.vias.map(v => {
      const r = store?.getReservation(v.peer)
      return r !== undefined
        ? { relay: v.addr.toString(), state: 'reserved', expires: Number(r.expire) * 1000 }
        : { relay: v.addr.toString(), state: 'trying', ...(v.lastError !== undefined ? { lastError: v.lastError } : {}) }
    })
  }

  private schedule (v: Via, ms: number): void {
    if (this.stopped) return
    clearTimeout(v.timer)
    v.timer = setTimeout(() => { void this.attempt(v) }, ms)
  }

  private async attempt (v: Via): Promise<void> {
    if (this.stopped) return
    const store = reservationStoreOf(this.transport())
    if (store.hasReservation(v.peer)) return
    try {
      const signal = AbortSignal.timeout(ATTEMPT_MS)
      // Dialed first: an unreachable relay fails here, before the transport makes a listener for it.
      await this.node.dial(v.addr, { signal })
      if (v.listening) await store.addRelay(v.peer, 'configured')
      else {
        // A listen the relay refused leaves the transport's listener behind, unused: after one
        // refusal, listen again only once the relay and this node are members to each other.
        if (v.listenTried && !(await this.whenProven(v.peer.toString()))) throw new NotMemberError('the relay and this node are not members to each other')
        v.listenTried = true
        await this.listen(v.addr.encapsulate('/p2p-circuit'), { signal })
        v.listening = true
      }
      v.lastError = undefined
      v.retryMs = RETRY.firstMs
    } catch (err: any) {
      v.lastError = String(err?.message ?? err)
      this.log('reservation on %s failed, next in %d ms: %e', v.addr.toString(), v.retryMs, err)
      this.schedule(v, v.retryMs)
      v.retryMs = Math.min(v.retryMs * 2, RETRY.maxMs)
    }
  }
}
