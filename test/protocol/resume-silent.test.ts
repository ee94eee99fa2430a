/**
 * A snapshot transfer whose link went silent: the receiver's connection stays open (nothing says
 * it died) when the sender, which gave up on it, connects again. The receiver's new sync session
 * replaces the old one and announces what the old one had received, so the sender resumes from
 * there: the snapshot is not sent again from its start (the first transfer's file was still being
 * written, and a second transfer beside it could not resume, so it took a private file from byte 0).
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { cutProxy } from '../helpers/cut-proxy.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { bigSession, holdsMessages, onSnapshotByte } from '../helpers/snapshot-byte.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes, cleanups } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }

const N = 6000

describe('a snapshot transfer on a link that went silent', () => {
  it('resumes on the next connection from what the receiver took, while its old connection still looks open', async () => {
    const wallet = generateWallet()
    const x = await node({ wallet, label: 'X' })
    const y = await node({ wallet, label: 'Y' })
    // The sender dials and opens the sync stream (the smaller PeerId opens it, mesh.ts): the
    // receiver then meets a new session of a peer whose old one it still runs.
    const [a, b] = x.node.libp2p.peerId.toString() < y.node.libp2p.peerId.toString() ? [x, y] : [y, x]
    await bigSession(a, 'agent:main:big', N)
    const doc = a.vault.vault.docId(DOC_NAMES.session('agent:main:big' as any))
    const size = Number(a.vault.vault.store.snapshots(doc)[0]?.header.snapshotSize)
    expect(size).toBeGreaterThan(6_000_000)

    const bAddr = b.node.addresses()[0] as string
    const port = Number(bAddr.split('/')[4])
    const proxy = await cutProxy('127.0.0.1', port)
    cleanups.push(proxy.close)
    const via = `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${b.node.libp2p.peerId.toString()}`
    let frozenAt: number | undefined
    onSnapshotByte(b)(size / 2, (taken) => {
      frozenAt = taken
      proxy.freeze()
      // The sender gives up on the silent connection at once (its pings would, later); the
      // receiver is told nothing: its side of the connection stays open.
      for (const c of a.node.libp2p.getConnections(b.node.libp2p.peerId)) c.abort(new Error('the link went silent'))
    })
    await a.node.dial(via)
    await until(() => frozenAt !== undefined, 'half the snapshot to arrive', 60_000)
    expect(b.node.libp2p.getConnections(a.node.libp2p.peerId).filter(c => c.status === 'open').length).toBeGreaterThan(0)
    await a.node.dial(via)
    await until(async () => await holdsMessages(b, 'big', N), 'B to hold every message', 60_000)
    const stats = a.node.syncStats()
    expect(stats).toMatchObject({ snapshotsSent: 1, snapshotsResumed: 1 })
    expect(stats.snapshotBytesSent).toBeLessThan(1.3 * size)
    expect(b.vault.vault.store.partialSnapshots()).toHaveLength(0)
  })
})
