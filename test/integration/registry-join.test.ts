/**
 * A fresh device joining a vault whose registry holds ~1,000 operations, over real libp2p nodes
 * on loopback: the operations arrive in sync frames of 64 records, each frame's admitted together
 * (CertRegistry.addMany through Membership.addCertificate), so the registry is evaluated a few
 * times a frame, not once an operation (1,000 evaluations of a growing registry took ~10 s).
 * Counted, not timed: test/bench/registry.ts times it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as identity from '../../src/identity/index.js'
import { enrolments } from '../helpers/registry-author.js'

const evaluations = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/identity/index.js', async (original) => {
  const real = await original<typeof identity>()
  return { ...real, evaluateRegistry: (...args: Parameters<typeof real.evaluateRegistry>) => { evaluations.count++; return real.evaluateRegistry(...args) } }
})
const { generateWallet, startNode, until } = await import('../helpers/nodes.js')
type TestNode = Awaited<ReturnType<typeof startNode>>

const nodes: TestNode[] = []
afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })

describe('a fresh device joining a vault of 1,000 registry operations', () => {
  it('takes them all, with the registry evaluated a few times a frame, not once an operation', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'desk' })
    nodes.push(a)
    const records = await enrolments(a.vault, 1000)
    // Handed to the desk in one turn, as a frame's records are: admitted together.
    await Promise.all(records.map(async r => { await a.vault.vault.addCertificate(r) }))
    const held = a.vault.vault.certs.registryOps().length
    expect(held).toBeGreaterThanOrEqual(1002)
    expect(a.vault.vault.certs.state.refused.size).toBe(0)

    const b = await startNode({ wallet, label: 'laptop' })
    nodes.push(b)
    const registry: string[] = []
    b.vault.vault.on('registry', (op: { id: string }) => registry.push(op.id))
    evaluations.count = 0
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => b.vault.vault.certs.registryOps().length >= held + 2, 'the laptop to hold the desk\'s registry', 120_000)
    const frames = Math.ceil(held / 64)
    // Both nodes count here (the desk takes the laptop's two operations); one by one it was over 1,000.
    expect(evaluations.count).toBeLessThan(4 * frames + 20)
    const bs = b.vault.vault.certs.state
    expect(bs.refused.size).toBe(0)
    expect(bs.devices.size).toBe(1002)
    for (const r of a.vault.vault.certs.registryOps()) expect(bs.applied.some(o => o.id === r.id)).toBe(true)
    // Every operation reported once, as it came.
    expect(new Set(registry).size).toBe(registry.length)
    expect(registry.length).toBeGreaterThanOrEqual(held)
  }, 300_000)
})
