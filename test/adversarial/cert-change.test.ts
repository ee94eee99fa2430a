/**
 * An entry is judged by what its author was allowed when it wrote it (issue 12 §1). Real homes,
 * real libp2p nodes on loopback: a device re-enrolled read-only keeps its history on every node,
 * itself included, across restarts, while its new writes are refused; a home copied before the
 * downgrade (its writer certificate replayed) is refused by nodes that know the newer one, and a
 * node that took its writes before learning drops them, keeps them from peers, and loses nothing
 * else; an expired device opens its own home and reads.
 */
import { randomBytes } from 'node:crypto'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, sealUpdate, type SessionKey } from '../../crdt/index.js'
import { enrol, type HomeIdentity } from '../../src/node/enrol.js'
import { MeshNode, type NodeEvent } from '../../src/node/mesh.js'
import { Vault, type RightsEvent } from '../../src/node/vault.js'
import { acquireLock } from '../../src/store/index.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'
import { CLOCK_SKEW_MS, issueCutoff, MAX_CUTOFF_DOCS, toHex, type Wallet } from '../../src/identity/index.js'

const { nodes, cleanups } = stopAfterEach()

const SESSION = 'agent:main:dnotes'

async function home (): Promise<string> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  return join(t.dir, 'home')
}

async function node (wallet: Wallet, h: string, label: string): Promise<TestNode> {
  const n = await startNode({ wallet, home: h, label })
  nodes.push(n)
  return n
}

async function stop (n: TestNode): Promise<void> {
  nodes.splice(nodes.indexOf(n), 1)
  await n.stop()
}

const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(SESSION))) return []
  const s = await n.vault.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

/** What `mesh init --read-only` does on an existing home: the wallet re-certifies the device, home locked. */
async function reEnrol (h: string, wallet: Wallet, opts: { readOnly?: boolean, expiresAt?: number }): Promise<HomeIdentity> {
  const lock = await acquireLock(h)
  try { return await enrol(h, wallet, { label: 'B', ...opts }) } finally { await lock.release() }
}

async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.node.dial(to.node.addresses()[0] as string)
  await until(() => from.node.libp2p.services.membership.isProven(to.node.libp2p.peerId), 'membership')
}

const FORTY = Array.from({ length: 40 }, (_, i) => `b${i}`)

/** A and B of one wallet, B's 40 messages held by both; returns the homes. */
async function fortyFromB (wallet: Wallet): Promise<{ a: TestNode, b: TestNode, ha: string, hb: string }> {
  const ha = await home()
  const hb = await home()
  const a = await node(wallet, ha, 'A')
  const b = await node(wallet, hb, 'B')
  await connect(b, a)
  const s = await b.vault.sessions.create(SESSION)
  for (const content of FORTY) await s.append({ role: 'user', content })
  await s.close()
  await until(async () => (await texts(a)).length === 40, 'A to hold B\'s 40 messages')
  return { a, b, ha, hb }
}

