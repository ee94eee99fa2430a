/**
 * A stranger who reaches a device waiting to be paired must not keep it from pairing
 * (protocols/pair/SPEC.md, Probing). A security review sent 2,023 Hellos in 20 s over one
 * connection, walking nameplates: every 16th replaced the code (about every 156 ms), so the owner
 * never had a live code to type. Now one connection carries one Hello, a network (or PeerId) whose
 * Hellos go bad a few times is refused for a while, and codes burned fast pause new runs; the
 * device says someone is probing, and the owner's approval goes through once the prober stops.
 * Code replacements are counted, not timed; the refusal and the pause end by an injected clock.
 * Real libp2p nodes on loopback, the real approver (Approvals, as the daemon runs it).
 */
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Approvals } from '../../src/api/pairing.js'
import { startCandidate, type ProbeEvent } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { MAX_STRIKES, REFUSE_MS } from '../../src/node/pair-guard.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { claims, kemOf, writePairedHome } from '../../src/node/pair-home.js'
import { PAIR_PROTOCOL, type ResponderEvent } from '../../protocols/pair/index.js'
import { PairMessage, Reject } from '../../protocols/pair/pb/pair.js'
import { generateDeviceKey, LABEL, utf8 } from '../../src/identity/index.js'
import { cpaceGenerator, cpaceShare, lvCat } from '../../src/identity/cpace.js'
import { CROCKFORD, PAUSE_MS, type NewCodeReason, type ShownCode } from '../../src/identity/pair-code.js'
import { newVault } from '../helpers/vault.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/** The i-th nameplate in order: 00, 01, …, 0Z, 10, … (a blind walk). */
const nameplate = (i: number): string => (CROCKFORD[(i >> 5) & 31] as string) + (CROCKFORD[i & 31] as string)

/** A device waiting to be paired (`mesh pair`), its clock the test's, writing its home when granted. */
async function waiting (codes: string[], clock: () => number): Promise<{ addr: string, shown: Array<{ code: ShownCode, reason: NewCodeReason }>, events: ResponderEvent[], probes: ProbeEvent[], paired: Promise<unknown>, home: string }> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const home = join(t.dir, 'laptop')
  const device = await generateDeviceKey()
  const shown: Array<{ code: ShownCode, reason: NewCodeReason }> = []
  const events: ResponderEvent[] = []
  const probes: ProbeEvent[] = []
  const c = await startCandidate({
    listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes, clock,
    onCode: (code, reason) => { shown.push({ code, reason }) },
    onEvent: (e) => { events.push(e) },
    onProbe: (e) => { probes.push(e) },
    request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
    sign: (m) => device.signer.sign(m),
    onGrant: async (g) => { await writePairedHome(home, device, g) }
  })
  cleanups.push(async () => { await c.stop() })
  return { addr: c.addresses()[0] as string, shown, events, probes, paired: c.paired, home }
}

