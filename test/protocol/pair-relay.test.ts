/**
 * Pairing through a member's relay (src/node/pair-relay.ts, protocols/pair/SPEC.md "Across
 * networks") between real nodes on loopback: the new device registers at the relay under its
 * nameplate and holds a pairing-only slot; an admin connected to the relay asks for it there and
 * its throw-away pairing node dials it by circuit; the PAKE and the grant run over that limited
 * circuit. A stranger gets no reservation without registering, no answer to the member-only
 * lookup, and once registered reaches neither a member nor another candidate. The same across
 * NATs with the CLI: test/netns/pair-relay-nat.test.ts. Through the API (Approvals, as the daemon
 * runs it) with no mDNS and nothing to dial, a known relay is asked (one held with --relay-via, or
 * a member met that serves the rendezvous); with none known the approval is refused at once.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Approvals } from '../../src/api/pairing.js'
import { startCandidate } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { approveRequest } from '../../src/node/pair-grant.js'
import { claims, kemOf, writePairedHome } from '../../src/node/pair-home.js'
import { PAIRING_DATA_LIMIT } from '../../src/node/pair-relay.js'
import { generateDeviceKey } from '../../src/identity/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { strangerAtRelay } from '../helpers/pair-relay-stranger.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); cleanups.push(n.stop); return n }
const tcpAddr = (n: TestNode): string => n.node.addresses().find(a => a.includes('/tcp/') && !a.includes('/p2p-circuit')) as string

/**
 * A new device (`device`) pairing through relay `m` only (listening on nothing), registered there
 * when this returns; `registered` collects what it was told of its registration.
 */
async function atRelay (m: TestNode, device: Awaited<ReturnType<typeof generateDeviceKey>>, opts: { codes?: string[], onCode?: (code: { display: string }) => void, onGrant?: (g: any) => Promise<void> } = {}): Promise<{ c: Awaited<ReturnType<typeof startCandidate>>, registered: any[] }> {
  const registered: any[] = []
  const c = await startCandidate({
    listen: [],
    mdns: false,
    via: [tcpAddr(m)],
    ...(opts.codes !== undefined ? { codes: opts.codes } : {}),
    onCode: opts.onCode ?? (() => {}),
    onRelay: (e) => { registered.push(e) },
    request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
    sign: (msg) => device.signer.sign(msg),
    onGrant: opts.onGrant ?? (async () => {})
  })
  cleanups.push(c.stop)
  await until(() => registered.some(e => e.registered === true), 'the device to register at the relay')
  return { c, registered }
}

