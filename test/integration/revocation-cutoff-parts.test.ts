/**
 * A device that wrote to 5,000 documents (more than one cutoff record names: crdt/SPEC.md §Cutoff
 * parts), with real homes and libp2p nodes on loopback. Revoked by the desktop through the node's
 * own path, its cutoff goes out as the revoke and two parts: its entries up to the cutoff stay in
 * every document, a later one in any of them (the first part's, the last part's) is refused, a
 * member that joins later learns the revoke with every part from the desktop and takes the same
 * entries, a vault missing a part admits nothing beyond the parts it holds (what the missing part
 * keeps waits for it), and the revoked laptop is told the revoke with every part. Re-enrolled with the wallet
 * (read-only), the same device's cutoff is a version 3 head and its parts, which a peer learns
 * before it judges the device's entries.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deviceKem, generateDeviceKey, parseStreamKey, toHex, type DeviceKey, type VaultKeys, type Wallet } from '../../src/identity/index.js'
import { enrol, writeEnrolledHome } from '../../src/node/enrol.js'
import type { Vault } from '../../src/node/vault.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const DOCS = 5000
const LAST = DOCS - 1
const docOf = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`parts doc ${i}`).digest())
/** An empty Yjs update: a valid entry whatever the document. */
const EMPTY_UPDATE = new Uint8Array([0, 0])

async function home (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return join(t.dir, 'home') }
async function node (wallet: Wallet, h: string, label: string, readOnly?: boolean): Promise<TestNode> { const n = await startNode({ wallet, home: h, label, readOnly }); nodes.push(n); return n }
async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.node.dial(to.node.addresses()[0] as string)
  await until(() => from.node.libp2p.services.membership.isProven(to.node.libp2p.peerId), 'membership')
}

/** What pairing does on the new machine once approved: a home made from the admin's enrolment. */
async function enrolledBy (admin: TestNode, label: string): Promise<{ home: string, device: DeviceKey }> {
  const h = await home()
  const device = await generateDeviceKey()
  const v = admin.vault.vault
  const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label })
  await writeEnrolledHome(h, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
  return { home: h, device }
}

/** Entry `seq` of `device` in document i (lane 0). */
const entry = (keys: VaultKeys, device: DeviceKey, i: number, seq: bigint): Uint8Array => sealUpdate({ keys, signer: device.signer }, docOf(i), seq, EMPTY_UPDATE).bytes

/** One entry in each of the 5,000 documents, three in the last, admitted by `v` (200 at a time: the store commits them in groups). */
async function writeEverywhere (v: Vault, keys: VaultKeys, device: DeviceKey): Promise<Uint8Array[]> {
  const all = [...Array.from({ length: DOCS }, (_, i) => entry(keys, device, i, 1n)), entry(keys, device, LAST, 2n), entry(keys, device, LAST, 3n)]
  for (let i = 0; i < all.length; i += 200) await Promise.all(all.slice(i, i + 200).map(async b => await v.accept(b)))
  return all
}

/** How many of the 5,000 documents `v` holds entries of `author` in. */
function docsHeldOf (v: Vault, author: Uint8Array): number {
  const want = new Set(Array.from({ length: DOCS }, (_, i) => toHex(docOf(i))))
  let n = 0
  for (const doc of v.store.docIds()) {
    if (!want.has(toHex(doc))) continue
    if ([...v.store.vector(doc).keys()].some(k => toHex(parseStreamKey(k).author) === toHex(author))) n++
  }
  return n
}

