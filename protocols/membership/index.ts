/**
 * The membership protocol, `/mesh/membership/2.0.0`, and the gate around it. Right after a
 * connection opens, both sides prove they know the vault's membership key (an HMAC over both
 * PeerIds and fresh nonces) before either shows its certificate; then each presents its device
 * certificate, bound to the other side's challenge. Until a peer is proven, the gate (gate.ts)
 * lets no protocol but this handshake and pairing answer it or be opened to it; a peer that fails,
 * or does not prove itself within the deadline, is disconnected and learns nothing (its stream is
 * aborted, no error frame). See SPEC.md.
 *
 * @example
 * services: { membership: membership({ certificate, sign, verifyPeer, membershipKeys: () => [membershipKey(keys)] }) }
 */
import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { pbStream, type ProtobufMessageStream } from '@libp2p/utils'
import type { ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, Startable, Stream, StreamHandler, StreamHandlerOptions, TypedEventTarget } from '@libp2p/interface'
import { verify } from '../../src/identity/index.js'
import { DeviceRevokedError, NotMemberError } from '../../src/errors.js'
import { gateConnection } from './gate.js'
import { MembershipMessage } from './pb/membership.js'
import { certificateChallenge, matchTag, membershipTag, NONCE_BYTES } from './proof.js'
import { MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL } from '../ids.js'

export { MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL }
const MAX_MESSAGE = 4096
/**
 * The certificate step may instead carry a revocation (signed registry operations): read only
 * after the other side proved the key, so a stranger cannot make a node buffer this much.
 */
export const MAX_REVOCATION_MESSAGE = 4 * 1024 * 1024
/** At most this many operations in a revocation. */
export const MAX_REVOCATION_RECORDS = 1024
const EMPTY = new Uint8Array(0)
type Pb = ProtobufMessageStream<MembershipMessage, Stream>

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
  /**
   * The membership keys this node accepts, the one it proves with first (identity/membership-key.ts).
   * More than one once key epochs rotate: a device that has not heard of a rotation yet still
   * proves with the previous key.
   */
  membershipKeys: () => readonly Uint8Array[]
  /**
   * Why a PeerId must not see this node's certificate even if it knows the key (a revoked device:
   * it kept the key); undefined if none. Checked before the certificate is sent.
   */
  excluded?: (peerId: string) => string | undefined
  /**
   * The signed records that show this PeerId's device was revoked (its revoke operations and their
   * causal past), or undefined if it is not. A peer that proves the key but is revoked is sent them
   * instead of this node's certificate, so that it learns it was revoked (it can verify them without
   * any vault key, and they tell it nothing it could not know), then refused.
   */
  revocation?: (peerId: string) => readonly Uint8Array[] | undefined
  /**
   * A peer sent records instead of its certificate: this device's revocation, to verify and record
   * (the connection is refused whatever they hold).
   */
  onRevocation?: (records: Uint8Array[], from: string) => Promise<void>
  /** Protocols an unproven peer may use. @default [MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL] */
  open?: readonly string[]
  /**
   * Protocols an exempted peer (a device being paired through this node's relay) may use besides
   * the open ones, either way: the relay's hop and stop. @default []
   */
  exemptOpen?: readonly string[]
  /** @default 5000 */
  timeoutMs?: number
}

/** The part of libp2p's registrar the mesh protocols use. */
export interface ProtocolRegistrar {
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  getProtocols: () => string[]
}

export interface MembershipComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
  connectionManager: { getConnections: (peerId?: PeerId) => Connection[] }
}

/**
 * Events: 'peer:proven' (detail { peer: ProvenPeer, connection }) and 'peer:refused'
 * (detail { peerId, reason }).
 */
export interface Membership extends EventTarget {
  isProven: (peerId: PeerId | string) => boolean
  /** Resolves true once the peer is proven, false once refused, or after the membership deadline. */
  whenProven: (peerId: PeerId | string) => Promise<boolean>
  proven: (peerId: PeerId | string) => ProvenPeer | undefined
  provenPeers: () => ProvenPeer[]
  /**
   * For `ms`, connections with this PeerId skip the handshake and its deadline (a device being
   * paired, which holds no vault key); the gate still lets them use only the open protocols. When
   * the time is up or the returned function is called, its unproven connections are closed.
   */
  exempt: (peerId: PeerId | string, ms: number) => () => void
  /**
   * Takes a proven peer's proof back and closes its connections (a device revoked while connected);
   * it is refused like a stranger from then on only if `excluded` names it.
   */
  expel: (peerId: PeerId | string, reason: string) => void
}

