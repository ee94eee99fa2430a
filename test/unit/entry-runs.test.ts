/**
 * An author's run of entries costs one signature check at a receiver: each update entry names
 * the body of its author's entry before it in the same document and lane by its SHA-256 (`prev`),
 * so a verified entry vouches for the one before it (crdt/SPEC.md, Entry). Only within one
 * author's lane, only for the exact bytes, and a run whose end does not verify vouches for nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sealUpdatesUnsigned } from '../../crdt/index.js'
import {
  deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, parseTrustedEntry, prevOf, signPrepared,
  vaultSeedSignature, verifyEntrySignatures, withSignature, type Entry, type UnsignedEntry
} from '../../src/identity/index.js'
import type { Entry as VaultEntry } from '../../src/identity/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('runs of entries', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const alice = await generateDeviceKey()
  const bob = await generateDeviceKey()
  const doc = docIdFor(keys, 'doc')
  const other = docIdFor(keys, 'other')
  const garbage = new Uint8Array(64).fill(7)

  /** `n` entries of one author, seq 1..n of lane 0, each naming the one before it. */
  function run (n: number, author = alice, d = doc, from = 1): UnsignedEntry[] {
    const out: UnsignedEntry[] = []
    for (let i = 0; i < n; i++) {
      const before = out.at(-1)
      out.push(sealUpdatesUnsigned({ keys, author: author.publicKey }, d, BigInt(from + i), [new Uint8Array([i, 1, 2])], { prev: before === undefined ? undefined : prevOf(before) }))
    }
    return out
  }
  const signed = (u: UnsignedEntry, signer = alice.signer): Entry => signPrepared(signer, u)
  /** A fresh parse of the bytes, as a receiver holds them (the pool marks entry objects). */
  const received = (es: Entry[]): Entry[] => es.map(e => parseTrustedEntry(e.bytes))

  it('an entry names the body before it, and the name is checked when it is parsed', () => {
    const [a, b] = run(2).map(u => signed(u))
    expect((a as Entry).prev.byteLength).toBe(0)
    expect(parseTrustedEntry((b as Entry).bytes).prev).toEqual(prevOf(a as Entry))
    expect(() => sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([1])], { prev: new Uint8Array(31) })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 1n, [new Uint8Array([1])], { prev: new Uint8Array(32) })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })

  it('a verified end vouches for its whole run: signatures before it are not needed', async () => {
    const us = run(40)
    // Every signature but the last one's is garbage: the bodies are the author's, the hash chain says so.
    const es = us.map((u, i) => i === us.length - 1 ? signed(u) : withSignature(u, garbage))
    expect(await verifyEntrySignatures(received(es))).toEqual(es.map(() => true))
    // In any order within the batch.
    expect(await verifyEntrySignatures(received([...es].reverse()))).toEqual(es.map(() => true))
  })

  it('a run whose end does not verify vouches for nothing: each is checked alone', async () => {
    const us = run(6)
    const es = us.map((u, i) => i === 2 ? withSignature(u, garbage) : i === us.length - 1 ? withSignature(u, garbage) : signed(u))
    expect(await verifyEntrySignatures(received(es))).toEqual([true, true, false, true, true, false])
  })

  it('an entry whose bytes are not the ones named is checked alone', async () => {
    const us = run(3)
    // The middle entry replaced by another body at the same position: the third names the real one.
    const forged = sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([99])], { prev: prevOf(us[0] as UnsignedEntry) })
    const es = [signed(us[0] as UnsignedEntry), withSignature(forged, garbage), signed(us[2] as UnsignedEntry)]
    expect(await verifyEntrySignatures(received(es))).toEqual([true, false, true])
    // Signed by its author, it verifies on its own signature (a fork, for the admission to find).
    expect(await verifyEntrySignatures(received([es[0] as Entry, signed(forged), es[2] as Entry]))).toEqual([true, true, true])
  })

  it('one author never vouches for another\'s entry, nor across documents or lanes', async () => {
    const [b1] = run(1, bob)
    // Alice's entry at seq 2 names Bob's body: same document and lane, another author.
    const a2 = sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([5])], { prev: prevOf(b1 as UnsignedEntry) })
    expect(await verifyEntrySignatures(received([withSignature(b1 as UnsignedEntry, garbage), signed(a2)]))).toEqual([false, true])
    // The same author's entry of another document.
    const [o1] = run(1, alice, other)
    const a2o = sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([5])], { prev: prevOf(o1 as UnsignedEntry) })
    expect(await verifyEntrySignatures(received([withSignature(o1 as UnsignedEntry, garbage), signed(a2o)]))).toEqual([false, true])
    // Another lane: lane 1's seq 2 names lane 0's seq 1.
    const [l1] = run(1)
    const l2 = sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([5])], { lane: 1, prev: prevOf(l1 as UnsignedEntry) })
    expect(await verifyEntrySignatures(received([withSignature(l1 as UnsignedEntry, garbage), signed(l2)]))).toEqual([false, true])
  })

  it('a vault writes its entries as runs, each naming the one before it', async () => {
    const v = await newVault()
    cleanups.push(v.cleanup)
    const local: VaultEntry[] = []
    v.vault.vault.on('entry', (e: { entry: VaultEntry, local: boolean }) => { if (e.local) local.push(e.entry) })
    const s = await v.vault.sessions.create('agent:main:runs', { title: 'runs' })
    for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `message ${i}` })
    await s.close()
    const mine = local.filter(e => Buffer.from(e.doc).equals(Buffer.from(local.at(-1)?.doc as Uint8Array)))
    expect(mine.length).toBeGreaterThanOrEqual(5)
    mine.slice(1).forEach((e, i) => { expect(e.prev).toEqual(prevOf(mine[i] as VaultEntry)) })
    // A receiver that checks only the last signature holds them all as the author's.
    const bytes = mine.map(e => e.bytes)
    const broken = bytes.map((b, i) => i === bytes.length - 1 ? b : withSignature(parseTrustedEntry(b), garbage).bytes)
    expect(await verifyEntrySignatures(broken.map(b => parseTrustedEntry(b)))).toEqual(mine.map(() => true))
  })
})
