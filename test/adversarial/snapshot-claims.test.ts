/**
 * Snapshots prove what they cover. A member signs a snapshot whose state is empty and whose
 * `covers` claims sequence 10^9 for every author lane: the receiver, holding the key, checks the
 * state against every entry it holds that the claim covers, refuses it, and deletes nothing. A
 * claim it cannot check (it holds none of that lane) never makes a later entry a "duplicate".
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, type SessionKey } from '../../crdt/index.js'
import { parseStreamKey, streamKey, toHex } from '../../src/identity/index.js'
import { until } from '../helpers/nodes.js'
import { rogueMember, updateOf } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

const KEY = 'agent:main:claimed' as SessionKey
const BIG = 1_000_000_000n

describe('snapshots prove what they cover', () => {
  it('a snapshot claiming 10^9 for every lane with an empty state is refused; no snapshot, entry or later write is lost', async () => {
    const r = await rogueMember(nodes, {
      prepare: async (a) => {
        const s = await a.vault.sessions.create(KEY)
        for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `m${i}` })
        const v = a.vault.vault
        const rep = await v.acquire(DOC_NAMES.session(KEY))
        expect(await v.snapshotIfNeeded(rep, 1)).toBe(true)
        await v.release(rep)
        for (let i = 5; i < 7; i++) await s.append({ role: 'user', content: `m${i}` })
        await s.close()
      }
    })
    const v = r.a.vault.vault
    const doc = v.docId(DOC_NAMES.session(KEY))
    const dir = join(r.a.home, 'data', 'snapshots', toHex(doc))
    const before = (await readdir(dir)).sort()
    expect(before).toHaveLength(1)
    const bKey = r.b.vault.vault.identity.device.publicKey
    const lanes = [...v.store.vector(doc).keys()].map(k => ({ ...parseStreamKey(k), seq: BIG }))
    const forged = r.snapshot(doc, BigInt(Date.now() + 10_000), Y.encodeStateAsUpdate(new Y.Doc()), [...lanes, { author: bKey, lane: 5, seq: BIG }])
    r.sendSnapshot(forged.header, forged.ciphertext)
    await until(() => r.a.events.some(e => e.type === 'entry-refused' && e.reason.includes('SNAPSHOT_UNPROVEN')), 'A to refuse the forged snapshot')
    expect((await readdir(dir)).sort()).toEqual(before)
    expect(v.store.snapshots(doc)).toHaveLength(1)
    for (const [, n] of v.store.vector(doc)) expect(n).toBeLessThan(1000)
    // Compaction keeps everything the kept snapshot does not hold.
    await v.store.compact({ force: true })
    // B's next write to the document is taken, not dropped as a duplicate.
    const base = new Y.Doc()
    const rb = await r.b.vault.vault.acquire(DOC_NAMES.session(KEY))
    Y.applyUpdate(base, Y.encodeStateAsUpdate(rb.doc))
    await r.b.vault.vault.release(rb)
    r.sendEntries([r.entry(doc, 1n, updateOf(d => { new SessionDoc(d).appendMessages([{ role: 'assistant', content: 'from B' }], 'b') }, base), 5)])
    await until(() => v.store.has(doc, bKey, 1n, 5), 'A to store B\'s write')
    const s = await r.a.vault.sessions.open(KEY)
    // Every message is kept; B's write is concurrent with any of A's that B had not yet seen, so
    // where it sorts among them is Yjs's tie-break (by client id, random per run).
    const texts = s.messages().map(m => m.content)
    expect(texts.filter(t => t !== 'from B')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'])
    expect(texts.filter(t => t === 'from B')).toHaveLength(1)
    await s.close()
  })

  it('a claim over a lane the receiver holds none of is kept only until an entry of that lane shows it false', async () => {
    const r = await rogueMember(nodes, {
      prepare: async (a) => {
        const s = await a.vault.sessions.create(KEY)
        await s.append({ role: 'user', content: 'first' })
        await s.close()
      }
    })
    const v = r.a.vault.vault
    const doc = v.docId(DOC_NAMES.session(KEY))
    const bKey = r.b.vault.vault.identity.device.publicKey
    const lane = { author: bKey, lane: 5 }
    // The state holds what A holds (so every claim A can check holds), and claims B's lane 5 to 10^9.
    const rep = await v.acquire(DOC_NAMES.session(KEY))
    const state = Y.encodeStateAsUpdate(rep.doc)
    const base = new Y.Doc(); Y.applyUpdate(base, state)
    const claims = [...v.store.vector(doc)].map(([k, n]) => ({ ...parseStreamKey(k), seq: BigInt(n) }))
    await v.release(rep)
    const snap = r.snapshot(doc, BigInt(Date.now()), state, [...claims, { ...lane, seq: BIG }])
    r.sendSnapshot(snap.header, snap.ciphertext)
    await until(() => v.store.snapshots(doc).length === 1, 'A to take the snapshot')
    // B's entry 3 of lane 5 is not in that state: taken, and the claim no longer counts.
    r.sendEntries([r.entry(doc, 3n, updateOf(d => { new SessionDoc(d).appendMessages([{ role: 'assistant', content: 'lane 5' }], 'b') }, base), 5)])
    await until(() => v.store.has(doc, bKey, 3n, 5), 'A to store the entry the claim covered')
    expect(v.store.vector(doc).get(streamKey(lane)) ?? 0).toBeLessThan(1000)
    const s = await r.a.vault.sessions.open(KEY)
    expect(s.messages().map(m => m.content)).toEqual(['first', 'lane 5'])
    await s.close()
  })
})
