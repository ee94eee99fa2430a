/**
 * The store's reads beside its writes: an entry indexed while it is still being appended must be
 * among what a read of its document yields, however the read and the append interleave. A
 * replica loads from `uncovered` and a catch-up plans from it; an entry skipped there is missing
 * from the open document (or from what a peer is sent) although the store holds it.
 */
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, parseTrustedEntry, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('EntryStore reads beside appends', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }
  const doc = docIdFor(keys, 'doc')

  it('uncovered yields an entry whose append ends while the entries beside it are read from disk', async () => {
    const t = await tempDir()
    const store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close(); await t.cleanup() })
    await store.putEntry(sealUpdate(ctx, doc, 1n, new Uint8Array([1])))
    // The log's file reads wait at a gate (the real file, read late): the read of entry 1 is
    // under way when entry 2's append becomes durable, as on a busy machine.
    const fh = (store as any).log.fh
    const read = fh.read.bind(fh)
    let open!: () => void
    const gate = new Promise<void>(resolve => { open = resolve })
    fh.read = async (...args: unknown[]) => { await gate; return await read(...args) }
    const appended = store.putEntry(sealUpdate(ctx, doc, 2n, new Uint8Array([2])))
    const it = store.uncovered(doc)[Symbol.asyncIterator]()
    const first = it.next()
    await appended
    open()
    const got = [(await first).value as Uint8Array]
    for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(r.value)
    expect(got.map(b => parseTrustedEntry(b).seq)).toEqual([1n, 2n])
  })
})
