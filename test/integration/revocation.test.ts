/**
 * Revocation the way a user meets it (issue 14 §3), with real homes and real libp2p nodes on
 * loopback: a laptop enrolled by the desktop (no wallet) is revoked; every connected peer cuts it
 * off at once and refuses it at membership; its later entries are refused by every peer, also
 * when a stale node that took them forwards them; it can open nothing written after the rotation
 * (checked against an oracle: it could read before); a rotation owed by a revoker that cannot
 * write is discharged by another device before its next write; two admins revoking concurrently
 * in a partition converge, and entries under both new epochs are readable by both.
 */
import { join } from 'node:path'
import { KEEP_ALIVE } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, openUpdates, sealUpdate, type SessionKey } from '../../crdt/index.js'
import {
  deviceKem, generateDeviceKey, parseTrustedEntry, toHex, type Wallet
} from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const SESSION = 'agent:main:revoked'

async function home (): Promise<string> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  return join(t.dir, 'home')
}

async function node (wallet: Wallet, h: string, label: string, readOnly?: boolean): Promise<TestNode> {
  const n = await startNode({ wallet, home: h, label, readOnly })
  nodes.push(n)
  return n
}

async function stop (n: TestNode): Promise<void> {
  nodes.splice(nodes.indexOf(n), 1)
  await n.stop()
}

/** What pairing does on the new machine once approved: a home made from the admin's enrolment, no wallet involved. */
async function enrolledBy (admin: TestNode, label: string, caps: Array<'read' | 'write'> = ['read', 'write']): Promise<string> {
  const h = await home()
  const device = await generateDeviceKey()
  const v = admin.vault.vault
  const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: caps, label })
  await writeEnrolledHome(h, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
  return h
}

async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.node.dial(to.node.addresses()[0] as string)
  await until(() => from.node.libp2p.services.membership.isProven(to.node.libp2p.peerId), 'membership')
}

const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(SESSION))) return []
  const s = await n.vault.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

async function write (n: TestNode, contents: string[]): Promise<void> {
  const s = (await n.vault.sessions.exists(SESSION)) ? await n.vault.sessions.open(SESSION) : await n.vault.sessions.create(SESSION)
  try { for (const content of contents) await s.append({ role: 'user', content }) } finally { await s.close() }
}

const idOf = (n: TestNode): string => n.node.libp2p.peerId.toString()
const keyOf = (n: TestNode): Uint8Array => n.vault.vault.identity.device.publicKey

/** Every entry of the session doc `n` stores by `author`, as bytes. */
async function entriesBy (n: TestNode, author: Uint8Array): Promise<Uint8Array[]> {
  const doc = n.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey))
  const out: Uint8Array[] = []
  for await (const b of n.vault.vault.store.uncovered(doc)) if (toHex(parseTrustedEntry(b).author) === toHex(author)) out.push(b)
  return out
}

