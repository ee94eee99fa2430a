/**
 * A store reopened rebuilds its index from the log (log.ts hands each record as a view of one
 * reused read block): every document, vector, content tip and the vault's digest must come back
 * as they were, across several read blocks and records that straddle a block's end. An index
 * that kept a view instead of a copy would name documents by bytes a later block overwrote.
 */
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

function state (store: EntryStore): { digest: string, docs: string[], tips: string[], certificates: string[] } {
  const f = store.fingerprints()
  return {
    digest: toHex(f.digest),
    docs: store.docIds().map(toHex).sort(),
    tips: f.items.map(i => `${i.id} ${toHex(i.fp)} ${JSON.stringify(store.tips(i.doc))} ${store.docBytes(i.doc)}`),
    certificates: store.certificates().map(toHex).sort()
  }
}

describe('EntryStore reopened', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }

  it('holds every document, vector, tip and certificate it held, from a log of several read blocks', async () => {
    const t = await tempDir()
    let store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close(); await t.cleanup() })
    // ~2.6 MB of entries of uneven sizes (read blocks are 1 MB), two per document, and
    // certificates between them (records the index keeps the bytes of).
    const payload = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff)
    let last: Uint8Array | undefined
    for (let i = 0; i < 700; i++) {
      const doc = docIdFor(keys, `doc-${i}`)
      await store.putEntry(sealUpdate(ctx, doc, 1n, payload(1500 + (i * 37) % 1800)))
      const second = sealUpdate(ctx, doc, 2n, payload(300 + (i * 53) % 700))
      await store.putEntry(second)
      last = second.bytes
      if (i % 150 === 0) await store.putCertificate(payload(200 + i))
    }
    const before = state(store)
    expect(before.docs).toHaveLength(700)
    expect(store.stats().logBytes).toBeGreaterThan(2 * 1024 * 1024)
    await store.close()
    store = await EntryStore.open(t.dir)
    expect(state(store)).toEqual(before)
    // And the bytes read back are the entries written.
    const doc = docIdFor(keys, 'doc-699')
    expect(await store.read(doc, dev.publicKey, 2n)).toEqual(last)
  })
})
