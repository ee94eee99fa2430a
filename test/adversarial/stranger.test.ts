/**
 * Strangers learn nothing (issue 14, section 4), tried as an outsider would: a hand-written libp2p
 * node on real sockets, with no vault key, dials a member and tries identify, ping, the DHT
 * (FIND_NODE, GET_PROVIDERS), multistream's `ls` and the membership exchange, while listening for
 * DHT messages the member might send it (ADD_PROVIDER with the rendezvous key). Then a member
 * dials a stranger. Everything the stranger receives is kept and searched for the certificate,
 * the wallet, the labels, the member's other listen address and the other member's PeerId.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL } from '../../protocols/membership/index.js'
import { MembershipMessage } from '../../protocols/membership/pb/membership.js'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'
import { concat, rendezvousFor, utf8, utcDay } from '../../src/identity/index.js'
import { DHT_PROTOCOL } from '../../src/node/mesh.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'

const nodes: TestNode[] = []
const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
  for (const n of nodes.splice(0)) await n.stop()
})

/** kad-dht's Message: field 1 type (FIND_NODE 4, GET_PROVIDERS 3), field 2 key. */
const dhtMessage = (type: number, key: Uint8Array): Uint8Array => concat([Uint8Array.of(0x08, type, 0x12, key.byteLength), key])

/** A stranger: a plain libp2p node speaking identify and ping, recording whatever reaches it. */
async function stranger (): Promise<{ x: any, received: Uint8Array[], inbound: string[] }> {
  const x = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  })
  stops.push(async () => { await x.stop() })
  const received: Uint8Array[] = []
  const inbound: string[] = []
  // It claims the mesh's protocols too, so a member that believed its identify would route to it.
  const record = (protocol: string) => async (stream: Stream): Promise<void> => {
    inbound.push(protocol)
    try { for await (const chunk of stream) received.push(chunk.subarray()) } catch { /* the member aborted it */ }
  }
  await x.handle(DHT_PROTOCOL, record(DHT_PROTOCOL))
  await x.handle(SYNC_PROTOCOL, record(SYNC_PROTOCOL))
  return { x, received, inbound }
}

/** Opens a protocol and, if that works, sends `send` and keeps every byte that comes back. */
async function probe (conn: Connection, protocol: string, received: Uint8Array[], send?: Uint8Array): Promise<'answered' | 'refused'> {
  let stream: Stream
  try {
    stream = await conn.newStream(protocol, { signal: AbortSignal.timeout(1500) })
  } catch {
    return 'refused'
  }
  try {
    if (send !== undefined) await lpStream(stream).write(send, { signal: AbortSignal.timeout(1500) })
    for await (const chunk of stream) received.push(chunk.subarray())
  } catch { /* aborted by the member */ }
  return 'answered'
}

const contains = (haystack: Uint8Array[], needle: Uint8Array): boolean => Buffer.concat(haystack).includes(Buffer.from(needle))

