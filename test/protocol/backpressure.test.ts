/**
 * The sync session's write side against a stream that asks it to wait: after a send the stream
 * could not pass on, nothing more is handed to it until it drains (what waits is counted by the
 * session, not piled up in the stream); entries that collect meanwhile leave as one frame; past
 * the session's bound live entries are dropped and the peer is asked for its vectors instead.
 */
import { logger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { SYNC_LIMITS, type ReplicaSource } from '../../protocols/sync/index.js'
import { PeerSession } from '../../protocols/sync/session.js'
import type { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { FingerprintSum } from '../../src/identity/index.js'
import type { Uint8ArrayList } from 'uint8arraylist'
import { sentFrame } from '../helpers/sent-frame.js'
import { until } from '../helpers/wait.js'

/** A stream whose send() answers from a script and whose drain the test releases. */
class WaitingStream extends EventTarget {
  readonly frames: SyncMessage[] = []
  readStatus = 'readable'
  private drain: (() => void) | undefined
  constructor (private readonly answers: boolean[]) { super() }
  send (data: Uint8Array | Uint8ArrayList): boolean {
    this.frames.push(sentFrame(data))
    return this.answers.shift() ?? true
  }

  async onDrain (): Promise<void> { await new Promise<void>(resolve => { this.drain = resolve }) }
  release (): void { const d = this.drain; this.drain = undefined; d?.() }
  get waiting (): boolean { return this.drain !== undefined }
  abort (): void { this.readStatus = 'closed' }
  pause (): void {}
  resume (): void {}
}

const source: ReplicaSource = {
  certificates: () => [Uint8Array.of(1)],
  vectors: () => [],
  vector: () => [],
  index: () => ({ items: [], digest: new FingerprintSum().fingerprint() }),
  addCertificate: async () => {},
  plan: () => { throw new Error('not used') },
  accept: async () => { throw new Error('not used') },
  receiveSnapshot: () => { throw new Error('not used') },
  onEntry: () => () => {},
  onCertificate: () => () => {}
}
const ref = { doc: new Uint8Array(32), item: { author: new Uint8Array(32), lane: 0, seq: 1n } }
const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

function session (answers: boolean[]): { stream: WaitingStream, s: PeerSession } {
  const stream = new WaitingStream(answers)
  const s = new PeerSession(stream as any, 'peer', source, logger('test:sync'), { received: () => {}, refused: () => {} })
  void s.run()
  return { stream, s }
}

describe('sync session writes under backpressure', () => {
  it('hands the stream nothing while it drains, then sends what collected as one frame', async () => {
    const { stream, s } = session([false]) // the session's first frame (its certificates) fills the stream
    await tick()
    expect(stream.frames).toHaveLength(1)
    expect(stream.frames[0]?.certificates).toEqual([Uint8Array.of(1)])
    expect(stream.waiting).toBe(true)
    for (const n of [1, 2, 3]) { s.pushEntry(Uint8Array.of(n), ref); await tick() }
    expect(stream.frames).toHaveLength(1) // the hello and the entries wait with the session
    stream.release()
    await tick()
    // The certificates, the snapshots held in part (with the window), the digest, then the entries as one frame.
    expect(stream.frames[1]?.snapshotWindow).toBe(BigInt(SYNC_LIMITS.snapshotWindowBytes))
    expect(stream.frames.map(f => f.ranges.length)).toEqual([0, 0, 1, 0])
    expect(stream.frames[3]?.entries).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)])
    s.close()
  })

  it('drops live entries past its bound while the stream drains, and asks for the peer\'s vectors after', async () => {
    const { stream, s } = session([false])
    await tick()
    const big = new Uint8Array(SYNC_LIMITS.batchBytes)
    const pushed = Math.ceil(SYNC_LIMITS.maxQueuedBytes / big.byteLength) + 8
    for (let i = 0; i < pushed; i++) s.pushEntry(big, ref)
    expect(stream.frames).toHaveLength(1)
    // The queue goes out as the stream drains, a turn's budget at a time (outbox.ts): released
    // until the session's last frame is out (its ask for the vectors): waited for (up to 20 s), not
    // a fixed number of looks, as the budget's turns come slower on a loaded machine.
    await until(() => {
      if (stream.frames.at(-1)?.wantVectors === true) return true
      if (stream.waiting) stream.release()
      return false
    }, "the session's ask for the vectors", 20_000, 1).catch(() => {})
    const sentEntries = stream.frames.reduce((n, f) => n + f.entries.length, 0)
    expect(sentEntries).toBeGreaterThan(0)
    expect(sentEntries).toBeLessThan(pushed)
    expect(stream.frames.at(-1)?.wantVectors).toBe(true)
    s.close()
  })
})
