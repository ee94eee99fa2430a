/**
 * The new device goes away while the approver's owner reviews it (it stopped, its decision timer
 * ran out, its connection or relay slot ended): the approver drops the held run at once, and a
 * "yes" after it enrols nothing, so the vault never lists a device that never got its keys.
 * Real libp2p nodes on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Approvals } from '../../src/api/pairing.js'
import { startCandidate } from '../../src/node/pair.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { generateDeviceKey } from '../../src/identity/index.js'
import { newVault } from '../helpers/vault.js'
import { until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

describe('pairing: the device goes away during the review', () => {
  it('the held run is dropped, and approving it afterwards enrols nothing', async () => {
    const a = await newVault({ label: 'desktop' }); cleanups.push(a.cleanup)
    const approvals = new Approvals(a.vault.vault)
    cleanups.push(async () => { await approvals.close() })
    const device = await generateDeviceKey()
    const c = await startCandidate({
      listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes: ['K7QM2XDF'],
      onCode: () => {},
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (m) => device.signer.sign(m),
      onGrant: async () => {}
    })
    let stopped = false
    cleanups.push(async () => { if (!stopped) await c.stop() })
    const review = await approvals.approve({ code: 'K7QM2XDF', mdns: false, dial: [c.addresses()[0] as string] })
    expect(review.label).toBe('laptop')
    // `mesh pair` is stopped (Ctrl-C) while the owner reads the review.
    stopped = true
    await c.stop()
    await until(() => (approvals as unknown as { held: Map<string, unknown> }).held.size === 0, 'the held run to be dropped')
    const err = await approvals.decide({ pairing: review.pairing, approve: true }).then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'gone' } })
    expect((err as Error).message).toMatch(/ended before the decision: the new device went away during the review; nothing was granted/)
    // Nothing enrolled: no certificate for the device, no enrolment published.
    expect(a.vault.vault.certs.get(device.publicKey)).toBe(undefined)
  })
})
