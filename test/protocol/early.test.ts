/**
 * Early entries (protocols/sync/SPEC.md): an author's live entry goes to its peers on its own
 * authenticated channel before its signature, the signature right after. Real nodes on loopback
 * sockets; the hostile cases from a member that writes frames by hand (test/helpers/rogue.ts).
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { LIMITS } from '../../protocols/sync/limits.js'
import { StoreWriteError } from '../../src/errors.js'
import { parseStreamKey, parseUnsignedEntry, verifyEntry, withSignature } from '../../src/identity/index.js'
import { LIVE_WRITE_WITHIN_MS } from '../../src/node/vault-admission.js'
import type { RecordLog } from '../../src/store/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { rogueMember, sharedSession, type Rogue } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const KEY = 'agent:main:early' as SessionKey
const statsOf = (n: TestNode): ReturnType<TestNode['node']['libp2p']['services']['sync']['stats']> => n.node.libp2p.services.sync.stats()
const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(KEY))) return []
  const s = await n.vault.sessions.open(KEY)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

/** A rogue member B beside A, with a session A holds open and B's state of it to write on. */
async function withOpenSession (): Promise<{ r: Rogue, doc: Uint8Array, say: (text: string) => Uint8Array, open: Awaited<ReturnType<TestNode['vault']['sessions']['open']>> }> {
  let say: ((text: string) => Uint8Array) | undefined
  const r = await rogueMember(nodes, { prepare: async (a, b) => { say = await sharedSession(a, b, KEY, 'start') } })
  const doc = r.a.vault.vault.docId(DOC_NAMES.session(KEY))
  const open = await r.a.vault.sessions.open(KEY)
  return { r, doc, say: say as (text: string) => Uint8Array, open }
}

