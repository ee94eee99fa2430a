/**
 * A seeded fuzzer: a member (B, whose key signs and whose vault key seals everything it sends)
 * sends random malformed Yjs updates and snapshots to A, on real sockets, while A's own device
 * writes and C replicates from A. Bounded by count, replayable from its seed (MESH_FUZZ_SEED):
 * A never crashes or hangs, nothing A wrote is lost on A or C, and A restarts and opens
 * everything afterwards.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, type SessionKey } from '../../crdt/index.js'
import type { Rogue } from '../helpers/rogue.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { prng } from '../helpers/prng.js'
import { poisonUpdate, rogueMember, updateOf } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

const SEED = Number(process.env.MESH_FUZZ_SEED ?? 0x5eed12)
const ROUNDS = Number(process.env.MESH_FUZZ_ROUNDS ?? 40)
const KEY = 'agent:main:fuzzed' as SessionKey

type Rand = ReturnType<typeof prng>

const varint = (n: number): number[] => { const o: number[] = []; while (n >= 0x80) { o.push((n % 128) | 0x80); n = Math.floor(n / 128) } o.push(n); return o }
const bytes = (rnd: Rand, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rnd.int(256))

/** One malformed (or merely hostile) Yjs update, picked by the seed. */
function badUpdate (rnd: Rand, base: Uint8Array): Uint8Array {
  const d = (): Y.Doc => { const x = new Y.Doc(); Y.applyUpdate(x, base); return x }
  const valid = (): Uint8Array => updateOf(x => { new SessionDoc(x).appendMessages([{ role: 'user', content: `r${rnd.int(1e6)}` }], 'b') }, d())
  switch (rnd.int(9)) {
    case 0: return bytes(rnd, 1 + rnd.int(200))
    case 1: { const u = new Uint8Array(valid()); for (let i = 0; i < 1 + rnd.int(4); i++) u[rnd.int(u.length)] = rnd.int(256); return u }
    case 2: { const u = valid(); return u.subarray(0, rnd.int(u.length)) }
    case 3: return poisonUpdate(rnd.pick(['meta', 'transcript', 'task', 'sessions', 'entries']))
    // An item claiming a huge length (ContentDeleted, ref 1) under a root: bounded before Yjs walks it.
    case 4: return Uint8Array.from([1, 1, ...varint(1000 + rnd.int(1000)), 0, 1, 1, 4, ...new TextEncoder().encode('meta'), ...varint(2 ** 40 + rnd.int(1000)), 0])
    case 5: return updateOf(x => { x.getMap('meta').set(rnd.pick(['lease', 'status', 'createdAt', 'lastWriter', 'title']), rnd.pick<unknown>([5, 'x', { a: 1 }, [1], null, true])) }, d())
    case 6: return updateOf(x => { x.getArray('transcript').insert(0, [rnd.pick<unknown>([1, 'chunk', new Y.Map(), { m: 1 }])]) }, d())
    case 7: return updateOf(x => { const c = x.getArray('transcript').get(0) as Y.Array<unknown> | undefined; if (c instanceof Y.Array) c.insert(c.length, [rnd.pick<unknown>(['s', 7, new Y.Array(), { role: 'user' }])]); else x.getMap('task').set('plan', 3) }, d())
    default: return updateOf(x => { x.getMap('task').set(rnd.pick(['progress', 'todos', 'files', 'fields', 'plan']), rnd.pick<unknown>([1, 'p', new Y.Map(), new Y.Array()])) }, d())
  }
}

function badSnapshot (r: Rogue, rnd: Rand, doc: Uint8Array, base: Uint8Array, lanes: Array<{ author: Uint8Array, lane: number, seq: bigint }>): { header: Uint8Array, ciphertext: Uint8Array } {
  const claim = (seq: () => bigint): Array<{ author: Uint8Array, lane: number, seq: bigint }> => lanes.map(l => ({ ...l, seq: seq() }))
  const seq = BigInt(Date.now() + rnd.int(1e9))
  switch (rnd.int(4)) {
    case 0: return r.snapshot(doc, seq, bytes(rnd, 1 + rnd.int(2000)), claim(() => BigInt(1 + rnd.int(100))))
    case 1: return r.snapshot(doc, seq, Y.encodeStateAsUpdate(new Y.Doc()), claim(() => 10n ** 9n))
    case 2: { const u = base.subarray(0, rnd.int(base.length)); return r.snapshot(doc, seq, u, claim(() => BigInt(rnd.int(5)))) }
    default: return r.snapshot(doc, seq, badUpdate(rnd, base), claim(() => BigInt(1 + rnd.int(3))))
  }
}

