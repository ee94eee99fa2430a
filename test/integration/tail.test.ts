/**
 * Catch-up from the tail (protocols/sync/SPEC.md): a node that took a snapshot of a session and
 * compacted keeps the newest entries the snapshot covers, so a sibling a little behind is sent
 * the few entries it lacks, not the whole snapshot again; a node that holds none of the session
 * still gets the snapshot.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const KEY = 'agent:main:tail' as SessionKey
const text = (i: number): string => `${i}|${'x'.repeat(1000)}`

describe('catch-up from the tail', () => {
  it('sends a sibling a little behind the entries it lacks, not the snapshot; a new sibling the snapshot', async () => {
    const wallet = generateWallet()
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const a = await startNode({ wallet, label: 'A', snapshotEvery: 450 }); nodes.push(a)
    const homeB = join(t.dir, 'b')
    let b = await startNode({ wallet, label: 'B', home: homeB }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create(KEY)
    for (let i = 0; i < 440; i++) await s.append({ role: 'user', content: text(i) })
    const doc = a.vault.vault.docId(DOC_NAMES.session(KEY))
    const holds = (n: TestNode, count: number) => async (): Promise<boolean> => {
      if (!await n.vault.sessions.exists(KEY)) return false
      const o = await n.vault.sessions.open(KEY)
      try { return o.messageCount() === count } finally { await o.close() }
    }
    await until(holds(b, 440), 'B to hold the session', 30_000)
    // B goes away; A writes on past a snapshot, and compacts.
    await b.stop()
    for (let i = 440; i < 460; i++) await s.append({ role: 'user', content: text(i) })
    const store = a.vault.vault.store
    await until(() => store.snapshots(doc).length > 0 && store.stats().entries < 300, 'A to snapshot the session and compact', 30_000)
    const snapshotBytes = Number(store.snapshots(doc)[0]?.header.snapshotSize)
    expect(snapshotBytes).toBeGreaterThan(400_000)

    // B comes back: it lacks 20 messages, which A sends from the tail it kept.
    b = await startNode({ wallet, label: 'B', home: homeB }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    await until(holds(b, 460), 'B to catch up', 30_000)
    const toB = a.node.libp2p.services.sync.sessionWith(b.node.libp2p.peerId.toString())
    expect(toB?.stats.snapshotsSent).toBe(0)
    expect(toB?.stats.snapshotBytesSent).toBe(0)
    expect(toB?.stats.bytesSent).toBeLessThan(snapshotBytes / 4)
    // A few entries share a frame with other documents' (small catch-ups do): they count all the same.
    expect(toB?.stats.catchUpEntriesSent).toBeGreaterThanOrEqual(20)
    const got = await b.vault.sessions.open(KEY)
    expect(got.messages().slice(-20).map(m => m.content)).toEqual(Array.from({ length: 20 }, (_, k) => text(440 + k)))
    await got.close()

    // A new sibling holds nothing of the session: it gets the snapshot.
    const c = await startNode({ wallet, label: 'C' }); nodes.push(c)
    await c.node.dial(a.node.addresses()[0] as string)
    await until(holds(c, 460), 'C to receive the session', 30_000)
    expect(a.node.libp2p.services.sync.sessionWith(c.node.libp2p.peerId.toString())?.stats.snapshotsSent).toBeGreaterThanOrEqual(1)
    await s.close()
  }, 120_000)
})
