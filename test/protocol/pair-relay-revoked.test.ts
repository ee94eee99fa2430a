/**
 * A revoked device at a member's relay (src/node/pair-relay.ts, the lookup is for members only)
 * between real nodes on loopback: a laptop enrolled by the desktop finds a device waiting at the
 * relay under its nameplate while it is a member; once revoked, it gets nothing there, neither
 * through its own node nor asking the relay straight from a bare libp2p node under its device key
 * (what a stolen laptop with patched code would try: the relay's lookup answers not-member),
 * while the desktop still finds the device.
 */
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2p } from 'libp2p'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { lookupCandidates, PAIR_RENDEZVOUS_PROTOCOL } from '../../protocols/pair/rendezvous.js'
import { deviceKem, generateDeviceKey } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { startCandidate } from '../../src/node/pair.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); cleanups.push(n.stop); return n }
const tcpAddr = (n: TestNode): string => n.node.addresses().find(a => a.includes('/tcp/') && !a.includes('/p2p-circuit')) as string
/** The throw-away PeerId an approver's pairing node would dial candidates from. */
const dialer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('a revoked device at a member\'s relay', () => {
  it('finds a pairing candidate while a member, and nothing once revoked, even asking the relay straight', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'relay', relay: true })
    const a = await node({ wallet, label: 'desktop', relayVia: [tcpAddr(m)] })
    await until(() => a.node.isOnline(m.node.status().peerId), 'the desktop to prove the relay')

    // The laptop: enrolled by the desktop (no wallet on it), connected to the relay.
    const t = await tempDir(); cleanups.push(t.cleanup)
    const hb = join(t.dir, 'laptop')
    const bKey = await generateDeviceKey()
    const v = a.vault.vault
    const { certificate } = await v.enrolDevice({ deviceKey: bKey.publicKey, kemKey: deviceKem(bKey.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: 'laptop' })
    await writeEnrolledHome(hb, { wallet: v.identity.wallet, device: bKey, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
    const b = await node({ wallet, home: hb, label: 'laptop' })
    await b.node.dial(tcpAddr(m))
    await until(() => b.node.isOnline(m.node.status().peerId) && m.node.isOnline(b.node.status().peerId), 'the laptop and the relay to prove each other')

    // A new device waits at the relay under nameplate K7.
    const device = await generateDeviceKey()
    const registered: any[] = []
    const c = await startCandidate({
      listen: [],
      mdns: false,
      via: [tcpAddr(m)],
      codes: ['K7QM2XDF'],
      onCode: () => {},
      onRelay: (e) => { registered.push(e) },
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'new', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (msg) => device.signer.sign(msg),
      onGrant: async () => {}
    })
    cleanups.push(c.stop)
    await until(() => registered.some(e => e.registered === true), 'the device to register at the relay')

    // While a member, the laptop's ask finds it: the setup can answer.
    let before: string[] = []
    await until(async () => { before = (await b.node.pairingCandidates('K7', await dialer())).map(x => x.peer); return before.length > 0 }, 'the laptop to find the candidate while a member')
    expect(before).toEqual([c.peerId])

    await v.revoke([bKey.publicKey], { reason: 'stolen' })
    await until(() => m.vault.vault.certs.isRevoked(bKey.publicKey), 'the relay to learn the revocation')
    await until(() => b.node.libp2p.getConnections().length === 0, 'the relay and the desktop to cut the laptop off')
    // The relay cut it off because it is revoked (not merely lost), and keeps refusing it at membership.
    expect(m.events.some(e => e.type === 'refused' && e.peerId === b.node.status().peerId && /revoked/.test(e.reason))).toBe(true)

    // Its own node: no proven relay to ask any more.
    expect(await b.node.pairingCandidates('K7', await dialer())).toEqual([])
    // Straight to the relay under its device key, past its own node's gate (a bare libp2p node,
    // as a stolen laptop with patched code would run): the relay's lookup refuses it.
    const laptopKey = b.vault.vault.identity.device.privateKey
    const laptopId = b.node.status().peerId
    await b.stop()
    const bare = await createLibp2p({ privateKey: laptopKey, addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()], connectionMonitor: { enabled: false } })
    cleanups.push(async () => { await bare.stop() })
    expect(bare.peerId.toString()).toBe(laptopId)
    const asked = await (async () => {
      try {
        const conn = await bare.dial(multiaddr(tcpAddr(m)), { signal: AbortSignal.timeout(10_000) })
        return (await lookupCandidates(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL), 'K7', await dialer(), { signal: AbortSignal.timeout(20_000) })).map(p => p.toString())
      } catch (err: any) { return `refused: ${String(err?.message ?? err)}` }
    })()
    expect(asked).toBe('refused: the relay refused: not-member')
    expect(m.node.isOnline(laptopId)).toBe(false)

    // The device is still there for a member: the desktop finds it.
    let found: string[] = []
    await until(async () => { found = (await a.node.pairingCandidates('K7', await dialer())).map(x => x.peer); return found.length > 0 }, 'the desktop to find the candidate')
    expect(found).toEqual([c.peerId])
  }, 60_000)
})