describe('fuzzing from a member', () => {
  it(`random malformed updates and snapshots (seed ${SEED}, ${ROUNDS} rounds): no crash, no hang, nothing lost`, async () => {
    const rnd = prng(SEED)
    const wallet = generateWallet()
    const honest: string[] = []
    const r = await rogueMember(nodes, {
      wallet,
      prepare: async (a) => {
        const s = await a.vault.sessions.create(KEY)
        for (let i = 0; i < 3; i++) { const t = `honest ${honest.length}`; await s.append({ role: 'user', content: t }); honest.push(t) }
        await s.close()
      }
    })
    const c = await startNode({ wallet, label: 'C' }); nodes.push(c)
    await c.node.dial(r.a.node.addresses()[0] as string)
    const v = r.a.vault.vault
    const docs = [v.docId(DOC_NAMES.session(KEY)), v.docId(DOC_NAMES.sessionsIndex), v.docId(DOC_NAMES.memory)]
    const rep = await v.acquire(DOC_NAMES.session(KEY))
    const base = Y.encodeStateAsUpdate(rep.doc)
    await v.release(rep)
    const bKey = r.b.vault.vault.identity.device.publicKey
    const session = await r.a.vault.sessions.open(KEY)
    for (let round = 0; round < ROUNDS; round++) {
      const entries: Uint8Array[] = []
      for (let i = 0; i < 1 + rnd.int(6); i++) entries.push(r.entry(rnd.pick(docs), BigInt(1 + rnd.int(40)), badUpdate(rnd, base), 100 + rnd.int(4)))
      r.sendEntries(entries)
      if (rnd.int(4) === 0) {
        const lanes = [...v.store.vector(docs[0] as Uint8Array).keys()].map(k => ({ author: Buffer.from(k.split('.')[0] as string, 'hex') as Uint8Array, lane: Number(k.split('.')[1] ?? 0), seq: 0n }))
        lanes.push({ author: bKey, lane: 100 + rnd.int(4), seq: 0n })
        const snap = badSnapshot(r, rnd, rnd.pick(docs), base, lanes)
        r.sendSnapshot(snap.header, snap.ciphertext)
      }
      // A's own device keeps writing through it all (a handle broken by a reload is reopened).
      const t = `honest ${honest.length}`
      // A handle found broken before the append starts wrote nothing: the append is made again
      // on a fresh handle (a change made while its document reloads is durable and resolves).
      let written = false
      try { await session.append({ role: 'user', content: t }); written = true } catch {}
      for (let i = 0; !written && i < 5; i++) {
        const again = await r.a.vault.sessions.open(KEY)
        try { await again.append({ role: 'user', content: t }); written = true } catch {} finally { await again.close().catch(() => undefined) }
      }
      expect(written).toBe(true)
      honest.push(t)
    }
    await session.close().catch(() => undefined)
    // Everything B sent was handled: a last good entry on a lane of its own is stored after it.
    const sentinel = r.entry(docs[2] as Uint8Array, 1n, updateOf(d => { d.getMap('entries').set('sentinel', { key: 'sentinel', value: 'v', tags: [], updatedAt: 1, device: 'b' }) }), 999)
    r.sendEntries([sentinel])
    await until(() => v.store.has(docs[2] as Uint8Array, bKey, 1n, 999), 'A to get past everything the fuzzer sent', 60_000)
    expect(r.a.node.libp2p.status).toBe('started')
    const texts = async (n: TestNode): Promise<string[]> => {
      const s = await n.vault.sessions.open(KEY)
      try { return s.messages().map(m => m.content) } finally { await s.close() }
    }
    expect((await texts(r.a)).filter(t => t.startsWith('honest'))).toEqual(honest)
    await until(async () => (await c.vault.sessions.exists(KEY)) && (await texts(c)).filter(t => t.startsWith('honest')).length === honest.length, 'C to hold every honest message', 30_000)
    expect((await texts(c)).filter(t => t.startsWith('honest'))).toEqual(honest)
    // Status-like reads of every document work on A.
    await r.a.vault.status()
    await r.a.vault.memory.list()
    await r.a.vault.skills.list()
    const s = await r.a.vault.sessions.open(KEY)
    s.meta(); s.task(); s.messageCount()
    await s.close()
    // And A restarts on its home and opens everything.
    r.close()
    await r.a.node.stop()
    await r.a.vault.close()
    const a2 = await startNode({ wallet, home: r.a.home, label: 'A' })
    nodes.unshift(a2)
    expect((await texts(a2)).filter(t => t.startsWith('honest'))).toEqual(honest)
    await a2.vault.status()
  })
})
