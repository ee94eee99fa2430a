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
 * The approver (`findCandidate`) runs the same kind of node, also under a throw-away PeerId (a
 * member's PeerId would tell a hostile "candidate" who is a member), finds candidates by mDNS
 * or by their inbound connection, and runs the PAKE with each until one knows the code.
 *
 * @example
 * const c = await startCandidate({ onCode: (code) => print(code.display), request: () => req, sign, onGrant })
 * const found = await findCandidate({ code: 'K7QM-2XDF' })   // on the trusted device
 * show(found.run.request, found.address); await found.run.decide({ approved: true, grant })
 */
import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { serviceCapabilities, type AbortOptions, type Connection, type MultiaddrConnection, type PeerId, type PeerInfo } from '@libp2p/interface'
import { registerCandidate, PAIR_RENDEZVOUS_PROTOCOL } from '../../protocols/pair/rendezvous.js'
import { beginPairing, PAIR_PROTOCOL, respondPairing, UNSAFE_TEXT, type Grant, type PairingRun, type Request, type ResponderEvent } from '../../protocols/pair/index.js'
import { PairingFailedError } from '../errors.js'
import { normalizeCode, PairingCode, type NewCodeReason, type ShownCode } from '../identity/pair-code.js'
import { lanOnly } from './discovery.js'
import { meshMuxer } from './muxer.js'
import { PairGuard, type Refusal, type SourceKeys, type StrikeReason } from './pair-guard.js'
import { networkOf, type RelayedCandidate } from './pair-relay.js'
import { reservationStoreOf } from './relay.js'

const log = logger('mesh:node:pair')
export const PAIR_MDNS_TAG = '_mesh-pair._udp.local'
/** mDNS queries while looking: often, the approver's owner is waiting at the keyboard. */
const QUERY_MS = 1000
/** How often the new device redials its `via` addresses until an approver answers there. */
const VIA_RETRY_MS = 2000
/** The approver gives up on a code after this many devices refused its nameplate or were busy. */
const MAX_CANDIDATES = 32
/**
 * PAKE runs one search may start with the code its owner typed (MEMBERSHIP-DESIGN §2.3: T tries
 * at most 3 candidates). Each run hands whoever answers one guess at that code, testable offline
 * against T's tag, so runs are counted apart from devices that refused the Hello (those saw only
 * the nameplate). A run that does not confirm ends the search, so more than one are started only
 * when several devices under the nameplate answer at once.
 */
export const MAX_PAKE_RUNS = 3
/**
 * The short search: a device pairing on the LAN answers mDNS within a few queries. After this long
 * with no device showing the code, the approver says so and why instead of waiting out the timeout,
 * when nothing else can come: only other codes answered (a mistyped code), or it looks by mDNS alone.
 */
export const SEARCH_MS = 10_000
/**
 * Pairing across networks, the end of a not-found's hint: the CLI's flags for a person at both
 * machines, or the same in words (the approval's `listen` and `dial`), for a front-end without them.
 */
const ACROSS_NETWORKS = {
  cli: 'run `mesh pair --via ADDR` there and approve with --listen ADDR, or approve with --dial and the address `mesh pair` prints',
  mcp: 'start its pairing through an address this device listens on, or have the approval dial the address the new machine prints'
} as const

interface PairNodeOptions { listen: string[], mdns: boolean, interval?: number, relay?: boolean, refuses?: (keys: SourceKeys) => boolean }

interface PairNode { node: Libp2p, transport: () => unknown }

async function pairNode (o: PairNodeOptions): Promise<PairNode> {
  let relayTransport: unknown
  const refuses = o.refuses
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: o.listen },
    // Circuits through a member's relay (node/pair-relay.ts): the new device holds a pairing slot
    // there, the approver dials it through it. No relay discovery, so no identify either.
    transports: o.relay === true
      ? [tcp(), (components: any) => { const t = circuitRelayTransport({ reservationCompletionTimeout: 10_000 })(components); relayTransport = t; return t }]
      : [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    // LAN addresses only: anyone on the LAN may answer, and an answer naming a public address or
    // a DNS name would have this node dial it (discovery.ts, lanOnly).
    peerDiscovery: o.mdns ? [(components: any) => lanOnly(mdns({ serviceTag: PAIR_MDNS_TAG, interval: o.interval ?? QUERY_MS })(components), () => {})] : [],
    // No ping service runs on either side: nothing to monitor with.
    connectionMonitor: { enabled: false },
    // The relay transport declares identify a dependency for its relay discovery, which a pairing
    // node never runs (it reserves on the one relay it was given); identify itself would tell
    // whoever asks this node's addresses and agent, so a stand-in only claims the capability.
    ...(o.relay === true ? { services: { noIdentify: () => ({ [serviceCapabilities]: ['@libp2p/identify'] }) } } : {}),
    connectionManager: { inboundConnectionThreshold: 20, maxIncomingPendingConnections: 64, inboundUpgradeTimeout: 5000 },
    // A sender refused for a while: its network before Noise (no handshake spent on it), its PeerId after.
    ...(refuses !== undefined
      ? {
          connectionGater: {
            denyInboundConnection: (maConn: MultiaddrConnection) => refuses({ network: networkKey(maConn.remoteAddr) }),
            denyInboundEncryptedConnection: (peer: PeerId, maConn: MultiaddrConnection) => refuses({ peer: peer.toString(), network: networkKey(maConn.remoteAddr) })
          }
        }
      : {})
  })
  return { node, transport: () => relayTransport }
}

