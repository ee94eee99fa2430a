/**
 * A hostile member (a certified device gone bad) asking, with a few small frames, for more than
 * one honest session costs. Each test counts work or bytes, never time: a frame of ranges counting
 * no document must not make A send its vault once per range, and frames sent while a catch-up
 * waits its turn join it; a peer that stops reading cannot make A queue replies without bound;
 * made-up documents and snapshots leave bounded state.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SessionKey } from '../../crdt/index.js'
import { SYNC_LIMITS } from '../../protocols/sync/index.js'
import { frame } from '../../protocols/sync/frames.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'
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

describe('sync: a member that stops reading', () => {
  /** Many copies of one frame in one write (the rogue's own stream may refuse more while A does not read). */
  const burst = (one: Uint8Array, n: number): Uint8Array => {
    const out = new Uint8Array(one.byteLength * n)
    for (let i = 0; i < n; i++) out.set(one, i * one.byteLength)
    return out
  }
  const frameOf = (m: Record<string, unknown>): Uint8Array => frame(SyncMessage.encode({ ...EMPTY(), ...m } as SyncMessage))
  /** What A holds queued for the rogue, in frames and encoded bytes. */
  const queuedFor = (session: PeerSession): { frames: number, bytes: number } => {
    const q = (session as any).outbox.queue as Array<{ msg: SyncMessage }>
    return { frames: q.length, bytes: q.reduce((n, f) => n + SyncMessage.encode(f.msg).byteLength, 0) }
  }
  /** Waits until A has read nothing more for a while: it handled what it will, and holds the rest back. */
  async function readAll (session: PeerSession): Promise<void> {
    let last = -1
    for (let i = 0; i < 40 && session.stats.bytesReceived !== last; i++) {
      last = session.stats.bytesReceived
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }

  it('200,000 three-byte want_vectors: A queues its vectors once, not once per ask', async () => {
    const { r, session } = await rogueWithVault()
    r.stream.pause()
    const many = burst(frameOf({ wantVectors: true }), 20_000)
    for (let round = 0; round < 10; round++) {
      try { r.stream.send(many) } catch {}
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    await readAll(session)
    // Before: one full set of vectors queued per ask (399,510 frames, +2.67 GB for the reviewer).
    expect(queuedFor(session).frames).toBeLessThan(1_000)
  }, 60_000)

  it('listings asked for again and again: what A queues for a peer that stopped reading stays bounded', async () => {
    const { r, session } = await rogueWithVault()
    r.stream.pause()
    // A's five documents, a wrong fingerprint: A lists them (their vectors), once per frame.
    const ask = frameOf({ ranges: [{ lower: Uint8Array.of(0), upper: new Uint8Array(0), fingerprint: new Uint8Array(16), count: 1, listed: false }] })
    const many = burst(ask, 20_000)
    for (let round = 0; round < 8; round++) {
      try { r.stream.send(many) } catch {}
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    await readAll(session)
    const q = queuedFor(session)
    // Before: every listing queued (~160,000 frames, some 100 MB); now A stops reading past 16 MiB of replies.
    expect(q.bytes).toBeLessThan(SYNC_LIMITS.maxQueuedBytes * 1.25)
    expect(session.stats.bytesReceived).toBeLessThan(many.byteLength * 8)
  }, 120_000)

  it('an unfold of more documents than a vectors frame holds is refused with its frame', async () => {
    const { r } = await rogueWithVault()
    const bId = r.b.node.libp2p.peerId.toString()
    const ids = Array.from({ length: SYNC_LIMITS.docsPerFrame + 1 }, (_, i) => Uint8Array.of(i >> 8, i & 255))
    r.send({ unfold: ids })
    // Before: accepted (~500,000 ids fit a frame), each answered with a vector.
    await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to end the session')
  }, 30_000)
})

describe('sync: state a member makes a node keep', () => {
  const doc = (): Uint8Array => new Uint8Array(randomBytes(32))

  it('catch-up plans of made-up documents: at most LIMITS.maxTransfersIn are tracked', async () => {
    const { r, session } = await rogueWithVault()
    // A notes a frame's plan as it reads it (before the frame's first await), so once it has read
    // every byte of the 3,000 frames each plan is counted or refused: no pause is needed after.
    const from = session.stats.bytesReceived
    let bytes = 0
    for (let i = 0; i < 3_000; i++) {
      const m = { catchup: { doc: doc(), entries: 1n, bytes: 1n, snapshotBytes: 0n } }
      bytes += frame(SyncMessage.encode({ ...EMPTY(), ...m } as SyncMessage)).byteLength
      r.send(m)
    }
    await until(() => session.stats.bytesReceived >= from + bytes, 'A to read the 3,000 plans', 45_000)
    // Before: one transfer each, in flight for the session's life (100,000 for 5 MB, +151 MB).
    expect(session.transfers.list().filter(t => t.direction === 'in').length).toBe(SYNC_LIMITS.maxTransfersIn)
  }, 60_000)

  it('partial_snapshots outside the held frame end the session', async () => {
    const { r } = await rogueWithVault()
    const bId = r.b.node.libp2p.peerId.toString()
    r.send({ partialSnapshots: Array.from({ length: 512 }, () => ({ doc: doc(), author: doc(), seq: 1n, offset: 1n })) })
    await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to end the session')
  }, 30_000)

  it('vectors of made-up documents, with or without vectors_done: at most LIMITS.maxUnknownDocs are kept', async () => {
    const { r, session } = await rogueWithVault()
    const frames = Math.ceil(SYNC_LIMITS.maxUnknownDocs / SYNC_LIMITS.docsPerFrame) + 8
    const author = doc()
    for (let i = 0; i < frames; i++) r.send({ vectors: Array.from({ length: SYNC_LIMITS.docsPerFrame }, () => ({ doc: doc(), items: [{ author, seq: 1n, lane: 0 }], retired: [] })) })
    await until(() => (session as any).vectors.incoming.size >= SYNC_LIMITS.maxUnknownDocs || session.stats.bytesReceived > frames * SYNC_LIMITS.docsPerFrame * 70, 'A to read the vectors')
    await new Promise(resolve => setTimeout(resolve, 300))
    expect((session as any).vectors.incoming.size).toBeLessThanOrEqual(SYNC_LIMITS.maxUnknownDocs)
    r.send({ vectorsDone: true })
    await new Promise(resolve => setTimeout(resolve, 1000))
    // Before: every one kept, in the list until vectors_done and in the peer's view after it.
    expect(session.theirs.size).toBeLessThanOrEqual(SYNC_LIMITS.maxUnknownDocs + 10)
  }, 60_000)
})
