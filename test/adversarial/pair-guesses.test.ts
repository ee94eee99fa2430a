/**
 * A hostile "candidate" against the approver (protocols/pair/SPEC.md, One run per code): once T
 * has sent its share and tag, the peer holds one guess at the code T's owner typed, testable
 * offline. Whatever it answers then (BUSY, NAMEPLATE, DONE, a reset) must count as that guess
 * failing: the search ends with `wrong-code` and no further PAKE runs with the same code, however
 * often it reconnects or under however many PeerIds; at most MAX_PAKE_RUNS runs start at once.
 * Real libp2p nodes on loopback.
 */
import { createHash, randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { findCandidate, MAX_PAKE_RUNS } from '../../src/node/pair-find.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { PAIR_PROTOCOL } from '../../protocols/pair/index.js'
import { PairMessage, Reject } from '../../protocols/pair/pb/pair.js'
import { cpaceGenerator, cpaceShare, lvCat } from '../../src/identity/cpace.js'
import { LABEL, utf8 } from '../../src/identity/index.js'
import { CROCKFORD } from '../../src/identity/pair-code.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/**
 * A node that plays N up to T's share, then answers `answer` once `hold` resolves. Counts the
 * shares it received: each one a guess it could test offline.
 */
async function hostile (answer: Reject.Reason, hold: () => Promise<void> = async () => {}): Promise<{ node: Libp2p, guesses: () => number }> {
  const node = await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()] })
  cleanups.push(async () => { await node.stop() })
  let guesses = 0
  await node.handle(PAIR_PROTOCOL, async (stream, conn) => {
    try {
      const pb = pbStream(stream).pb(PairMessage)
      const hello = (await pb.read()).hello
      if (hello === undefined) throw new Error('no Hello')
      // The nameplate is public: the guess is at the 6 secret symbols.
      const guess = hello.nameplate + [...randomBytes(6)].map(b => CROCKFORD[b & 31]).join('')
      const nonceN = new Uint8Array(randomBytes(16))
      const sid = new Uint8Array(createHash('sha256').update(LABEL.pairSid).update(hello.nonce).update(nonceN).digest().subarray(0, 16))
      const ci = lvCat(utf8(LABEL.pairCi), node.peerId.toMultihash().bytes, conn.remotePeer.toMultihash().bytes)
      const a = cpaceShare(cpaceGenerator(utf8(guess), ci, sid))
      await pb.write({ shareA: { nonce: nonceN, y: a.Y } } as any)
      const b = (await pb.read()).shareB
      if (b === undefined) throw new Error('no ShareB')
      guesses++
      await hold()
      await pb.write({ reject: { reason: answer } } as any)
      await stream.close()
    } catch {
      stream.abort(new Error('hostile run ended'))
    }
  })
  return { node, guesses: () => guesses }
}

async function listeningApprover (timeoutMs: number): Promise<{ search: Promise<unknown>, addr: string }> {
  let listening!: (a: string) => void
  const at = new Promise<string>(resolve => { listening = resolve })
  const search = findCandidate({ code: 'K7QM2XDF', mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], timeoutMs, onListening: (a) => { listening(a[0] as string) } })
  const settled = search.then(f => { void f.close(); return 'found' }, (err: unknown) => err)
  return { search: settled, addr: await at }
}

describe('pairing: a hostile candidate gets one guess at the typed code, not one per run', () => {
  it('BUSY after the approver\'s share ends the search as a wrong code: reconnecting gets no second PAKE run', async () => {
    const { search, addr } = await listeningApprover(8000)
    const h = await hostile(Reject.Reason.BUSY)
    let done = false
    void search.then(() => { done = true })
    // It reconnects as the reviewer's repro did (approve --listen starts a run on each inbound connection).
    for (let i = 0; i < 20 && !done; i++) {
      try { const c = await h.node.dial(multiaddr(addr)); await new Promise(resolve => c.addEventListener('close', resolve, { once: true })) } catch {}
      await new Promise(resolve => setTimeout(resolve, 60))
    }
    const err = await search
    expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'wrong-code' } })
    expect((err as Error).message).toMatch(/answered busy/)
    expect(h.guesses()).toBe(1)
  })

  it('NAMEPLATE or DONE from many PeerIds at once: at most MAX_PAKE_RUNS shares go out, then the search ends', async () => {
    const { search, addr } = await listeningApprover(8000)
    let release!: () => void
    const released = new Promise<void>(resolve => { release = resolve })
    const hold = async (): Promise<void> => { await Promise.race([released, new Promise(resolve => setTimeout(resolve, 1500))]) }
    const hs = await Promise.all(Array.from({ length: 8 }, async (_, i) => await hostile(i % 2 === 0 ? Reject.Reason.NAMEPLATE : Reject.Reason.DONE, hold)))
    await Promise.all(hs.map(async h => await h.node.dial(multiaddr(addr)).catch(() => undefined)))
    await new Promise(resolve => setTimeout(resolve, 800))
    release()
    const err = await search
    expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'wrong-code' } })
    const guesses = hs.reduce((n, h) => n + h.guesses(), 0)
    expect(guesses).toBeGreaterThan(0)
    expect(guesses).toBeLessThanOrEqual(MAX_PAKE_RUNS)
  })
})
