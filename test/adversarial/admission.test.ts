/** Every way an entry can be bad, each refused with its own code before Yjs sees it. */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, sealSnapshot, sealUpdate } from '../../crdt/index.js'
import { deviceIdFromKey, generateWallet, toHex } from '../../src/identity/index.js'
import { SignedEntry, EntryBody } from '../../src/identity/pb/entry.js'
import { foreignDevice, newVault } from '../helpers/vault.js'
import { until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { cleanups } = stopAfterEach()

function updateFor (text: string): Uint8Array {
  const s = new SessionDoc()
  s.appendMessages([{ role: 'user', content: text }], 'dev')
  return Y.encodeStateAsUpdate(s.doc)
}

describe('admission of entries', () => {
  it('accepts a sibling device entry, idempotently, and applies it', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const sib = await foreignDevice(a.wallet)
    await a.vault.vault.addCertificate(sib.cert)
    const s = await a.vault.sessions.create('x')
    const doc = a.vault.vault.docId(DOC_NAMES.session(s.key))
    const e = sealUpdate({ keys: a.vault.vault.identity.keys, signer: sib.key.signer }, doc, 1n, updateFor('from sibling'))
    expect((await a.vault.vault.accept(e.bytes)).result).toBe('stored')
    expect((await a.vault.vault.accept(e.bytes)).result).toBe('duplicate')
    expect(s.messages().map(m => m.content)).toEqual(['from sibling'])
    await s.close()
  })

  it('refuses read-only, unknown, forged, tampered, oversized and wrong-epoch entries', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const doc = v.docId('doc')
    const ro = await foreignDevice(a.wallet, ['read'])
    await v.addCertificate(ro.cert)
    const stranger = await foreignDevice(generateWallet())
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    const good = sealUpdate({ keys, signer: sib.key.signer }, doc, 1n, updateFor('ok'))

    const cases: Array<[string, Uint8Array, string]> = []
    cases.push(['read-only author', sealUpdate({ keys, signer: ro.key.signer }, doc, 1n, updateFor('ro')).bytes, 'MISSING_CAPABILITY'])
    cases.push(['author of another wallet', sealUpdate({ keys, signer: stranger.key.signer }, doc, 1n, updateFor('s')).bytes, 'UNKNOWN_AUTHOR'])
    const sealedElsewhere = await newVault(); cleanups.push(sealedElsewhere.cleanup)
    cases.push(['sealed under another vault key', sealUpdate({ keys: sealedElsewhere.vault.vault.identity.keys, signer: sib.key.signer }, doc, 2n, updateFor('x')).bytes, 'DECRYPT_FAILED'])
    const signed = SignedEntry.decode(good.bytes)
    const flipSig = { ...signed, signature: new Uint8Array(signed.signature) }
    flipSig.signature[0] = (flipSig.signature[0] as number) ^ 1
    cases.push(['a flipped signature bit', SignedEntry.encode(flipSig), 'INVALID_SIGNATURE'])
    const body = EntryBody.decode(signed.body)
    const ct = new Uint8Array(body.ciphertext); ct[3] = (ct[3] as number) ^ 1
    cases.push(['tampered ciphertext', SignedEntry.encode({ body: EntryBody.encode({ ...body, ciphertext: ct }), signature: signed.signature }), 'INVALID_SIGNATURE'])
    cases.push(['a header moved to another seq', SignedEntry.encode({ body: EntryBody.encode({ ...body, seq: 7n }), signature: signed.signature }), 'INVALID_SIGNATURE'])
    cases.push(['oversized bytes', new Uint8Array(1024 * 1024 + 1), 'ENTRY_TOO_LARGE'])
    cases.push(['garbage', new Uint8Array([8, 1, 2, 3]), 'INVALID_ENTRY'])
    cases.push(['a truncated entry', good.bytes.subarray(0, good.bytes.byteLength - 10), 'INVALID_ENTRY'])
    const epochKeys = { ...keys, currentEpoch: 5, epochs: new Map([[5, keys.epochs.get(0) as Uint8Array]]) }
    cases.push(['an unknown key epoch', sealUpdate({ keys: epochKeys, signer: sib.key.signer }, doc, 3n, updateFor('e')).bytes, 'UNKNOWN_EPOCH'])

    for (const [name, bytes, code] of cases) {
      await expect(v.accept(bytes), name).rejects.toMatchObject({ code })
    }
    // Nothing refused reached the store.
    expect(v.store.stats().entries).toBe(0)
    expect((await v.accept(good.bytes)).result).toBe('stored')
  })

  it('an entry straight from its author is applied at once, and one with a bad signature is never stored or kept', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const sib = await foreignDevice(a.wallet)
    const ro = await foreignDevice(a.wallet, ['read'])
    await v.addCertificate(sib.cert)
    await v.addCertificate(ro.cert)
    const sibId = deviceIdFromKey(sib.key.publicKey)
    const s = await a.vault.sessions.create('direct')
    const doc = v.docId(DOC_NAMES.session(s.key))
    const seal = (signer: typeof sib.key.signer, seq: bigint, text: string): Uint8Array => sealUpdate({ keys: v.identity.keys, signer }, doc, seq, updateFor(text)).bytes
    const seen: string[] = []
    s.subscribe(e => { if (e.type === 'messages') seen.push(...e.messages.map(m => m.content)) })

    expect((await v.accept(seal(sib.key.signer, 1n, 'one'), sibId)).result).toBe('stored')
    expect(seen).toEqual(['one'])
    // A read-only device's entry, even straight from it, is refused before anything is applied.
    await expect(v.accept(seal(ro.key.signer, 1n, 'ro'), deviceIdFromKey(ro.key.publicKey))).rejects.toMatchObject({ code: 'MISSING_CAPABILITY' })
    // The same author's entry relayed by another peer with a broken signature: refused first.
    const forged = SignedEntry.decode(seal(sib.key.signer, 2n, 'forged'))
    forged.signature = new Uint8Array(forged.signature); forged.signature[0] = (forged.signature[0] as number) ^ 1
    await expect(v.accept(SignedEntry.encode(forged), 'someone-else')).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' })
    expect(s.messages().map(m => m.content)).toEqual(['one'])
    // Straight from the author it is shown, then refused: not stored, and the document is reloaded.
    await expect(v.accept(SignedEntry.encode(forged), sibId)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' })
    expect(v.store.has(doc, sib.key.publicKey, 2n)).toBe(false)
    // (The old handle showed it, as it would a valid entry of that writer; a fresh open does not.)
    const again = await a.vault.sessions.open('direct')
    expect(again.messages().map(m => m.content)).toEqual(['one'])
    await again.close()
    await s.close().catch(() => undefined)
  })

  it('applies entries delivered out of order and with gaps filled later', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    const src = new SessionDoc()
    const updates: Uint8Array[] = []
    src.doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 6; i++) src.appendMessages([{ role: 'user', content: `m${i}` }], 'sib')
    const doc = v.docId('ordered')
    const entries = updates.map((u, i) => sealUpdate({ keys: v.identity.keys, signer: sib.key.signer }, doc, BigInt(i + 1), u))
    for (const i of [5, 3, 1, 0, 4, 2, 3]) await v.accept((entries[i] as any).bytes)
    const r = await v.acquire('ordered')
    expect(new SessionDoc(r.doc).messages().map(m => m.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
    await v.release(r)
  })

  it('takes a snapshot as it arrives: a forged header before its bytes, a tampered one leaves nothing, a broken-off one resumes', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    const doc = v.docId('snapped')
    const dir = join(a.home, 'data', 'snapshots', toHex(doc))
    const files = async (): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort()
    // One document grown in place, as its author's would be: each newer snapshot's state holds
    // the older ones', which is what lets it replace them (a snapshot replaces a stored one only
    // when its state is verified to hold it; a claim in `covers` alone deletes nothing). Sizes
    // asked for only grow.
    const grown = new SessionDoc()
    let written = 0
    const stateOf = (n: number): Uint8Array => {
      for (; written < n; written++) grown.appendMessages([{ role: 'user', content: `m${written} ${'x'.repeat(900)}` }], 'sib')
      return Y.encodeStateAsUpdate(grown.doc)
    }
    const seal = (seq: bigint, n: number, signer = sib.key.signer): ReturnType<typeof sealSnapshot> =>
      sealSnapshot({ keys: v.identity.keys, signer }, doc, seq, stateOf(n), [{ author: sib.key.publicKey, seq: BigInt(n) }])
    const send = (sink: { write: (p: Uint8Array) => void }, ct: Uint8Array, upTo = ct.byteLength): void => {
      for (let at = 0; at < upTo; at += 100_000) sink.write(ct.subarray(at, Math.min(upTo, at + 100_000)))
    }

    // Another wallet's device: refused from its header, before any of its bytes would come.
    const stranger = await foreignDevice(generateWallet())
    expect(() => v.receiveSnapshot(seal(1n, 10, stranger.key.signer).header.bytes)).toThrow(expect.objectContaining({ code: 'UNKNOWN_AUTHOR' }))

    const good = seal(1n, 300)
    expect(good.ciphertext.byteLength).toBeGreaterThan(3 * 64 * 1024)
    const sink = v.receiveSnapshot(good.header.bytes)
    send(sink, good.ciphertext)
    await sink.end()
    const kept = await files()
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatch(/\.snap$/)

    // A newer snapshot that would replace it, one bit flipped in its last chunk: refused at the
    // end, its file never joins the store, and the one it would have replaced stays.
    const newer = seal(2n, 400)
    const bad = new Uint8Array(newer.ciphertext); bad[bad.byteLength - 20] = (bad[bad.byteLength - 20] as number) ^ 1
    const badSink = v.receiveSnapshot(newer.header.bytes)
    send(badSink, bad)
    await expect(badSink.end()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' })
    expect(await files()).toEqual(kept)
    expect(v.store.snapshots(doc)).toHaveLength(1)

    // The transfer breaks off half-way: what arrived is kept (a `.part` file) for a resume, and
    // nothing of it is visible: the store still holds the one snapshot it had.
    const half = newer.ciphertext.byteLength >> 1
    const cut = v.receiveSnapshot(newer.header.bytes)
    send(cut, newer.ciphertext, half)
    cut.abort()
    await until(() => v.store.partialSnapshots().length === 1, 'the partial snapshot kept')
    expect(v.store.partialSnapshots()[0]?.held).toBe(half)
    expect((await files()).filter(f => f.endsWith('.snap'))).toEqual(kept)
    expect(v.store.snapshots(doc)).toHaveLength(1)
    // A resume from more than is held is refused before any byte.
    expect(() => v.receiveSnapshot(newer.header.bytes, half + 1)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))

    // A byte of the held part flipped on disk: the resume re-reads and opens it, and refuses it.
    const partPath = v.store.partialSnapshots()[0]?.path as string
    const held = await readFile(partPath)
    const flipped = Buffer.from(held); flipped[flipped.byteLength - 10] = (flipped[flipped.byteLength - 10] as number) ^ 1
    await writeFile(partPath, flipped)
    const badResume = v.receiveSnapshot(newer.header.bytes, half)
    for (let at = half; at < newer.ciphertext.byteLength; at += 100_000) await badResume.write(newer.ciphertext.subarray(at, Math.min(newer.ciphertext.byteLength, at + 100_000)))
    await expect(badResume.end()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' })
    expect(v.store.partialSnapshots()).toHaveLength(0)
    expect(await files()).toEqual(kept)

    // Broken off again, then resumed from what is held: only the rest is sent, and it verifies.
    const again1 = v.receiveSnapshot(newer.header.bytes)
    send(again1, newer.ciphertext, half)
    again1.abort()
    await until(() => v.store.partialSnapshots().length === 1, 'the partial snapshot kept')
    await writeFile(partPath, held) // as it was written
    const resumed = v.receiveSnapshot(newer.header.bytes, half)
    for (let at = half; at < newer.ciphertext.byteLength; at += 100_000) await resumed.write(newer.ciphertext.subarray(at, Math.min(newer.ciphertext.byteLength, at + 100_000)))
    await resumed.end()
    expect(v.store.partialSnapshots()).toHaveLength(0)
    expect(v.store.snapshots(doc)).toHaveLength(1)
    expect(v.store.snapshots(doc)[0]?.header.seq).toBe(2n)
    kept.splice(0, kept.length, ...(await files()))
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatch(/-2-[0-9a-f]{16}\.snap$/)

    // The same snapshot from two peers at once: the second waits (RATE_LIMITED, busy: its sender
    // is asked to stop it, protocols/sync/SPEC.md, Skipped snapshots) while the first writes, and
    // what the first brings is kept whole. (Beside a stalled one: test/unit/snapshot-busy.test.ts.)
    const twice = seal(3n, 450)
    const one = v.receiveSnapshot(twice.header.bytes)
    expect(() => v.receiveSnapshot(twice.header.bytes)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', details: expect.objectContaining({ busy: true }) }))
    for (let at = 0; at < twice.ciphertext.byteLength; at += 50_000) await one.write(twice.ciphertext.subarray(at, Math.min(twice.ciphertext.byteLength, at + 50_000)))
    await one.end()
    expect(v.store.snapshots(doc).map(x => x.header.seq)).toEqual([3n])
    const left = (await files()).filter(f => !f.endsWith('.tmp'))
    expect(left).toHaveLength(1)
    expect(left[0]?.replace(/-3-[0-9a-f]{16}\.snap$/, '')).toBe(kept[0]?.replace(/-2-[0-9a-f]{16}\.snap$/, ''))

    // What was kept opens after a restart of the vault.
    await a.vault.close()
    const again = await newVault({ wallet: a.wallet, home: a.home }); cleanups.unshift(again.cleanup)
    const r = await again.vault.vault.acquire('snapped')
    expect(new SessionDoc(r.doc).messages()).toHaveLength(450)
    await again.vault.vault.release(r)
  })
})
