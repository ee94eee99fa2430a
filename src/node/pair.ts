/**
 * Pairing by code over libp2p (protocols/pair/SPEC.md): the two short-lived nodes that meet.
 *
 * The new device (`startCandidate`) runs a node of its own under a fresh, throw-away PeerId: TCP,
 * Noise, yamux and the one handler `/mesh/pair/1.0.0`; no identify, ping, membership or DHT, so
 * before keys are confirmed it tells whoever connects nothing but a random point. It announces
 * itself by mDNS under `_mesh-pair._udp.local`, a tag of its own (the members' node dials every
 * peer found under `_mesh-agent._udp.local` and would refuse it), and with `via` it also dials
 * the given addresses, so an approver that listens there (`findCandidate({ listen })`) reaches
 * it across networks. The device key it keeps is made here too, but travels only sealed.
 *
 * Anyone who reaches the new device's node may send it a Hello, so it listens to each sender
 * sparingly: one Hello per connection (the connection is closed once its run ends, and a second
 * Hello on it closes it at once), and a peer or network whose Hellos or runs went bad a few times
 * is refused for a while (node/pair-guard.ts); codes burned fast pause new runs (PairingCode).
 * Both are told (`onProbe`): someone is probing, rather than new codes shown without a word.
 *
 * The approver's side, which finds this node and runs the PAKE with it, is node/pair-find.ts.
 *
 * @example
 * const c = await startCandidate({ onCode: (code) => print(code.display), request: () => req, sign, onGrant })
 */
import { logger } from '@libp2p/logger'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import { registerCandidate, PAIR_RENDEZVOUS_PROTOCOL } from '../../protocols/pair/rendezvous.js'
import { PAIR_PROTOCOL, respondPairing, type Grant, type Request, type ResponderEvent } from '../../protocols/pair/index.js'
import { PairingFailedError } from '../errors.js'
import { PairingCode, type NewCodeReason, type ShownCode } from '../identity/pair-code.js'
import { PairGuard, type Refusal, type SourceKeys, type StrikeReason } from './pair-guard.js'
import { networkKey, pairNode, VIA_RETRY_MS, type PairNode } from './pair-node.js'
import { reservationStoreOf } from './relay.js'

const log = logger('mesh:node:pair')

/** Someone is probing the device: a sender refused for a while, or new runs paused after codes burned fast. */
export type ProbeEvent =
  /** A peer or network refused until `until` after `strikes` bad Hellos or burned runs (the last one's `reason`); `address` is where the last came from. */
  | { type: 'refused', source: string, kind: Refusal['kind'], strikes: number, reason: StrikeReason, until: number, address: string }
  /** `burned` codes within a minute: new runs wait until `until`, the code shown stands. */
  | { type: 'paused', burned: number, until: number }

export interface CandidateOptions {
  /** Listen addresses. @default ['/ip4/0.0.0.0/tcp/0'] */
  listen?: string[]
  /** Announce by mDNS. @default true */
  mdns?: boolean
  /**
   * Addresses dialed until one answers: a member's relay (this device then registers there under
   * its code's nameplate and holds a pairing slot, so an approver on another network reaches it by
   * circuit), or an approver listening for it (`mesh devices approve --listen`).
   */
  via?: string[]
  /**
   * Told when a relay took or refused this device's registration; `direct`: the `via` address is
   * no relay but an approver listening there (`approve --listen`), which opens the run itself.
   */
  /**
   * `notRelay`: the peer at `addr` left the rendezvous request unanswered and hung up, as a mesh
   * node that does not run `mesh join --relay` does with a device it does not know (its gate holds
   * what it does not serve to strangers until the membership deadline): told once per address.
   */
  onRelay?: (e: { relay: string, registered: boolean, nameplate?: string, expires?: number, error?: string, direct?: true, notRelay?: true, addr?: string }) => void
  /** Told once per `via` address that a dial failed (it is dialed again every VIA_RETRY_MS meanwhile). */
  onUnreachable?: (e: { addr: string, error: string, retryMs: number }) => void
  /** The code's clock (tests inject one). */
  clock?: () => number
  /** Tests only: the codes to show, in order. */
  codes?: string[]
  onCode: (code: ShownCode, reason: NewCodeReason) => void
  onEvent?: (e: ResponderEvent) => void
  /** Told when someone is probing: a sender refused for a while, new runs paused. */
  onProbe?: (e: ProbeEvent) => void
  request: () => Omit<Request, 'proof'>
  sign: (message: Uint8Array) => Uint8Array
  /** Verifies and stores the grant; throwing refuses it. */
  onGrant: (grant: Grant, from: string) => Promise<void>
}

