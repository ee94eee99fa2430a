/**
 * A document's lanes (its vector with content tips, as the sync protocol sends it) are kept by
 * the store until the document changes (held.ts lanes), so a status or catch-up over thousands
 * of documents does not walk each one's entries again. Every change must drop them, and mark the
 * vault's digest: an entry stored, and an entry put in quarantine (its slot then counts as
 * passed), which before marked neither, so the digest stayed as it was until the document's
 * next entry. Checked against the same store reopened, which computes all of it afresh.
 */
import { describe, expect, it } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

const seqs = (store: EntryStore, doc: Uint8Array): string[] => store.lanes(doc).map(l => `${toHex(l.author).slice(0, 8)}.${l.lane}:${l.seq}${l.tip !== undefined ? `@${toHex(l.tip)}` : ''}`)

describe('a document\'s lanes, kept until it changes', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }

  it('are dropped by an entry stored and by one put in quarantine, as the digest is marked; a reopened store agrees', async () => {
    const t = await tempDir()
    let store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close(); await t.cleanup() })
    const doc = docIdFor(keys, 'doc')
    const up = (n: number): Uint8Array => new Uint8Array([1, n])
    await store.putEntry(sealUpdate(ctx, doc, 1n, up(1)))
    const first = store.lanes(doc)
    expect(first.map(l => l.seq)).toEqual([1n])
    // Kept: the same list until the document changes.
    expect(store.lanes(doc)).toBe(first)
    await store.putEntry(sealUpdate(ctx, doc, 2n, up(2)))
    expect(store.lanes(doc).map(l => l.seq)).toEqual([2n])
    // Seq 4 arrives and is refused (quarantined) while 3 is missing: the lane still ends at 2.
    const digest2 = toHex(store.fingerprints().digest)
    await store.quarantine.addEntry(sealUpdate(ctx, doc, 4n, up(4)), 'test: refused')
    expect(store.lanes(doc).map(l => l.seq)).toEqual([2n])
    // Seq 3 is refused too: 3 and 4 count as passed, the lane ends at 4 (no entry held there: no tip).
    await store.quarantine.addEntry(sealUpdate(ctx, doc, 3n, up(3)), 'test: refused')
    expect(store.lanes(doc).map(l => [l.seq, l.tip])).toEqual([[4n, undefined]])
    const digest4 = toHex(store.fingerprints().digest)
    expect(digest4).not.toBe(digest2)
    const before = { lanes: seqs(store, doc), digest: digest4 }
    await store.close()
    store = await EntryStore.open(t.dir)
    expect({ lanes: seqs(store, doc), digest: toHex(store.fingerprints().digest) }).toEqual(before)
  })
})