describe('a certificate change keeps what was written before it', () => {
  it('a writer re-enrolled read-only keeps its 40 messages on every node, itself included after restart; its new writes are refused', async () => {
    const wallet = generateWallet()
    const { a, b, ha, hb } = await fortyFromB(wallet)
    const bKey = b.vault.vault.identity.device.publicKey
    const sessionDoc = b.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey))
    await stop(b)
    const id = await reEnrol(hb, wallet, { readOnly: true })
    // The cutoff holds what B wrote: the session's creation and its 40 messages, in lane 0.
    expect(id.certificate.version).toBe(2)
    expect(id.cutoff?.docs.get(toHex(sessionDoc))?.lanes).toEqual([{ lane: 0, seq: 41n }])

    // B itself, reopened read-only: its history is there, writing is not.
    const b2 = await node(wallet, hb, 'B')
    expect(b2.vault.vault.writable).toBe(false)
    expect(await texts(b2)).toEqual(FORTY)
    const sb = await b2.vault.sessions.open(SESSION)
    await expect(sb.append({ role: 'user', content: 'after the downgrade' })).rejects.toMatchObject({ code: 'READ_ONLY' })
    await sb.close()

    // A learns the new certificate from B, and keeps the 40, live and after a restart.
    await connect(b2, a)
    await until(() => a.vault.vault.certs.cutoffOf(bKey) !== undefined && a.vault.vault.certs.get(bKey)?.capabilities.includes('write') === false, 'A to learn B\'s cutoff and new certificate')
    expect(await texts(a)).toEqual(FORTY)
    await stop(a)
    const a2 = await node(wallet, ha, 'A')
    expect(a2.vault.vault.certs.get(bKey)?.capabilities).toEqual(['read'])
    expect(await texts(a2)).toEqual(FORTY)

    // A device that joins later gets them from A (B is gone): they are valid history, not B's now.
    await stop(b2)
    const c = await node(wallet, await home(), 'C')
    await connect(c, a2)
    await until(async () => (await texts(c)).length === 40, 'C to receive B\'s 40 messages from A')
    expect(await texts(c)).toEqual(FORTY)
    expect(c.vault.vault.certs.get(bKey)?.capabilities).toEqual(['read'])
  })

  it('a replayed writer certificate is refused; a node that took its writes before learning of the downgrade drops them, keeps them from peers and loses nothing else', async () => {
    const wallet = generateWallet()
    const { a, b, hb } = await fortyFromB(wallet)
    await stop(b)
    // A copy of B's home from before the downgrade: B's key with its old writer certificate.
    const stale = await home()
    await cp(hb, stale, { recursive: true })
    await reEnrol(hb, wallet, { readOnly: true })
    const b2 = await node(wallet, hb, 'B')
    await connect(b2, a)
    const bKey = b2.vault.vault.identity.device.publicKey
    await until(() => a.vault.vault.certs.cutoffOf(bKey) !== undefined && a.vault.vault.certs.get(bKey)?.capabilities.includes('write') === false, 'A to learn B\'s cutoff and new certificate')
    await stop(b2)

    // A knows the newer certificate: the replayed one is refused at membership.
    const old = await node(wallet, stale, 'B-old')
    expect(old.vault.vault.writable).toBe(true)
    await old.node.dial(a.node.addresses()[0] as string).catch(() => {})
    await until(() => a.events.some(e => e.type === 'refused' && /superseded/i.test(JSON.stringify(e))), 'A to refuse the replayed certificate')
    expect(a.node.libp2p.services.membership.isProven(old.node.libp2p.peerId)).toBe(false)

    // N has never seen the newer certificate: it takes the old one, and 5 new writes.
    const n = await node(wallet, await home(), 'N')
    await connect(n, old)
    await until(async () => (await texts(n)).length === 40, 'N to receive the 40')
    const so = await old.vault.sessions.open(SESSION)
    for (let i = 0; i < 5; i++) await so.append({ role: 'user', content: `late${i}` })
    await until(async () => (await texts(n)).length === 45, 'N to take the 5 late writes')
    const held = await n.vault.sessions.open(SESSION)
    expect(held.messageCount()).toBe(45)

    // N meets A and learns the downgrade: the late writes leave N's document, N's peers never get them.
    const rights: RightsEvent[] = []
    n.vault.vault.on('rights', e => rights.push(e))
    await connect(n, a)
    await until(() => n.vault.vault.certs.get(bKey)?.capabilities.includes('write') === false, 'N to learn B\'s newer certificate')
    // The handle N held open throws why its document was reloaded (the replica's discard path).
    await until(() => { try { held.messageCount(); return false } catch { return true } }, 'N to reload the document it held open')
    expect(() => held.messageCount()).toThrow(/reloaded/)
    await until(() => rights.some(e => e.reloaded.length > 0), 'N to report the change of B\'s rights')
    expect(rights.find(e => e.reloaded.length > 0)).toMatchObject({ label: 'B', capabilities: ['read'], reloaded: [DOC_NAMES.session(SESSION as SessionKey)] })
    await held.close().catch(() => {})
    await until(async () => (await texts(n)).length === 40, 'N to drop the 5 late writes')
    expect(await texts(n)).toEqual(FORTY)
    // The stale home learns of its newer certificate from N and stops writing; an entry it
    // signs anyway, past its cutoff, is refused by N.
    await until(() => !old.vault.vault.writable, 'the stale home to learn it is superseded')
    await so.close().catch(() => {})
    const late = sealUpdate({ keys: old.vault.vault.identity.keys, signer: old.vault.vault.identity.device.signer }, old.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey)), 47n, new Uint8Array([0, 0]))
    await expect(n.vault.vault.accept(late.bytes, old.node.libp2p.peerId.toString())).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
    const c = await node(wallet, await home(), 'C')
    await connect(c, n)
    await until(async () => (await texts(c)).length === 40, 'C to receive the 40 from N')
    expect(await texts(c)).toEqual(FORTY)
    expect(await texts(a)).toEqual(FORTY)
    expect(await texts(n)).toEqual(FORTY)
    // N held the late writes back: neither A nor C was ever sent one to refuse. (A did refuse the
    // superseded certificate itself, sent in N's hello before N knew better.)
    expect([...a.events, ...c.events].filter(e => e.type === 'entry-refused' && !e.reason.startsWith('certificate:'))).toEqual([])
    // And after a restart: nothing of the 40 is lost, nothing of the rest comes back.
    const hn = n.home
    await stop(n)
    const n2 = await node(wallet, hn, 'N')
    expect(await texts(n2)).toEqual(FORTY)
  })

  it('a device whose certificate expired opens its own home and reads, cannot write, and peers keep its history', async () => {
    const wallet = generateWallet()
    const ha = await home()
    const hb = await home()
    const a = await node(wallet, ha, 'A')
    // B's certificate expires in a few seconds (real clock; nothing here is timed).
    const expiresAt = Date.now() + 4000
    const vb = await openVault({ home: hb, wallet, label: 'B' })
    await vb.close()
    await reEnrol(hb, wallet, { expiresAt })
    const b = await node(wallet, hb, 'B')
    await connect(b, a)
    const s = await b.vault.sessions.create(SESSION)
    for (const content of FORTY.slice(0, 10)) await s.append({ role: 'user', content })
    await s.close()
    await until(async () => (await texts(a)).length === 10, 'A to hold B\'s 10 messages')
    await stop(b)
    await until(() => Date.now() > expiresAt + 50, 'B\'s certificate to expire', 10_000)

    const b2 = await openVault({ home: hb })
    cleanups.push(async () => { await b2.close() })
    expect(b2.vault.writable).toBe(false)
    expect(b2.vault.notWritable).toBe('expired')
    const sb = await b2.sessions.open(SESSION)
    expect(sb.messages().map(m => m.content)).toEqual(FORTY.slice(0, 10))
    // Refused as READ_ONLY (what every caller handles), said as what it is.
    await expect(sb.append({ role: 'user', content: 'expired' })).rejects.toMatchObject({ code: 'READ_ONLY', details: { reason: 'expired' }, message: expect.stringContaining('expired at') })
    await sb.close()
    await b2.close()

    // Renewed with the wallet: it writes again, after what it wrote before.
    await reEnrol(hb, wallet, { expiresAt: Date.now() + 3_600_000 })
    const b3 = await openVault({ home: hb })
    cleanups.push(async () => { await b3.close() })
    const s3 = await b3.sessions.open(SESSION)
    await s3.append({ role: 'user', content: 'renewed' })
    expect(s3.messages().map(m => m.content)).toEqual([...FORTY.slice(0, 10), 'renewed'])
    await s3.close()

    await stop(a)
    const a2 = await node(wallet, ha, 'A')
    expect(await texts(a2)).toEqual(FORTY.slice(0, 10))
  })

  it('a peer with a clock 11 minutes slow refuses a certificate expired past the tolerance, and accepts one within it', async () => {
    const wallet = generateWallet()
    const MIN = 60_000
    const started: Array<{ node: MeshNode, vault: Vault }> = []
    cleanups.push(async () => { for (const x of started.reverse()) { await x.node.stop(); await x.vault.close() } })
    const start = async (label: string, opts: { expiresAt?: number, clock?: () => number }): Promise<{ node: MeshNode, events: NodeEvent[] }> => {
      const vault = await Vault.open({ home: await home(), wallet, enrol: { label, expiresAt: opts.expiresAt }, clock: opts.clock })
      const n = await MeshNode.start(vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
      started.push({ node: n, vault })
      const events: NodeEvent[] = []
      n.on('event', e => events.push(e))
      return { node: n, events }
    }
    // A's clock is 11 minutes behind. Its own certificate, issued by the wallet just now, tells
    // it the time cannot be that early.
    const a = await start('A', { clock: () => Date.now() - 11 * MIN })
    const gone = await start('B', { expiresAt: Date.now() - CLOCK_SKEW_MS - MIN })
    const late = await start('C', { expiresAt: Date.now() - 2 * MIN })
    await gone.node.dial(a.node.addresses()[0] as string).catch(() => {})
    await until(() => a.events.some(e => e.type === 'refused' && /expired/.test(e.reason)), 'A to refuse B\'s expired certificate')
    expect(a.node.libp2p.services.membership.isProven(gone.node.libp2p.peerId)).toBe(false)
    await late.node.dial(a.node.addresses()[0] as string)
    await until(() => a.node.libp2p.services.membership.isProven(late.node.libp2p.peerId), 'A to accept C, expired within the tolerance')
  })

  it('large cutoffs travel in frames of bounded size: a hello holding 8 cutoffs of 4,096 documents each still syncs', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'A')
    const b = await node(wallet, await home(), 'B')
    const device = b.vault.vault.identity.device.publicKey
    for (let i = 0; i < 8; i++) {
      const docs = Array.from({ length: MAX_CUTOFF_DOCS }, () => ({ doc: randomBytes(32), lanes: [{ lane: i, seq: 1000n }] }))
      await a.vault.vault.addCertificate(issueCutoff(wallet, { device, issuedAt: Date.now(), docs, snapshotsThrough: 0n }).bytes)
    }
    const sizes = a.vault.vault.certs.records().map(r => r.byteLength)
    expect(sizes.reduce((x, y) => x + y, 0)).toBeGreaterThan(1024 * 1024 + 64 * 1024)
    const s = await a.vault.sessions.create(SESSION)
    await s.append({ role: 'user', content: 'after the cutoffs' })
    await s.close()
    await connect(b, a)
    await until(async () => (await texts(b)).length === 1, 'B to receive A\'s message')
    expect(b.vault.vault.certs.records().length).toBe(a.vault.vault.certs.records().length)
  })
})
