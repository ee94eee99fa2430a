/**
 * A store opened only to read (EntryStoreOptions.readOnly: a home that cannot be written, maybe
 * being written by another process) writes nothing, at open, while open or at close: the sum the
 * last close left stays, a torn tail is neither cut out nor reported, temp files and a damaged
 * snapshot stay where they are. What it holds reads back; every write is HOME_READ_ONLY.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'
import { treeHashes } from '../helpers/tree.js'

const { cleanups } = stopAfterEach()

describe('EntryStore opened read-only', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }

  it('reads what it holds and writes nothing, whatever the last close and a writer elsewhere left', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const doc = docIdFor(keys, 'doc')
    const first = sealUpdate(ctx, doc, 1n, new Uint8Array([1, 2, 3]))
    const writer = await EntryStore.open(t.dir)
    await writer.putEntry(first)
    await writer.putEntry(sealUpdate(ctx, doc, 2n, new Uint8Array([4, 5])))
    await writer.close()
    // What an open that may write tidies or reports: a record being appended elsewhere (a torn
    // tail, as a reader sees it), temp files of writes that never renamed, a snapshot whose
    // header does not read, a partial transfer that does not parse.
    await appendFile(join(t.dir, 'log'), Buffer.from([0, 0, 0, 40, 9, 9, 9]))
    await writeFile(join(t.dir, 'log.compact.tmp'), 'x')
    await writeFile(join(t.dir, 'held.sum.1.abcdefabcdef.tmp'), 'x')
    const snaps = join(t.dir, 'snapshots', toHex(doc))
    await mkdir(snaps, { recursive: true })
    await writeFile(join(snaps, 'a.snap'), 'not a snapshot')
    await writeFile(join(snaps, 'b.snap.1.abcdefabcdef.tmp'), 'x')
    await writeFile(join(snaps, 'c.part'), 'not a partial')
    const before = await treeHashes(t.dir)
    expect(before.some(p => p.startsWith('held.sum '))).toBe(true)

    const store = await EntryStore.open(t.dir, { readOnly: true })
    expect(store.maxSeq(doc, dev.publicKey)).toBe(2)
    expect(await store.read(doc, dev.publicKey, 1n)).toEqual(first.bytes)
    expect(store.snapshots(doc)).toEqual([])
    expect(store.recovered).toEqual([])
    expect(store.damagedAtOpen).toEqual([])
    expect(store.shortened).toBeUndefined()
    await expect(store.putEntry(sealUpdate(ctx, doc, 3n, new Uint8Array([6])))).rejects.toMatchObject({ code: 'HOME_READ_ONLY' })
    await expect(store.putCertificate(new Uint8Array([7, 7, 7]))).rejects.toMatchObject({ code: 'HOME_READ_ONLY' })
    await expect(store.compact({ force: true })).rejects.toMatchObject({ code: 'HOME_READ_ONLY' })
    expect(() => store.stageSnapshot(first)).toThrow(expect.objectContaining({ code: 'HOME_READ_ONLY' }))
    await store.close()
    expect(await treeHashes(t.dir)).toEqual(before)
  })
})
