/**
 * A snapshot whose last byte arrived is still arriving until the data layer checked and stored it
 * (its sink's end): the transfer stays in flight until then, so a node asked for the session in
 * that time says it is arriving instead of opening what came before it (an entry of the session
 * sent after its snapshot, admitted while the snapshot's checks run).
 */
import { logger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { sealSnapshot } from '../../crdt/index.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import { SnapshotReceiver } from '../../protocols/sync/snapshot-receiver.js'
import { Transfers } from '../../protocols/sync/transfer.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'

describe('a snapshot being checked', () => {
  it('keeps its transfer in flight until its sink ended, then ends it', async () => {
    const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
    const device = await generateDeviceKey()
    const doc = docIdFor(keys, 'a document')
    const snap = sealSnapshot({ keys, signer: device.signer }, doc, 1n, new Uint8Array(200_000).fill(7), [{ author: device.publicKey, seq: 1n }])
    const transfers = new Transfers('peer', () => {})
    const receiver = new SnapshotReceiver({
      peer: 'peer',
      log: logger('test:snapshot-arriving'),
      source: { receiveSnapshot: () => ({ write: async () => {}, end: async () => ({ doc, covers: [] }), abort: () => {} }) } as any,
      outbox: { enqueue: () => true } as any,
      transfers,
      refused: () => {}
    })
    const size = snap.ciphertext.byteLength
    transfers.plan('in', toHex(doc), size, 1, 100)
    const chunks = Array.from({ length: Math.ceil(size / 65536) }, (_, i) => snap.ciphertext.subarray(i * 65536, (i + 1) * 65536))
    receiver.assemble({ ...EMPTY(), snapshotHeader: snap.header.bytes } as any)
    let last: ReturnType<SnapshotReceiver['assemble']> = {}
    for (const c of chunks) last = receiver.assemble({ ...EMPTY(), snapshotChunk: c } as any)
    expect(last.complete).toBeDefined()
    // The entry after it arrives while the snapshot is checked: the document is not done yet.
    transfers.entries('in', toHex(doc), 1, 100)
    const [inFlight] = transfers.list()
    expect(inFlight?.done).toBe(false)
    expect(inFlight?.bytesDone).toBe(size - (chunks.at(-1) as Uint8Array).byteLength + 100)
    last.settled?.()
    expect(transfers.list()).toEqual([])
  })
})
