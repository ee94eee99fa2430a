/**
 * A relay's pairing slots (src/node/pair-relay.ts) cannot be held against everyone by a few
 * networks: a full list gives up the oldest slot of the network holding the most for a candidate
 * of another, IPv6 addresses count by their /56 (a household's prefix, with 2^72 addresses each),
 * and a network never holds more than MAX_PER_ADDRESS. A member's lookup keeps a slot for a run,
 * never past PAIRING_SLOT_CAP_MS from its registration.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { MAX_CANDIDATES, MAX_PER_ADDRESS, networkOf, PAIRING_RUN_MS, PAIRING_SLOT_CAP_MS, PAIRING_SLOT_MS, PairingRendezvous } from '../../src/node/pair-relay.js'

const peer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const full = { details: { reason: 'full' } }

describe('pairing slots on a relay', () => {
  it('a list filled from four networks still takes a device of a fifth; the filler cannot take its slot back', async () => {
    const dropped: string[] = []
    const rv = new PairingRendezvous({ exempt: () => () => {}, isMember: () => false, dropReservation: (p) => { dropped.push(p.toString()) }, extendReservation: () => {} })
    try {
      const filler: PeerId[] = []
      for (let i = 0; i < MAX_CANDIDATES; i++) {
        const p = await peer()
        filler.push(p)
        rv.register(p, 'AA', `/ip6/2001:db8:0:${((1 + (i >> 1)) * 0x100).toString(16)}::${i + 1}/tcp/4001`)
      }
      const honest = await peer()
      rv.register(honest, 'K7', '/ip4/203.0.113.9/tcp/5000')
      expect(rv.isCandidate(honest.toString())).toBe(true)
      // The oldest slot of a network holding two gave way.
      expect(dropped).toEqual([filler[0]?.toString()])
      expect(rv.pending()).toBe(MAX_CANDIDATES)
      // The filler registers again from that network, under any PeerId: it may not evict the
      // device it made room for (nor another of its own networks' slots).
      expect(() => rv.register(filler[0] as PeerId, 'AA', '/ip6/2001:db8:0:100::77/tcp/4001')).toThrow(expect.objectContaining(full))
      expect(() => rv.register(filler[0] as PeerId, 'AB', '/ip6/2001:db8:0:1ff::78/tcp/4001')).toThrow(expect.objectContaining(full))
      expect(rv.isCandidate(honest.toString())).toBe(true)
      expect(dropped).toHaveLength(1)
    } finally {
      rv.stop()
    }
  })

  it('one /56 is one network, however many addresses it uses', async () => {
    const rv = new PairingRendezvous({ exempt: () => () => {}, isMember: () => false, dropReservation: () => {}, extendReservation: () => {} })
    try {
      for (let i = 0; i < MAX_PER_ADDRESS; i++) rv.register(await peer(), 'AA', `/ip6/2001:db8:0:ab${i}0::${i + 1}/tcp/4001`)
      const third = await peer()
      expect(() => rv.register(third, 'AA', '/ip6/2001:db8:0:abff::9/tcp/4001')).toThrow(expect.objectContaining(full))
    } finally {
      rv.stop()
    }
    expect(networkOf('/ip6/2001:db8::1/tcp/1')).toBe(networkOf('/ip6/2001:db8:0:ff::2/tcp/1'))
    expect(networkOf('/ip6/2001:db8:0:100::1/tcp/1')).not.toBe(networkOf('/ip6/2001:db8::1/tcp/1'))
    expect(networkOf('/ip4/203.0.113.9/tcp/5000')).toBe('203.0.113.9')
  })

  it('a member\'s lookup keeps a slot for a run from then, and never past its cap; nobody else keeps it', async () => {
    let now = 1_000_000
    const extended: string[] = []
    const exempted: number[] = []
    const member = await peer()
    const rv = new PairingRendezvous({
      exempt: (_p, ms) => { exempted.push(ms); return () => {} },
      isMember: (id) => id === member.toString(),
      dropReservation: () => {},
      extendReservation: (p) => { extended.push(p.toString()) },
      clock: () => now
    })
    try {
      const n = await peer()
      const registered = now
      expect(rv.register(n, 'K7', '/ip4/203.0.113.9/tcp/5000')).toBe(registered + PAIRING_SLOT_MS)
      // A stranger asks: refused, and the slot is what it was.
      const stranger = await peer()
      expect(() => rv.lookup(stranger, 'K7', member)).toThrow(expect.objectContaining({ details: { reason: 'not-member' } }))
      expect(rv.slotEnd(n.toString())).toBe(registered + PAIRING_SLOT_MS)
      // The owner types the code in its last second: the slot, its exemption, its reservation and
      // the dialer's leave last a run from then.
      now = registered + PAIRING_SLOT_MS - 1000
      const dialer = await peer()
      expect(rv.lookup(member, 'K7', dialer).map(c => c.peer.toString())).toEqual([n.toString()])
      expect(rv.slotEnd(n.toString())).toBe(now + PAIRING_RUN_MS)
      expect(extended).toEqual([n.toString()])
      expect(exempted.slice(-2)).toEqual([PAIRING_RUN_MS, PAIRING_RUN_MS])
      now += PAIRING_RUN_MS - 1
      expect(rv.mayConnect(dialer.toString(), n.toString())).toBe(true)
      // Looked up again: never past the cap from its registration, then gone.
      expect(rv.lookup(member, 'K7', dialer)).toHaveLength(1)
      expect(rv.slotEnd(n.toString())).toBe(registered + PAIRING_SLOT_CAP_MS)
      now = registered + PAIRING_SLOT_CAP_MS - 1
      expect(rv.lookup(member, 'K7', dialer)).toHaveLength(1)
      expect(rv.slotEnd(n.toString())).toBe(registered + PAIRING_SLOT_CAP_MS)
      now = registered + PAIRING_SLOT_CAP_MS
      expect(rv.lookup(member, 'K7', dialer)).toEqual([])
      expect(rv.isCandidate(n.toString())).toBe(false)
      expect(rv.mayConnect(dialer.toString(), n.toString())).toBe(false)
    } finally {
      rv.stop()
    }
  })
})
