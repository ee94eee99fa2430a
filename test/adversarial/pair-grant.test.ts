/**
 * An approved grant the new device cannot take ends its pairing with an error, never a wait: the
 * approver has enrolled the device by then, so `paired` rejects (and `mesh pair` says what to do)
 * instead of hanging while the approver reports success. Real libp2p nodes on loopback.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startCandidate } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { Grant, type ResponderEvent } from '../../protocols/pair/index.js'
import { generateDeviceKey } from '../../src/identity/index.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { vi.restoreAllMocks(); for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

describe('pairing: a grant that does not decode', () => {
  it('rejects `paired` with a clear error, and the device takes no further run', async () => {
    const device = await generateDeviceKey()
    const events: ResponderEvent[] = []
    const grants: unknown[] = []
    const c = await startCandidate({
      listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes: ['K7QM2XDF'],
      onCode: () => {},
      onEvent: (e) => { events.push(e) },
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (m) => device.signer.sign(m),
      onGrant: async (g) => { grants.push(g) }
    })
    cleanups.push(async () => { await c.stop() })
    const f = await findCandidate({ code: 'K7QM2XDF', mdns: false, dial: [c.addresses()[0] as string], timeoutMs: 10_000 })
    cleanups.push(f.close)
    // An approver whose grant encodes to bytes no Grant decodes from (an invalid wire type).
    vi.spyOn(Grant, 'encode').mockReturnValueOnce(new Uint8Array([0xff, 0xff, 0xff]))
    await f.run.decide({ approved: true, grant: {} as Grant })
    const outcome = await Promise.race([
      c.paired.then(() => 'paired', (err: unknown) => err),
      new Promise(resolve => setTimeout(() => { resolve('still waiting') }, 5000))
    ])
    expect(outcome).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'invalid' } })
    expect((outcome as Error).message).toMatch(/the approver's grant does not decode/)
    expect(grants).toEqual([])
    expect(events.map(e => e.type)).toEqual(['confirmed', 'approved'])
    // The run is over: another approver is refused.
    await expect(findCandidate({ code: 'K7QM2XDF', mdns: false, dial: [c.addresses()[0] as string], timeoutMs: 5000 })).rejects.toMatchObject({ code: 'PAIRING_FAILED' })
  })
})