export interface Candidate {
  readonly codes: PairingCode
  readonly peerId: string
  addresses: () => string[]
  /**
   * Resolves once a grant was taken; rejects when an approved grant could not be taken (it did
   * not decode, or onGrant threw: the home could not be written). The approver has enrolled the
   * device by then, so a new code would not help: the run is over.
   */
  readonly paired: Promise<{ from: string }>
  stop: () => Promise<void>
}

export async function startCandidate (o: CandidateOptions): Promise<Candidate> {
  // Relays this device registered with: each new code registers again under its nameplate.
  const relays = new Map<string, Connection>()
  let reRegister: (nameplate: string) => void = () => {}
  const codes = new PairingCode({
    clock: o.clock,
    codes: o.codes,
    onNew: (code, reason) => { o.onCode(code, reason); reRegister(code.nameplate) },
    onPause: (e) => { o.onProbe?.({ type: 'paused', burned: e.burned, until: e.until }) }
  })
  // Where the last strike came from, for the refusal's event.
  let struckAt = ''
  const guard = new PairGuard({ clock: o.clock, onRefuse: (r) => { o.onProbe?.({ type: 'refused', ...r, address: struckAt }) } })
  // Parsed before the node starts: a malformed address throws here, not from the first dial
  // with the node left running.
  let via: Multiaddr[]
  let made: PairNode
  try {
    via = (o.via ?? []).map(a => multiaddr(a))
    made = await pairNode({ listen: o.listen ?? ['/ip4/0.0.0.0/tcp/0'], mdns: o.mdns ?? true, relay: via.length > 0, refuses: (keys) => guard.refuses(keys) })
  } catch (err) {
    // The code's renewal timer started with it: nothing of a candidate that never started runs on.
    codes.stop()
    throw err
  }
  const { node, transport } = made
  let resolvePaired!: (v: { from: string }) => void
  let rejectPaired!: (err: unknown) => void
  const paired = new Promise<{ from: string }>((resolve, reject) => { resolvePaired = resolve; rejectPaired = reject })
  // Marked handled here on purpose: its caller reads the rejection from `paired` itself (mesh pair
  // does), and a caller that stopped the candidate without awaiting it would otherwise turn a
  // refused grant into an unhandled rejection that ends the process.
  paired.catch(() => {})
  let done = false
  // Connections that carried a Hello: one each.
  const helloed = new WeakSet<Connection>()
  const keysOf = (conn: Connection): SourceKeys => ({ peer: conn.remotePeer.toString(), network: networkKey(conn.remoteAddr) })
  const end = (conn: Connection): void => {
    conn.close({ signal: AbortSignal.timeout(5000) }).catch((err: Error) => { conn.abort(err) })
  }
  // `running`: struck from within its run, which still answers (the 4th wrong code is told
  // `Reject{PAKE}`, not a connection cut mid-read) and ends the connection itself when it is over.
  const strike = (conn: Connection, reason: StrikeReason, running = false): void => {
    const keys = keysOf(conn)
    struckAt = conn.remoteAddr.toString()
    if (guard.strike(keys, reason).length === 0) return
    // Refused now: whatever else it has open here ends too (a run it holds silent included).
    for (const c of node.getConnections()) if (guard.refuses(keysOf(c)) && !(running && c === conn)) end(c)
  }
  const clock = o.clock ?? Date.now
  await node.handle(PAIR_PROTOCOL, (stream, conn) => {
    if (done) { stream.abort(new PairingFailedError('paired already', { reason: 'done' })); return }
    // This run's owner said yes: from then on its failure (a grant that does not decode or is
    // refused, a home that cannot be written) is the pairing's, told through `paired`.
    let approved = false
    // This stream carried a Hello (then the connection ends with its run); keys were confirmed.
    let hello = false
    let confirmed = false
    respondPairing(stream, { local: node.peerId, remote: conn.remotePeer }, {
      codes,
      request: o.request,
      sign: o.sign,
      onGrant: o.onGrant,
      admit: () => {
        hello = true
        if (helloed.has(conn)) { strike(conn, 'second-hello'); return false }
        helloed.add(conn)
        return !guard.refuses(keysOf(conn))
      },
      // Said with BUSY: when this sender's Hello is taken again, as the device's own screen says it.
      retryMs: (why) => (why === 'paused' ? codes.pausedTill() : guard.refusedUntil(keysOf(conn))) - clock(),
      onEvent: (e) => {
        if (e.type === 'approved') approved = true
        if (e.type === 'confirmed') confirmed = true
        // A bad Hello, or a run that spent the code without confirming: a strike. Not a device's
        // own state (busy, paused, expired, done), nor what follows confirmed keys.
        if (e.type === 'refused' && (e.reason === 'nameplate' || e.reason === 'version')) strike(conn, e.reason, true)
        if ((e.type === 'wrong-code' || e.type === 'abandoned') && !confirmed) strike(conn, e.type, true)
        o.onEvent?.(e)
      }
    }).then(ok => {
      if (ok) { done = true; resolvePaired({ from: conn.remotePeer.toString() }) }
      if (hello) end(conn)
    }, (err: unknown) => {
      log('pairing run with %p ended: %e', conn.remotePeer, err)
      stream.abort(err as Error)
      if (approved) { done = true; rejectPaired(err) }
      // No Hello came (another message, one too long, or none in time): a strike, and the
      // connection may try once more; after a Hello, it ends with its run.
      if (!hello) strike(conn, 'invalid')
      else end(conn)
    })
  // A circuit through a relay is limited (bytes, time): pairing is made to fit in one.
  }, { maxInboundStreams: 2, maxOutboundStreams: 0, runOnLimitedConnection: true })
  try {
    await node.start()
  } catch (err) {
    codes.stop()
    await node.stop()
    throw err
  }
  const toldNotRelay = new Set<string>()
  const register = async (conn: Connection, nameplate: string, addr = conn.remoteAddr.toString()): Promise<void> => {
    const relay = conn.remotePeer.toString()
    try {
      const { expires } = await registerCandidate(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL, { signal: AbortSignal.timeout(10_000) }), nameplate)
      relays.set(relay, conn)
      // The slot's reservation: the relay reaches this device through it when an approver dials.
      await reservationStoreOf(transport()).addRelay(conn.remotePeer, 'configured')
      o.onRelay?.({ relay, registered: true, nameplate, expires })
    } catch (err: any) {
      if (unanswered(err)) {
        if (!toldNotRelay.has(addr)) o.onRelay?.({ relay, registered: false, nameplate, notRelay: true, addr })
        toldNotRelay.add(addr)
      } else {
        o.onRelay?.(err?.name === 'UnsupportedProtocolError' ? { relay, registered: false, nameplate, direct: true } : { relay, registered: false, nameplate, error: String(err?.message ?? err) })
      }
      throw err
    }
  }
  reRegister = (nameplate) => {
    for (const [id, conn] of relays) {
      if (conn.status !== 'open') { relays.delete(id); continue }
      register(conn, nameplate).catch((err: unknown) => { log('registering again with %s failed: %e', id, err) })
    }
  }
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let stopped = false
  const toldUnreachable = new Set<string>()
  const dialVia = (addr: Multiaddr): void => {
    if (stopped || done) return
    node.dial(addr).then(async conn => {
      log('reached %s: waiting for the approver', addr)
      // A relay answers the rendezvous; an approver listening for us does not, and opens the pairing stream itself.
      if (!done) {
        await register(conn, codes.current().nameplate, addr.toString()).catch((err: any) => {
          if (err?.name === 'UnsupportedProtocolError') { log('%s is no relay: waiting for the approver to open the run', addr); return }
          log('registering with %s failed: %e', addr, err)
        })
      }
      // Dial again once this connection ends without a grant (the approver may try again).
      conn.addEventListener('close', () => { if (!stopped && !done) later(addr) }, { once: true })
    }, (err: unknown) => {
      log('cannot reach %s yet: %e', addr, err)
      // Said once per address, not at every retry: without it a --via that never answers (a
      // mistyped port, a relay down) left `mesh pair` waiting with nothing said.
      const text = addr.toString()
      if (!toldUnreachable.has(text)) {
        toldUnreachable.add(text)
        o.onUnreachable?.({ addr: text, error: String((err as Error)?.message ?? err), retryMs: VIA_RETRY_MS })
      }
      later(addr)
    })
  }
  const later = (addr: Multiaddr): void => {
    const t = setTimeout(() => { timers.delete(t); dialVia(addr) }, VIA_RETRY_MS)
    timers.add(t)
  }
  for (const a of via) dialVia(a)
  return {
    codes,
    peerId: node.peerId.toString(),
    addresses: () => node.getMultiaddrs().map(a => a.toString()),
    paired,
    stop: async () => {
      stopped = true
      codes.stop()
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await node.stop()
    }
  }
}

/**
 * A rendezvous request the peer never answered, not one byte, before it ended the stream: a
 * relay answers every request (a slot, or a refusal saying why), and a node without the
 * rendezvous answers `na` (UnsupportedProtocolError); a mesh node that is no relay holds it
 * unanswered (its gate) and hangs up at its membership deadline.
 */
function unanswered (err: any): boolean {
  return err?.name === 'UnexpectedEOFError' || err?.name === 'StreamResetError'
}
