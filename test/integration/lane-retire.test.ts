/**
 * Retired lanes (protocols/sync/SPEC.md, Retired lanes): a device that crashed many times holds a
 * lane per crash, and every lane was an item of every vector it and its peers sent. Real child
 * processes write and are SIGKILLed (each leaves its lane unclean, so the next open starts a new
 * one); then real nodes on loopback, a blind mirror among them, sync until every node has retired
 * the closed lanes, and their vectors carry them as one digest. A member offline during the
 * retirement converges when it comes back, and a late entry on a retired lane, which peers
 * cannot match, still reaches them (asked for lane by lane).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, MemoryDoc, sealUpdate } from '../../crdt/index.js'
import { foldVector } from '../../protocols/sync/lanes.js'
import type { AuthorSeq } from '../../protocols/sync/index.js'
import { generateWallet, parseStreamKey, toHex, type Wallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { enrolMirror, MirrorVault } from '../../src/node/mirror.js'
import type { EntryStore } from '../../src/store/index.js'
import { openVault } from '../../src/sdk/index.js'
import { ROOT } from '../helpers/cli.js'
import { startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'lane-crasher.js')

/** A home of `wallet` whose device then crashed `n` times, each after one durable write: lanes 0 … n-1. */
async function crashedHome (dir: string, wallet: Wallet, n: number): Promise<string> {
  const home = join(dir, 'a')
  await (await openVault({ home, wallet, label: 'A' })).close()
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, [CHILD, home, `crash-${i}`], { encoding: 'utf8', timeout: 60_000 })
    expect(r.signal, r.stderr).toBe('SIGKILL')
    expect(r.stdout).toContain('ok')
  }
  return home
}

/** A store's vector of a document with content tips, as its sync source builds it. */
function vectorOf (store: EntryStore, doc: Uint8Array): AuthorSeq[] {
  return [...store.vector(doc)].filter(([, n]) => n > 0).map(([k, n]) => {
    const tip = store.tip(doc, k, n)
    return tip === undefined ? { ...parseStreamKey(k), seq: BigInt(n) } : { ...parseStreamKey(k), seq: BigInt(n), tip }
  })
}

/** What a vector of this document costs on the wire to a peer that reads retired lanes: items plus folds. */
function wireItems (store: EntryStore, doc: Uint8Array): number {
  const bounds = [...store.retired.of(toHex(doc))].map(([author, below]) => ({ author: Buffer.from(author, 'hex'), below }))
  const f = foldVector(vectorOf(store, doc), bounds)
  return f.items.length + f.retired.length
}

const retiredBelow = (store: EntryStore, doc: Uint8Array, author: string): number => store.retired.of(toHex(doc)).get(author) ?? 0
const digest = (store: EntryStore): string => toHex(store.fingerprints().digest)
const listen = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' as const }

async function mirrorNode (dir: string, wallet: Wallet): Promise<{ mirror: MirrorVault, node: MeshNode }> {
  const home = join(dir, 'mirror')
  await enrolMirror(home, wallet, { label: 'mirror' })
  const mirror = await MirrorVault.open({ home })
  const node = await MeshNode.start(mirror, listen)
  cleanups.push(async () => { await node.stop(); await mirror.close() })
  return { mirror, node }
}

async function node (opts: Parameters<typeof startNode>[0]): Promise<TestNode> {
  const n = await startNode(opts)
  cleanups.push(n.stop)
  return n
}

/** Every node learns every other's certificate first: "every peer" is every member a node knows. */
async function introduce (vaults: Array<{ addCertificate: (b: Uint8Array) => Promise<unknown>, certs: { records: () => Uint8Array[] } }>): Promise<void> {
  for (const from of vaults) for (const to of vaults) if (from !== to) for (const c of from.certs.records()) await to.addCertificate(c)
}

