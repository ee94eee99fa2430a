/**
 * Bad peers on real sockets: a stranger that never proves itself, one that opens sync without
 * proving, and a member that sends oversized and malformed frames. The node drops them with a
 * logged reason, never crashes, and its store and replication stay intact. A member's bad
 * snapshot is refused by itself: the stream and what follows on it go on.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { readdir } from 'node:fs/promises'
import { Socket } from 'node:net'
import { join } from 'node:path'
import * as Y from 'yjs'
import { SessionDoc, sealSnapshot, sealUpdate } from '../../crdt/index.js'
import { SYNC_PROTOCOL, SYNC_LIMITS } from '../../protocols/sync/index.js'
import { SLICE_MS, turnSpent } from '../../protocols/sync/slice.js'
import { frame } from '../../protocols/sync/frames.js'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { generateDeviceKey, toHex } from '../../src/identity/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { bareNode } from '../helpers/bare-node.js'

const nodes: TestNode[] = []
const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
  for (const n of nodes.splice(0)) await n.stop()
})

async function stranger (): Promise<Libp2p> {
  const n = await bareNode({ encrypter: noise(), muxer: yamux() })
  stops.push(async () => { await n.stop() })
  return n
}

/** Two nodes of one wallet, B connected to A and A proven. */
async function provenPair (): Promise<{ a: TestNode, b: TestNode, aId: TestNode['node']['libp2p']['peerId'] }> {
  const wallet = generateWallet()
  const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
  const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
  await b.node.dial(a.node.addresses()[0] as string)
  const aId = a.node.libp2p.peerId
  await until(() => b.node.libp2p.services.membership.isProven(aId), 'B to prove A')
  return { a, b, aId }
}

