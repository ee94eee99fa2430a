/** Real libp2p nodes on loopback sockets: membership, replication, forwarding, refusal. */
import { describe, expect, it } from 'vitest'
import { ENTRY_KIND } from '../../src/identity/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }
const texts = async (n: TestNode, key: string): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(key))) return []
  const s = await n.vault.sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('replication between real nodes', () => {
  it('two devices of one wallet replicate a session both ways, live', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    const s = await a.vault.sessions.create('agent:main:x', { goal: 'g' })
    await s.append({ role: 'user', content: 'from A before connecting' })
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => (await texts(b, 'x')).length === 1, 'B to receive A\'s message')
    const sb = await b.vault.sessions.open('x')
    await sb.append({ role: 'assistant', content: 'from B' })
    await until(() => s.messageCount() === 2, 'A to receive B\'s message live')
    await s.append({ role: 'user', content: 'from A live' })
    await until(() => sb.messageCount() === 3, 'B to receive A\'s live message')
    expect(sb.messages().map(m => m.content)).toEqual(s.messages().map(m => m.content))
    expect(a.events.some(e => e.type === 'proven' && e.label === 'B')).toBe(true)
    await s.close(); await sb.close()
  })

  it('a writer under load seals each turn\'s appends as one entry; a live peer gets every message in order, and both stores keep them', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create('busy')
    await until(async () => await b.vault.sessions.exists('busy'), 'B to learn of the session')
    const sb = await b.vault.sessions.open('busy')
    const seen: string[] = []
    sb.subscribe(e => { if (e.type === 'messages') seen.push(...e.messages.map(m => m.content)) })
    const kinds: number[] = []
    a.vault.vault.on('entry', e => { if (e.local) kinds.push(e.entry.kind) })
    const want = Array.from({ length: 300 }, (_, i) => `m${i}`)
    const inFlight: Array<Promise<unknown>> = []
    for (const content of want) {
      inFlight.push(s.append({ role: 'user', content }))
      if (inFlight.length >= 32) await inFlight.shift()
    }
    await Promise.all(inFlight)
    // Fewer entries than appends, some carrying several updates (kind 3, crdt/SPEC.md).
    expect(kinds.length).toBeLessThan(want.length / 2)
    expect(kinds).toContain(ENTRY_KIND.updates)
    await until(() => seen.length === want.length, 'B to see every message live')
    expect(seen).toEqual(want)
    await s.close(); await sb.close()
    // Reopened from each store (the replicas were released): nothing lost, same order.
    expect(await texts(a, 'busy')).toEqual(want)
    expect(await texts(b, 'busy')).toEqual(want)
  })
})

describe('peer status', () => {
  it('counts entries sent live and entries received as held by the peer: in sync after live traffic', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create('status')
    await until(async () => await b.vault.sessions.exists('status'), 'B to learn of the session')
    const sb = await b.vault.sessions.open('status')
    for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `a${i}` })
    await sb.append({ role: 'assistant', content: 'b0' })
    await until(() => s.messageCount() === 6 && sb.messageCount() === 6, 'both to hold all six')
    const behind = async (n: typeof a, peer: typeof b): Promise<Record<string, number>> =>
      (await n.node.peers({ rtt: false })).find(p => p.peerId === peer.node.libp2p.peerId.toString())?.behind ?? { missing: -1 }
    const lag = (r: Record<string, number>): number => Object.values(r).reduce((x, y) => x + y, 0)
    // Entries still in flight may count for a moment; without counting live traffic this stayed
    // at everything sent since the catch-up.
    await until(async () => lag(await behind(a, b)) === 0 && lag(await behind(b, a)) === 0, 'both to report the other in sync', 5000)
    await s.close(); await sb.close()
  })
})

