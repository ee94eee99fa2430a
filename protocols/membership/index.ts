/**
 * The membership protocol, `/mesh/membership/1.0.0`: right after a connection opens, both sides
 * prove they hold a device certificate of the same wallet for the PeerId Noise authenticated,
 * by signing the other side's fresh challenge. Until a peer is proven no other mesh protocol
 * answers it; a peer that fails, or does not prove itself within the deadline, is disconnected
 * and learns nothing (its stream is aborted, no error frame). See SPEC.md.
 *
 * @example
 * services: { membership: membership({ certificate, sign, verifyPeer }) }
 */
import { randomBytes } from 'node:crypto'
import { pbStream } from '@libp2p/utils'
import type { ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, Startable, Stream, StreamHandler, StreamHandlerOptions, TypedEventTarget } from '@libp2p/interface'
import { concat, DOMAIN, signingInput, verifyWithDomain } from '../../src/identity/index.js'
import { NotMemberError } from '../../src/errors.js'
import { MembershipMessage } from './pb/membership.js'

export const MEMBERSHIP_PROTOCOL = '/mesh/membership/1.0.0'
const NONCE = 32
const MAX_MESSAGE = 4096

/** What a verified peer certificate yields; verifyPeer throws a typed error otherwise. */
export interface ProvenPeer {
  deviceId: string
  deviceKey: Uint8Array
  label: string
  capabilities: readonly string[]
  certificate: Uint8Array
}

export interface MembershipInit {
  /** This device's signed certificate bytes. */
  certificate: Uint8Array
  /** Signs with this device's key (the libp2p key). */
  sign: (message: Uint8Array) => Uint8Array
  /** Verifies a peer's certificate for the PeerId Noise authenticated. */
  verifyPeer: (certificate: Uint8Array, peerId: string) => ProvenPeer
  /** @default 5000 */
  timeoutMs?: number
}

/** The part of libp2p's registrar the mesh protocols use. */
export interface ProtocolRegistrar {
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

export interface MembershipComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

/**
 * Events: 'peer:proven' (detail { peer: ProvenPeer, connection }) and 'peer:refused'
 * (detail { peerId, reason }).
 */
export interface Membership extends EventTarget {
  isProven: (peerId: PeerId | string) => boolean
  /** Resolves true once the peer is proven, false after the membership deadline. */
  whenProven: (peerId: PeerId | string) => Promise<boolean>
  proven: (peerId: PeerId | string) => ProvenPeer | undefined
  provenPeers: () => ProvenPeer[]
}

/** What a side signs to answer a challenge: the nonce, bound to both PeerIds. */
function challenge (nonce: Uint8Array, signer: PeerId, verifier: PeerId): Uint8Array {
  return concat([nonce, signer.toMultihash().bytes, verifier.toMultihash().bytes])
}

class MembershipService extends EventTarget implements Membership, Startable {
  private readonly log: Logger
  private readonly timeoutMs: number
  private readonly peers = new Map<string, ProvenPeer>()
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>()
  private started = false

  constructor (private readonly components: MembershipComponents, private readonly init: MembershipInit) {
    super()
    this.log = components.logger.forComponent('mesh:membership')
    this.timeoutMs = init.timeoutMs ?? 5000
  }

  readonly [Symbol.toStringTag] = 'mesh/membership'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(MEMBERSHIP_PROTOCOL, (stream, connection) => { void this.respond(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2 })
    this.components.events.addEventListener('connection:open', this.onOpen)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('connection:open', this.onOpen)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.components.registrar.unhandle(MEMBERSHIP_PROTOCOL)
    for (const t of this.pending.values()) clearTimeout(t)
    this.pending.clear()
    this.peers.clear()
  }

  isProven (peerId: PeerId | string): boolean { return this.peers.has(peerId.toString()) }

