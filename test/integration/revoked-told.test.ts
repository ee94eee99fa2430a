/**
 * A revoked device learns it was revoked (issue 14 §3), with real homes and real libp2p nodes on
 * loopback. The membership gate refuses a revoked device before any certificate moves; instead of
 * its certificate, the member sends the signed revocation (the revoke and its causal past). The
 * revoked node verifies it, records it in its registry (it survives a restart), refuses its own
 * writes with DEVICE_REVOKED naming who revoked it and when, reports it once, and dials no one
 * again. Checked with the laptop online during the revocation and offline during it, and told by
 * the blind mirror when the revoker is away. What it wrote apart after its revocation, before it
 * knew, stays readable on it alone and is said (how many entries, which documents).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MEMBERSHIP_PROTOCOL } from '../../protocols/membership/index.js'
import { MembershipMessage } from '../../protocols/membership/pb/membership.js'
import { membershipTag, NONCE_BYTES } from '../../protocols/membership/proof.js'
import { deviceKem, generateDeviceKey, membershipKey, type Wallet } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import type { NodeEvent } from '../../src/node/mesh.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const SESSION = 'agent:main:told'

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

/** What pairing does on the new machine once approved: a home from the admin's enrolment, no wallet. */
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

async function write (n: TestNode, content: string): Promise<void> {
  const s = (await n.vault.sessions.exists(SESSION)) ? await n.vault.sessions.open(SESSION) : await n.vault.sessions.create(SESSION)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

const idOf = (n: TestNode): string => n.node.libp2p.peerId.toString()
const keyOf = (n: TestNode): Uint8Array => n.vault.vault.identity.device.publicKey
const refusalsOf = (n: TestNode, peer: TestNode): number => n.events.filter(e => e.type === 'refused' && e.peerId === idOf(peer)).length
const revokedEvents = (n: TestNode): number => n.events.filter(e => e.type === 'revoked').length

/** What the laptop must show once it knows: revoked by the desktop, writes refused with DEVICE_REVOKED. */
async function expectToldBy (b: TestNode, by: string, reason: string): Promise<void> {
  const v = b.vault.vault
  expect(v.certs.isRevoked(keyOf(b))).toBe(true)
  expect(v.certs.revocationOf(keyOf(b))).toMatchObject({ by: [by], reason })
  expect(b.node.revoked).toMatchObject({ by: [by], reason })
  expect(v.writable).toBe(false)
  const err = await write(b, 'after being told').then(() => undefined, (e: unknown) => e)
  expect(err).toMatchObject({ code: 'DEVICE_REVOKED' })
  expect((err as Error).message).toMatch(new RegExp(`was revoked by ${by} at .*\\(${reason}\\)`))
  expect(revokedEvents(b)).toBe(1)
  // A session it has not got is not said to be on its way.
  await expect(b.vault.sessions.open('agent:main:never-here')).rejects.toThrow(/this device was revoked: no sibling sends it anything now/)
}

describe('a revoked device is told', () => {
  it('online during the revocation: cut off, then told at the gate when it redials; it records it, refuses its writes and stops dialing', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    await connect(b, a)
    await write(b, 'before')
    expect(b.vault.vault.writable).toBe(true)
    // What a front-end (dashboard, MCP) hears: one device.revoked event.
    const { createLocalApi } = await import('../../src/api/local.js')
    const api = await createLocalApi({ vault: b.vault, node: b.node })
    cleanups.unshift(async () => { await api.close() })
    const heard: unknown[] = []
    api.subscribe((r) => { if (r.event.type === 'device.revoked') heard.push(r.event) })

    await a.vault.vault.revoke([keyOf(b)], { reason: 'stolen' })
    // Hung up at once; the laptop redials its remembered sibling and is told at the gate (or got the
    // revoke pushed live just before the hang-up): either way it learns.
    await until(() => b.node.revoked !== undefined, 'the laptop to learn it was revoked')
    await expectToldBy(b, 'desktop', 'stolen')
    expect(b.events.find(e => e.type === 'revoked')).toMatchObject({ type: 'revoked', by: ['desktop'], reason: 'stolen' })
    expect(heard).toEqual([expect.objectContaining({ type: 'device.revoked', by: ['desktop'], reason: 'stolen' })])

    // It dials no one from now on: the desktop sees no new attempt from it while it would have
    // redialed several times (1 s back-off, doubling) had it not stopped.
    await until(() => b.node.libp2p.getConnections().length === 0, 'the laptop to hold no connection')
    const seen = refusalsOf(a, b)
    await new Promise(resolve => setTimeout(resolve, 4000))
    expect(refusalsOf(a, b)).toBe(seen)
    expect(b.node.libp2p.getConnections().length).toBe(0)
    // Its status says it was revoked, and no rotation owed: the desktop rotated, after the revoke
    // the laptop was sent (a newcomer's revoked laptop read 'rotation: owed').
    const s = await api.call('node.status', {})
    expect(s.revoked).toMatchObject({ by: ['desktop'], reason: 'stolen' })
    expect(s).not.toHaveProperty('rotationOwed')
  }, 60_000)

  it('offline during the revocation: told at the gate when it comes back; recorded, so a restart still knows and dials no one', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const hb = await enrolledBy(a, 'laptop')
    let b = await node(wallet, hb, 'laptop')
    await connect(b, a)
    await write(b, 'before')
    await until(() => a.vault.vault.store.docIds().length > 0, 'the desktop to hold the laptop\'s session')
    await stop(b)

    await a.vault.vault.revoke([await laptopKey(a, 'laptop')], { reason: 'lost' })
    await write(a, 'after')

    // The laptop comes back and dials its remembered sibling: the gate sends the revocation.
    b = await node(wallet, hb, 'laptop')
    await until(() => b.node.revoked !== undefined, 'the laptop to be told at the gate')
    await expectToldBy(b, 'desktop', 'lost')
    expect(b.events.find(e => e.type === 'revoked')).toMatchObject({ from: idOf(a) })
    expect(a.node.libp2p.services.membership.isProven(b.node.libp2p.peerId)).toBe(false)
    // Each side's refusal names the other by the label it knew (join prints `peer refused  desktop (…)`).
    await until(() => b.events.some(e => e.type === 'refused' && e.peerId === idOf(a)), 'the laptop to refuse the desktop')
    expect(b.events.find(e => e.type === 'refused' && e.peerId === idOf(a))).toMatchObject({ label: 'desktop', reason: 'it says this device was revoked' })
    expect(a.events.find(e => e.type === 'refused' && e.peerId === idOf(b))).toMatchObject({ label: 'laptop' })
    // Only what shows the revocation came: nothing written or rotated after it.
    expect(b.vault.vault.certs.state.epochs.size).toBe(0)

    // Recorded in its registry: a restart knows without any peer, says it once and dials no one.
    await stop(b)
    const before = refusalsOf(a, b)
    b = await node(wallet, hb, 'laptop')
    await until(() => b.events.some(e => e.type === 'revoked'), 'the restarted laptop to say it was revoked')
    await expectToldBy(b, 'desktop', 'lost')
    expect(b.events.find(e => e.type === 'revoked')).not.toHaveProperty('from')
    await new Promise(resolve => setTimeout(resolve, 3000))
    expect(refusalsOf(a, b)).toBe(before)
  }, 60_000)

  it('what it wrote offline after its revocation, before it knew, stays readable on it and is said (how many, in which documents); every other device still refuses it', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const hb = await enrolledBy(a, 'tab')
    let b = await node(wallet, hb, 'tab')
    await connect(b, a)
    await write(b, 'before')
    await until(() => a.vault.vault.store.docIds().length > 0, 'the desktop to hold the tab\'s session')
    await stop(b)
    await a.vault.vault.revoke([await laptopKey(a, 'tab')], { reason: 'lost' })

    // Still apart and not told: `mesh memory set`, `session new`, `session append` without a daemon.
    const { openVault } = await import('../../src/sdk/index.js')
    const apart = await openVault({ home: hb, wallet, label: 'tab' })
    try {
      await apart.memory.set('offline-note', 'written while apart')
      const s = await apart.sessions.create('agent:main:tabwork', { goal: 'tab offline work' })
      try { await s.append({ role: 'user', content: 'important offline work' }) } finally { await s.close() }
    } finally { await apart.close() }

    // It comes back and is told at the gate. What it wrote apart stays in its own view (a newcomer
    // found it gone: "no memory entry", "no session ... this device was revoked"), and is said.
    b = await node(wallet, hb, 'tab')
    await until(() => b.events.some(e => e.type === 'revoked'), 'the tab to be told, and say what it wrote apart')
    const said = b.events.find(e => e.type === 'revoked')
    const notTaken = { entries: 4, documents: expect.arrayContaining(['session list', 'memory', 'agent:main:tabwork']) }
    expect(said).toMatchObject({ by: ['desktop'], reason: 'lost', notTaken })
    const { formatEvent } = await import('../../src/cli/commands/join.js')
    expect(formatEvent(said as NodeEvent)).toMatch(/^REVOKED .*\. 4 entries this device wrote no other device will take \(in .*agent:main:tabwork.*\); they stay readable only here/)
    expect((await b.vault.memory.get('offline-note'))?.value).toBe('written while apart')
    expect((await b.vault.sessions.list()).map(x => x.key)).toContain('agent:main:tabwork')
    const s = await b.vault.sessions.open('agent:main:tabwork')
    try { expect(s.messages().map(m => m.content)).toEqual(['important offline work']) } finally { await s.close() }
    // Its own view only: never served from it, and the revoker holds none of it.
    const memDoc = b.vault.vault.docId('mesh/doc/memory/v1')
    let stored = 0
    for await (const _ of b.vault.vault.store.uncovered(memDoc)) stored++
    let served = 0
    for await (const _ of b.vault.vault.servable(b.vault.vault.store.uncovered(memDoc))) served++
    expect([stored, served]).toEqual([1, 0])
    expect(await a.vault.memory.get('offline-note')).toBe(undefined)
    await stop(b)

    // `mesh status` (and --json) says it, with the daemon stopped.
    const env = cliEnv(join(hb, '..'))
    const st = await runCli(['status', '--home', hb], { env })
    expect(st.stdout).toMatch(/^not taken: +4 entries this device wrote no other device will take \(in .*agent:main:tabwork.*: written after it was revoked, or never sent before\); they stay readable only here: copy them out \(`mesh session show KEY --all`/m)
    const js = await runCli(['status', '--json', '--home', hb], { env })
    expect(JSON.parse(js.stdout).notTaken).toMatchObject(notTaken)
    // And `mesh doctor` no longer says nothing is wrong.
    expect((await runCli(['doctor', '--home', hb], { env })).stdout).toMatch(/^not taken: 4 entries this device wrote no other device will take/m)
  }, 60_000)

  it('told by the blind mirror when the revoker is away: the mirror holds the signed revocation and sends it at its gate', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const hb = await enrolledBy(a, 'laptop')
    const { enrolMirror, MirrorVault } = await import('../../src/node/mirror.js')
    const { MeshNode } = await import('../../src/node/mesh.js')
    const mh = await home()
    await enrolMirror(mh, wallet, { label: 'mirror' })
    const mirror = await MirrorVault.open({ home: mh })
    const m = await MeshNode.start(mirror, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    cleanups.push(async () => { await m.stop(); await mirror.close() })
    await a.node.dial(m.addresses()[0] as string)
    await until(() => a.node.libp2p.services.membership.isProven(m.libp2p.peerId), 'A and the mirror to prove each other')
    // The laptop is away while A revokes it; the mirror learns it, then A leaves too.
    const laptop = await laptopKey(a, 'laptop')
    await a.vault.vault.revoke([laptop], { reason: 'stolen' })
    await until(() => mirror.certs.isRevoked(laptop), 'the mirror to learn the revocation')
    await stop(a)
    const b = await node(wallet, hb, 'laptop')
    await b.node.dial(m.addresses()[0] as string).catch(() => {})
    await until(() => b.node.revoked !== undefined, 'the laptop to be told by the mirror')
    await expectToldBy(b, 'desktop', 'stolen')
    expect(b.events.find(e => e.type === 'revoked')).toMatchObject({ from: m.libp2p.peerId.toString() })
  }, 60_000)

  it('records that do not revoke this device change nothing: a member cannot make a device believe it was revoked', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    const c = await node(wallet, await enrolledBy(a, 'tablet'), 'tablet')
    await connect(b, a)
    // A real revoke of another device (the tablet), and a forged one of the laptop (signed by a non-admin).
    const { op } = await a.vault.vault.revoke([keyOf(c)], { reason: 'sold' })
    const { revokeDevices } = await import('../../src/node/registry-ops.js')
    const forged = (() => {
      try { return revokeDevices(c.vault.vault.identity, c.vault.vault.certs, c.vault.vault.store, [keyOf(b)]) } catch (err) { return err }
    })()
    expect(forged).toMatchObject({ code: 'NOT_ADMIN' })
    const { signRegistryOp } = await import('../../src/identity/index.js')
    const fake = signRegistryOp(c.vault.vault.identity.device.signer, { wallet: wallet.publicKey, seq: 1n, prev: [], revoke: { devices: [{ device: keyOf(b), docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'forged' } })
    await (b.node as unknown as { told: (r: Uint8Array[], from: string) => Promise<void> }).told([op.bytes, fake.bytes], idOf(c))
    expect(b.vault.vault.certs.isRevoked(keyOf(b))).toBe(false)
    expect(b.node.revoked).toBe(undefined)
    expect(b.vault.vault.writable).toBe(true)
    await write(b, 'still writing')
  }, 60_000)

  it('a peer this device refuses is told, never heard: the records it sends at the gate are not taken in', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const c = await node(wallet, await home(), 'tablet')
    await connect(c, a)
    await until(() => a.node.isOnline(idOf(c)) && c.vault.vault.certs.state.devices.size === 2, 'A and C proven, C holding A\'s enrolment')
    // Apart (so nothing reaches A by sync), C, an admin, revokes A: what C would tell A at its
    // gate is A's signed revocation.
    a.node.exclude(idOf(c), 'revoked')
    await until(() => c.node.libp2p.getConnections(a.node.libp2p.peerId).length === 0, 'A and C apart')
    await c.vault.vault.revoke([keyOf(a)], { reason: 'mutual' })
    const told = c.vault.vault.certs.revocationRecords(idOf(a))
    expect(told?.length).toBeGreaterThan(0)
    // A device A refuses (revoked, as far as A knows), holding the membership key, dials A and
    // sends those records in place of its certificate.
    const x = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    cleanups.push(async () => { await x.stop() })
    a.node.exclude(x.peerId.toString(), 'revoked')
    const conn = await x.dial(multiaddr(a.node.addresses()[0] as string))
    const stream = await conn.newStream(MEMBERSHIP_PROTOCOL)
    const pb = pbStream(stream, { maxDataLength: 4 << 20 }).pb(MembershipMessage)
    const key = membershipKey(c.vault.vault.identity.keys)
    const nI = new Uint8Array(randomBytes(NONCE_BYTES))
    const none = new Uint8Array(0)
    await pb.write({ nonce: nI, tag: membershipTag(key, 'initiator', nI, none, x.peerId, a.node.libp2p.peerId) as Uint8Array<ArrayBuffer>, certificate: none, signature: none, revocation: [] })
    const answer = await pb.read()
    expect(answer.tag.byteLength).toBe(32)
    await pb.write({ nonce: none, tag: none, certificate: none, signature: none, revocation: told as Array<Uint8Array<ArrayBuffer>> })
    const reasons = (): string[] => a.events.filter(e => e.type === 'refused' && e.peerId === x.peerId.toString()).map(e => (e as { reason: string }).reason)
    await until(() => reasons().length > 0, 'A to refuse it')
    expect(a.vault.vault.certs.isRevoked(keyOf(a))).toBe(false)
    expect(a.node.revoked).toBe(undefined)
    expect(revokedEvents(a)).toBe(0)
    expect(reasons()).toContainEqual(expect.stringMatching(/not taking records from .*: revoked/))
  }, 60_000)

  it('node.status shows an owed rotation on a device that cannot make it: since when, how many revokes, not here', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const w = await node(wallet, await enrolledBy(a, 'watcher', ['read']), 'watcher')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    await connect(w, a)
    await connect(b, a)
    await stop(a) // the only writer besides the laptop is away: the wallet signs, the read-only watcher publishes
    await stop(b)
    const { createLocalApi } = await import('../../src/api/local.js')
    const api = await createLocalApi({ vault: w.vault, node: w.node })
    try {
      expect(await api.call('node.status', {})).not.toHaveProperty('rotationOwed')
      const { op } = await w.vault.vault.revoke([keyOf(b)], { wallet, reason: 'stolen' })
      const s = await api.call('node.status', {})
      expect(s.rotationOwed).toEqual({ since: op.at, revokes: 1, here: false })
    } finally {
      await api.close()
    }
  }, 60_000)
})

/** The key of a device by its label, as the admin's registry knows it. */
async function laptopKey (admin: TestNode, label: string): Promise<Uint8Array> {
  const c = admin.vault.vault.certs.all().find(x => x.label === label)
  if (c === undefined) throw new Error(`no device ${label}`)
  return c.deviceKey
}
