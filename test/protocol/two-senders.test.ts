/**
 * A fresh node that meets two siblings at once, both holding the same big session as one
 * snapshot: it takes the snapshot once. The second sibling's transfer of it, begun while the
 * first one's is being received, is skipped at its start (the receiver tells the sender to stop),
 * not sent whole beside it.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { bigSession, holdsMessages } from '../helpers/snapshot-byte.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }

const N = 6000

const holds = async (n: TestNode): Promise<boolean> => await holdsMessages(n, 'big', N)

describe('a fresh node meeting two siblings that hold the same snapshot', () => {
  it('takes it once', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    await bigSession(a, 'agent:main:big', N)
    const doc = a.vault.vault.docId(DOC_NAMES.session('agent:main:big' as any))
    const size = Number(a.vault.vault.store.snapshots(doc)[0]?.header.snapshotSize)
    const c = await node({ wallet, label: 'C' })
    await c.node.dial(a.node.addresses()[0] as string)
    await until(async () => await holds(c), 'C to hold the session', 60_000)
    const before = { a: a.node.syncStats().snapshotBytesSent, c: c.node.syncStats().snapshotBytesSent }
    const b = await node({ wallet, label: 'B' })
    await Promise.all([b.node.dial(a.node.addresses()[0] as string), b.node.dial(c.node.addresses()[0] as string)])
    await until(async () => await holds(b), 'B to hold the session', 60_000)
    await until(() => b.node.transfers().length === 0, 'the transfers to end', 20_000)
    // Both began it (each from byte 0): one went whole, the other stopped within a window or two.
    const sent = a.node.syncStats().snapshotBytesSent - before.a + c.node.syncStats().snapshotBytesSent - before.c
    expect(sent).toBeLessThan(1.3 * size)
    expect(b.vault.vault.store.partialSnapshots()).toHaveLength(0)
    expect(b.node.arriving('big')).toBeUndefined()
  })
})
