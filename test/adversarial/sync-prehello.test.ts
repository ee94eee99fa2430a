/**
 * A member's frame that names an id longer than any node writes (a listing's author of 300
 * bytes), sent before the other side's hello: such frames wait for the hello and were handled
 * inside it, outside the frame reader's error handling, so what they threw (a document's
 * fingerprint cannot hold an author that long) rejected the session's run and, unhandled, ended
 * the node. The window is real: the hello waits for partial snapshots to be synced after a
 * snapshot broke off. Now the frame is refused at decoding, the session ends, and the node goes on.
 */
import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { sealSnapshot } from '../../crdt/index.js'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'
import { frame } from '../../protocols/sync/frames.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
const enc = (m: Partial<SyncMessage>): Uint8Array => frame(SyncMessage.encode({ ...EMPTY(), ...m }))

it('a listing with a 300-byte author, before the hello or after: the session ends, the node goes on', async () => {
  const rejections: unknown[] = []
  const onRejection = (err: unknown): void => { rejections.push(err) }
  process.on('unhandledRejection', onRejection)
  try {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const aId = a.node.libp2p.peerId
    const bId = b.node.libp2p.peerId.toString()
    await until(() => a.node.isOnline(bId) && b.node.isOnline(aId.toString()), 'A and B proven')
    // B's own sync stops: from here B is a rogue speaking the protocol by hand.
    await (b.node.libp2p.services.sync as unknown as { stop: () => Promise<void> }).stop()
    await until(() => a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A\'s session with B ended')
    const { keys, device } = b.vault.vault.identity
    const doc = a.vault.vault.docId('bloated')
    const snap = sealSnapshot({ keys, signer: device.signer } as any, doc, 1n, new Uint8Array(randomBytes(600_000)), [{ author: device.signer.publicKey, lane: 0, seq: 1n }] as any)
    const conn = b.node.libp2p.getConnections(aId)[0]
    if (conn === undefined) throw new Error('no connection')
    const listing = enc({
      ranges: [{ lower: Uint8Array.of(0), upper: new Uint8Array(0), fingerprint: new Uint8Array(0), count: 1, listed: true }],
      vectors: [{ doc: new Uint8Array(32).fill(7), items: [{ author: new Uint8Array(300).fill(1), seq: 1n, lane: 0 }], retired: [] }]
    })
    for (let round = 0; round < 3; round++) {
      // A snapshot broken off, so that A's next hello waits for the partial file to be synced.
      const cut = await conn.newStream(SYNC_PROTOCOL)
      await until(() => a.node.libp2p.services.sync.sessionWith(bId) !== undefined, 'A\'s session')
      cut.send(enc({ snapshotHeader: snap.header.bytes as Uint8Array<ArrayBuffer> }))
      cut.send(enc({ snapshotChunk: snap.ciphertext.subarray(0, 65536) as Uint8Array<ArrayBuffer> }))
      await new Promise(resolve => setTimeout(resolve, 300))
      cut.abort(new Error('cut'))
      const s = await conn.newStream(SYNC_PROTOCOL)
      s.send(listing)
      await until(() => s.status !== 'open' || a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to end the session')
      s.abort(new Error('next'))
    }
    expect(rejections).toEqual([])
    expect(a.node.libp2p.status).toBe('started')
    // A still serves: a sync stream of B's restarted service is answered and B is proven still.
    expect(a.node.isOnline(bId)).toBe(true)
  } finally {
    process.off('unhandledRejection', onRejection)
  }
}, 60_000)
