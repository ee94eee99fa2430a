/**
 * A snapshot transfer that breaks off resumes from the bytes already received, on real nodes
 * over TCP: A holds a big session as one snapshot (its entries compacted away), B joins fresh,
 * and the connection is cut at random points of the transfer (seeded). Every reconnection
 * continues from what B holds; B ends with every message, and the snapshot bytes A sent in all
 * stay under 1.3× the snapshot's size. Progress is counted as it arrives and announced upfront.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { toHex } from '../../src/identity/index.js'
import type { ProgressEvent } from '../../src/node/mesh.js'
import { vaultSource } from '../../src/node/source.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { prng } from '../helpers/prng.js'
import { bigSession as bigSessionOf, holdsMessages, onSnapshotByte } from '../helpers/snapshot-byte.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }

const N = 6000
const bigSession = async (a: TestNode, key: string): Promise<void> => { await bigSessionOf(a, key, N) }

describe('a snapshot transfer that breaks off', () => {
  it('resumes from what arrived after each of 5 cuts, and sends under 1.3x the snapshot in all', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    await bigSession(a, 'agent:main:big')
    const doc = a.vault.vault.docId(DOC_NAMES.session('agent:main:big' as any))
    const snaps = a.vault.vault.store.snapshots(doc)
    expect(snaps).toHaveLength(1)
    const size = Number(snaps[0]?.header.snapshotSize)
    expect(size).toBeGreaterThan(6_000_000)
    expect(a.vault.vault.store.uncoveredCount(doc)).toBe(0) // only the snapshot can bring it
    // Catch-ups go in this order: the sessions index first (a receiver can name what arrives),
    // memory and skills, then the sessions.
    const order = vaultSource(a.vault.vault).vectors().map(v => toHex(v.doc))
    expect(order[0]).toBe(toHex(a.vault.vault.docId(DOC_NAMES.sessionsIndex)))
    expect(order.at(-1)).toBe(toHex(doc))

    const b = await node({ wallet, label: 'B' })
    const progress: ProgressEvent[] = []
    b.node.on('progress', e => progress.push(e))
    const rand = prng(20261201)
    const cuts = Array.from({ length: 5 }, () => 0.1 + rand.next() * 0.8).sort((x, y) => x - y)
    const addr = a.node.addresses()[0] as string
    const whenByte = onSnapshotByte(b)
    // Each cut arms the next as it fires: B redials A at once (it remembers A), so the transfer
    // goes on without waiting for the test.
    const taken: number[] = []
    const arriving: unknown[] = []
    const pending = [...cuts]
    const arm = (): void => {
      const at = pending.shift()
      if (at === undefined) return
      whenByte(at * size, (n) => {
        taken.push(n)
        arriving.push(b.node.arriving('big'))
        void b.node.libp2p.hangUp(a.node.libp2p.peerId).catch(() => undefined) // B may be gone already: nothing to cut then
        arm()
      })
    }
    arm()
    await b.node.dial(addr)
    await until(async () => await holdsMessages(b, 'big', N), 'B to hold every message', 60_000)
    expect(taken).toHaveLength(5)
    for (const x of arriving) expect(x).toMatchObject({ from: 'A', bytesTotal: size })
    const stats = a.node.syncStats()
    expect(stats.snapshotsResumed).toBeGreaterThanOrEqual(5)
    expect(stats.snapshotsSent).toBe(1) // from byte 0 once, every other time resumed
    expect(stats.snapshotBytesSent).toBeLessThan(1.3 * size)
    expect(b.vault.vault.store.partialSnapshots()).toHaveLength(0)
    // The totals were known from the start (the sender announced them), and never went backwards.
    const mine = progress.filter(p => p.direction === 'in' && p.bytesTotal === size)
    for (let i = 1; i < mine.length; i++) expect(mine[i]?.bytesDone).toBeGreaterThanOrEqual(mine[i - 1]?.bytesDone as number)
  })

  it('resumes from another device holding the same snapshot when the first one left', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    await bigSession(a, 'agent:main:big')
    const doc = a.vault.vault.docId(DOC_NAMES.session('agent:main:big' as any))
    const size = Number(a.vault.vault.store.snapshots(doc)[0]?.header.snapshotSize)
    const holds = async (n: TestNode): Promise<boolean> => await holdsMessages(n, 'big', N)
    // C takes the whole snapshot from A first: the same signed snapshot, byte for byte.
    const c = await node({ wallet, label: 'C' })
    await c.node.dial(a.node.addresses()[0] as string)
    await until(async () => await holds(c), 'C to hold the session', 60_000)
    await c.node.libp2p.hangUp(a.node.libp2p.peerId)
    const b = await node({ wallet, label: 'B' })
    let left: Promise<void> | undefined
    onSnapshotByte(b)(size / 2, () => { left = a.stop() }) // A leaves mid-transfer
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => left !== undefined, 'half the snapshot from A', 60_000)
    await left
    await until(() => b.vault.vault.store.partialSnapshots().length === 1 && b.node.transfers().length === 0, 'what arrived to be kept', 20_000)
    await b.node.dial(c.node.addresses()[0] as string)
    await until(async () => await holds(b), 'B to hold the session', 60_000)
    expect(c.node.syncStats()).toMatchObject({ snapshotsSent: 0, snapshotsResumed: 1 })
    expect(c.node.syncStats().snapshotBytesSent).toBeLessThan(size * 0.6)
  })

  it('a catch-up of entries cut at 90% continues from 90%', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    // Kept open: no snapshot is sealed, the session travels as its entries (120 of 50 messages).
    const s = await a.vault.sessions.create('agent:main:entries')
    for (let i = 0; i < N; i += 50) await s.append(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `e ${i + j} ${'z'.repeat(900)}` })))
    const doc = toHex(a.vault.vault.docId(DOC_NAMES.session('agent:main:entries' as any)))
    const total = a.vault.vault.store.uncoveredCount(a.vault.vault.docId(DOC_NAMES.session('agent:main:entries' as any)))
    expect(total).toBe(N / 50 + 1) // and the one that created it
    const b = await node({ wallet, label: 'B' })
    // Cut as B stores the entry that makes 90% (the event comes with each stored entry).
    let stored = 0
    let cut: Promise<void> | undefined
    b.vault.vault.on('entry', e => {
      if (toHex(e.doc) === doc && ++stored === Math.ceil(0.9 * total)) cut = b.node.libp2p.hangUp(a.node.libp2p.peerId)
    })
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => cut !== undefined, 'the catch-up to pass 90%', 60_000)
    await cut
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => await holdsMessages(b, 'entries', N), 'B to hold every message', 60_000)
    // The second catch-up sent what B lacked, not the whole session again.
    expect(a.node.syncStats().catchUpEntriesSent).toBeLessThan(1.3 * total)
    await s.close()
  })

  it('reports a peer in sync only while connected with nothing lacking either way, and an offline one never', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    const s = await a.vault.sessions.create('agent:main:small')
    await s.append({ role: 'user', content: 'one' })
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => (await a.node.peers({ rtt: false })).some(p => p.label === 'B' && p.inSync), 'A to see B in sync', 30_000)
    const [seen] = await a.node.peers({ rtt: false })
    expect(seen).toMatchObject({ label: 'B', state: 'connected', inSync: true, transfers: [], lacking: {} })
    await s.close()
    // Connected a while after it was proven: "last seen" is when it left, not when it came.
    await new Promise(resolve => setTimeout(resolve, 1500))
    const leaving = Date.now()
    await b.stop()
    await until(async () => (await a.node.peers({ rtt: false })).every(p => p.state === 'offline'), 'A to see B offline', 30_000)
    const [gone] = await a.node.peers({ rtt: false })
    expect(gone).toMatchObject({ label: 'B', state: 'offline', inSync: false })
    expect(gone?.lastSeen).toBeGreaterThanOrEqual(leaving)
  })
})
