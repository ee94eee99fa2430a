/**
 * An author's run of entries costs one signature check at a receiver: each update entry names
 * the body and signature of its author's entry before it in the same document and lane by their
 * SHA-256 (`prev`), so a verified entry vouches for the one before it, signature included
 * (crdt/SPEC.md, Runs of entries). Only within one author's lane, only for the exact bytes, and a
 * run whose end does not verify vouches for nothing. What is stored is what the author wrote.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, sealUpdatesUnsigned, type SessionKey } from '../../crdt/index.js'
import {
  checkEntrySignature, checkRunSignatures, deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, parseTrustedEntry, prevOf, signPrepared,
  vaultSeedSignature, verifyEntry, verifyEntrySignatures, withSignature, type Entry, type UnsignedEntry
} from '../../src/identity/index.js'
import { vaultSource } from '../../src/node/source.js'
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

  const unsigned = (seq: number, before?: Entry, o: { author?: typeof alice, d?: Uint8Array, lane?: number, byte?: number } = {}): UnsignedEntry =>
    sealUpdatesUnsigned({ keys, author: (o.author ?? alice).publicKey }, o.d ?? doc, BigInt(seq), [new Uint8Array([o.byte ?? seq, 1, 2])], { lane: o.lane, prev: before === undefined ? undefined : prevOf(before) })
  /** `n` signed entries of one author, seq 1..n of lane 0, each naming the one before it. */
  function run (n: number, author = alice): Entry[] {
    const out: Entry[] = []
    for (let i = 0; i < n; i++) out.push(signPrepared(author.signer, unsigned(i + 1, out.at(-1), { author })))
    return out
  }
  /** A fresh parse of the bytes, as a receiver holds them (the pool marks entry objects). */
  const received = (es: Entry[]): Entry[] => es.map(e => parseTrustedEntry(e.bytes))
  const withGarbage = (e: Entry): Entry => withSignature(e, garbage)

  it('an entry names the body and signature before it, and the name is checked when it is parsed', () => {
    const [a, b] = run(2)
    expect((a as Entry).prev.byteLength).toBe(0)
    expect(parseTrustedEntry((b as Entry).bytes).prev).toEqual(prevOf(a as Entry))
    // The signature is part of the name: the same body under another signature is another name.
    expect(prevOf(withGarbage(a as Entry))).not.toEqual(prevOf(a as Entry))
    expect(() => sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 2n, [new Uint8Array([1])], { prev: new Uint8Array(31) })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
    expect(() => sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, 1n, [new Uint8Array([1])], { prev: new Uint8Array(32) })).toThrow(expect.objectContaining({ code: 'INVALID_ENTRY' }))
  })

  it('a verified end vouches for its whole run, in any order within the batch', async () => {
    const es = run(40)
    expect(await verifyEntrySignatures(received(es))).toEqual(es.map(() => true))
    expect(await verifyEntrySignatures(received([...es].reverse()))).toEqual(es.map(() => true))
  })

  it('only the end is checked: what the author named is taken, even a signature it did not make', async () => {
    // The author itself names a garbage signature for its first entry: the run's end vouches for
    // that exact entry (one check), and the entry alone does not verify. Only its author can do this.
    const first = withGarbage(signPrepared(alice.signer, unsigned(1)))
    const second = signPrepared(alice.signer, unsigned(2, first))
    expect(await verifyEntrySignatures(received([first, second]))).toEqual([true, true])
    expect(() => verifyEntry(first.bytes)).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
  })

  it('a signature changed on the way breaks the chain: that entry is checked alone and refused', async () => {
    const es = run(8)
    // Every signature but the last one's replaced (a relay, a mirror): the bodies are the author's,
    // but not the signatures the author named, which a later check of any of them alone would refuse.
    const swapped = es.map((e, i) => i === es.length - 1 ? e : withGarbage(e))
    expect(await verifyEntrySignatures(received(swapped))).toEqual(es.map((_, i) => i === es.length - 1))
    // One swapped in the middle: the entries after it still vouch down to it, and it fails alone;
    // the entry before it is checked alone too (its voucher was refused) and passes.
    const one = es.map((e, i) => i === 3 ? withGarbage(e) : e)
    expect(await verifyEntrySignatures(received(one))).toEqual(es.map((_, i) => i !== 3))
  })

  it('a run whose end does not verify vouches for nothing: each is checked alone', async () => {
    const es = run(6)
    const bad = es.map((e, i) => i === 2 || i === es.length - 1 ? withGarbage(e) : e)
    expect(await verifyEntrySignatures(received(bad))).toEqual([true, true, false, true, true, false])
  })

  it('an entry whose bytes are not the ones named is checked alone', async () => {
    const es = run(3)
    // The middle entry replaced by another body at the same position: the third names the real one.
    const forged = unsigned(2, es[0], { byte: 99 })
    const batch = [es[0] as Entry, withSignature(forged, garbage), es[2] as Entry]
    expect(await verifyEntrySignatures(received(batch))).toEqual([true, false, true])
    // Signed by its author, it verifies on its own signature (a fork, for the admission to find).
    expect(await verifyEntrySignatures(received([es[0] as Entry, signPrepared(alice.signer, forged), es[2] as Entry]))).toEqual([true, true, true])
  })

  it('one author never vouches for another\'s entry, nor across documents or lanes', async () => {
    // Each first entry carries a garbage signature its successor names: vouched, it would pass.
    const b1 = withGarbage(signPrepared(bob.signer, unsigned(1, undefined, { author: bob })))
    const a2 = signPrepared(alice.signer, unsigned(2, b1))
    expect(await verifyEntrySignatures(received([b1, a2]))).toEqual([false, true])
    const o1 = withGarbage(signPrepared(alice.signer, unsigned(1, undefined, { d: other })))
    const a2o = signPrepared(alice.signer, unsigned(2, o1))
    expect(await verifyEntrySignatures(received([o1, a2o]))).toEqual([false, true])
    // Another lane: lane 1's seq 2 names lane 0's seq 1.
    const l1 = withGarbage(signPrepared(alice.signer, unsigned(1)))
    const l2 = signPrepared(alice.signer, unsigned(2, l1, { lane: 1 }))
    expect(await verifyEntrySignatures(received([l1, l2]))).toEqual([false, true])
    // The same lane, as a control: vouched.
    const s2 = signPrepared(alice.signer, unsigned(2, l1))
    expect(await verifyEntrySignatures(received([l1, s2]))).toEqual([true, true])
  })

  it('checked in arrival order (live entries, checkRunSignatures): the same rule as a batch, on this thread', () => {
    const codes = (out: Array<Error | undefined>): Array<string | undefined> => out.map(e => (e as { code?: string } | undefined)?.code)
    // A whole run: every entry passes, and then passes checkEntrySignature without a check.
    const es = received(run(5))
    expect(codes(checkRunSignatures(es))).toEqual(es.map(() => undefined))
    for (const e of es) expect(() => { checkEntrySignature(e) }).not.toThrow()
    // The first entry's garbage signature, named by its author's next entry: taken on its word (one check).
    const first = withGarbage(signPrepared(alice.signer, unsigned(1)))
    expect(codes(checkRunSignatures(received([first, signPrepared(alice.signer, unsigned(2, first))])))).toEqual([undefined, undefined])
    // A signature changed on the way in the middle: that one fails alone; the one before it is checked alone and passes.
    const all = run(6)
    expect(codes(checkRunSignatures(received(all.map((e, i) => i === 3 ? withGarbage(e) : e))))).toEqual([undefined, undefined, undefined, 'INVALID_SIGNATURE', undefined, undefined])
    // The newest does not verify: it vouches for nothing, each before it is checked alone.
    expect(codes(checkRunSignatures(received(all.map((e, i) => i === 5 || i === 1 ? withGarbage(e) : e))))).toEqual([undefined, 'INVALID_SIGNATURE', undefined, undefined, undefined, 'INVALID_SIGNATURE'])
    // Another author's, another lane's or another document's entry is never vouched for.
    const b1 = withGarbage(signPrepared(bob.signer, unsigned(1, undefined, { author: bob })))
    expect(codes(checkRunSignatures(received([b1, signPrepared(alice.signer, unsigned(2, b1))])))).toEqual(['INVALID_SIGNATURE', undefined])
    const l1 = withGarbage(signPrepared(alice.signer, unsigned(1)))
    expect(codes(checkRunSignatures(received([l1, signPrepared(alice.signer, unsigned(2, l1, { lane: 1 }))])))).toEqual(['INVALID_SIGNATURE', undefined])
    const o1 = withGarbage(signPrepared(alice.signer, unsigned(1, undefined, { d: other })))
    expect(codes(checkRunSignatures(received([o1, signPrepared(alice.signer, unsigned(2, o1))])))).toEqual(['INVALID_SIGNATURE', undefined])
  })

  it('a vault writes its entries as runs; one whose signatures were changed on the way stores none of them, and the real ones load whole', async () => {
    const a = await newVault()
    cleanups.push(a.cleanup)
    const key = 'agent:main:runs' as SessionKey
    const local: Entry[] = []
    a.vault.vault.on('entry', (e: { entry: Entry, local: boolean }) => { if (e.local) local.push(e.entry) })
    const s = await a.vault.sessions.create(key, { title: 'runs' })
    for (let i = 0; i < 6; i++) await s.append({ role: 'user', content: `message ${i}` })
    await s.close()
    const id = a.vault.vault.docId(DOC_NAMES.session(key))
    const mine = local.filter(e => Buffer.from(e.doc).equals(Buffer.from(id)))
    expect(mine.length).toBeGreaterThanOrEqual(6)
    mine.slice(1).forEach((e, i) => { expect(e.prev).toEqual(prevOf(mine[i] as Entry)) })

    // B, a device of the same wallet, is sent the run as a catch-up frame, every signature but the
    // last replaced on the way. Only the last is stored; nothing is taken on its word.
    const b = await newVault({ wallet: a.wallet })
    cleanups.push(b.cleanup)
    await b.vault.vault.addCertificate(a.vault.vault.identity.certificate.bytes)
    const source = vaultSource(b.vault.vault)
    const swapped = mine.map((e, i) => i === mine.length - 1 ? e.bytes : withGarbage(e).bytes)
    await source.verifyAhead?.(swapped)
    const outcomes: string[] = []
    for (const bytes of swapped) {
      try { outcomes.push((await source.accept(bytes, 'some-peer')).outcome) } catch (err: any) { outcomes.push(err.code) }
    }
    expect(outcomes.slice(0, -1)).toEqual(mine.slice(1).map(() => 'INVALID_SIGNATURE'))
    // Then the real bytes: all stored, and the document opened from the store holds all A wrote.
    await source.verifyAhead?.(mine.map(e => e.bytes))
    for (const e of mine) await source.accept(e.bytes, 'some-peer')
    const r = await b.vault.vault.acquire(DOC_NAMES.session(key))
    const theirs = Y.encodeStateVector(r.doc)
    await b.vault.vault.release(r)
    const ra = await a.vault.vault.acquire(DOC_NAMES.session(key))
    expect(theirs).toEqual(Y.encodeStateVector(ra.doc))
    await a.vault.vault.release(ra)
  })
})
