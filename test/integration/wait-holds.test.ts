/**
 * `sessions.wait` (the vault's find) returns once the session's own document is here, not when
 * the sessions index first names it: a session that comes as a snapshot is listed long before
 * its snapshot has arrived, and a resume or show right after the wait found nothing in it.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { loadWallet, writeNewWallet } from '../../src/identity/index.js'
import { bigSnapshotHome } from '../helpers/big-snapshot.js'
import { startNode, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('waiting for a session from a peer', () => {
  it('returns once the session is readable here, not when the index names it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const walletPath = join(t.dir, 'wallet.json')
    await writeNewWallet(walletPath)
    const wallet = await loadWallet(walletPath)
    const N = 3000
    await bigSnapshotHome(join(t.dir, 'a'), walletPath, N)
    const nodes: TestNode[] = []
    cleanups.push(async () => { for (const n of nodes) await n.stop() })
    const a = await startNode({ home: join(t.dir, 'a'), wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ home: join(t.dir, 'b'), wallet, label: 'B' }); nodes.push(b)
    // B learns when the index names the session, to show the wait goes on past that.
    let listedAt: number | undefined
    const indexId = b.vault.vault.docId(DOC_NAMES.sessionsIndex)
    b.vault.vault.on('entry', e => { if (listedAt === undefined && Buffer.from(e.doc).equals(Buffer.from(indexId))) listedAt = performance.now() })
    const waited = b.vault.sessions.find('agent:main:big')
    await b.node.dial(a.node.addresses()[0] as string)
    expect((await waited).key).toBe('agent:main:big')
    const foundAt = performance.now()
    expect(listedAt).toBeDefined()
    expect(foundAt).toBeGreaterThan(listedAt as number)
    const s = await b.vault.sessions.open('agent:main:big')
    expect(s.meta().key).toBe('agent:main:big')
    expect(s.messageCount()).toBe(N)
    await s.close()
  }, 120_000)
})