describe('retired lanes', () => {
  const many = Number(process.env.MESH_LANE_CRASHES ?? 20)
  it(`a device that crashed ${many} times ends with a bounded lane count in its vectors once its peers (and the mirror) hold everything`, async () => {
    const crashes = many
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const home = await crashedHome(t.dir, wallet, crashes)
    const a = await node({ home, wallet })
    const b = await node({ wallet, label: 'B' })
    const m = await mirrorNode(t.dir, wallet)
    await introduce([a.vault.vault, b.vault.vault, m.mirror])
    const doc = a.vault.vault.docId(DOC_NAMES.memory)
    const author = toHex(a.vault.vault.identity.device.publicKey)
    // Before: one item per lane, on every node's wire.
    expect(wireItems(a.vault.vault.store, doc)).toBe(crashes)

    await b.node.dial(a.node.addresses()[0] as string)
    await m.node.dial(a.node.addresses()[0] as string)
    await m.node.dial(b.node.addresses()[0] as string)
    const stores = [a.vault.vault.store, b.vault.vault.store, m.mirror.store]
    await until(() => stores.every(s => digest(s) === digest(stores[0] as EntryStore)), 'every node holds every entry', 60_000)
    // Lanes 0 … crashes-2 are closed (the device wrote on lane crashes-1 after them).
    await until(() => stores.every(s => retiredBelow(s, doc, author) === crashes - 1), 'every node retired the closed lanes', 30_000)
    for (const s of stores) {
      expect(s.vector(doc).size).toBe(crashes) // every lane is still held, entry by entry
      expect(wireItems(s, doc)).toBeLessThanOrEqual(2) // one digest for the retired lanes, the live lane
    }
    const onB = new MemoryDoc((await b.vault.vault.acquire(DOC_NAMES.memory)).doc)
    for (let i = 0; i < crashes; i++) expect(onB.get(`crash-${i}`)?.value).toBe(`written before crash crash-${i}`)
  }, 600_000)

  it('a member offline while the others retire converges when it comes back; a late entry on a retired lane still reaches every node', async () => {
    const crashes = 6
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const home = await crashedHome(t.dir, wallet, crashes)
    const a = await node({ home, wallet })
    const b = await node({ wallet, label: 'B' })
    const cHome = join(t.dir, 'c')
    let c = await startNode({ wallet, label: 'C', home: cHome })
    cleanups.push(async () => { await c.stop() })
    await introduce([a.vault.vault, b.vault.vault, c.vault.vault])
    const doc = a.vault.vault.docId(DOC_NAMES.memory)
    const author = toHex(a.vault.vault.identity.device.publicKey)
    const av = a.vault.vault
    const cStore = (): EntryStore => c.vault.vault.store

    // C takes everything from A, then goes offline: nothing is retired yet (B was never seen).
    await c.node.dial(a.node.addresses()[0] as string)
    await until(() => digest(cStore()) === digest(av.store), 'C holds everything')
    // C tells A so once the catch-up settled, and A answers in kind once it checked it.
    const cId = c.node.libp2p.peerId.toString()
    await until(() => a.node.libp2p.services.sync.sessionWith(cId)?.told === digest(av.store), 'A heard that C holds everything')
    expect(retiredBelow(av.store, doc, author)).toBe(0)
    await c.stop()

    // B comes: A has now seen every member hold the closed lanes' tails and retires them.
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => retiredBelow(av.store, doc, author) >= crashes - 1, 'A retired the closed lanes while C was offline', 30_000)
    // A writes on its live lane while C is away.
    const r = await av.acquire(DOC_NAMES.memory)
    await r.change(() => { new MemoryDoc(r.doc).set('while-c-was-away', 'new', { device: 'A' }) })
    await r.settle()
    await until(() => digest(b.vault.vault.store) === digest(av.store), 'B has the new entry')

    // C comes back with its lanes listed one by one: it takes the new entry, and A's retirement.
    c = await startNode({ home: cHome, wallet })
    await c.node.dial(a.node.addresses()[0] as string)
    await until(() => digest(cStore()) === digest(av.store), 'C converged after coming back', 30_000)
    const onC = new MemoryDoc((await c.vault.vault.acquire(DOC_NAMES.memory)).doc)
    expect(onC.get('while-c-was-away')?.value).toBe('new')
    await until(() => retiredBelow(cStore(), doc, author) >= crashes - 1, 'C retired the lanes too')
    // A's retired lanes as one digest, the lane A's write closed while C was away (retired once
    // C has heard from every holder of it again), and the live lane: bounded, whatever the crashes.
    expect(wireItems(cStore(), doc)).toBeLessThanOrEqual(3)

    // A late entry on retired lane 0, beyond the tail every node held (a lost tail that turns up,
    // or an equivocating device), handed to C alone while C is disconnected. At the reconnect the
    // folded lanes no longer match: the vectors are asked for lane by lane, and A gets it.
    await c.node.stop()
    const tail = c.vault.vault.store.vector(doc).get(author) ?? 0
    const late = new MemoryDoc()
    late.set('late', 'on a retired lane', { device: 'A' })
    const entry = sealUpdate({ keys: av.identity.keys, signer: av.identity.device.signer }, doc, BigInt(tail + 1), Y.encodeStateAsUpdate(late.doc), { lane: 0 })
    expect((await c.vault.vault.accept(entry.bytes)).result).toBe('stored')
    // An old entry of a retired lane is still recognised as held.
    const old = await firstEntry(av.store, doc)
    expect((await c.vault.vault.accept(old)).result).toBe('duplicate')
    await c.stop()
    c = await startNode({ home: cHome, wallet })
    await c.node.dial(a.node.addresses()[0] as string)
    await until(() => digest(cStore()) === digest(av.store) && digest(b.vault.vault.store) === digest(av.store), 'the late entry reached A and B', 30_000)
    expect(av.store.vector(doc).get(author)).toBe(tail + 1)
  }, 600_000)
})

/** The bytes of the first stored entry of a document (lane 0, seq 1). */
async function firstEntry (store: EntryStore, doc: Uint8Array): Promise<Uint8Array> {
  for await (const e of store.uncovered(doc)) return e
  throw new Error('no entry')
}