class MembershipService extends EventTarget implements Membership, Startable {
  private readonly log: Logger
  private readonly timeoutMs: number
  private readonly open: readonly string[]
  private readonly exemptOpen: readonly string[]
  private readonly peers = new Map<string, ProvenPeer>()
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly exempted = new Map<string, () => void>()
  /**
   * Another membership protocol a connection's unproven peer proposed (another version of mesh):
   * said, here only, when it is refused for not proving itself.
   */
  private readonly foreign = new Map<string, string>()
  /** Connections already refused: a refusal is said once, whatever else then gives up on it. */
  private readonly refused = new WeakSet<Connection>()
  private started = false

  constructor (private readonly components: MembershipComponents, private readonly init: MembershipInit) {
    super()
    this.log = components.logger.forComponent('mesh:membership')
    this.timeoutMs = init.timeoutMs ?? 5000
    this.open = init.open ?? [MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL]
    this.exemptOpen = init.exemptOpen ?? []
    // Every stream held by the gate and every sync session waits on a verdict: one listener each.
    setMaxListeners(Infinity, this)
  }

  readonly [Symbol.toStringTag] = 'mesh/membership'

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(MEMBERSHIP_PROTOCOL, (stream, connection) => { void this.respond(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2 })
    this.components.events.addEventListener('connection:open', this.onOpen)
    this.components.events.addEventListener('connection:close', this.onClose)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('connection:open', this.onOpen)
    this.components.events.removeEventListener('connection:close', this.onClose)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.components.registrar.unhandle(MEMBERSHIP_PROTOCOL)
    for (const t of this.pending.values()) clearTimeout(t)
    this.pending.clear()
    for (const release of [...this.exempted.values()]) release()
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

  exempt (peerId: PeerId | string, ms: number): () => void {
    const id = peerId.toString()
    // A new exemption replaces the last one without closing anything (a device being paired
    // registers again with each new code); the last one's timer then finds itself replaced.
    const release = (): void => {
      if (this.exempted.get(id) !== release) return
      clearTimeout(t)
      this.exempted.delete(id)
      for (const conn of this.components.connectionManager.getConnections()) {
        if (conn.remotePeer.toString() === id && !this.isProven(id)) this.refuse(conn, 'exemption from membership ended')
      }
    }
    const t = setTimeout(release, ms)
    this.exempted.set(id, release)
    return release
  }

  expel (peerId: PeerId | string, reason: string): void {
    const id = peerId.toString()
    this.peers.delete(id)
    for (const conn of this.components.connectionManager.getConnections()) {
      if (conn.remotePeer.toString() === id) this.refuse(conn, reason)
    }
  }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    const peer = conn.remotePeer.toString()
    try {
      // connection:open is dispatched as the connection is made, before any stream can arrive.
      gateConnection(conn, {
        open: this.open,
        exemptOpen: this.exemptOpen,
        isProven: (p) => this.isProven(p),
        isExempt: (p) => this.exempted.has(p),
        verdict: async (p) => await this.whenProven(p),
        protocols: () => this.components.registrar.getProtocols(),
        proposed: (p) => { if (isOtherMembership(p) && !this.foreign.has(conn.id)) this.foreign.set(conn.id, p.slice(0, 64)) },
        log: this.log
      })
    } catch (err: any) {
      this.log.error('closing a connection that cannot be gated: %e', err)
      this.refuse(conn, err?.message ?? String(err))
      return
    }
    if (this.isProven(peer) || this.exempted.has(peer)) return
    // Whoever does not prove itself in time is disconnected, inbound or outbound.
    const t = setTimeout(() => {
      this.pending.delete(conn.id)
      if (this.isProven(peer) || this.exempted.has(peer)) return
      const other = this.foreign.get(conn.id)
      this.refuse(conn, other === undefined ? 'did not prove membership in time' : `did not prove membership in time: it proposed ${other}, where this mesh speaks ${MEMBERSHIP_PROTOCOL} (${OTHER_VERSION})`)
    }, this.timeoutMs)
    this.pending.set(conn.id, t)
    if (conn.direction === 'outbound') void this.initiate(conn)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.peers.delete(evt.detail.toString())
  }

  /** A connection that closed has no deadline left to miss. */
  private readonly onClose = (evt: CustomEvent<Connection>): void => { this.clearDeadline(evt.detail) }