describe('revocation', () => {
  it('every connected peer cuts the revoked laptop off at once; its later entries are refused everywhere; it opens nothing written after the rotation', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const c = await node(wallet, await home(), 'server')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    expect(b.vault.vault.identity.certificate.version).toBe(3)
    await connect(c, a)
    await connect(b, a)
    await connect(b, c)
    await write(b, ['b0', 'b1', 'b2'])
    await until(async () => (await texts(a)).length === 3 && (await texts(c)).length === 3, 'A and C to hold the laptop\'s 3 messages')
    // The oracle: the laptop reads what the desktop writes, before the revocation.
    await write(a, ['a-before'])
    await until(async () => (await texts(b)).includes('a-before'), 'the laptop to read the desktop before the revocation')

    const { epoch } = await a.vault.vault.revoke([keyOf(b)], { reason: 'stolen' })
    expect(epoch).toBeGreaterThanOrEqual(256)
    // Cut off by both: A at once, C as soon as the revoke reaches it (pushed live).
    await until(() => b.node.libp2p.getConnections().length === 0, 'every peer to close its connections to the laptop')
    expect(c.vault.vault.certs.isRevoked(keyOf(b))).toBe(true)
    await until(() => c.vault.vault.identity.keys.epochs.has(epoch as number), 'C to unwrap the new epoch key')
    expect(b.vault.vault.identity.keys.epochs.has(epoch as number)).toBe(false)

    // The laptop dials back: refused at membership by both.
    await b.node.dial(a.node.addresses()[0] as string).catch(() => {})
    await b.node.dial(c.node.addresses()[0] as string).catch(() => {})
    await until(() => a.events.some(e => e.type === 'refused' && e.peerId === idOf(b)) && c.events.some(e => e.type === 'refused' && e.peerId === idOf(b)), 'A and C to refuse the laptop')
    expect(a.node.libp2p.services.membership.isProven(b.node.libp2p.peerId)).toBe(false)

    // Written after the rotation: sealed under the new epoch, which the laptop cannot open.
    await write(a, ['a-after'])
    await until(async () => (await texts(c)).includes('a-after'), 'C to read what A wrote after the rotation')
    const after = (await entriesBy(a, keyOf(a))).map(parseTrustedEntry).filter(e => e.epoch === epoch)
    expect(after.length).toBeGreaterThan(0)
    for (const e of after) expect(() => openUpdates(b.vault.vault.identity.keys, e)).toThrow(expect.objectContaining({ code: 'UNKNOWN_EPOCH' }))
    await expect(b.vault.vault.accept((after[0] as { bytes: Uint8Array }).bytes)).rejects.toMatchObject({ code: 'UNKNOWN_EPOCH' })

    // What the laptop wrote before stays; an entry it signs now is refused, straight or forwarded.
    expect((await texts(c)).slice(0, 3)).toEqual(['b0', 'b1', 'b2'])
    const doc = b.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey))
    const late = sealUpdate({ keys: b.vault.vault.identity.keys, signer: b.vault.vault.identity.device.signer }, doc, 99n, new Uint8Array([0, 0]))
    await expect(a.vault.vault.accept(late.bytes, idOf(b))).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
    await expect(c.vault.vault.accept(late.bytes, idOf(a))).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
  })

  it('a stale node that took the revoked laptop\'s late writes drops them once it learns, and never forwards them', async () => {
    const wallet = generateWallet()
    const ha = await home()
    let a = await node(wallet, ha, 'desktop')
    const hb = await enrolledBy(a, 'laptop')
    const bKey = await readKey(hb)
    let b = await node(wallet, hb, 'laptop')
    let s = await node(wallet, await home(), 'stale')
    const hs = s.home
    await connect(b, a)
    await connect(s, a)
    await write(b, ['b0', 'b1'])
    await until(async () => (await texts(s)).length === 2 && (await texts(a)).length === 2, 'A and S to hold the laptop\'s 2 messages')
    // The laptop is stolen while offline; S is offline too and will not hear of it for a while.
    await stop(b)
    await stop(s)
    await a.vault.vault.revoke([bKey], { reason: 'stolen' })
    await write(a, ['a-after'])
    await stop(a)

    // The thief brings the laptop up with S (which does not know): S takes its late writes.
    b = await node(wallet, hb, 'laptop')
    s = await node(wallet, hs, 'stale')
    await connect(b, s)
    // Large: with them S's catch-up of the session would be announced as a transfer of its own.
    const pad = 'x'.repeat(300 * 1024)
    await write(b, [`late0${pad}`, `late1${pad}`])
    await until(async () => (await texts(s)).length === 4, 'S to take the late writes')
    await stop(b)

    // S meets A: the registry comes first, S drops the late writes and forwards nothing of them.
    a = await node(wallet, ha, 'desktop')
    await connect(s, a)
    await until(() => s.vault.vault.certs.isRevoked(bKey), 'S to learn of the revocation')
    await until(async () => (await texts(s)).includes('a-after'), 'S to read what A wrote after the rotation')
    await until(async () => !(await texts(s)).some(t => t.startsWith('late0')), 'S to drop the late writes')
    const c = await node(wallet, await home(), 'fresh')
    await connect(c, s)
    await until(async () => (await texts(c)).includes('a-after'), 'a fresh node to sync from S')
    expect(await texts(c)).toEqual(['b0', 'b1', 'a-after'])
    expect(await texts(a)).toEqual(['b0', 'b1', 'a-after'])
    // S's catch-up announced only what it sent (not the late writes it holds back): the transfer
    // ends on both sides, and neither shows it in flight for as long as they stay connected.
    await until(() => c.node.transfers().length === 0 && s.node.transfers().length === 0, 'the catch-up from S to end on both sides')
    await until(async () => (await s.node.peers()).find(p => p.peerId === idOf(c))?.inSync === true, 'S to show the fresh node in sync')
  })

  it('a rotation owed by a revoker that cannot write is discharged by another device before its next write', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const w = await node(wallet, await enrolledBy(a, 'watcher', ['read']), 'watcher')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    await connect(w, a)
    await connect(b, a)
    await write(b, ['b0'])
    await until(async () => (await texts(w)).length === 1, 'the watcher to hold the laptop\'s message')
    await stop(a) // the only admin is away: the wallet signs, the read-only watcher publishes
    const c = await node(wallet, await home(), 'server')
    await connect(c, w)
    await until(async () => (await texts(c)).length === 1, 'C to sync from the watcher')
    expect(c.vault.vault.beforeWrite()).toBe(undefined)
    const { op, epoch } = await w.vault.vault.revoke([keyOf(b)], { wallet, reason: 'stolen' })
    expect(epoch).toBe(undefined)
    expect(w.vault.vault.certs.state.owed.map(o => o.id)).toEqual([op.id])
    await until(() => c.vault.vault.certs.isRevoked(keyOf(b)), 'C to learn of the revocation')
    // C discharges it before its own next write (or earlier, after its random delay).
    await write(c, ['c-after'])
    expect(c.vault.vault.certs.state.owed).toEqual([])
    const mine = (await entriesBy(c, keyOf(c))).map(parseTrustedEntry)
    expect(mine.every(e => e.epoch >= 256)).toBe(true)
    await until(() => w.vault.vault.certs.state.owed.length === 0, 'the watcher to see the debt discharged')
    await until(async () => (await texts(w)).includes('c-after'), 'the watcher to read the new epoch')
    expect(b.vault.vault.identity.keys.epochs.has(mine[0]?.epoch as number)).toBe(false)
  })

  it('two admins revoking in a partition converge; entries under both new epochs are read by both', async () => {
    const wallet = generateWallet()
    let a = await node(wallet, await home(), 'desktop')
    let c = await node(wallet, await home(), 'server')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    const x = await node(wallet, await enrolledBy(a, 'tablet'), 'tablet')
    await connect(c, a)
    await connect(b, a)
    await connect(x, a)
    await until(() => c.vault.vault.certs.get(keyOf(b)) !== undefined && c.vault.vault.certs.get(keyOf(x)) !== undefined, 'C to know both devices')
    await stop(b)
    await stop(x)
    // The partition: never online together (a hang-up alone is undone by the redial of a
    // remembered peer). C goes offline while A revokes and writes, then A while C does.
    const cHome = c.home
    const aHome = a.home
    await stop(c)
    const ra = await a.vault.vault.revoke([keyOf(b)], { reason: 'lost' })
    await write(a, ['a-part'])
    await stop(a)
    c = await node(wallet, cHome, 'server')
    const rc = await c.vault.vault.revoke([keyOf(x)], { reason: 'sold' })
    await write(c, ['c-part'])
    a = await node(wallet, aHome, 'desktop')
    await connect(c, a)
    await until(async () => (await texts(a)).length === 2 && (await texts(c)).length === 2, 'both to read both partition writes')
    const sa = a.vault.vault.certs.state
    const sc = c.vault.vault.certs.state
    expect(sa.applied.map(o => o.id)).toEqual(sc.applied.map(o => o.id))
    expect([sa.devices.get(toHex(keyOf(b)))?.active, sa.devices.get(toHex(keyOf(x)))?.active]).toEqual([false, false])
    // Both epochs are known to both; each rotation wrapped to the device the other revoked, so a
    // rotation that excludes both is still owed, and the next write of either discharges it.
    for (const e of [ra.epoch, rc.epoch]) for (const n of [a, c]) expect(n.vault.vault.identity.keys.epochs.has(e as number)).toBe(true)
    await write(a, ['a-healed'])
    await until(() => c.vault.vault.certs.state.owed.length === 0 && a.vault.vault.certs.state.owed.length === 0, 'the debt both partitions left to be discharged')
    await until(async () => (await texts(c)).includes('a-healed'), 'C to read the healed epoch')
  })

  it('a revoked sibling the DHT tagged keep-alive is not redialed in a loop by the revoker', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    await connect(b, a)
    // What kad-dht's closest-peers tagger does to the peers nearest in its table (refreshed only
    // every 10 minutes): libp2p then redials the peer at once whenever it disconnects.
    await a.node.libp2p.peerStore.merge(b.node.libp2p.peerId, { tags: { [`${KEEP_ALIVE}-kad-dht`]: { value: 50 } } })
    await a.vault.vault.revoke([keyOf(b)], { reason: 'stolen' })
    await until(() => a.events.some(e => e.type === 'refused' && e.peerId === idOf(b)), 'A to refuse the laptop once')
    await new Promise(resolve => setTimeout(resolve, 4000))
    // A dial the gate refuses still counts as a connection made: without dropping the tag, A
    // redialed the laptop dozens of times a second.
    expect(a.events.filter(e => e.type === 'refused' && e.peerId === idOf(b)).length).toBeLessThanOrEqual(3)
    const tags = (await a.node.libp2p.peerStore.get(b.node.libp2p.peerId)).tags
    expect([...tags.keys()].some(k => k.startsWith(KEEP_ALIVE))).toBe(false)
  })
})

async function readKey (h: string): Promise<Uint8Array> {
  const { deviceKeyFromBytes } = await import('../../src/identity/index.js')
  const { readHomeFile } = await import('../../src/store/index.js')
  return deviceKeyFromBytes(await readHomeFile(h, 'deviceKey')).publicKey
}