describe('pairing through a member\'s relay', () => {
  it('a new device waits at the relay; an admin connected to it finds it by nameplate and pairs it over a limited circuit', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'relay', relay: true })
    const a = await node({ wallet, label: 'desktop', relayVia: [tcpAddr(m)] })
    await until(() => a.node.isOnline(m.node.status().peerId), 'the desktop to prove the relay')

    const device = await generateDeviceKey()
    const t = await tempDir(); cleanups.push(t.cleanup)
    let written: any
    const { c, registered } = await atRelay(m, device, { codes: ['K7QM2XDF'], onGrant: async (g) => { written = await writePairedHome(join(t.dir, 'laptop'), device, g) } })
    expect(registered[0]).toMatchObject({ registered: true, nameplate: 'K7' })
    // Listening on nothing: the relay is the only way to it.
    expect(c.addresses()).toEqual([])
    const relay = m.node.libp2p.services.relay!
    await until(() => [...relay.reservations.keys()].some(p => p.toString() === c.peerId), 'the slot\'s reservation')
    const slot = [...relay.reservations.entries()].find(([p]) => p.toString() === c.peerId)?.[1]
    expect(slot?.limit?.data).toBe(PAIRING_DATA_LIMIT)
    expect(slot!.expiry.getTime() - Date.now()).toBeLessThanOrEqual(10 * 60_000)

    const f = await findCandidate({ code: 'K7QM-2XDF', mdns: false, timeoutMs: 20_000, relays: async (np, dialer, o) => await a.node.pairingCandidates(np, dialer, o) })
    cleanups.push(f.close)
    expect(f.via).toBe('relay')
    expect(f.address).toContain(`/p2p/${m.node.status().peerId}/p2p-circuit`)
    // Where the relay saw the device come from: shown to the owner beside the relayed address.
    expect(f.seen).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(f.run.request.label).toBe('laptop')
    const { grant } = await approveRequest(a.vault.vault, f.run.request, { role: 'read-write', transcript: f.run.transcript, bootstrap: [] })
    await f.run.decide({ approved: true, grant })
    await c.paired
    expect(written.certificate.label).toBe('laptop')
    // Paired and gone: its slot and reservation end with its connection, not 10 minutes later.
    await c.stop()
    await until(() => ![...relay.reservations.keys()].some(p => p.toString() === c.peerId), 'the slot to end with the device\'s connection')
  })

  it('a stranger reserves only a pairing slot once registered, asks nothing, and reaches neither a member nor a candidate', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'relay', relay: true })
    const a = await node({ wallet, label: 'desktop', relayVia: [tcpAddr(m)] })
    await until(() => a.node.status().relayVia?.[0]?.state === 'reserved', 'the desktop to hold a reservation')
    const device = await generateDeviceKey()
    const { c, registered } = await atRelay(m, device)
    const member = a.node.status().peerId
    const r = await strangerAtRelay(`${tcpAddr(m)}`, registered[0].nameplate, [member, c.peerId])
    expect(r.reserveUnregistered).toMatch(/^refused/)
    expect(r.lookup).toMatch(/^refused/)
    expect(r.registered).toMatch(/^ok/)
    expect(r.reservation).toBe('ok')
    // Whole seconds, rounded: a 2-hour member reservation would say 7200.
    expect(r.expiresInS).toBeLessThanOrEqual(601)
    expect(r.reach[member]).toMatch(/^refused/)
    expect(r.reach[c.peerId]).toMatch(/^refused/)
    // The relay's members-only reservations are untouched: the desktop's, and slots for the two candidates.
    expect(m.node.status().relay?.reservations).toContain(member)
  })

  it('an approval with no mDNS and nothing to dial asks the relays when one is known (--relay-via, or a member met that serves them), and is refused at once when none is', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'relay', relay: true })
    const relayId = m.node.status().peerId
    const a = await node({ wallet, label: 'desktop', relayVia: [tcpAddr(m)] })
    const b = await node({ wallet, label: 'tower', bootstrap: [`${tcpAddr(m).replace(/\/p2p\/[^/]+$/, '')}/p2p/${relayId}`] })
    const lone = await node({ wallet, label: 'lone' })
    await until(() => a.node.isOnline(relayId) && b.node.isOnline(relayId), 'the desktop and the tower to prove the relay')
    const approvals = (n: TestNode): Approvals => { const ap = new Approvals(n.vault.vault, n.node); cleanups.push(async () => { await ap.close() }); return ap }

    // Knowing no relay, with nothing else to look with: refused at once, not after its timeout.
    await expect(approvals(lone).approve({ code: 'K7QM-2XDF', mdns: false, timeoutMs: 3000 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^nothing to look for the device showing K7QM-2XDF with/) })

    const device = await generateDeviceKey()
    const shown: string[] = []
    const { c, registered } = await atRelay(m, device, { codes: ['K7QM2XDF', 'K7AAAAAA'], onCode: (code) => { shown.push(code.display) } })
    // Held with --relay-via: asked, and the device found through it.
    const viaA = approvals(a)
    const r = await viaA.approve({ code: 'K7QM-2XDF', mdns: false, timeoutMs: 20_000 })
    expect(r.via).toBe('relay')
    await viaA.decide({ pairing: r.pairing, approve: false })
    await until(() => shown.length === 2 && registered.filter(e => e.registered === true).length >= 2, 'the next code, registered again')
    // A member met that serves the rendezvous (no --relay-via): asked too.
    const viaB = approvals(b)
    const r2 = await viaB.approve({ code: shown[1] as string, mdns: false, timeoutMs: 20_000 })
    expect(r2.via).toBe('relay')
    await viaB.decide({ pairing: r2.pairing, approve: false })
  })
})

describe('pairing --via a member that is no relay', () => {
  it('is said so: the member answers the rendezvous with nothing and hangs up', async () => {
    const m = await node({ wallet: generateWallet(), label: 'desktop', membershipTimeoutMs: 400 })
    const device = await generateDeviceKey()
    const told: any[] = []
    const c = await startCandidate({
      listen: [],
      mdns: false,
      via: [tcpAddr(m)],
      onCode: () => {},
      onRelay: (e) => { told.push(e) },
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (msg) => device.signer.sign(msg),
      onGrant: async () => {}
    })
    cleanups.push(c.stop)
    await until(() => told.length > 0, 'the device to be told about the member')
    expect(told).toEqual([{ relay: m.node.status().peerId, registered: false, nameplate: expect.any(String), notRelay: true, addr: tcpAddr(m) }])
  })
})