  private clearDeadline (conn: Connection): void {
    this.foreign.delete(conn.id)
    const t = this.pending.get(conn.id)
    if (t === undefined) return
    clearTimeout(t)
    this.pending.delete(conn.id)
  }

  private refuse (conn: Connection, reason: string, stream?: Stream): void {
    this.clearDeadline(conn)
    stream?.abort(new NotMemberError('membership refused'))
    // Refused once: its deadline, or a handshake that fails as the connection closes, say no more.
    if (this.refused.has(conn)) return
    this.refused.add(conn)
    this.log('refusing %p: %s', conn.remotePeer, reason)
    void conn.close().catch((err: unknown) => { conn.abort(err as Error) })
    this.dispatchEvent(new CustomEvent('peer:refused', { detail: { peerId: conn.remotePeer.toString(), reason } }))
  }

  private accept (conn: Connection, peer: ProvenPeer): void {
    this.clearDeadline(conn)
    const first = !this.peers.has(peer.deviceId)
    this.peers.set(peer.deviceId, peer)
    if (first) this.dispatchEvent(new CustomEvent('peer:proven', { detail: { peer, connection: conn } }))
  }

  private keys (): readonly Uint8Array[] {
    const keys = this.init.membershipKeys()
    if (keys.length === 0) throw new NotMemberError('this node holds no membership key')
    return keys
  }

  /** A certificate and the signature over our challenge: the peer's proof, or a typed error. */
  private check (msg: MembershipMessage, conn: Connection, myNonce: Uint8Array): ProvenPeer {
    const peer = this.init.verifyPeer(msg.certificate, conn.remotePeer.toString())
    if (!verify(peer.deviceKey, certificateChallenge(myNonce, conn.remotePeer, this.components.peerId), msg.signature)) {
      throw new NotMemberError('challenge signature does not verify')
    }
    return peer
  }

  /** Our certificate, for a peer that proved the key and is not excluded. */
  private present (nonce: Uint8Array, conn: Connection): MembershipMessage {
    const why = this.init.excluded?.(conn.remotePeer.toString())
    if (why !== undefined) throw new NotMemberError(`not showing the certificate: ${why}`)
    return { nonce: EMPTY, tag: EMPTY, certificate: this.init.certificate as Uint8Array<ArrayBuffer>, signature: this.init.sign(certificateChallenge(nonce, this.components.peerId, conn.remotePeer)) as Uint8Array<ArrayBuffer>, revocation: [] }
  }

  /**
   * A peer that proved the key but whose device was revoked is sent the revocation instead of our
   * certificate, then refused. True if it was.
   */
  private async tell (pb: Pb, stream: Stream, conn: Connection, signal: AbortSignal): Promise<boolean> {
    const peer = conn.remotePeer.toString()
    const records = this.init.revocation?.(peer)
    if (records === undefined || records.length === 0) return false
    await pb.write({ nonce: EMPTY, tag: EMPTY, certificate: EMPTY, signature: EMPTY, revocation: within(records) as Array<Uint8Array<ArrayBuffer>> }, { signal })
    // Closed gracefully, so the records reach it before the connection closes.
    await stream.close({ signal }).catch((err: unknown) => { this.log('closing the revocation stream to %s: %e', peer, err) })
    this.refuse(conn, 'revoked: told it so')
    return true
  }

  /**
   * The other side's certificate step, which may be a revocation instead (after both proved the
   * key: a larger message is read only then). A revocation is handed to onRevocation, and the
   * connection is refused.
   */
  private async readCertificate (pb: Pb, conn: Connection, signal: AbortSignal): Promise<{ msg: MembershipMessage, pb: Pb }> {
    // The narrow reader is unwrapped (its buffered bytes handed back) and the stream read wider from here on.
    const wide = pbStream(pb.unwrap().unwrap(), { maxDataLength: MAX_REVOCATION_MESSAGE }).pb(MembershipMessage)
    const msg = await wide.read({ signal, limits: { revocation: MAX_REVOCATION_RECORDS } })
    if (msg.revocation.length === 0) {
      if (msg.certificate.byteLength + msg.signature.byteLength > MAX_MESSAGE) throw new NotMemberError('oversized certificate message')
      return { msg, pb: wide }
    }
    const from = conn.remotePeer.toString()
    // A peer this node refuses (revoked itself) is told, never heard: what it sends is not taken in.
    const why = this.init.excluded?.(from)
    if (why !== undefined) throw new NotMemberError(`not taking records from ${from}: ${why}`)
    if (this.init.onRevocation !== undefined) await this.init.onRevocation(msg.revocation, from)
    throw new DeviceRevokedError('it says this device was revoked')
  }