describe('revoking a device that wrote to 5,000 documents', () => {
  it('the cutoff goes out in parts; entries up to it stay in every document, later ones are refused everywhere; peers learn every part', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const b = await enrolledBy(a, 'laptop')
    const keys = a.vault.vault.identity.keys
    const written = await writeEverywhere(a.vault.vault, keys, b.device)
    expect(docsHeldOf(a.vault.vault, b.device.publicKey)).toBe(DOCS)

    // Stolen: the desktop revokes it through the node's path; its cutoff spans two parts.
    const { op } = await a.vault.vault.revoke([b.device.publicKey], { reason: 'stolen' })
    expect(op.revoke?.devices[0]?.docs).toEqual([])
    expect(op.revoke?.devices[0]?.parts).toHaveLength(2)
    expect(op.cutoffParts).toHaveLength(2)
    expect(op.bytes.byteLength).toBeLessThan(4096)

    const later = [entry(keys, b.device, 0, 2n), entry(keys, b.device, 1, 2n), entry(keys, b.device, LAST, 4n), entry(keys, b.device, 4200, 2n)]
    for (const e of later) await expect(a.vault.vault.accept(e)).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
    // Up to the cutoff, in a first-part and a last-part document: held, a duplicate when shown again.
    for (const e of [written[0] as Uint8Array, written[written.length - 1] as Uint8Array]) expect((await a.vault.vault.accept(e)).result).toBe('duplicate')

    // A vault that holds the revoke but not yet its parts: nothing of the laptop beyond the held
    // parts is admitted; what they keep waits (MISSING_CAPABILITY) until they arrive, then it is taken.
    const e = await openVault({ home: await home(), wallet, label: 'partial' })
    try {
      for (const r of a.vault.vault.certs.records()) if (!op.cutoffParts.some(p => toHex(p) === toHex(r))) await e.vault.addCertificate(r)
      expect(e.vault.certs.isRevoked(b.device.publicKey)).toBe(true)
      const [p0, p1] = op.cutoffParts as [Uint8Array, Uint8Array]
      await expect(e.vault.addCertificate(p1)).resolves.toBeUndefined()
      await expect(e.vault.accept(written[0] as Uint8Array)).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
      await expect(e.vault.accept(later[3] as Uint8Array)).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
      expect((await e.vault.accept(written[written.length - 1] as Uint8Array)).result).toBe('stored')
      await e.vault.addCertificate(p0)
      expect((await e.vault.accept(written[0] as Uint8Array)).result).toBe('stored')
      for (const x of later) await expect(e.vault.accept(x)).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
    } finally { await e.close() }

    // A member that joins afterwards learns the revoke and both parts from the desktop, and takes every document.
    const c = await node(wallet, await home(), 'server')
    await connect(c, a)
    await until(() => c.vault.vault.certs.isRevoked(b.device.publicKey), 'the server to learn of the revocation')
    const held = (n: TestNode): number => op.cutoffParts.filter(p => n.vault.vault.certs.records().some(r => toHex(r) === toHex(p))).length
    await until(() => held(c) === 2, 'the server to hold both parts')
    await until(() => docsHeldOf(c.vault.vault, b.device.publicKey) === DOCS, 'the server to take the laptop\'s entries in all 5,000 documents')
    expect(c.vault.vault.store.maxSeq(docOf(LAST), b.device.publicKey, 0)).toBe(3)
    for (const e of later) await expect(c.vault.vault.accept(e)).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
    for (const n of [a, c]) expect(n.events.filter(e => e.type === 'entry-refused')).toEqual([])

    // The laptop comes back: it is told its revocation, with every part.
    const bn = await node(wallet, b.home, 'laptop')
    await bn.node.dial(a.node.addresses()[0] as string).catch(() => { /* refused once told: the record is what matters */ })
    await until(() => bn.vault.vault.certs.isRevoked(b.device.publicKey), 'the laptop to be told of its revocation')
    await until(() => held(bn) === 2, 'the laptop to hold both parts')
    expect(() => bn.vault.vault.certs.judgeUpdate({ author: b.device.publicKey, doc: docOf(LAST), lane: 0, seq: 3n, epoch: 0 }, { at: 'receive' })).not.toThrow()
    expect(() => bn.vault.vault.certs.judgeUpdate({ author: b.device.publicKey, doc: docOf(LAST), lane: 0, seq: 4n, epoch: 0 }, { at: 'receive' })).toThrow(expect.objectContaining({ code: 'REVOKED_AUTHOR' }))
  })
})

describe('re-enrolling a device that wrote to 5,000 documents', () => {
  it('`mesh init` again with the wallet (read-only) signs its cutoff as a head and parts; a peer keeps what it wrote, refuses what it writes after', async () => {
    const wallet = generateWallet()
    const hb = await home()
    const first = await enrol(hb, wallet, { label: 'laptop' })
    const v = await openVault({ home: hb })
    try { await writeEverywhere(v.vault, first.keys, first.device) } finally { await v.close() }

    const id = await enrol(hb, wallet, { label: 'laptop', readOnly: true })
    expect(id.certificate.version).toBe(2)
    expect(id.cutoff?.parts).toHaveLength(2)
    expect((id.cutoff?.partRecords ?? []).reduce((n, p) => n + p.docs.size, 0)).toBe(DOCS)

    const b = await node(wallet, hb, 'laptop', true)
    const d = await node(wallet, await home(), 'desktop')
    await connect(d, b)
    const key = id.device.publicKey
    await until(() => docsHeldOf(d.vault.vault, key) === DOCS, 'the desktop to take the laptop\'s entries in all 5,000 documents')
    expect(d.vault.vault.store.maxSeq(docOf(LAST), key, 0)).toBe(3)
    expect(d.events.filter(e => e.type === 'entry-refused')).toEqual([])
    // What it writes after its downgrade, in a last-part document, is refused by the desktop.
    await expect(d.vault.vault.accept(entry(first.keys, first.device, LAST, 4n))).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
    await expect(d.vault.vault.accept(entry(first.keys, first.device, 0, 2n))).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
  })
})
