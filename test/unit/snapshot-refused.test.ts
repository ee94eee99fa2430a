/**
 * A snapshot whose header the data layer refused (an unknown epoch, a full disk): its header and
 * chunks are read and dropped, and each such frame is said to be dropped (`skipped`), so the
 * session names it refused in its acknowledgement and the sender does not count the snapshot held.
 */
import { logger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { sealSnapshot } from '../../crdt/index.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import { SnapshotReceiver } from '../../protocols/sync/snapshot-receiver.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, vaultSeedSignature } from '../../src/identity/index.js'

describe('a snapshot refused from its header', () => {
  it('has each of its frames said to be dropped, where one that is taken is not', async () => {
    const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
    const device = await generateDeviceKey()
    const doc = docIdFor(keys, 'a document')
    const snap = sealSnapshot({ keys, signer: device.signer }, doc, 1n, new Uint8Array(200_000).fill(7), [{ author: device.publicKey, seq: 1n }])
    const receiver = (refuse: boolean): SnapshotReceiver => new SnapshotReceiver({
      peer: 'peer',
      log: logger('test:snapshot-refused'),
      source: { receiveSnapshot: () => { if (refuse) throw new Error('unknown epoch'); return { write: async () => {}, end: async () => ({ doc, covers: [] }), abort: () => {} } } } as any,
      outbox: { enqueue: () => true } as any,
      transfers: { snapshotBegins: () => {}, snapshotBytes: () => {}, snapshotBytesLater: () => () => {} } as any,
      refused: () => {}
    })
    const frames = [{ ...EMPTY(), snapshotHeader: snap.header.bytes }, ...Array.from({ length: Math.ceil(snap.ciphertext.byteLength / 65536) }, (_, i) => ({ ...EMPTY(), snapshotChunk: snap.ciphertext.subarray(i * 65536, (i + 1) * 65536) }))]
    const refused = receiver(true)
    expect(frames.map(f => refused.assemble(f as any).skipped)).toEqual(frames.map(() => true))
    const taken = receiver(false)
    expect(frames.map(f => taken.assemble(f as any).skipped)).toEqual(frames.map(() => false))
    // Nothing of a snapshot in a frame: nothing dropped.
    expect(taken.assemble(EMPTY()).skipped).toBe(false)
  })
})
