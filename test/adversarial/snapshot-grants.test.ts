/**
 * A late grant for one snapshot applied to the next: a receiver granted `got + window`, past the
 * snapshot's end, and the sender, which starts each snapshot's credit afresh, took a grant that
 * came after it moved on for the next one, which then ran ahead of the receiver by up to the first
 * one's size and window. Counted in bytes: no grant goes past its snapshot's size, and a sender
 * ignores one past what could be granted for the snapshot it sends.
 */
import { logger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { sealSnapshot } from '../../crdt/index.js'
import { CatchUp } from '../../protocols/sync/catch-up.js'
import { EMPTY } from '../../protocols/sync/messages.js'
import { SnapshotReceiver } from '../../protocols/sync/snapshot-receiver.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, vaultSeedSignature } from '../../src/identity/index.js'

describe('snapshot grants', () => {
  it('a receiver never grants past the snapshot it receives', async () => {
    const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
    const device = await generateDeviceKey()
    const doc = docIdFor(keys, 'a document')
    const snap = sealSnapshot({ keys, signer: device.signer }, doc, 1n, new Uint8Array(1_500_000).fill(7), [{ author: device.publicKey, seq: 1n }])
    const size = snap.ciphertext.byteLength
    const grants: number[] = []
    const receiver = new SnapshotReceiver({
      peer: 'peer',
      log: logger('test:snapshot-grants'),
      source: { receiveSnapshot: () => ({ write: async () => {}, end: async () => ({ doc, covers: [] }), abort: () => {} }) } as any,
      outbox: { enqueue: (msg: any) => { if (msg.snapshotCredit > 0n) grants.push(Number(msg.snapshotCredit)); return true } } as any,
      transfers: { snapshotBegins: () => {}, snapshotBytes: () => {}, snapshotBytesLater: () => () => {} } as any,
      refused: () => {}
    })
    receiver.assemble({ ...EMPTY(), snapshotHeader: snap.header.bytes } as any)
    receiver.grant()
    for (let at = 0; at < size; at += 65536) {
      receiver.assemble({ ...EMPTY(), snapshotChunk: snap.ciphertext.subarray(at, at + 65536) } as any)
      receiver.grant()
    }
    expect(grants.length).toBeGreaterThan(0)
    // Before: grants up to got + 256 KiB, past the end by up to the window.
    expect(Math.max(...grants)).toBe(size)
  })

  it('a sender ignores a grant past what its receiver could grant for the snapshot it sends', () => {
    const c = new CatchUp({ peer: 'peer', log: logger('test:snapshot-grants') } as any)
    c.note({ ...EMPTY(), snapshotWindow: 262_144n })
    // A snapshot of 300,000 bytes under way (its credit as sendDoc starts it), and a grant of the
    // 5 MB one before it arrives late.
    const credit = { granted: 262_144, size: 300_000, waiters: [] }
    ;(c as any).credit = credit
    c.note({ ...EMPTY(), snapshotCredit: 5_000_000n })
    expect(credit.granted).toBe(262_144)
    c.note({ ...EMPTY(), snapshotCredit: 300_000n })
    expect(credit.granted).toBe(300_000)
  })
})
