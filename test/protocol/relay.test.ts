/**
 * Circuit relay v2 for members (@libp2p/circuit-relay-v2 gated by src/node/relay.ts, protocols/relay/SPEC.md) between real nodes on loopback: a member holds a
 * reservation on another member's relay, a third member dials it through the relay and they
 * replicate over the relayed connection (Noise end to end, no limits); a stranger (another
 * wallet) can neither reserve nor be connected through it. NAT is exercised in test/netns/relay-nat.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it } from 'vitest'
import { HOP_PROTOCOL } from '../../src/node/relay.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes, cleanups: stops } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }
const texts = async (n: TestNode, key: string): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(key))) return []
  const s = await n.vault.sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}
const tcpAddr = (n: TestNode): string => n.node.addresses().find(a => a.includes('/tcp/') && !a.includes('/p2p-circuit')) as string

describe('members-only circuit relay', () => {
  it('a member reserves on the relay; another member dials it through the relay and they replicate', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'M', relay: true })
    const a = await node({ wallet, label: 'A', relayVia: [tcpAddr(m)] })
    const aId = a.node.status().peerId
    await until(() => a.node.status().relayVia?.[0]?.state === 'reserved', 'A to hold a reservation on M')
    expect(m.node.status().relay?.reservations).toEqual([aId])
    const circuit = a.node.addresses().find(x => x.includes('/p2p-circuit'))
    expect(circuit).toBe(`${tcpAddr(m)}/p2p-circuit/p2p/${aId}`)

    const s = await a.vault.sessions.create('agent:main:relayed', { goal: 'g' })
    await s.append({ role: 'user', content: 'through the relay' })
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(circuit as string)
    await until(async () => (await texts(b, 'relayed')).length === 1, 'B to receive A\'s message through M')
    // The connection B holds to A is the relayed one, unlimited: mesh's protocols ran over it.
    const conns = b.node.libp2p.getConnections().filter(c => c.remotePeer.toString() === aId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns.every(c => c.remoteAddr.toString().includes('/p2p-circuit') && c.limits === undefined)).toBe(true)
    expect(m.node.status().relay?.circuits).toBe(1)
    // Live, both ways, over the circuit.
    const sb = await b.vault.sessions.open('relayed')
    await sb.append({ role: 'assistant', content: 'back through the relay' })
    await until(() => s.messageCount() === 2, 'A to receive B\'s reply through M')
    await s.close(); await sb.close()
  })

  it('a reservation that drops with its connection to the relay is taken again, and circuits reach the member again', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'M', relay: true })
    const a = await node({ wallet, label: 'A', relayVia: [tcpAddr(m)] })
    await until(() => a.node.status().relayVia?.[0]?.state === 'reserved', 'A to hold a reservation on M')
    const mPeer = peerIdFromString(m.node.status().peerId)
    const before = new Set(a.node.libp2p.getConnections(mPeer).map(c => c.id))
    await a.node.libp2p.hangUp(mPeer)
    // The package forgets the reservation with its connection and retakes none it was configured
    // with: mesh does, on a new connection.
    await until(() => a.node.libp2p.getConnections(mPeer).some(c => !before.has(c.id)) && a.node.status().relayVia?.[0]?.state === 'reserved', 'A to reserve on M again')
    // A takes stop streams only from a relay it holds a reservation on: a circuit proves it does.
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(`${tcpAddr(m)}/p2p-circuit/p2p/${a.node.status().peerId}`)
    await until(() => b.node.isOnline(a.node.status().peerId), 'B to prove A through M')
  })

  it('a stranger cannot reserve, and cannot be connected to through the relay', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'M', relay: true, membershipTimeoutMs: 1500 })
    // A stranger: a libp2p node of its own key, carrying the relay transport, asking M for a slot.
    const stranger = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [meshMuxer()],
      services: { identify: identify() }
    })
    stops.push(async () => { await stranger.stop() })
    const conn = await stranger.dial(multiaddr(tcpAddr(m)))
    // The membership gate holds the hop protocol unanswered for an unproven peer, then aborts it:
    // the stranger's request fails at negotiation or at the read, with no status frame either way.
    const answer = await (async () => {
      const hop = lpStream(await conn.newStream(HOP_PROTOCOL))
      // HopMessage{type: RESERVE}: field 1, varint 0 (circuit v2's protobuf, written out).
      await hop.write(Uint8Array.of(0x08, 0x00))
      return await hop.read({ signal: AbortSignal.timeout(10_000) })
    })().then(r => r, (err: Error) => err)
    expect(answer).toBeInstanceOf(Error)
    expect((answer as Error).name).not.toBe('TimeoutError')
    expect(m.node.status().relay?.reservations).toEqual([])
    expect(m.node.status().relay?.refused).toBeGreaterThan(0)

    // A member asking M to connect it to the stranger's id: no reservation, no circuit.
    const b = await node({ wallet, label: 'B' })
    const err = await b.node.dial(`${tcpAddr(m)}/p2p-circuit/p2p/${stranger.peerId.toString()}`).then(() => undefined, (e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect(String(err?.message)).toMatch(/NO_RESERVATION|could not connect/)
    expect(m.node.status().relay?.circuits).toBe(0)
  })
})
