/**
 * The disk write of a snapshot's last piece fails (a full disk, at the very end). The session
 * ends with the error, and the snapshot's reception is aborted, not left open: what arrived is
 * kept for a resume, and the transfer that follows completes from there.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { StoreWriteError } from '../../src/errors.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }

const N = 1500

describe('a snapshot whose last write fails', () => {
  it('is aborted and kept for a resume, which completes it', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const s = await a.vault.sessions.create('agent:main:big')
    for (let i = 0; i < N; i += 25) await s.append(Array.from({ length: 25 }, (_, j) => ({ role: 'user' as const, content: `big ${i + j} ${'z'.repeat(900)}` })))
    await s.close() // sealed as one snapshot, its entries compacted away
    const doc = a.vault.vault.docId(DOC_NAMES.session('agent:main:big' as any))
    const size = Number(a.vault.vault.store.snapshots(doc)[0]?.header.snapshotSize)
    expect(a.vault.vault.store.uncoveredCount(doc)).toBe(0)

    const b = await node({ wallet, label: 'B' })
    // B's disk fails the write of the first transfer's last piece; every later write goes through.
    const v = b.vault.vault
    const receive = v.receiveSnapshot.bind(v)
    const aborted: number[] = []
    let failOnce = true
    v.receiveSnapshot = (header, offset = 0) => {
      const sink = receive(header, offset)
      let at = offset
      return {
        ...sink,
        write: (piece) => {
          at += piece.byteLength
          const done = sink.write(piece)
          if (at < size || !failOnce) return done
          failOnce = false
          return Promise.resolve(done).then(() => { throw new StoreWriteError('no space left on the device (a test)') })
        },
        abort: () => { aborted.push(at); sink.abort() }
      }
    }
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => {
      if (!(await b.vault.sessions.exists('big'))) return false
      const r = await b.vault.sessions.open('big')
      try { return r.messageCount() === N } finally { await r.close() }
    }, 'B to hold every message', 60_000)
    expect(failOnce).toBe(false)
    // Aborted once, holding every byte; the resume took it from there.
    expect(aborted).toEqual([size])
    expect(a.node.syncStats().snapshotsResumed).toBeGreaterThanOrEqual(1)
    expect(b.vault.vault.store.partialSnapshots()).toHaveLength(0)
  })
})