describe('a stranger learns nothing', () => {
  it('dialing a member: no identify, ping, DHT, ls or certificate; no ADD_PROVIDER; disconnected', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'desk-secret-label', dht: 'server', membershipTimeoutMs: 4000, listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] }); nodes.push(a)
    const b = await startNode({ wallet, label: 'laptop-secret-label', dht: 'server' }); nodes.push(b)
    const [dialed, other] = a.node.addresses() as [string, string]
    expect(other).toBeDefined()
    await b.node.dial(dialed)
    const dht = a.node.libp2p.services.dht
    await until(() => dht.routingTable.size >= 1, 'B in A\'s DHT routing table')

    const { x, received, inbound } = await stranger()
    const conn = await x.dial(multiaddr(dialed))
    const aId = a.node.libp2p.peerId
    const rendezvous = CID.createV1(raw.code, await sha256.digest(rendezvousFor(a.vault.vault.identity.keys, utcDay())))

    // Everything an outsider would try, at once, while the connection is up.
    const tries = await Promise.all([
      probe(conn, '/ipfs/id/1.0.0', received),
      probe(conn, '/ipfs/ping/1.0.0', received, randomBytes(32)),
      probe(conn, DHT_PROTOCOL, received, dhtMessage(4, aId.toMultihash().bytes)),
      probe(conn, DHT_PROTOCOL, received, dhtMessage(3, rendezvous.multihash.bytes)),
      probe(conn, SYNC_PROTOCOL, received),
      probe(conn, '/mesh/membership/1.0.0', received),
      probe(conn, 'ls', received),
      x.services.identify.identify(conn, { signal: AbortSignal.timeout(1500) }).then(() => 'answered', () => 'refused'),
      x.services.ping.ping(aId, { signal: AbortSignal.timeout(1500) }).then(() => 'answered', () => 'refused'),
      // The member provides the rendezvous meanwhile: B must get it, the stranger must not.
      a.node.libp2p.contentRouting.provide(rendezvous, { signal: AbortSignal.timeout(5000) }).then(() => 'provided', (err: Error) => `provide failed: ${err.message}`)
    ])
    expect(tries).toEqual([...Array(9).fill('refused'), 'provided'])
    expect(x.getConnections(aId).length).toBe(1) // still connected: all of that was refused, not cut short

    // The membership exchange, as a stranger can only play it: a guessed tag.
    const ms = await conn.newStream(MEMBERSHIP_PROTOCOL, { signal: AbortSignal.timeout(2000) })
    const pb = lpStream(ms)
    await pb.write(MembershipMessage.encode({ nonce: new Uint8Array(randomBytes(32)), tag: new Uint8Array(randomBytes(32)), certificate: new Uint8Array(0), signature: new Uint8Array(0) }))
    try { for await (const chunk of ms) received.push(chunk.subarray()) } catch { /* aborted */ }
    await until(() => x.getConnections(aId).length === 0, 'the stranger to be disconnected')
    expect(a.events.some(e => e.type === 'refused' && e.peerId === x.peerId.toString())).toBe(true)

    // What it holds now: no byte of the certificate, wallet, labels, other address or B.
    const id = a.vault.vault.identity
    const secrets: Array<[string, Uint8Array]> = [
      ['certificate', id.certificate.bytes], ['wallet key', id.walletKey], ['wallet address', utf8(id.wallet)],
      ['A\'s label', utf8('desk-secret-label')], ['B\'s label', utf8('laptop-secret-label')],
      ['B\'s PeerId', b.node.libp2p.peerId.toMultihash().bytes], ['B\'s PeerId text', utf8(b.node.libp2p.peerId.toString())],
      ['A\'s other address', utf8(other.split('/')[4] as string)], ['agent version', utf8('js-libp2p')]
    ]
    expect(received.length).toBe(0)
    for (const [what, bytes] of secrets) expect(contains(received, bytes), what).toBe(false)
    expect(inbound).toEqual([]) // no DHT message (ADD_PROVIDER or any), no sync, ever sent to it
    const known = await x.peerStore.get(aId)
    expect(known.addresses.map((a: any) => a.multiaddr.toString()).every((s: string) => dialed.startsWith(s))).toBe(true)
    expect(known.protocols.filter((p: string) => p !== MEMBERSHIP_PROTOCOL)).toEqual([])
    expect([...known.metadata.keys()].filter(k => /agent|protocolversion/i.test(k))).toEqual([])
    expect(await x.peerStore.has(b.node.libp2p.peerId)).toBe(false)
    // And the member kept nothing of it: not proven, not in its routing table.
    expect(a.node.libp2p.services.membership.isProven(x.peerId)).toBe(false)
    expect(await dht.routingTable.find(x.peerId)).toBeUndefined()
    // B did get the provider record: the DHT works between members.
    const found = []
    for await (const p of b.node.libp2p.contentRouting.findProviders(rendezvous, { signal: AbortSignal.timeout(5000) })) found.push(p.id.toString())
    expect(found).toContain(aId.toString())
  })

  it('dialed by a member: the member sends a tag and nothing else, opens nothing, and hangs up', async () => {
    const a = await startNode({ label: 'desk-secret-label', dht: 'server' }); nodes.push(a)
    const { x, received, inbound } = await stranger()
    // The stranger plays the responder with the one message it could send: a guessed tag.
    const hellos: Uint8Array[] = []
    await x.handle(MEMBERSHIP_PROTOCOL, async (stream: Stream) => {
      inbound.push(MEMBERSHIP_PROTOCOL)
      const lp = lpStream(stream)
      try {
        hellos.push((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray())
        await lp.write(MembershipMessage.encode({ nonce: new Uint8Array(randomBytes(32)), tag: new Uint8Array(randomBytes(32)), certificate: new Uint8Array(0), signature: new Uint8Array(0) }))
        for await (const chunk of stream) received.push(chunk.subarray())
      } catch { /* aborted by the member */ }
    })
    await a.node.dial(x.getMultiaddrs()[0]?.toString() as string).catch(() => undefined)
    await until(() => a.events.some(e => e.type === 'refused' && e.peerId === x.peerId.toString()), 'the member to refuse the stranger')
    await until(() => x.getConnections().length === 0, 'the member to hang up')
    expect(inbound).toEqual([MEMBERSHIP_PROTOCOL])
    expect(hellos).toHaveLength(1)
    const hello = MembershipMessage.decode(hellos[0] as Uint8Array)
    expect({ nonce: hello.nonce.byteLength, tag: hello.tag.byteLength, certificate: hello.certificate.byteLength, signature: hello.signature.byteLength }).toEqual({ nonce: 32, tag: 32, certificate: 0, signature: 0 })
    const id = a.vault.vault.identity
    for (const [what, bytes] of [['certificate', id.certificate.bytes], ['wallet key', id.walletKey], ['label', utf8('desk-secret-label')]] as const) {
      expect(contains([...hellos, ...received], bytes), what).toBe(false)
    }
    const known = await x.peerStore.get(a.node.libp2p.peerId)
    expect(known.protocols.filter((p: string) => p !== MEMBERSHIP_PROTOCOL)).toEqual([])
    expect([...known.metadata.keys()].filter(k => /agent|protocolversion/i.test(k))).toEqual([])
  })

  it('a device being paired (exempted by the member) gets /mesh/pair/1.0.0 and nothing else, until the exemption ends', async () => {
    const a = await startNode({ label: 'desk-secret-label', dht: 'server', membershipTimeoutMs: 800 }); nodes.push(a)
    const { x: n, received } = await stranger()
    // The new device runs pairing only (protocols/pair): here, an echo.
    await n.handle(PAIR_PROTOCOL, async (stream: Stream) => {
      const lp = lpStream(stream)
      await lp.write((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray())
      await stream.close()
    })
    const m = a.node.libp2p.services.membership
    const release = m.exempt(n.peerId, 60_000)
    const stream = await a.node.libp2p.dialProtocol(n.getMultiaddrs()[0], PAIR_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const lp = lpStream(stream)
    await lp.write(utf8('code?'))
    expect(Buffer.from((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray()).toString()).toBe('code?')
    const conn = n.getConnections(a.node.libp2p.peerId)[0] as Connection
    // Past the membership deadline the pairing connection is still up, and still gated.
    await new Promise(resolve => setTimeout(resolve, 1600))
    expect(conn.status).toBe('open')
    expect(a.events.some(e => e.type === 'refused')).toBe(false)
    const tries = await Promise.all([
      probe(conn, '/ipfs/id/1.0.0', received),
      probe(conn, DHT_PROTOCOL, received, dhtMessage(4, a.node.libp2p.peerId.toMultihash().bytes)),
      probe(conn, PAIR_PROTOCOL, received) // the member does not serve pairing: the new device does
    ])
    expect(tries).toEqual(['refused', 'refused', 'refused'])
    expect(received.length).toBe(0)
    // The member opens nothing but pairing to it either; libp2p's connection monitor reads this
    // error as "no ping here" and keeps the connection, where any other would abort it.
    await expect(a.node.libp2p.services.ping.ping(n.peerId, { signal: AbortSignal.timeout(3000) })).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
    expect(m.isProven(n.peerId)).toBe(false)
    release()
    await until(() => n.getConnections().length === 0, 'the member to hang up once the exemption ends')
  })

  it('an excluded device (revoked) is cut off at once and, whoever dials, refused before the member shows its certificate', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const aId = a.node.libp2p.peerId
    const bId = b.node.libp2p.peerId
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => a.node.isOnline(bId.toString()) && b.node.isOnline(aId.toString()), 'A and B proven')
    a.node.exclude(bId.toString(), 'revoked')
    expect(a.node.isOnline(bId.toString())).toBe(false)
    await until(() => b.node.libp2p.getConnections(aId).length === 0, 'B cut off')
    const refusals = (): string[] => a.events.filter(e => e.type === 'refused' && e.peerId === bId.toString()).map(e => (e as { reason: string }).reason)
    const before = refusals().length
    // B redials A (it remembers A); then A dials B: refused both ways at the certificate step.
    await b.node.dial(a.node.addresses()[0] as string).catch(() => undefined)
    await until(() => refusals().length > before, 'A to refuse B\'s redial')
    await until(() => a.node.libp2p.getConnections(bId).length === 0, 'B\'s redial closed')
    await a.node.dial(b.node.addresses()[0] as string).catch(() => undefined)
    await until(() => refusals().length > before + 1, 'A to refuse to go on with B')
    // The reason is the one given just before the certificate would be written (protocols/membership).
    expect(refusals().slice(before).every(r => /not showing the certificate: revoked/.test(r))).toBe(true)
    expect(a.node.isOnline(bId.toString())).toBe(false)
    expect(b.node.isOnline(aId.toString())).toBe(false)
  })
})

