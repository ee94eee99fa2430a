/**
 * The refusals' cool-downs (redial.ts) stay bounded: kept only for peers the node dials of its own
 * (remembered, bootstrap, relay-via), forgotten 2 min after they end, at most 1,024. Before, every
 * refused PeerId (an inbound stranger's too, each fresh key) added an entry kept for good.
 * Stubbed libp2p and peer book; nothing is dialed (the node counts as stopped).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MeshLibp2p, Via } from '../../src/node/mesh-types.js'
import type { PeerBook } from '../../src/node/peer-book.js'
import { Redial } from '../../src/node/redial.js'
import { Timers } from '../../src/node/timers.js'

afterEach(() => { vi.useRealTimers() })

const ids = async (n: number): Promise<string[]> => await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))

async function redial (remembered: readonly string[], config: { bootstrap?: string[], relayVia?: string[] } = {}): Promise<{ r: Redial, size: () => number }> {
  const book = { get: (id: string) => remembered.includes(id) ? { peerId: id } : undefined, list: () => [] } as unknown as PeerBook
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const notFound = Object.assign(new Error('not found'), { name: 'NotFoundError' })
  const libp2p = { peerId: self, peerStore: { get: async () => { throw notFound } } } as unknown as MeshLibp2p
  const r = new Redial({ libp2p, book, bootstrap: config.bootstrap ?? [], relayVia: config.relayVia ?? [], via: new Map<string, Via>(), timers: new Timers(), stopped: () => true, revoked: () => false, mayRedial: () => true })
  return { r, size: () => (r as unknown as { refusedAt: Map<string, unknown> }).refusedAt.size }
}

describe('refusals cool down', () => {
  it('only for peers the node dials of its own: remembered, bootstrap, relay-via', async () => {
    const [book, boot, relay, stranger] = await ids(4) as [string, string, string, string]
    const { r, size } = await redial([book], { bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${boot}`], relayVia: [`/ip4/127.0.0.1/tcp/2/p2p/${relay}`] })
    for (const id of [book, boot, relay, stranger]) r.refused(id)
    expect([book, boot, relay, stranger].map(id => r.coolingDown(id))).toEqual([true, true, true, false])
    expect(size()).toBe(3)
  })

  it('a stranger refused at each of its fresh PeerIds leaves nothing behind', async () => {
    const { r, size } = await redial([])
    for (const id of await ids(300)) r.refused(id)
    expect(size()).toBe(0)
  })

  it('at most 1,024 kept, the oldest refusal dropped first; one over for 2 min is forgotten', async () => {
    const known = await ids(1100)
    const { r, size } = await redial(known)
    vi.useFakeTimers({ toFake: ['Date'] })
    for (const id of known) r.refused(id)
    expect(size()).toBe(1024)
    expect(r.coolingDown(known[0] as string)).toBe(false)
    expect(r.coolingDown(known[1099] as string)).toBe(true)
    // Still growing while refused again soon after its cool-down: 1 s, then 2 s.
    vi.setSystemTime(Date.now() + 1500)
    r.refused(known[1099] as string)
    vi.setSystemTime(Date.now() + 1500)
    expect(r.coolingDown(known[1099] as string)).toBe(true)
    // Past every cool-down by over 2 min: the next refusal sweeps the others out.
    vi.setSystemTime(Date.now() + 3 * 60_000)
    r.refused(known[1099] as string)
    expect(size()).toBe(1)
  })
})
