/**
 * A stranger at a member's relay (test/protocol/pair-relay.test.ts on loopback, test/netns/pair-relay-nat
 * across NATs): a hand-written libp2p node that holds no vault key and tries, in order, what the
 * relay must refuse or limit. Reports what it got, one field per try:
 *
 * - `reserveUnregistered`: a reservation without registering for pairing (must be refused)
 * - `lookup`: asking for the candidates under a nameplate, as a member would (refused)
 * - `registered`, `reservation`: registering under a nameplate, then a reservation (granted,
 *   for the slot's 10 minutes at most: `expiresInS`)
 * - `reach`: for each target PeerId, a circuit to it through the relay (refused: members and
 *   other candidates alike)
 *
 * Usage: node pair-relay-stranger.js RELAY_MULTIADDR NAMEPLATE TARGET_PEERID...
 */
import '../../src/polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { serviceCapabilities } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { lookupCandidates, PAIR_RENDEZVOUS_PROTOCOL, registerCandidate } from '../../protocols/pair/rendezvous.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { reservationStoreOf } from '../../src/node/relay.js'

export interface StrangerReport {
  reserveUnregistered: string
  lookup: string
  registered: string
  reservation: string
  /** Seconds the reservation the relay granted lasts (a pairing slot: at most 600). */
  expiresInS?: number
  peerId: string
  reach: Record<string, string>
}

async function strangerNode (): Promise<{ node: Libp2p, transport: () => unknown }> {
  let transport: unknown
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: [] },
    transports: [tcp(), (components: any) => { const t = circuitRelayTransport({ reservationCompletionTimeout: 5000 })(components); transport = t; return t }],
    connectionEncrypters: [noise()],
    streamMuxers: [meshMuxer()],
    connectionMonitor: { enabled: false },
    services: { noIdentify: () => ({ [serviceCapabilities]: ['@libp2p/identify'] }) }
  })
  return { node, transport: () => transport }
}

const outcome = async (f: () => Promise<unknown>): Promise<string> => {
  try { const v = await f(); return `ok${v === undefined ? '' : ': ' + JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? String(x) : x)}` } catch (err: any) { return `refused: ${String(err?.message ?? err).slice(0, 160)}` }
}

export async function strangerAtRelay (relay: string, nameplate: string, targets: string[]): Promise<StrangerReport> {
  const relayPeer = multiaddr(relay).getComponents().findLast(c => c.name === 'p2p')?.value as string
  const report: Partial<StrangerReport> = { reach: {} }
  // 1. A reservation on a fresh connection, with no registration.
  {
    const { node, transport } = await strangerNode()
    await node.start()
    try {
      report.reserveUnregistered = await outcome(async () => {
        await node.dial(multiaddr(relay), { signal: AbortSignal.timeout(10_000) })
        const { peerIdFromString } = await import('@libp2p/peer-id')
        await reservationStoreOf(transport()).addRelay(peerIdFromString(relayPeer), 'configured')
      })
      // 2. The member-only lookup, by a node that proved nothing.
      report.lookup = await outcome(async () => {
        const conn = await node.dial(multiaddr(relay), { signal: AbortSignal.timeout(10_000) })
        return (await lookupCandidates(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL), nameplate, node.peerId)).map(p => p.toString())
      })
    } finally { await node.stop() }
  }
  // 3. Registered as a pairing candidate: a limited slot, and nothing reachable from it.
  const { node, transport } = await strangerNode()
  await node.start()
  try {
    const conn = await node.dial(multiaddr(relay), { signal: AbortSignal.timeout(10_000) })
    report.registered = await outcome(async () => await registerCandidate(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL), nameplate))
    report.reservation = await outcome(async () => { await reservationStoreOf(transport()).addRelay(conn.remotePeer, 'configured') })
    report.peerId = node.peerId.toString()
    const held = reservationStoreOf(transport()).getReservation(conn.remotePeer)
    if (held !== undefined) report.expiresInS = Number(held.expire) - Math.floor(Date.now() / 1000)
    for (const t of targets) {
      report.reach![t] = await outcome(async () => {
        const c = await node.dial(multiaddr(`${relay}/p2p-circuit/p2p/${t}`), { signal: AbortSignal.timeout(10_000) })
        // A circuit the relay let through would be upgraded here; say which protocols answered.
        return c.remoteAddr.toString()
      })
    }
  } finally { await node.stop() }
  return report as StrangerReport
}

if (process.argv[1]?.endsWith('pair-relay-stranger.js') === true) {
  const [relay, nameplate, ...targets] = process.argv.slice(2)
  const report = await strangerAtRelay(relay as string, nameplate as string, targets)
  process.stdout.write(JSON.stringify(report) + '\n')
  process.exit(0)
}