describe('early entries: the body ahead of its signature', () => {
  it('an author\'s live messages reach an open peer ahead of their signatures; the peer stores them signed and forwards them', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const c = await startNode({ wallet, label: 'C' }); nodes.push(c)
    await b.node.dial(a.node.addresses()[0] as string)
    await c.node.dial(b.node.addresses()[0] as string) // C hears A only through B
    const aId = a.node.libp2p.peerId.toString()
    const storedByB: Uint8Array[] = []
    b.vault.vault.on('entry', e => { if (e.from === aId) storedByB.push(e.entry.bytes) })
    const s = await a.vault.sessions.create(KEY)
    await until(async () => await b.vault.sessions.exists(KEY), 'B to learn of the session')
    const sb = await b.vault.sessions.open(KEY)
    const seen: string[] = []
    sb.subscribe(e => { if (e.type === 'messages') seen.push(...e.messages.map(m => m.content)) })
    const want = Array.from({ length: 20 }, (_, i) => `live ${i}`)
    for (const content of want) {
      await s.append({ role: 'user', content })
      await until(() => seen.includes(content), `B to see "${content}"`)
    }
    // Each went ahead of its signature and was applied on arrival (B holds the session open).
    expect(statsOf(a).earlySent).toBeGreaterThanOrEqual(want.length)
    expect(statsOf(b).earlyReceived).toBe(statsOf(a).earlySent)
    expect(statsOf(b).earlyApplied).toBeGreaterThanOrEqual(want.length)
    // B stored each entry whole, with the author's signature, and forwarded it to C (not early:
    // only an author sends its entries ahead).
    const doc = b.vault.vault.docId(DOC_NAMES.session(KEY))
    const author = a.vault.vault.identity.device.publicKey
    const mine = (): Array<ReturnType<typeof verifyEntry>> => storedByB.map(bytes => verifyEntry(bytes)).filter(e => Buffer.from(e.doc).equals(doc))
    await until(() => mine().length >= want.length, 'B to store every entry')
    for (const e of mine()) {
      expect(Buffer.from(e.author).equals(Buffer.from(author))).toBe(true)
      expect(b.vault.vault.store.has(doc, author, e.seq, e.lane)).toBe(true)
    }
    await until(async () => want.every(w => seen.includes(w)) && (await texts(c)).length === want.length, 'C to get every message through B')
    expect(await texts(c)).toEqual(want)
    expect(statsOf(c).earlyReceived).toBe(0)
    await s.close(); await sb.close()
  })

  it('the peer\'s write of a live entry may wait to share a later one\'s; a stop writes what waits, and a write that fails is asked for again', async () => {
    const wallet = generateWallet()
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'b')
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B', home }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create(KEY)
    await until(async () => await b.vault.sessions.exists(KEY), 'B to learn of the session')
    const sb = await b.vault.sessions.open(KEY)
    const seen: string[] = []
    sb.subscribe(e => { if (e.type === 'messages') seen.push(...e.messages.map(m => m.content)) })
    // B's log, watched: how long each write may wait; the first that may wait fails as a full disk fails.
    const log = (b.vault.vault.store as unknown as { log: RecordLog }).log
    const append = log.append.bind(log)
    const waits: number[] = []
    let failed = 0
    log.append = async (payload, withinMs = 0) => {
      waits.push(withinMs)
      if (withinMs > 0 && failed++ === 0) {
        // It fails late: after B handled the frame and could have acknowledged it as taken.
        await new Promise(resolve => setTimeout(resolve, LIMITS.ackMs * 2))
        throw new StoreWriteError('cannot write the log: the disk is full; nothing written before this was lost', { errno: 'ENOSPC' })
      }
      return await append(payload, withinMs)
    }
    // What A counts B as lacking (not merely in flight): B's acknowledgement names the frame refused.
    const doc = b.vault.vault.docId(DOC_NAMES.session(KEY))
    const lacking = (): number => {
      const toB = a.node.libp2p.services.sync.sessionWith(b.node.libp2p.peerId.toString())
      const k = Buffer.from(doc).toString('hex')
      return (toB?.standing.behind().get(k) ?? 0) - (toB?.standing.inFlight().get(k) ?? 0)
    }
    const want = Array.from({ length: 12 }, (_, i) => `batched ${i}`)
    for (const content of want) {
      await s.append({ role: 'user', content })
      await until(() => seen.includes(content), `B to see "${content}"`)
    }
    // The entries after it were taken, the one whose write failed late was not: A counts it
    // lacking from B's acknowledgement (a gap below what B took of the lane), before B asks again.
    await until(() => lacking() === 1, 'A to count the entry B could not write as lacking, from B\'s acknowledgement', 4_000)
    expect(waits.filter(w => w === LIVE_WRITE_WITHIN_MS).length).toBeGreaterThan(0)
    expect(failed).toBeGreaterThan(0)
    // The entry whose write failed is refused (told as such) and asked for again (protocols/sync
    // RETRY): it comes back whole and is written. Every slot of A's lanes is held again.
    await until(() => b.events.some(e => e.type === 'entry-refused' && /STORE_WRITE_FAILED/.test(e.reason)), 'B to tell of the entry it could not write')
    const slots = [...a.vault.vault.store.vector(doc)].flatMap(([k, n]) => Array.from({ length: n }, (_, i) => ({ ...parseStreamKey(k), seq: BigInt(i + 1) })))
    expect(slots.length).toBeGreaterThanOrEqual(want.length)
    await until(() => slots.every(x => b.vault.vault.store.has(doc, x.author, x.seq, x.lane)), 'B to hold every entry again', 30_000)
    // Two more, and B stopped as soon as it shows the last (its write may still wait): the stop
    // writes what waits, and B's disk holds every message.
    for (const content of ['last 1', 'last 2']) {
      want.push(content)
      await s.append({ role: 'user', content })
      await until(() => seen.includes(content), `B to see "${content}"`)
    }
    await until(() => slots.length + 2 <= [...a.vault.vault.store.vector(doc)].reduce((n, [, k]) => n + k, 0), 'A to hold both')
    await sb.close()
    await b.stop()
    const again = await startNode({ wallet, label: 'B', home }); nodes.push(again)
    expect(await texts(again)).toEqual(want)
    await s.close()
  })

  it('a node that takes no early entries (an older one, or early off) is sent every entry whole, and sends its own whole', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B', early: false }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const s = await a.vault.sessions.create(KEY)
    await until(async () => await b.vault.sessions.exists(KEY), 'B to learn of the session')
    const sb = await b.vault.sessions.open(KEY)
    for (let i = 0; i < 5; i++) {
      await s.append({ role: 'user', content: `from A ${i}` })
      await until(() => sb.messageCount() === 2 * i + 1, `B to get A's message ${i}`)
      await sb.append({ role: 'assistant', content: `from B ${i}` })
      await until(() => s.messageCount() === 2 * i + 2, `A to get B's message ${i}`)
    }
    expect(statsOf(a).earlySent).toBe(0)
    expect(statsOf(b).earlyReceived).toBe(0)
    expect(statsOf(b).earlySent).toBe(0)
    expect(statsOf(a).earlyReceived).toBe(0)
    expect(sb.messages().map(m => m.content)).toEqual(s.messages().map(m => m.content))
    await s.close(); await sb.close()
  })

  it('a body whose signature then fails: applied, then the document reloads without it; nothing is stored or forwarded', async () => {
    const { r, doc, say, open } = await withOpenSession()
    const author = r.b.vault.vault.identity.device.publicKey
    const { body, signature } = r.early(doc, 1n, say('forged'), 7)
    const before = statsOf(r.a).earlyApplied
    r.send({ earlyEntries: [body] })
    await until(() => statsOf(r.a).earlyApplied === before + 1, 'A to apply the body on arrival')
    const bad = Uint8Array.from(signature); bad[0] = (bad[0] as number) ^ 1
    r.send({ signatures: [bad] })
    await until(() => r.a.events.some(e => e.type === 'entry-refused' && /INVALID_SIGNATURE/.test(e.reason)), 'A to refuse the signature')
    expect(r.a.vault.vault.store.has(doc, author, 1n, 7)).toBe(false)
    // The handle held what the store does not: it must be reopened, and the reopened one lacks it.
    expect(() => open.messages()).toThrow()
    expect(await texts(r.a)).toEqual(['start'])
    r.close()
  })

  it('a body that names another author is not applied, and its signature is refused', async () => {
    const { r, doc, say, open } = await withOpenSession()
    const { body, signature } = r.early(doc, 1n, say('in A\'s name'), 3)
    // B rewrites the body's author to A's key: only A's own channel could vouch for that body.
    const a = r.a.vault.vault.identity.device.publicKey
    const b = r.b.vault.vault.identity.device.publicKey
    const forged = Buffer.from(body)
    const at = forged.indexOf(Buffer.from(b))
    expect(at).toBeGreaterThan(0)
    forged.set(a, at)
    r.send({ earlyEntries: [new Uint8Array(forged)] })
    r.send({ signatures: [signature] })
    await until(() => r.a.events.some(e => e.type === 'entry-refused' && /not its author/.test(e.reason)), 'A to refuse it')
    expect(statsOf(r.a).earlyApplied).toBe(0)
    expect(open.messages().map(m => m.content)).toEqual(['start'])
    expect(r.a.vault.vault.store.has(doc, a, 1n, 3)).toBe(false)
    await open.close()
    r.close()
  })

  it('a signature with no body waiting, or too many bodies unsigned, ends the session', async () => {
    const { r, open } = await withOpenSession()
    const bId = r.b.node.libp2p.peerId.toString()
    const sync = r.a.node.libp2p.services.sync
    await until(() => sync.sessionWith(bId) !== undefined, 'A to hold B\'s hand-made session')
    r.send({ signatures: [new Uint8Array(64)] })
    await until(() => sync.sessionWith(bId) === undefined, 'A to end the session')
    expect(open.messages().map(m => m.content)).toEqual(['start'])
    await open.close()

    const { r: r2, doc: doc2, say: say2 } = await withOpenSession()
    const bId2 = r2.b.node.libp2p.peerId.toString()
    const sync2 = r2.a.node.libp2p.services.sync
    await until(() => sync2.sessionWith(bId2) !== undefined, 'A to hold B\'s hand-made session')
    const bodies = Array.from({ length: 65 }, (_, i) => r2.early(doc2, BigInt(i + 1), say2(`m${i}`), 5).body)
    r2.send({ earlyEntries: bodies.slice(0, 60) })
    r2.send({ earlyEntries: bodies.slice(60) })
    await until(() => sync2.sessionWith(bId2) === undefined, 'A to end the session past 64 unsigned bodies')
    expect(statsOf(r2.a).earlyReceived).toBe(60)
    r.close(); r2.close()
  })

  it('a session that ends between a body and its signature: the change shown is undone (the document reloads from the store), and shown again once the entry comes signed', async () => {
    const { r, doc, say, open } = await withOpenSession()
    const author = r.b.vault.vault.identity.device.publicKey
    const update = say('cut before its signature')
    const { body, signature } = r.early(doc, 1n, update, 11)
    r.send({ earlyEntries: [body] })
    await until(() => open.messages().length === 2, 'A to show the change on arrival')
    // Its author dies before signing (and so before storing) it: no store will ever hold it.
    r.close()
    const bId = r.b.node.libp2p.peerId.toString()
    await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to see the session end')
    expect(() => open.messages()).toThrow(/reloaded/)
    expect(r.a.vault.vault.store.has(doc, author, 1n, 11)).toBe(false)
    expect(await texts(r.a)).toEqual(['start'])
    // Had it been signed and stored after all, it arrives signed later (as a catch-up sends it).
    await r.a.vault.vault.accept(withSignature(parseUnsignedEntry(body), signature).bytes, bId)
    expect(r.a.vault.vault.store.has(doc, author, 1n, 11)).toBe(true)
    expect((await texts(r.a)).filter(t => t === 'cut before its signature')).toHaveLength(1)
  })

  it('a signature of the wrong length: refused, and the body applied is undone too', async () => {
    const { r, doc, say, open } = await withOpenSession()
    const { body } = r.early(doc, 1n, say('short signature'), 9)
    r.send({ earlyEntries: [body] })
    await until(() => open.messages().length === 2, 'A to show the change on arrival')
    r.send({ signatures: [new Uint8Array(63)] })
    await until(() => { try { open.messages(); return false } catch { return true } }, 'A to reload the document')
    expect(() => open.messages()).toThrow(/reloaded/)
    expect(await texts(r.a)).toEqual(['start'])
    r.close()
  })

  it('a body whose signature does not come in time ends the session, and what it showed is undone', async () => {
    const limits = LIMITS as { earlySignatureMs: number }
    const was = limits.earlySignatureMs
    limits.earlySignatureMs = 300
    try {
      const { r, doc, say, open } = await withOpenSession()
      const bId = r.b.node.libp2p.peerId.toString()
      const sync = r.a.node.libp2p.services.sync
      await until(() => sync.sessionWith(bId) !== undefined, 'A to hold B\'s hand-made session')
      r.send({ earlyEntries: [r.early(doc, 1n, say('never signed'), 4).body] })
      await until(() => open.messages().length === 2, 'A to show the change on arrival')
      // The stream stays open and quiet: only the deadline ends it.
      await until(() => sync.sessionWith(bId) === undefined, 'A to end the session')
      expect(() => open.messages()).toThrow(/reloaded/)
      expect(await texts(r.a)).toEqual(['start'])
      r.close()
    } finally {
      limits.earlySignatureMs = was
    }
  })

  it('a snapshot waits for the signature of a body it would seal, and only of those: kept once they are signed, never sealed if one is not', async () => {
    const { r, doc, say, open } = await withOpenSession()
    const v = r.a.vault.vault
    const rep = await v.acquire(DOC_NAMES.session(KEY))
    try {
      // Signed while the snapshot waits: the snapshot is taken, the change in it.
      const one = r.early(doc, 1n, say('signed late'), 6)
      r.send({ earlyEntries: [one.body] })
      await until(() => open.messages().length === 2, 'A to show the first change')
      const taken = v.snapshotIfNeeded(rep, 1)
      await new Promise(resolve => setTimeout(resolve, 100))
      // A body applied while it waits is not in what it sealed: not waited for (a live stream
      // does not hold a snapshot back for ever).
      const two = r.early(doc, 2n, say('never signed'), 6)
      r.send({ earlyEntries: [two.body] })
      await until(() => open.messages().length === 3, 'A to show the second change')
      r.send({ signatures: [one.signature] })
      expect(await taken).toBe(true)
      // Never signed: the next snapshot, which would seal it, gives up, and once the session ends
      // nothing keeps the change.
      expect(await v.snapshotIfNeeded(rep, 1)).toBe(false)
    } finally {
      await v.release(rep)
    }
    r.close()
    const bId = r.b.node.libp2p.peerId.toString()
    await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to see the session end')
    expect(await texts(r.a)).toEqual(['start', 'signed late'])
  })
})