/**
 * The network a connection comes from, as strikes are counted (an IPv4 address, an IPv6 /56);
 * none through a relay, whose address the sender's is not (there its PeerId alone is counted).
 */
function networkKey (addr: Multiaddr): string | undefined {
  const text = addr.toString()
  if (text.includes('/p2p-circuit')) return undefined
  const first = addr.getComponents()[0]
  if (first?.name !== 'ip4' && first?.name !== 'ip6') return undefined
  return networkOf(text)
}

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
  onRelay?: (e: { relay: string, registered: boolean, nameplate?: string, expires?: number, error?: string, direct?: true }) => void
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
  const strike = (conn: Connection, reason: StrikeReason): void => {
    const keys = keysOf(conn)
    struckAt = conn.remoteAddr.toString()
    if (guard.strike(keys, reason).length === 0) return
    // Refused now: whatever else it has open here ends too (a run it holds silent included).
    for (const c of node.getConnections()) if (guard.refuses(keysOf(c))) end(c)
  }
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
      onEvent: (e) => {
        if (e.type === 'approved') approved = true
        if (e.type === 'confirmed') confirmed = true
        // A bad Hello, or a run that spent the code without confirming: a strike. Not a device's
        // own state (busy, paused, expired, done), nor what follows confirmed keys.
        if (e.type === 'refused' && (e.reason === 'nameplate' || e.reason === 'version')) strike(conn, e.reason)
        if ((e.type === 'wrong-code' || e.type === 'abandoned') && !confirmed) strike(conn, e.type)
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
  const register = async (conn: Connection, nameplate: string): Promise<void> => {
    const relay = conn.remotePeer.toString()
    try {
      const { expires } = await registerCandidate(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL, { signal: AbortSignal.timeout(10_000) }), nameplate)
      relays.set(relay, conn)
      // The slot's reservation: the relay reaches this device through it when an approver dials.
      await reservationStoreOf(transport()).addRelay(conn.remotePeer, 'configured')
      o.onRelay?.({ relay, registered: true, nameplate, expires })
    } catch (err: any) {
      o.onRelay?.(err?.name === 'UnsupportedProtocolError' ? { relay, registered: false, nameplate, direct: true } : { relay, registered: false, nameplate, error: String(err?.message ?? err) })
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
        await register(conn, codes.current().nameplate).catch((err: any) => {
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

export interface FindOptions extends AbortOptions {
  code: string
  /**
   * Asks members' relays for devices registered under the code's nameplate (MeshNode.pairingCandidates);
   * `dialer` is this search's throw-away PeerId, the only one the relay then lets reach them.
   */
  relays?: (nameplate: string, dialer: PeerId, options: AbortOptions) => Promise<RelayedCandidate[]>
  /** Find candidates by mDNS. @default true */
  mdns?: boolean
  /** Also listen here for candidates started with `--via` pointing at this address. */
  listen?: string[]
  /** Dial these candidate addresses (with /p2p/) as well. */
  dial?: string[]
  /** Give up after this long. @default 60000 */
  timeoutMs?: number
  /** Called with the addresses the approver listens on, once it does. */
  onListening?: (addrs: string[]) => void
  /** The short search (SEARCH_MS) before saying no device shows the code. @default SEARCH_MS */
  searchMs?: number
  /** The clock the short search is measured by (tests inject one). @default Date.now */
  clock?: () => number
}

export interface Found {
  run: PairingRun
  /** The throw-away PeerId of the new device's pairing node. */
  peerId: string
  /** Where it was reached: the connection's remote address. */
  address: string
  via: 'mdns' | 'inbound' | 'dial' | 'relay'
  /** Through a relay: the address the relay saw the device register from (its network's public address). */
  seen?: string
  close: () => Promise<void>
}

/**
 * Finds the device showing `code` and runs the PAKE with it. Devices whose nameplate differs
 * (or busy, or paired already) are skipped at no cost to them; a device that knows another code
 * with the same nameplate burns it (a wrong guess), and this ends the search with `wrong-code`:
 * the owner reads the new code on the device. So does any run that does not confirm once this
 * side's share was sent, whatever the other end answers then, and at most MAX_PAKE_RUNS runs are
 * started: a hostile "device" gets one guess at the typed code, not one per connection. Throws
 * PairingFailedError `not-found` after the timeout.
 */
export async function findCandidate (o: FindOptions): Promise<Found> {
  const code = normalizeCode(o.code)
  const { node } = await pairNode({ listen: o.listen ?? [], mdns: o.mdns ?? true, relay: o.relays !== undefined })
  const tried = new Set<string>()
  // Relays dialed for a circuit enter the peer store, which announces them as discovered: never candidates.
  const relayPeers = new Set<string>()
  let settled = false
  let resolveFound!: (f: Found) => void
  let rejectFound!: (e: Error) => void
  const found = new Promise<Found>((resolve, reject) => { resolveFound = resolve; rejectFound = reject })
  const close = async (): Promise<void> => { await node.stop() }
  const seenAt = new Map<string, string>()
  let pakeRuns = 0
  const beforeGuess = (): void => {
    if (settled) throw new PairingFailedError('the search is over', { reason: 'limit' })
    if (pakeRuns >= MAX_PAKE_RUNS) throw new PairingFailedError(`${MAX_PAKE_RUNS} exchanges with this code are under way already`, { reason: 'limit' })
    pakeRuns++
  }
  const attempt = async (conn: Connection, via: Found['via']): Promise<void> => {
    const id = conn.remotePeer.toString()
    if (settled || tried.has(id) || relayPeers.has(id)) return
    tried.add(id)
    if (tried.size > MAX_CANDIDATES) { fail(new PairingFailedError(`no device showing ${code.slice(0, 4)}-${code.slice(4)} among ${MAX_CANDIDATES} answering`, { reason: 'not-found' })); return }
    try {
      const stream = await conn.newStream(PAIR_PROTOCOL, { signal: o.signal, runOnLimitedConnection: true })
      const run = await beginPairing(stream, { local: node.peerId, remote: conn.remotePeer }, code, { signal: o.signal, beforeGuess })
      if (settled) { run.abort(new PairingFailedError('another device answered first', { reason: 'busy' })); return }
      settled = true
      const seen = seenAt.get(id)
      resolveFound({ run, peerId: id, address: conn.remoteAddr.toString(), via, ...(seen !== undefined && seen !== '' ? { seen } : {}), close })
    } catch (err: any) {
      const reason = err?.details?.reason
      // Refused at the Hello (no PAKE ran, nothing about the code left this device): not this
      // device (another nameplate), or it is busy with someone else: keep looking.
      if (reason === 'nameplate' || reason === 'done') { log('%p: %s', conn.remotePeer, reason); others++; return }
      if (reason === 'busy') { tried.delete(id); busy++; return }
      // Runs enough under way: one of them ends the search either way.
      if (reason === 'limit') { log('%p: not tried: %s', conn.remotePeer, err?.message); return }
      // Anything after this device's share went out (wrong-code included) ends the search: the
      // code typed was spent on a guess, and is never offered to this peer or another again.
      fail(err?.code === 'PAIRING_FAILED' || err?.code === 'INVALID_INPUT' ? err : new PairingFailedError(`the device at ${conn.remoteAddr.toString()} ended the run: ${err?.message ?? err}`, { reason: 'refused' }, { cause: err }))
    }
  }
  const fail = (err: Error): void => { if (settled) return; settled = true; rejectFound(err) }
  // Devices that answered but show another code (or are paired already): a mistyped code's sign.
  let others = 0
  // Answers of BUSY: a run under way there, or new runs paused after codes burned fast.
  let busy = 0
  const clock = o.clock ?? Date.now
  const began = clock()
  const display = `${code.slice(0, 4)}-${code.slice(4)}`
  const searchMs = o.searchMs ?? SEARCH_MS
  const mdnsOnly = (o.mdns ?? true) && (o.listen ?? []).length === 0 && (o.dial ?? []).length === 0
  const search = setInterval(() => {
    // A device that answered BUSY is there: its run or its pause ends, and it is asked again.
    if (settled || clock() - began < searchMs || busy > 0) return
    if (others > 0) {
      const check = `Check the code against the device's screen (its first two characters, ${display.slice(0, 2)}, pick the device); if the device is on another network, `
      fail(new PairingFailedError(`no device here shows ${display}: ${others} device${others === 1 ? '' : 's'} pairing here show${others === 1 ? 's' : ''} another code`, { reason: 'not-found', others }, {
        hint: { sep: '. ', cli: check + ACROSS_NETWORKS.cli, mcp: check + ACROSS_NETWORKS.mcp }
      }))
    } else if (mdnsOnly) {
      const lan = 'Is it on this network (not a guest Wi-Fi or VPN), with mDNS (UDP 5353) allowed? Across networks, '
      fail(new PairingFailedError(`no device on this network shows ${display} (looked for ${Math.round(searchMs / 1000)} s by mDNS)`, { reason: 'not-found', others }, {
        hint: { sep: '. ', cli: `Is \`mesh pair\` still running on it, with this code on its screen? ${lan}${ACROSS_NETWORKS.cli}`, mcp: `Is the new machine still pairing, with this code on its screen? ${lan}${ACROSS_NETWORKS.mcp}` }
      }))
    }
  }, QUERY_MS)
  node.addEventListener('peer:discovery', (evt: CustomEvent<PeerInfo>) => {
    const p = evt.detail
    if (o.mdns === false || settled || tried.has(p.id.toString()) || relayPeers.has(p.id.toString())) return
    node.dial(p.multiaddrs.length > 0 ? p.multiaddrs : p.id as PeerId, { signal: o.signal }).then(conn => attempt(conn, 'mdns'), (err: unknown) => { log('cannot dial %p: %e', p.id, err) })
  })
  node.addEventListener('connection:open', (evt: CustomEvent<Connection>) => {
    if (evt.detail.direction === 'inbound') void attempt(evt.detail, 'inbound')
  })
  await node.start()
  o.onListening?.(node.getMultiaddrs().map(a => a.toString()))
  // Through relays: asked again every few seconds (the device may register after the search began).
  const relayTimers = new Set<ReturnType<typeof setTimeout>>()
  const asking = new Set<string>()
  const askRelays = (): void => {
    if (settled || o.relays === undefined) return
    o.relays(code.slice(0, 2), node.peerId, { signal: o.signal }).then(found => {
      for (const c of found) {
        if (settled || tried.has(c.peer) || asking.has(c.peer)) continue
        asking.add(c.peer)
        // Shown to the owner in the review: a relay's text with control characters is not shown at all.
        if (!UNSAFE_TEXT.test(c.seen)) seenAt.set(c.peer, c.seen)
        for (const a of c.addrs) relayPeers.add(a.split('/p2p-circuit')[0]?.split('/p2p/')[1] ?? '')
        node.dial(c.addrs.map(a => multiaddr(a)), { signal: o.signal }).then(conn => attempt(conn, 'relay'), (err: unknown) => { log('cannot reach %s through its relay: %e', c.peer, err) }).finally(() => { asking.delete(c.peer) })
      }
    }, (err: unknown) => { log('asking relays failed: %e', err) }).finally(() => {
      if (settled) return
      const t = setTimeout(() => { relayTimers.delete(t); askRelays() }, VIA_RETRY_MS)
      relayTimers.add(t)
    })
  }
  askRelays()
  // With only addresses to dial, nothing else can come: once each was tried, the search is over.
  const only = (o.mdns === false) && (o.listen ?? []).length === 0 && o.relays === undefined
  const dials = (o.dial ?? []).map(async a => {
    try {
      await attempt(await node.dial(multiaddr(a), { signal: o.signal }), 'dial')
    } catch (err) {
      fail(new PairingFailedError(`cannot reach ${a}: ${(err as Error)?.message}`, { reason: 'not-found' }, { cause: err }))
    }
  })
  if (only) {
    void Promise.all(dials).then(() => {
      fail(busy > 0
        ? new PairingFailedError(`the device at ${(o.dial ?? []).join(', ')} is busy: another approval is under way there, or it pauses new ones for a while after codes were burned (it says so on its screen); try again in a minute`, { reason: 'busy' })
        : new PairingFailedError(`no device at ${(o.dial ?? []).join(', ')} shows ${code.slice(0, 4)}-${code.slice(4)}`, { reason: 'not-found' }))
    })
  }
  const timer = setTimeout(() => {
    fail(new PairingFailedError(`no device showing ${code.slice(0, 4)}-${code.slice(4)} answered within ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s`, { reason: 'not-found' }, {
      hint: {
        sep: ' ',
        cli: '(is `mesh pair` running on it, on this network or with --via this device? Where mDNS does not reach it, another subnet or a network without a multicast route, pass one of the addresses `mesh pair` printed with --dial ADDR)',
        mcp: '(is the new machine still pairing, on this network or through this device? Where mDNS does not reach it, another subnet or a network without a multicast route, the approval dials one of the addresses the new machine printed)'
      }
    }))
  }, o.timeoutMs ?? 60_000)
  const onAbort = (): void => { fail(new PairingFailedError('pairing cancelled', { reason: 'aborted' })) }
  o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await found
  } catch (err) {
    await close()
    throw err
  } finally {
    clearTimeout(timer)
    for (const t of relayTimers) clearTimeout(t)
    clearInterval(search)
    o.signal?.removeEventListener('abort', onAbort)
  }
}