describe('snapshots over the wire', () => {
  it('a newcomer receives a snapshot instead of replaying compacted entries', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const s = await a.vault.sessions.create('snap')
    for (let i = 0; i < 80; i++) await s.append({ role: 'user', content: `m${i}` })
    await s.close() // 80 uncovered entries: a snapshot is sealed on close
    expect(a.vault.vault.store.snapshots(a.vault.vault.docId('mesh/doc/session/v1/agent:main:snap')).length).toBe(1)
    const b = await node({ wallet, label: 'B' })
    // The first open after the snapshot arrived applies the state verified on arrival; later
    // opens read it from disk again (a load opens its file, see node/load.ts).
    const store = b.vault.vault.store
    const read = store.openSnapshotFile.bind(store)
    const doc = Buffer.from(b.vault.vault.docId('mesh/doc/session/v1/agent:main:snap')).toString('hex')
    let reads = 0
    store.openSnapshotFile = async (sn) => { if (Buffer.from(sn.header.doc).toString('hex') === doc) reads++; return await read(sn) }
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => b.events.some(e => e.type === 'synced' && e.snapshot && e.doc === 'agent:main:snap'), 'B to receive the snapshot')
    expect(await texts(b, 'snap')).toHaveLength(80)
    expect(reads).toBe(0)
    expect((await texts(b, 'snap')).at(-1)).toBe('m79')
    expect(reads).toBe(1)
  })
})

