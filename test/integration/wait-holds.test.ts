/**
 * `sessions.wait` (the vault's find) returns once the session's own document is here, not when
 * the sessions index first names it: a session that comes as a snapshot is listed long before
 * its snapshot has arrived, and a resume or show right after the wait found nothing in it. And
 * the API's wait returns once nothing of the session is still arriving: a session that comes as
 * many entries over a slow link is readable after its first, while its lease as it stands may
 * come last; a resume meanwhile is refused as arriving, instead of judging a lease its holder
 * has since released; a show meanwhile says what is still on its way.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { createLocalApi } from '../../src/api/local.js'
import { printSession } from '../../src/cli/commands/sessions.js'
import { isMeshError } from '../../src/errors.js'
import { cutProxy } from '../helpers/cut-proxy.js'
import { loadWallet, writeNewWallet } from '../../src/identity/index.js'
import { bigSnapshotHome } from '../helpers/big-snapshot.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** What `fn` writes to stdout (`mesh session show`'s lines, printed in this process). */
function printedBy (fn: () => void): string {
  let printed = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((x: any) => { printed += String(x); return true })
  try { fn() } finally { write.mockRestore() }
  return printed
}

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

  it('the API\'s wait returns once the rest of a session has arrived too; a resume meanwhile says it is arriving', async () => {
    const wallet = generateWallet()
    const nodes: TestNode[] = []
    cleanups.push(async () => { for (const n of nodes.reverse()) await n.stop() })
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    // A drives the session while it writes 24 entries of 400 KB, then lets it go: the lease as it
    // stands (released) is in its last entry.
    const key = 'agent:main:long'
    const s = await a.vault.sessions.create(key)
    await s.takeLease()
    for (let i = 0; i < 24; i++) await s.append({ role: 'assistant', content: `${i} ${'x'.repeat(400_000)}` })
    await s.releaseLease()
    await s.close()
    // B reaches A only through a link of 4 MB/s: the 10 MB take over two seconds to come.
    const port = Number(/\/tcp\/(\d+)/.exec(a.node.addresses()[0] as string)?.[1])
    const proxy = await cutProxy('127.0.0.1', port, { rateFromTarget: 4 * 1024 * 1024 })
    cleanups.push(async () => { await proxy.close() })
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const api = await createLocalApi({ vault: b.vault, node: b.node })
    cleanups.push(async () => { await api.close() })
    const waited = api.call('sessions.wait', { key })
    await b.node.dial(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${a.node.libp2p.peerId.toString()}`)

    // Part of it here, the rest on its way: a resume is refused as arriving, with how far it is.
    await b.vault.sessions.find(key)
    expect(b.node.arriving(key)).toMatchObject({ from: 'A', held: true })
    // What is here shows A still driving it (the release is in its last entry): readable, not judged by.
    const partial = await api.call('sessions.show', { key, tail: 0 })
    expect(partial.messageCount).toBeLessThan(24)
    expect(partial.lease).toMatchObject({ label: 'A', mine: false })
    // …and says that more is on its way, and how far it is, as `mesh session show` prints it.
    expect(partial.arriving).toMatchObject({ from: 'A', bytesDone: expect.any(Number), bytesTotal: expect.any(Number) })
    expect(partial.arriving?.bytesDone).toBeLessThan(partial.arriving?.bytesTotal as number)
    expect(printedBy(() => { printSession(partial) })).toMatch(/^arriving: +from A: \d+% \(\d+\.\d MB of \d+(\.\d)? MB\)(, about \d+ s left)?; shown as it has come so far \(`mesh peers` shows the transfer\)$/m)
    const early = await api.call('sessions.resume', { key }).then(() => undefined, (err: unknown) => err)
    expect(isMeshError(early) ? { code: early.code, message: early.message } : early).toMatchObject({ code: 'SESSION_NOT_FOUND', message: expect.stringMatching(/is arriving from A: \d+%/) })
    // Seen while it arrived: the rest may come at once.
    proxy.setRate(undefined)

    // The wait ends with all of it here: the whole transcript, the lease released, and a resume takes it.
    expect((await waited).key).toBe(key)
    expect(b.node.arriving(key)).toBeUndefined()
    const shown = await api.call('sessions.show', { key, tail: 0 })
    expect(shown.messageCount).toBe(24)
    expect(shown.lease).toBeUndefined()
    expect(shown.arriving).toBeUndefined()
    const resumed = await api.call('sessions.resume', { key, tail: 1 })
    expect(resumed).toMatchObject({ leaseTaken: true, messageCount: 24 })
  }, 120_000)

  it('a catch-up some of whose entries are refused (over budget) ends: the session is not left arriving, and the wait returns', async () => {
    const wallet = generateWallet()
    const nodes: TestNode[] = []
    cleanups.push(async () => { for (const n of nodes.reverse()) await n.stop() })
    // Kept as entries (no snapshot): a catch-up of entries, each counted against A's budget.
    const b = await startNode({ wallet, label: 'B', snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); nodes.push(b)
    const key = 'agent:main:budget'
    const s = await b.vault.sessions.create(key)
    for (let i = 0; i < 40; i++) await s.append({ role: 'user', content: `burst ${i} ${'y'.repeat(100_000)}` })
    await s.close()
    // A takes 4 entries of B's per document a minute: most of the catch-up is refused, and asked for again later.
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    a.vault.vault.budgets.limits = { ...a.vault.vault.budgets.limits, entriesPerMinute: 4, windowMs: 60_000 }
    const api = await createLocalApi({ vault: a.vault, node: a.node })
    cleanups.push(async () => { await api.close() })
    await a.node.dial(b.node.addresses()[0] as string)
    await until(() => a.events.some(e => e.type === 'entry-refused' && e.reason.includes('RATE_LIMITED')), 'A to refuse part of the catch-up')
    await until(() => a.node.arriving(key) === undefined, 'the catch-up to end on A', 10_000)
    const shown = await api.call('sessions.show', { key, tail: 0 })
    expect(shown.messageCount).toBeLessThan(40)
    // What is here is all that comes for now: the wait returns, and a resume is not refused as arriving.
    expect((await api.call('sessions.wait', { key, timeoutMs: 10_000 })).key).toBe(key)
    expect(await api.call('sessions.resume', { key, tail: 0 })).toMatchObject({ leaseTaken: true })
  }, 60_000)

  it('a catch-up that stopped part way (its peer went) is shown as it came and said incomplete, until the rest has come', async () => {
    const wallet = generateWallet()
    const t = await tempDir(); cleanups.push(t.cleanup)
    const nodes: TestNode[] = []
    cleanups.push(async () => { for (const n of nodes.reverse()) await n.stop() })
    const homeA = join(t.dir, 'a')
    let a = await startNode({ wallet, label: 'A', home: homeA, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); nodes.push(a)
    const key = 'agent:main:cut'
    const s = await a.vault.sessions.create(key)
    for (let i = 0; i < 24; i++) await s.append({ role: 'assistant', content: `${i} ${'x'.repeat(400_000)}` })
    await s.close()
    const port = Number(/\/tcp\/(\d+)/.exec(a.node.addresses()[0] as string)?.[1])
    const proxy = await cutProxy('127.0.0.1', port, { rateFromTarget: 2 * 1024 * 1024 })
    cleanups.push(async () => { await proxy.close() })
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const api = await createLocalApi({ vault: b.vault, node: b.node })
    cleanups.push(async () => { await api.close() })
    await b.node.dial(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${a.node.libp2p.peerId.toString()}`)
    await until(() => (b.node.arriving(key)?.entriesDone ?? 0) > 2, 'some of the session to have come')

    // A goes away part way: what came is shown, and said incomplete (not as whole, not arriving).
    await a.stop()
    await until(() => b.node.arriving(key) === undefined, 'the transfer to end')
    const part = await api.call('sessions.show', { key, tail: 0 })
    expect(part.arriving).toBeUndefined()
    expect(part.incomplete).toMatchObject({ from: 'A', bytesDone: expect.any(Number), bytesTotal: expect.any(Number) })
    expect(part.incomplete?.bytesDone).toBeLessThan(part.incomplete?.bytesTotal as number)
    expect(part.messageCount).toBeLessThan(24)
    expect(printedBy(() => { printSession(part) })).toMatch(/^incomplete: +\d+% \(\d+\.\d MB of \d+(\.\d)? MB\) came from A before the transfer stopped \(.+\); shown as it came, the rest follows once the two sync again$/m)

    // A back: the rest comes, and nothing is said incomplete any more.
    a = await startNode({ wallet, label: 'A', home: homeA, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); nodes.push(a)
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => (await api.call('sessions.show', { key, tail: 0 })).messageCount === 24, 'the rest to come')
    await until(async () => (await api.call('sessions.show', { key, tail: 0 })).incomplete === undefined, 'the session to be whole')
  }, 120_000)
})
