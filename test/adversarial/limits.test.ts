/**
 * Per-author budgets: a member pushing more entries into one document than its per-minute
 * budget, or a snapshot larger than what it claims can hold, is refused with a typed error; the
 * session goes on, other documents are untouched, and nothing the budget allowed is lost.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, type SessionKey } from '../../crdt/index.js'
import { parseStreamKey } from '../../src/identity/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { rogueMember, updateOf } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

const KEY = 'agent:main:flooded' as SessionKey

describe('per-author limits', () => {
  it('entries past the per-minute budget of one document are refused, the session goes on', async () => {
    const r = await rogueMember(nodes, {
      prepare: async (a) => {
        const s = await a.vault.sessions.create(KEY)
        await s.close()
      }
    })
    const v = r.a.vault.vault
    v.budgets.limits = { ...v.budgets.limits, entriesPerMinute: 5 }
    const doc = v.docId(DOC_NAMES.session(KEY))
    const other = v.docId(DOC_NAMES.memory)
    const bKey = r.b.vault.vault.identity.device.publicKey
    const src = new Y.Doc()
    const flood: Uint8Array[] = []
    for (let i = 1; i <= 8; i++) flood.push(r.entry(doc, BigInt(i), updateOf(d => { new SessionDoc(d).appendMessages([{ role: 'user', content: `flood ${i}` }], 'b') }, src), 3))
    r.sendEntries(flood)
    await until(() => r.a.events.filter(e => e.type === 'entry-refused' && e.reason.includes('RATE_LIMITED')).length === 3, 'A to refuse three')
    for (let i = 1; i <= 5; i++) expect(v.store.has(doc, bKey, BigInt(i), 3)).toBe(true)
    for (let i = 6; i <= 8; i++) expect(v.store.has(doc, bKey, BigInt(i), 3)).toBe(false)
    // Another document has its own budget, on the same stream.
    r.sendEntries([r.entry(other, 1n, updateOf(d => { d.getMap('entries').set('k', { key: 'k', value: 'v', tags: [], updatedAt: 1, device: 'b' }) }), 3)])
    await until(() => v.store.has(other, bKey, 1n, 3), 'A to take an entry of another document')
    expect((await r.a.vault.memory.list()).map(m => m.key)).toEqual(['k'])
  })

  it('an honest burst past the budget is asked for again once the window moves, in the same session', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const bId = b.node.libp2p.peerId
    await until(() => a.node.libp2p.services.membership.isProven(bId) && b.node.libp2p.services.membership.isProven(a.node.libp2p.peerId), 'A and B to prove each other')
    await until(() => a.node.libp2p.services.sync.sessionWith(bId.toString()) !== undefined, 'A to sync with B')
    const session = a.node.libp2p.services.sync.sessionWith(bId.toString())
    const v = a.vault.vault
    v.budgets.limits = { ...v.budgets.limits, entriesPerMinute: 4, windowMs: 1500 }
    const s = await b.vault.sessions.create(KEY)
    for (let i = 0; i < 12; i++) await s.append({ role: 'user', content: `burst ${i}` })
    await s.close()
    const doc = v.docId(DOC_NAMES.session(KEY))
    const bKey = b.vault.vault.identity.device.publicKey
    const mine = [...b.vault.vault.store.vector(doc)].map(([k, seq]) => ({ ...parseStreamKey(k), seq })).filter(i => Buffer.from(i.author).equals(Buffer.from(bKey)))
    expect(mine.reduce((n, i) => n + Number(i.seq), 0)).toBeGreaterThanOrEqual(13)
    await until(() => a.events.some(e => e.type === 'entry-refused' && e.reason.includes('RATE_LIMITED')), 'A to refuse part of the burst')
    // Nothing is lost: every entry of B comes, by A asking again once its window moved.
    const holdsAll = (): boolean => mine.every(i => { for (let q = 1; q <= Number(i.seq); q++) if (!v.store.has(doc, bKey, BigInt(q), i.lane)) return false; return true })
    await until(holdsAll, 'A to hold every entry of the burst', 60_000)
    expect(a.node.libp2p.services.sync.sessionWith(bId.toString())).toBe(session)
    const opened = await a.vault.sessions.open(KEY)
    expect(opened.messageCount()).toBe(12)
    await opened.close()
  }, 90_000)

  it('a snapshot larger than what its claim can hold is refused from its header', async () => {
    const r = await rogueMember(nodes)
    const v = r.a.vault.vault
    v.budgets.limits = { ...v.budgets.limits, snapshotSlackBytes: 256 * 1024 }
    const doc = v.docId('bloated')
    const bKey = r.b.vault.vault.identity.device.publicKey
    const s = new SessionDoc()
    // About 3 MiB of state, claiming one entry (at most 1 MiB) on top of nothing held here.
    for (let i = 0; i < 48; i++) s.appendMessages([{ role: 'user', content: 'x'.repeat(64 * 1024) + String(i) }], 'b')
    const snap = r.snapshot(doc, 1n, Y.encodeStateAsUpdate(s.doc), [{ author: bKey, lane: 0, seq: 1n }])
    r.sendSnapshot(snap.header, snap.ciphertext)
    await until(() => r.a.events.some(e => e.type === 'entry-refused' && e.reason.includes('ENTRY_TOO_LARGE')), 'A to refuse the snapshot')
    expect(v.store.snapshots(doc)).toHaveLength(0)
    // The stream goes on.
    r.sendEntries([r.entry(doc, 1n, updateOf(d => { d.getMap('m').set('a', 1) }), 0)])
    await until(() => v.store.has(doc, bKey, 1n, 0), 'A to take the entry after it')
  })
})