describe('membership and capabilities', () => {
  it('refuses a node of another wallet: neither side holds the other\'s documents', async () => {
    const a = await node({ label: 'A' })
    const stranger = await node({ label: 'stranger' })
    const sa = await a.vault.sessions.create('mine')
    await sa.append({ role: 'user', content: 'secret of A' })
    await sa.close()
    const ss = await stranger.vault.sessions.create('theirs')
    await ss.append({ role: 'user', content: 'secret of the stranger' })
    await ss.close()
    await stranger.node.dial(a.node.addresses()[0] as string).catch(() => undefined)
    await until(() => a.events.some(e => e.type === 'refused') && stranger.events.some(e => e.type === 'refused'), 'both sides to refuse')
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(a.vault.vault.store.docIds().length).toBe(2) // its own index and session only
    expect(await a.vault.sessions.exists('theirs')).toBe(false)
    expect(await stranger.vault.sessions.exists('mine')).toBe(false)
    expect(a.node.libp2p.services.membership.provenPeers()).toEqual([])
    // The side that verifies first names the wallet; the other only sees its stream aborted.
    const reasons = [...a.events, ...stranger.events].filter(e => e.type === 'refused').map(e => (e as any).reason as string)
    expect(reasons.some(r => /wallet/.test(r))).toBe(true)
  })

  it('hands off with no overlap: A writes and stops; C, started later, gets A\'s entries from B', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create('handoff', { goal: 'carry on' })
    for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `a${i}` })
    await s.close()
    await until(async () => (await texts(b, 'handoff')).length === 5, 'B to hold A\'s entries')
    await a.stop()
    const c = await node({ wallet, label: 'C' })
    await c.node.dial(b.node.addresses()[0] as string)
    await until(async () => (await texts(c, 'handoff')).length === 5, 'C to receive A\'s entries from B')
    const sc = await c.vault.sessions.open('handoff')
    expect(sc.resumeInfo().goal).toBe('carry on')
    expect(sc.messages().map(m => m.content)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
    await sc.close()
  })

  it('a chain A-B-C converges with no A-C connection, live', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    const c = await node({ wallet, label: 'C' })
    await b.node.dial(a.node.addresses()[0] as string)
    await c.node.dial(b.node.addresses()[0] as string)
    await until(() => b.node.libp2p.services.membership.provenPeers().length === 2, 'B to prove both')
    const s = await a.vault.sessions.create('chain')
    await s.append({ role: 'user', content: 'hop hop' })
    await until(async () => (await texts(c, 'chain')).length === 1, 'C to receive through B')
    const sc = await c.vault.sessions.open('chain')
    await sc.append({ role: 'assistant', content: 'back' })
    await until(() => s.messageCount() === 2, 'A to receive C\'s reply through B')
    expect(a.node.libp2p.getConnections().map(x => x.remotePeer.toString())).not.toContain(c.node.libp2p.peerId.toString())
    await s.close(); await sc.close()
  })

  it('partition: both append while apart; after reconnecting both hold everything in one order', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    await b.node.dial(a.node.addresses()[0] as string)
    const sa = await a.vault.sessions.create('split')
    await sa.append({ role: 'user', content: 'together' })
    await until(async () => (await texts(b, 'split')).length === 1, 'B to have the first message')
    const sb = await b.vault.sessions.open('split')
    // Partition: B's node goes down (its vault stays open and writable) while both write.
    await b.node.stop()
    await until(() => a.node.libp2p.getConnections().length === 0, 'the connection to close')
    for (let i = 0; i < 10; i++) {
      await sa.append({ role: 'user', content: `A${i}` })
      await sb.append({ role: 'assistant', content: `B${i}` })
    }
    expect(sa.messageCount()).toBe(11)
    expect(sb.messageCount()).toBe(11)
    // B's node comes back: it redials A from its peer book, with no discovery.
    const { MeshNode } = await import('../../src/node/mesh.js')
    const revived = await MeshNode.start(b.vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    const stopRevived = b.stop
    b.stop = async () => { await revived.stop(); await stopRevived() }
    await until(() => sa.messageCount() === 21 && sb.messageCount() === 21, 'both to hold all 21 messages')
    const order = sa.messages().map(m => m.content)
    expect(sb.messages().map(m => m.content)).toEqual(order)
    expect(order.filter(x => x.startsWith('A')).length).toBe(10)
    expect(order.filter(x => x.startsWith('B')).length).toBe(10)
    await sa.close(); await sb.close()
  })

  it('entries authored by a read-only device are refused everywhere, also when forwarded', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    const ro = await node({ wallet, label: 'RO', readOnly: true })
    await b.node.dial(a.node.addresses()[0] as string)
    await ro.node.dial(b.node.addresses()[0] as string)
    const s = await a.vault.sessions.create('guarded')
    await s.append({ role: 'user', content: 'legit' })
    await until(async () => (await texts(ro, 'guarded')).length === 1, 'the read-only device to read')
    // The read-only device cannot write through the SDK ...
    const sro = await ro.vault.sessions.open('guarded')
    await expect(sro.append({ role: 'user', content: 'nope' })).rejects.toMatchObject({ code: 'READ_ONLY' })
    await sro.close()
    // ... and an entry it forges anyway is refused by B and never reaches A.
    const { sealUpdate, SessionDoc } = await import('../../crdt/index.js')
    const Y = await import('yjs')
    const forged = new SessionDoc()
    forged.appendMessages([{ role: 'user', content: 'forged by RO' }], 'ro')
    const doc = ro.vault.vault.docId('mesh/doc/session/v1/agent:main:guarded')
    const entry = sealUpdate({ keys: ro.vault.vault.identity.keys, signer: ro.vault.vault.identity.device.signer }, doc, 1n, Y.encodeStateAsUpdate(forged.doc))
    const roSync = ro.node.libp2p.services.sync.sessionWith(b.node.libp2p.peerId.toString())
    expect(roSync).toBeDefined()
    roSync?.pushEntry(entry.bytes, { doc, item: { author: entry.author, lane: entry.lane, seq: entry.seq } })
    await until(() => b.events.some(e => e.type === 'entry-refused' && /read-only/.test(e.reason)), 'B to refuse the read-only entry')
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(s.messages().map(m => m.content)).toEqual(['legit'])
    expect(b.vault.vault.store.has(doc, ro.vault.vault.identity.device.publicKey, 1n)).toBe(false)
    await s.close()
  })
})

describe('discovery', () => {
  it('three nodes find each other only through a local DHT (mDNS off)', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A', dht: 'server' })
    const boot = [a.node.addresses()[0] as string]
    const b = await node({ wallet, label: 'B', dht: 'server', bootstrap: boot })
    const c = await node({ wallet, label: 'C', dht: 'server', bootstrap: boot })
    const cId = c.node.libp2p.peerId.toString()
    await until(() => b.node.libp2p.services.membership.isProven(cId), 'B and C to find each other through the rendezvous', 40_000)
    expect(b.events.some(e => e.type === 'found' && e.via === 'dht' && e.peerId === cId) || c.events.some(e => e.type === 'found' && e.via === 'dht')).toBe(true)
  })
})
