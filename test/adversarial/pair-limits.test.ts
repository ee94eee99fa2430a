/**
 * The new device's message limits before the code is proven (protocols/pair/SPEC.md, Messages):
 * every message before `Decision` is at most 4,096 bytes, so an approver that does not know the
 * code cannot make the device read more. A larger one ends the run unanswered. Real libp2p nodes
 * on loopback.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { startCandidate } from '../../src/node/pair.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { PAIR_PROTOCOL, type ResponderEvent } from '../../protocols/pair/index.js'
import { PairMessage } from '../../protocols/pair/pb/pair.js'
import { generateDeviceKey } from '../../src/identity/index.js'
import type { NewCodeReason } from '../../src/identity/pair-code.js'
import { until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

describe('pairing: the new device reads small messages until keys are confirmed', () => {
  it('a Hello larger than 4,096 bytes ends the run unanswered, and a ShareB as large burns the code as an abandoned run', async () => {
    const device = await generateDeviceKey()
    const events: ResponderEvent[] = []
    const reasons: NewCodeReason[] = []
    const c = await startCandidate({
      listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes: ['K7QM2XDF'],
      onCode: (_code, reason) => { reasons.push(reason) },
      onEvent: (e) => { events.push(e) },
      request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
      sign: (m) => device.signer.sign(m),
      onGrant: async () => {}
    })
    cleanups.push(async () => { await c.stop() })
    const t = await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()] })
    cleanups.push(async () => { await t.stop() })
    const conn = await t.dial(multiaddr(c.addresses()[0] as string))

    // A Hello padded past the limit (its nameplate 8 KiB long): no answer, not even NAMEPLATE.
    const s1 = await conn.newStream(PAIR_PROTOCOL)
    const pb1 = pbStream(s1).pb(PairMessage)
    await pb1.write({ hello: { version: 1, nameplate: 'Z'.repeat(8192), nonce: new Uint8Array(randomBytes(16)) } } as any)
    await expect(pb1.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow()
    expect(events.filter(e => e.type === 'refused')).toEqual([])
    expect(reasons).toEqual(['first'])

    // The right nameplate, then a ShareB of 64 KiB: read no further than the limit.
    const s2 = await conn.newStream(PAIR_PROTOCOL)
    const pb2 = pbStream(s2).pb(PairMessage)
    await pb2.write({ hello: { version: 1, nameplate: 'K7', nonce: new Uint8Array(randomBytes(16)) } } as any)
    expect((await pb2.read()).shareA).toBeDefined()
    await pb2.write({ shareB: { y: new Uint8Array(65536), tag: new Uint8Array(64) } } as any)
    await until(() => reasons.length === 2, 'a fresh code')
    // Never opened as a wrong guess: the message was refused unread.
    expect(reasons).toEqual(['first', 'abandoned'])
    expect(events.map(e => e.type)).toEqual(['abandoned'])
  })
})