/** The owner approves `code` from a member device, dialing the device's address. */
async function ownerApproves (code: string, addr: string): Promise<void> {
  const a = await newVault({ label: 'desktop' }); cleanups.push(a.cleanup)
  const approvals = new Approvals(a.vault.vault)
  cleanups.push(async () => { await approvals.close() })
  // A node lets one address open 20 connections a second (libp2p's own limit, not the refusal
  // tested here): the prober used them up just now, so a dial refused for that is tried again
  // (cut before Noise ends, it reads as the device refusing this address: `refused`).
  let review!: Awaited<ReturnType<Approvals['approve']>>
  for (let i = 0; ; i++) {
    try {
      review = await approvals.approve({ code, mdns: false, dial: [addr] })
      break
    } catch (err: any) {
      if (i >= 30 || !['not-found', 'refused'].includes(err?.details?.reason) || !/cannot reach/.test(err?.message)) throw err
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  expect(review.label).toBe('laptop')
  const d = await approvals.decide({ pairing: review.pairing, approve: true })
  expect(d.approved).toBe(true)
}

describe('pairing: a prober cannot keep the device from pairing', () => {
  it('walking nameplates: one Hello per connection, the prober\'s address refused after a few, no code replaced; the owner then pairs with the code shown', async () => {
    let now = 1_000_000
    const n = await waiting(['K7QM2XDF'], () => now)

    // As the review's script did: Hellos one after another over one connection.
    const prober = await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()] })
    cleanups.push(async () => { await prober.stop() })
    const conn = await prober.dial(multiaddr(n.addr))
    let walked = 0
    let answeredOnOne = 0
    for (; walked < 40; walked++) {
      try {
        const s = await conn.newStream(PAIR_PROTOCOL, { signal: AbortSignal.timeout(5000) })
        const pb = pbStream(s).pb(PairMessage)
        await pb.write({ hello: { version: 1, nameplate: nameplate(walked), nonce: new Uint8Array(randomBytes(16)) } } as any, { signal: AbortSignal.timeout(5000) })
        if ((await pb.read({ signal: AbortSignal.timeout(5000) })).reject?.reason === Reject.Reason.NAMEPLATE) answeredOnOne++
        await s.close()
      } catch {
        break
      }
    }
    // The connection carried one Hello that was looked at, and was closed.
    expect(answeredOnOne).toBe(1)
    await until(() => conn.status !== 'open', 'the device to close the connection')

    // Then a new connection and a new PeerId for each nameplate (the real approver's code as the
    // prober, as test/helpers/pair-hostile.ts runs it): all from 127.0.0.1.
    const outcomes: string[] = []
    for (let i = walked; i < walked + 60; i++) {
      const err = await findCandidate({ code: `${nameplate(i)}QM2XDF`, mdns: false, dial: [n.addr], timeoutMs: 5000 }).then(async (f) => { await f.close(); return 'found' }, (e: any) => String(e?.details?.reason))
      outcomes.push(err)
    }
    const nameplateRefusals = n.events.filter(e => e.type === 'refused' && e.reason === 'nameplate').length
    expect(nameplateRefusals).toBeLessThanOrEqual(MAX_STRIKES)
    expect(outcomes).not.toContain('found')
    // No code replaced: what the owner reads stays the code to type.
    expect(n.shown.map(s => s.reason)).toEqual(['first'])
    // And the device says someone is probing, and from where.
    expect(n.probes).toContainEqual(expect.objectContaining({ type: 'refused', kind: 'network', source: '127.0.0.1', strikes: MAX_STRIKES }))

    // The prober stopped; the refusal ends (by the device's clock), and the owner, here on the
    // same address, pairs with the code the device shows.
    now += REFUSE_MS
    await ownerApproves(n.shown.at(-1)?.code.display as string, n.addr)
    await n.paired
    expect(n.shown.length).toBe(1)
  })

  it('codes burned fast pause new runs: the code shown then stands, the owner pairs with it once the pause ends', async () => {
    let now = 2_000_000
    // The nameplate is known (say, read over a shoulder): each wrong guess burns a code.
    const n = await waiting(['K7QM2XDF', 'K7AAAAAA', 'K7BBBBBB', 'K7CCCCCC', 'K7DDDDDD'], () => now)
    for (let i = 0; i < 3; i++) {
      await expect(findCandidate({ code: 'K7ZZZZZZ', mdns: false, dial: [n.addr], timeoutMs: 5000 })).rejects.toMatchObject({ details: { reason: 'wrong-code' } })
    }
    expect(n.shown.map(s => s.reason)).toEqual(['first', 'wrong-code', 'wrong-code', 'wrong-code'])
    expect(n.probes).toContainEqual({ type: 'paused', burned: 3, until: now + PAUSE_MS })
    // During the pause every Hello is BUSY, whatever its nameplate: another guess burns nothing.
    // The answer says how long the pause has left (retry_ms), and the approver says when that is.
    const before = Date.now()
    const busy: any = await findCandidate({ code: 'K7ZZZZZZ', mdns: false, dial: [n.addr], timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e)
    expect(busy?.details?.reason).toBe('busy')
    expect(busy?.details?.retryAt).toBeGreaterThanOrEqual(before + PAUSE_MS)
    expect(busy?.details?.retryAt).toBeLessThanOrEqual(Date.now() + PAUSE_MS)
    expect(busy?.message).toContain(`it takes no new approval until ${new Date(busy?.details?.retryAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (in about `)
    expect(busy?.message).not.toMatch(/minute/)
    await expect(findCandidate({ code: 'ZZZZZZZZ', mdns: false, dial: [n.addr], timeoutMs: 5000 })).rejects.toMatchObject({ details: { reason: 'busy' } })
    expect(n.shown.length).toBe(4)
    now += PAUSE_MS
    await ownerApproves(n.shown.at(-1)?.code.display as string, n.addr)
    await n.paired
    expect(n.shown.map(s => s.code.code)).toEqual(['K7QM2XDF', 'K7AAAAAA', 'K7BBBBBB', 'K7CCCCCC'])
  })

  it('the wrong code that gets its address refused is still told as a wrong code, in words: its run answers before the connection is cut', async () => {
    let now = 3_000_000
    const n = await waiting(['K7QM2XDF', 'K7AAAAAA', 'K7BBBBBB', 'K7CCCCCC', 'K7DDDDDD', 'K7EEEEEE'], () => now)
    for (let i = 0; i < 3; i++) {
      await expect(findCandidate({ code: 'K7ZZZZZZ', mdns: false, dial: [n.addr], timeoutMs: 5000 })).rejects.toMatchObject({ details: { reason: 'wrong-code' } })
    }
    // Past the pause: the 4th wrong code from 127.0.0.1 is its 4th strike, which refuses it.
    now += PAUSE_MS
    const err: any = await findCandidate({ code: 'K7ZZZZZZ', mdns: false, dial: [n.addr], timeoutMs: 5000 }).then(async f => { await f.close(); return undefined }, (e: unknown) => e)
    expect(n.probes).toContainEqual(expect.objectContaining({ type: 'refused', kind: 'network', source: '127.0.0.1', strikes: MAX_STRIKES, reason: 'wrong-code' }))
    expect(err?.details?.reason).toBe('wrong-code')
    expect(err?.message).toBe('the code did not match: the device burned it and shows a new one')
  })

  it('a device that ends the run after the approver\'s share is told in words, not in the transport\'s (which stay in the cause)', async () => {
    const node = await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()] })
    cleanups.push(async () => { await node.stop() })
    // N up to the approver's share (a valid one), then the stream closed unanswered.
    await node.handle(PAIR_PROTOCOL, async (stream, conn) => {
      try {
        const pb = pbStream(stream).pb(PairMessage)
        const hello = (await pb.read()).hello
        if (hello === undefined) throw new Error('no Hello')
        const nonceN = new Uint8Array(randomBytes(16))
        const sid = new Uint8Array(createHash('sha256').update(LABEL.pairSid).update(hello.nonce).update(nonceN).digest().subarray(0, 16))
        const ci = lvCat(utf8(LABEL.pairCi), node.peerId.toMultihash().bytes, conn.remotePeer.toMultihash().bytes)
        await pb.write({ shareA: { nonce: nonceN, y: cpaceShare(cpaceGenerator(utf8('K7QM2XDF'), ci, sid)).Y } } as any)
        await pb.read()
        await stream.close()
      } catch {
        stream.abort(new Error('run ended'))
      }
    })
    const addr = `${node.getMultiaddrs()[0]?.toString() as string}`
    const err: any = await findCandidate({ code: 'K7ZZZZZZ', mdns: false, dial: [addr], timeoutMs: 5000 }).then(async f => { await f.close(); return undefined }, (e: unknown) => e)
    expect(err?.details?.reason).toBe('wrong-code')
    expect(err?.message).toBe('the device closed the connection before confirming the code, taken as a wrong code: if it is the device in front of you, read the new code it shows')
    expect(String(err?.cause?.message)).toMatch(/EOF|closed|reset/i)
  })
})
