/**
 * A hostile member (a certified device gone bad) asking, with a few small frames, for more than
 * one honest session costs. Each test counts work or bytes, never time: a frame of ranges counting
 * no document must not make A send its vault once per range, and frames sent while a catch-up
 * waits its turn join it.
 */
import { describe, expect, it } from 'vitest'
import type { SessionKey } from '../../crdt/index.js'
import type { PeerSession } from '../../protocols/sync/session.js'
import { until, type TestNode } from '../helpers/nodes.js'
import { rogueMember, type Rogue } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

/** Five sessions of 20 messages each on A (B holds them too, by its honest sync before it went rogue). */
async function vault (a: TestNode): Promise<void> {
  for (let k = 0; k < 5; k++) {
    const s = await a.vault.sessions.create(`agent:main:s${k}` as SessionKey)
    for (let i = 0; i < 20; i++) await s.append({ role: 'user', content: `m${i} ` + 'x'.repeat(200) })
    await s.close()
  }
}

async function rogueWithVault (): Promise<{ r: Rogue, session: PeerSession, got: () => number }> {
  const r = await rogueMember(nodes, { prepare: async (a) => { await vault(a) } })
  let bytes = 0
  r.stream.addEventListener('message', (e: any) => { bytes += e.data.byteLength })
  const bId = r.b.node.libp2p.peerId.toString()
  await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) !== undefined, "A's session with the rogue")
  const session = r.a.node.libp2p.services.sync.sessionWith(bId) as PeerSession
  return { r, session, got: () => bytes }
}

/** Waits until A has sent nothing more for a while (or a generous bound passed): the work a burst caused is done. */
async function quiet (got: () => number): Promise<void> {
  let last = -1
  for (let i = 0; i < 40 && got() !== last; i++) {
    last = got()
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

describe('sync: a member asking for more than it costs', () => {
  it('ranges counting no document, in one frame and in 300: the vault is sent a few times, not once per range', async () => {
    const { r, session, got } = await rogueWithVault()
    await quiet(got)
    const before = session.stats.catchUpEntriesSent
    const whole = { lower: Uint8Array.of(0), upper: new Uint8Array(0), fingerprint: new Uint8Array(0), count: 0, listed: false }
    for (let i = 0; i < 300; i++) r.send({ ranges: [whole] })
    r.send({ ranges: Array.from({ length: 1024 }, () => whole) })
    await quiet(got)
    const sent = session.stats.catchUpEntriesSent - before
    // 100 entries in A's vault (and a few of its own records): once per range was 100 × 1,324.
    expect(sent).toBeLessThanOrEqual(5 * 110)
  }, 60_000)
})
