/**
 * A revoked device told of its revocation at the gate with a registry of hundreds of operations,
 * over real homes and libp2p nodes on loopback: the records are added in one turn, then awaited,
 * as a sync frame's are, so the registry is evaluated a few times for the whole message, not once
 * a record (revocation.ts awaited each in turn: one evaluation of a growing registry per record).
 * Counted, not timed, as registry-join.test.ts counts a fresh device's join.
 */
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import * as identity from '../../src/identity/index.js'
import { enrolments } from '../helpers/registry-author.js'

const evaluations = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/identity/index.js', async (original) => {
  const real = await original<typeof identity>()
  return { ...real, evaluateRegistry: (...args: Parameters<typeof real.evaluateRegistry>) => { evaluations.count++; return real.evaluateRegistry(...args) } }
})
const { deviceKem, equals, generateDeviceKey } = await import('../../src/identity/index.js')
const { writeEnrolledHome } = await import('../../src/node/enrol.js')
const { generateWallet, startNode, until } = await import('../helpers/nodes.js')
const { stopAfterEach } = await import('../helpers/teardown.js')
const { tempDir } = await import('../helpers/tmp.js')
type TestNode = Awaited<ReturnType<typeof startNode>>

const { nodes, cleanups } = stopAfterEach()

async function home (): Promise<string> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  return join(t.dir, 'home')
}

async function node (wallet: ReturnType<typeof generateWallet>, h: string, label: string): Promise<TestNode> {
  const n = await startNode({ wallet, home: h, label })
  nodes.push(n)
  return n
}

const ENROLMENTS = 300

describe('a revoked device told with a large registry', () => {
  it('takes the revocation and its past with a few evaluations, not one a record, and reports it as before', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    // The laptop, as pairing makes it: a home from the desktop's enrolment.
    const hb = await home()
    const device = await generateDeviceKey()
    const v = a.vault.vault
    const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: 'laptop' })
    await writeEnrolledHome(hb, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
    const laptopKey = device.publicKey

    // While the laptop is away the desktop pairs many devices, then revokes the laptop: the
    // revoke names them all in its past, so the gate tells the laptop all of them.
    const records = await enrolments(a.vault, ENROLMENTS)
    await Promise.all(records.map(async r => { await v.addCertificate(r) }))
    await v.revoke([laptopKey], { reason: 'lost' })
    const told = v.certs.revocationRecords(v.certs.get(laptopKey)?.deviceId as string)
    expect(told?.length).toBeGreaterThan(ENROLMENTS)

    evaluations.count = 0
    const b = await node(wallet, hb, 'laptop')
    const before = b.vault.vault.certs.registryOps().length
    expect(before).toBeLessThan(10)
    const registry: string[] = []
    b.vault.vault.on('registry', (op: { id: string }) => registry.push(op.id))
    await b.node.dial(a.node.addresses()[0] as string).catch(() => {})
    await until(() => b.node.revoked !== undefined, 'the laptop to be told at the gate')
    // Both nodes count here (the desktop answers the gate from its last evaluation); one record at
    // a time it was over ENROLMENTS.
    expect(evaluations.count).toBeLessThan(40)

    // What it learned is what it learned one record at a time.
    const bv = b.vault.vault
    expect(bv.certs.isRevoked(laptopKey)).toBe(true)
    expect(bv.certs.revocationOf(laptopKey)).toMatchObject({ by: ['desktop'], reason: 'lost' })
    expect(b.node.revoked).toMatchObject({ by: ['desktop'], reason: 'lost' })
    expect(b.events.filter(e => e.type === 'revoked')).toEqual([expect.objectContaining({ from: a.node.libp2p.peerId.toString() })])
    expect(bv.writable).toBe(false)
    const bs = bv.certs.state
    expect(bs.refused.size).toBe(0)
    expect(bs.devices.size).toBe(ENROLMENTS + 2)
    const ids = new Set(bs.applied.map(o => o.id))
    for (const op of v.certs.registryOps()) if (told?.some(r => equals(r, op.bytes)) === true) expect(ids.has(op.id)).toBe(true)
    // Every operation it took reported once.
    expect(new Set(registry).size).toBe(registry.length)
    expect(registry.length).toBe(bv.certs.registryOps().length - before)
    // And stored: a restart knows without any peer.
    await b.stop()
    nodes.splice(nodes.indexOf(b), 1)
    const again = await node(wallet, hb, 'laptop')
    expect(again.vault.vault.certs.isRevoked(laptopKey)).toBe(true)
    expect(again.vault.vault.certs.state.devices.size).toBe(ENROLMENTS + 2)
  }, 120_000)
})
