/**
 * A relayed pairing whose slot would end during the owner's review (src/node/pair-relay.ts,
 * protocols/pair/SPEC.md "Across networks"): a run may begin at the code's last second and N waits
 * minutes for the verdict, so the approver's lookup keeps the slot (its reservation, exemption
 * and circuit) for a whole run. Real nodes on loopback; the relay's slots last seconds here, so
 * the slot's own end passes during the review.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Approvals } from '../../src/api/pairing.js'
import { startCandidate } from '../../src/node/pair.js'
import { claims, kemOf, writePairedHome } from '../../src/node/pair-home.js'
import type { RendezvousDeps } from '../../src/node/pair-relay.js'
import { generateDeviceKey } from '../../src/identity/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const { SLOT_MS } = vi.hoisted(() => ({ SLOT_MS: 6000 }))
// The relay's rendezvous, built inside MeshNode, is given slots of SLOT_MS instead of 10 minutes.
vi.mock('../../src/node/pair-relay.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/node/pair-relay.js')>()
  class ShortSlots extends m.PairingRendezvous {
    constructor (deps: RendezvousDeps) { super({ ...deps, slotMs: SLOT_MS }) }
  }
  return { ...m, PairingRendezvous: ShortSlots }
})

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); cleanups.push(n.stop); return n }
const tcpAddr = (n: TestNode): string => n.node.addresses().find(a => a.includes('/tcp/') && !a.includes('/p2p-circuit')) as string
const sleepUntil = async (t: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, Math.max(0, t - Date.now()))) }

describe('pairing through a relay: the slot outlasts the review', () => {
  it('a run begun near the slot\'s end is approved after that end: the device gets its grant and is enrolled', async () => {
    const wallet = generateWallet()
    const m = await node({ wallet, label: 'relay', relay: true })
    const a = await node({ wallet, label: 'desktop', relayVia: [tcpAddr(m)] })
    await until(() => a.node.isOnline(m.node.status().peerId), 'the desktop to prove the relay')
    const approvals = new Approvals(a.vault.vault, a.node)
    cleanups.push(async () => { await approvals.close() })

    const device = await generateDeviceKey()
    const t = await tempDir(); cleanups.push(t.cleanup)
    let written: any
    const registered: any[] = []
    const c = await startCandidate({
      listen: [],
      mdns: false,
      via: [tcpAddr(m)],
      codes: ['K7QM2XDF'],
      onCode: () => {},
      onRelay: (e) => { registered.push(e) },
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (msg) => device.signer.sign(msg),
      onGrant: async (g) => { written = await writePairedHome(join(t.dir, 'laptop'), device, g) }
    })
    cleanups.push(c.stop)
    await until(() => registered.some(e => e.registered === true), 'the device to register at the relay')
    const slotEnd = registered.find(e => e.registered === true).expires as number
    expect(slotEnd - Date.now()).toBeLessThanOrEqual(SLOT_MS)
    const relay = m.node.libp2p.services.relay!
    await until(() => [...relay.reservations.keys()].some(p => p.toString() === c.peerId), 'the slot\'s reservation')

    // The owner types the code in the slot's last seconds (as late as the code's last second).
    await sleepUntil(slotEnd - 3000)
    const review = await approvals.approve({ code: 'K7QM-2XDF', mdns: false })
    expect(review.via).toBe('relay')
    expect(review.label).toBe('laptop')

    // The owner reads the review while the slot's registered end passes.
    await sleepUntil(slotEnd + 1500)
    const reservation = [...relay.reservations.entries()].find(([p]) => p.toString() === c.peerId)?.[1]
    expect(reservation?.expiry.getTime(), 'the relay still holds the slot\'s reservation').toBeGreaterThan(Date.now())

    const verdict = await approvals.decide({ pairing: review.pairing, approve: true })
    expect(verdict).toMatchObject({ approved: true, label: 'laptop' })
    await c.paired
    expect(written.certificate.label).toBe('laptop')
    expect(a.vault.vault.certs.get(device.publicKey)).not.toBe(undefined)
  })
})