  async whenProven (peerId: PeerId | string): Promise<boolean> {
    const id = peerId.toString()
    if (this.peers.has(id)) return true
    return await new Promise<boolean>(resolve => {
      const done = (ok: boolean): void => {
        clearTimeout(t)
        this.removeEventListener('peer:proven', onProven)
        this.removeEventListener('peer:refused', onRefused)
        resolve(ok)
      }
      const onProven = (e: Event): void => { if ((e as CustomEvent).detail.peer.deviceId === id) done(true) }
      const onRefused = (e: Event): void => { if ((e as CustomEvent).detail.peerId === id) done(false) }
      const t = setTimeout(() => { done(this.peers.has(id)) }, this.timeoutMs)
      this.addEventListener('peer:proven', onProven)
      this.addEventListener('peer:refused', onRefused)
    })
  }
  proven (peerId: PeerId | string): ProvenPeer | undefined { return this.peers.get(peerId.toString()) }
  provenPeers (): ProvenPeer[] { return [...this.peers.values()] }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    if (this.isProven(conn.remotePeer)) return
    // Whoever does not prove itself in time is disconnected, inbound or outbound.
    const t = setTimeout(() => { this.pending.delete(conn.id); if (!this.isProven(conn.remotePeer)) this.refuse(conn, 'did not prove membership in time') }, this.timeoutMs)
    this.pending.set(conn.id, t)
    if (conn.direction === 'outbound') void this.initiate(conn)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.peers.delete(evt.detail.toString())
  }

  private refuse (conn: Connection, reason: string, stream?: Stream): void {
    this.log('refusing %p: %s', conn.remotePeer, reason)
    stream?.abort(new NotMemberError('membership refused'))
    void conn.close().catch((err: unknown) => { conn.abort(err as Error) })
    this.dispatchEvent(new CustomEvent('peer:refused', { detail: { peerId: conn.remotePeer.toString(), reason } }))
  }

  private accept (conn: Connection, peer: ProvenPeer): void {
    const t = this.pending.get(conn.id)
    if (t !== undefined) { clearTimeout(t); this.pending.delete(conn.id) }
    const first = !this.peers.has(peer.deviceId)
    this.peers.set(peer.deviceId, peer)
    if (first) this.dispatchEvent(new CustomEvent('peer:proven', { detail: { peer, connection: conn } }))
  }

  private check (msg: MembershipMessage, conn: Connection, myNonce: Uint8Array): ProvenPeer {
    const peer = this.init.verifyPeer(msg.certificate, conn.remotePeer.toString())
    if (!verifyWithDomain(peer.deviceKey, DOMAIN.membership, challenge(myNonce, conn.remotePeer, this.components.peerId), msg.signature)) {
      throw new NotMemberError('challenge signature does not verify')
    }
    return peer
  }

  private answer (nonce: Uint8Array, conn: Connection): Uint8Array {
    if (nonce.byteLength !== NONCE) throw new NotMemberError('challenge of the wrong size')
    return this.init.sign(signingInput(DOMAIN.membership, challenge(nonce, this.components.peerId, conn.remotePeer)))
  }

  private async initiate (conn: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await conn.newStream(MEMBERSHIP_PROTOCOL, { signal })
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(MembershipMessage)
      const mine = new Uint8Array(randomBytes(NONCE))
      await pb.write({ nonce: mine, certificate: new Uint8Array(0), signature: new Uint8Array(0) }, { signal })
      const reply = await pb.read({ signal })
      const peer = this.check(reply, conn, mine)
      await pb.write({ nonce: new Uint8Array(0), certificate: this.init.certificate as Uint8Array<ArrayBuffer>, signature: this.answer(reply.nonce, conn) as Uint8Array<ArrayBuffer> }, { signal })
      await pb.read({ signal }) // the responder's acceptance
      await stream.close({ signal })
      this.accept(conn, peer)
    } catch (err: any) {
      this.refuse(conn, err?.message ?? String(err), stream)
    }
  }

  private async respond (stream: Stream, conn: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(MembershipMessage)
      const hello = await pb.read({ signal })
      const mine = new Uint8Array(randomBytes(NONCE))
      await pb.write({ nonce: mine, certificate: this.init.certificate as Uint8Array<ArrayBuffer>, signature: this.answer(hello.nonce, conn) as Uint8Array<ArrayBuffer> }, { signal })
      const proof = await pb.read({ signal })
      const peer = this.check(proof, conn, mine)
      await pb.write({ nonce: new Uint8Array(0), certificate: new Uint8Array(0), signature: new Uint8Array(0) }, { signal })
      await stream.close({ signal })
      this.accept(conn, peer)
    } catch (err: any) {
      this.refuse(conn, err?.message ?? String(err), stream)
    }
  }
}

export function membership (init: MembershipInit): (components: MembershipComponents) => Membership {
  return (components) => new MembershipService(components, init)
}