  private async initiate (conn: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    const me = this.components.peerId
    let stream: Stream | undefined
    try {
      stream = await conn.newStream(MEMBERSHIP_PROTOCOL, { signal }).catch((err: any) => {
        // Said in words: a peer of another version of mesh answers `na` to this version's handshake.
        if (err?.name === 'UnsupportedProtocolError') throw new NotMemberError(`it does not speak ${MEMBERSHIP_PROTOCOL} (${OTHER_VERSION})`, {}, { cause: err })
        throw err
      })
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(MembershipMessage)
      const key = this.keys()[0] as Uint8Array
      const nI = new Uint8Array(randomBytes(NONCE_BYTES))
      await pb.write({ nonce: nI, tag: membershipTag(key, 'initiator', nI, EMPTY, me, conn.remotePeer) as Uint8Array<ArrayBuffer>, certificate: EMPTY, signature: EMPTY, revocation: [] }, { signal })
      const answer = await pb.read({ signal })
      if (answer.nonce.byteLength !== NONCE_BYTES || matchTag([key], answer.tag, 'responder', nI, answer.nonce, conn.remotePeer, me) === undefined) {
        throw new NotMemberError('the peer shows no knowledge of this vault\'s membership key (another wallet\'s vault, or none)')
      }
      if (await this.tell(pb, stream, conn, signal)) return
      await pb.write(this.present(answer.nonce, conn), { signal })
      const peer = this.check((await this.readCertificate(pb, conn, signal)).msg, conn, nI)
      await stream.close({ signal })
      this.accept(conn, peer)
    } catch (err: any) {
      this.refuse(conn, err?.message ?? String(err), stream)
    }
  }

  private async respond (stream: Stream, conn: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    const me = this.components.peerId
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(MembershipMessage)
      const hello = await pb.read({ signal })
      // Nothing is written before the initiator's tag verifies: a stranger gets no byte back.
      const key = hello.nonce.byteLength === NONCE_BYTES ? matchTag(this.keys(), hello.tag, 'initiator', hello.nonce, EMPTY, conn.remotePeer, me) : undefined
      if (key === undefined) throw new NotMemberError('the peer shows no knowledge of this vault\'s membership key (another wallet\'s vault, or none)')
      const nR = new Uint8Array(randomBytes(NONCE_BYTES))
      await pb.write({ nonce: nR, tag: membershipTag(key, 'responder', hello.nonce, nR, me, conn.remotePeer) as Uint8Array<ArrayBuffer>, certificate: EMPTY, signature: EMPTY, revocation: [] }, { signal })
      // The initiator's certificate comes first: a device refused here (revoked, superseded) never sees ours.
      const got = await this.readCertificate(pb, conn, signal)
      if (await this.tell(got.pb, stream, conn, signal)) return
      const peer = this.check(got.msg, conn, nR)
      await got.pb.write(this.present(hello.nonce, conn), { signal })
      await stream.close({ signal })
      this.accept(conn, peer)
    } catch (err: any) {
      this.refuse(conn, err?.message ?? String(err), stream)
    }
  }
}

/** What a peer speaking another membership protocol (or none) most likely is, and how to check. */
const OTHER_VERSION = 'another version of mesh, or not mesh: `mesh --version` names the protocols a mesh speaks'

/** Another version's membership protocol (a mesh of another major version proposes it). */
function isOtherMembership (protocol: string): boolean {
  return protocol.startsWith('/mesh/membership/') && protocol !== MEMBERSHIP_PROTOCOL
}

/**
 * The newest records that fit the revocation message's limits: the revoke operations come last in
 * causal order and must be among them (older ancestors the receiver most likely holds already).
 */
function within (records: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let bytes = 0
  for (let i = records.length - 1; i >= 0 && out.length < MAX_REVOCATION_RECORDS; i--) {
    const r = records[i] as Uint8Array
    // Each item costs its bytes, a tag byte and a length of at most 4 bytes.
    if (bytes + r.byteLength + 5 > MAX_REVOCATION_MESSAGE) break
    bytes += r.byteLength + 5
    out.unshift(r)
  }
  return out
}

export function membership (init: MembershipInit): (components: MembershipComponents) => Membership {
  return (components) => new MembershipService(components, init)
}
