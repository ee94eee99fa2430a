/**
 * Two different snapshots one author signed at the same seq (a device that took one again at a
 * seq whose snapshot it had set aside, a member's fork) are two snapshots: neither's file is
 * written over the other's, and one goes only where `replaces` lets it, as any other.
 */
import { readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSnapshot, sealSnapshot } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('snapshots at one seq', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }
  const doc = docIdFor(keys, 'same-seq')
  const first = sealSnapshot(ctx, doc, 5n, new Uint8Array(1000).fill(1), [{ author: dev.publicKey, seq: 3n }])
  const second = sealSnapshot(ctx, doc, 5n, new Uint8Array(1200).fill(2), [{ author: dev.publicKey, seq: 4n }])

  async function read (store: EntryStore, sig: Uint8Array): Promise<Uint8Array> {
    const s = store.snapshots(doc).find(x => toHex(x.header.signature) === toHex(sig))
    if (s === undefined) throw new Error('not held')
    const pieces: Uint8Array[] = []
    for await (const p of store.snapshotPieces(s, 64 * 1024)) pieces.push(p.slice())
    return openSnapshot(keys, s.header, Buffer.concat(pieces))
  }

  it('the second is stored beside the first, each whole, also after a restart', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    let store = await EntryStore.open(t.dir)
    await store.putSnapshot(first.header, first.ciphertext)
    await store.putSnapshot(second.header, second.ciphertext, { replaces: () => false })
    expect(store.snapshots(doc)).toHaveLength(2)
    expect((await read(store, first.header.signature))[0]).toBe(1)
    expect((await read(store, second.header.signature))[0]).toBe(2)
    await store.close()
    store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close() })
    expect(store.snapshots(doc)).toHaveLength(2)
    expect((await read(store, first.header.signature))[0]).toBe(1)
    // Where `replaces` lets it, the one it dominates goes.
    const third = sealSnapshot(ctx, doc, 5n, new Uint8Array(900).fill(3), [{ author: dev.publicKey, seq: 6n }])
    await store.putSnapshot(third.header, third.ciphertext, { replaces: () => true })
    expect(store.snapshots(doc).map(s => toHex(s.header.signature))).toEqual([toHex(third.header.signature)])
  })

  it('one received in part does not take the place of another of its seq', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close() })
    const a = store.receiveSnapshotFile(first.header, 0)
    a.write(first.ciphertext.subarray(0, 500))
    await a.keep()
    const b = store.receiveSnapshotFile(second.header, 0)
    b.write(second.ciphertext)
    await b.commit()
    expect((await read(store, second.header.signature))[0]).toBe(2)
    expect(store.partialSnapshots()).toHaveLength(0)
  })
  it('files named by an earlier version (<author>-<seq>) load, and are taken under the new name', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    let store = await EntryStore.open(t.dir)
    await store.putSnapshot(first.header, first.ciphertext)
    const p = store.receiveSnapshotFile(second.header, 0)
    p.write(second.ciphertext.subarray(0, 600))
    await p.keep()
    await store.close()
    const folder = join(t.dir, 'snapshots', toHex(doc))
    const old = `${toHex(dev.publicKey)}-5`
    for (const n of await readdir(folder)) await rename(join(folder, n), join(folder, `${old}${n.slice(n.lastIndexOf('.'))}`))
    store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close() })
    expect((await read(store, first.header.signature))[0]).toBe(1)
    const held = store.partialFor(second.header)
    expect(held?.held).toBe(600)
    const resumed = store.receiveSnapshotFile(second.header, 600)
    resumed.write(second.ciphertext.subarray(600))
    await resumed.commit()
    // The same snapshot stored again: one file of it, under its new name.
    await store.putSnapshot(first.header, first.ciphertext)
    expect(store.snapshots(doc)).toHaveLength(2)
    expect((await read(store, second.header.signature))[0]).toBe(2)
    expect((await readdir(folder)).filter(n => n.startsWith(`${old}.`))).toEqual([])
  })
})