describe('bad peers on the wire', () => {
  it('disconnects a peer that never proves membership, and answers none of its sync streams', async () => {
    const a = await startNode({ label: 'A', membershipTimeoutMs: 800 }); nodes.push(a)
    const s = await a.vault.sessions.create('private')
    await s.append({ role: 'user', content: 'not for strangers' })
    await s.close()
    const x = await stranger()
    const conn = await x.dial(multiaddr(a.node.addresses()[0] as string))
    let got = 0
    try {
      const stream = await conn.newStream(SYNC_PROTOCOL, { signal: AbortSignal.timeout(3000) })
      for await (const chunk of stream) got += chunk.byteLength
    } catch {
      // the stream is refused or aborted: either way nothing was sent
    }
    expect(got).toBe(0)
    await until(() => x.getConnections().length === 0, 'the stranger to be disconnected')
    expect(a.events.some(e => e.type === 'refused')).toBe(true)
  })

  it('closes a sync stream carrying an oversized or malformed frame and keeps replicating', async () => {
    const { a, b, aId } = await provenPair()
    const sa = await a.vault.sessions.create('robust')
    await sa.append({ role: 'user', content: 'before' })
    const texts = async (): Promise<string[]> => {
      if (!(await b.vault.sessions.exists('robust'))) return []
      const s = await b.vault.sessions.open('robust')
      try { return s.messages().map(m => m.content) } finally { await s.close() }
    }
    await until(async () => (await texts()).length === 1, 'B to receive the first message')
    const conn = b.node.libp2p.getConnections(aId)[0]
    expect(conn).toBeDefined()
    const send = async (bytes: Uint8Array): Promise<void> => {
      const st = await conn!.newStream(SYNC_PROTOCOL)
      st.send(bytes)
      await until(() => st.status !== 'open' || st.readStatus !== 'readable', 'A to close the bad stream', 10_000).catch(() => undefined)
      st.abort(new Error('done'))
    }
    // A length prefix announcing 8 MiB: over the frame limit.
    const varint = (n: number): number[] => { const o: number[] = []; while (n >= 0x80) { o.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) } o.push(n); return o }
    await send(Uint8Array.from([...varint(SYNC_LIMITS.maxFrameBytes * 8), 1, 2, 3]))
    // A frame of garbage that is not a SyncMessage.
    await send(Uint8Array.from([...varint(6), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    // A still serves B, and replication resumes.
    await sa.append({ role: 'user', content: 'after' })
    await until(async () => (await texts()).length === 2, 'replication to go on after the bad frames', 20_000)
    expect(a.node.libp2p.status).toBe('started')
    await sa.close()
  })

  it('ends the stream of a malformed frame read while sliced work has spent the turn (held for the next turn), and the node runs on', async () => {
    const { a, b, aId } = await provenPair()
    const rejections: unknown[] = []
    const onRejection = (err: unknown): void => { rejections.push(err) }
    process.on('unhandledRejection', onRejection)
    // Sliced work elsewhere on A's loop (another peer's catch-up) in the turn that reads B's bytes:
    // before A's own reading of each chunk from B's socket, the turn's clock starts and its budget
    // is spent, so the frame those bytes complete waits for the loop's next turn.
    const aPort = Number(/\/tcp\/(\d+)/.exec(a.node.addresses()[0] as string)?.[1])
    const fromB = (process as unknown as { _getActiveHandles: () => unknown[] })._getActiveHandles()
      .filter((h): h is Socket => h instanceof Socket && h.localPort === aPort)
    expect(fromB).toHaveLength(1)
    const spend = (): void => {
      turnSpent()
      const until = performance.now() + SLICE_MS + 2
      while (performance.now() < until) { /* the turn's budget, used up */ }
    }
    try {
      const st = await b.node.libp2p.getConnections(aId)[0]!.newStream(SYNC_PROTOCOL)
      await new Promise(resolve => setTimeout(resolve, 50))
      for (const s of fromB) s.prependListener('data', spend)
      // A frame as big as a catch-up's whose body is not a SyncMessage: a length-delimited field
      // that runs past its end.
      const body = new Uint8Array(70_000)
      body.set([0x0a, 0xff, 0xff, 0xff, 0x7f])
      st.send(frame(body))
      await until(() => st.status !== 'open' || st.readStatus !== 'readable', 'A to end the stream of the bad frame', 10_000)
      for (const s of fromB) s.off('data', spend)
      st.abort(new Error('done'))
      // A serves B as before.
      const sa = await a.vault.sessions.create('after-held')
      await sa.append({ role: 'user', content: 'still here' })
      await sa.close()
      await until(async () => await b.vault.sessions.exists('after-held'), 'replication to go on', 20_000)
      expect(rejections).toEqual([])
    } finally {
      for (const s of fromB) s.off('data', spend)
      process.off('unhandledRejection', onRejection)
    }
  })

  it('refuses a snapshot of a stranger from its header and a tampered one at its end, and the stream goes on', async () => {
    const { a, b, aId } = await provenPair()
    // Frames written by hand from B, a proven member, on a sync stream of its own. B's own sync
    // stops first: a new sync stream replaces a peer's old one, and B would reopen its own.
    await (b.node.libp2p.services.sync as unknown as { stop: () => Promise<void> }).stop()
    const bId = b.node.libp2p.peerId.toString()
    await until(() => a.node.libp2p.services.sync.sessionWith(bId) === undefined, "A to end B's own session")
    const keys = b.vault.vault.identity.keys
    const me = b.vault.vault.identity.device.signer
    const doc = b.vault.vault.docId('hand-made')
    const st = await b.node.libp2p.getConnections(aId)[0]!.newStream(SYNC_PROTOCOL)
    const empty = { certificates: [], vectors: [], vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false }
    const put = (m: { snapshotHeader?: Uint8Array, snapshotChunk?: Uint8Array, entries?: Uint8Array[] }): void => { st.send(frame(SyncMessage.encode({ ...empty, ...m } as any))) }
    const sendSnapshot = (header: Uint8Array, ct: Uint8Array): void => {
      put({ snapshotHeader: header })
      for (let at = 0; at < ct.byteLength; at += SYNC_LIMITS.chunkBytes) put({ snapshotChunk: ct.subarray(at, at + SYNC_LIMITS.chunkBytes) })
    }
    const state = (() => {
      const s = new SessionDoc()
      for (let i = 0; i < 800; i++) s.appendMessages([{ role: 'user', content: `m${i} ${'y'.repeat(900)}` }], 'b')
      return Y.encodeStateAsUpdate(s.doc)
    })()
    // 1. Sealed under the vault key but signed by a device of no certificate: refused from its header.
    const stranger = await generateDeviceKey()
    const forged = sealSnapshot({ keys, signer: stranger.signer }, doc, 1n, state, [{ author: stranger.publicKey, seq: 1n }])
    expect(forged.ciphertext.byteLength).toBeGreaterThan(SYNC_LIMITS.chunkBytes)
    sendSnapshot(forged.header.bytes, forged.ciphertext)
    // 2. B's own, one bit flipped: refused once its last byte is in.
    const real = sealSnapshot({ keys, signer: me }, doc, 1n, state, [{ author: me.publicKey, seq: 1n }])
    const bad = new Uint8Array(real.ciphertext); bad[1000] = (bad[1000] as number) ^ 1
    sendSnapshot(real.header.bytes, bad)
    // 3. Then an entry on the same stream: it is taken.
    const small = new SessionDoc()
    small.appendMessages([{ role: 'user', content: 'after the snapshots' }], 'b')
    // (On a lane of its own: the good snapshot sent below claims lane 0 and, holding the key, A
    // would refuse it if it held a lane-0 entry its state lacks.)
    const entry = sealUpdate({ keys, signer: me }, doc, 1n, Y.encodeStateAsUpdate(small.doc), { lane: 1 })
    put({ entries: [entry.bytes] })
    await until(() => a.vault.vault.store.has(doc, me.publicKey, 1n, 1), 'A to store the entry sent after the bad snapshots')
    const refused = (code: string): boolean => a.events.some(e => e.type === 'entry-refused' && e.reason.includes(code))
    await until(() => refused('UNKNOWN_AUTHOR') && refused('DECRYPT_FAILED'), 'A to log both refusals')
    expect(st.status).toBe('open')
    // Neither left a file; the good one, sent last, is kept.
    const files = async (): Promise<string[]> => await readdir(join(a.home, 'data', 'snapshots', toHex(doc))).catch(() => [])
    expect(await files()).toEqual([])
    sendSnapshot(real.header.bytes, real.ciphertext)
    await until(async () => (await files()).length === 1 && a.vault.vault.store.snapshots(doc).length === 1, 'A to keep the good snapshot')
    st.abort(new Error('done'))
  })
})
