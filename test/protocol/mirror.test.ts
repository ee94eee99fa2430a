/**
 * The blind mirror's admission without the key (src/node/mirror.ts), each refusal with its code,
 * and store-and-forward of snapshots between real nodes: a member's snapshot (and the entries it
 * compacted away) reaches a device that only ever meets the mirror. The end-to-end handoff through
 * the CLI, with the scan of the mirror's home and memory, is test/integration/mirror.test.ts.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, sealSnapshot, sealUpdate } from '../../crdt/index.js'
import { deviceIdFromKey, generateWallet } from '../../src/identity/index.js'
import { SignedEntry, EntryBody } from '../../src/identity/pb/entry.js'
import { MeshNode } from '../../src/node/mesh.js'
import { enrolMirror, MirrorVault } from '../../src/node/mirror.js'
import { vaultSource } from '../../src/node/source.js'
import { revokeDevices } from '../../src/node/registry-ops.js'
import { openVault } from '../../src/sdk/index.js'
import { until } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'
import { foreignDevice, newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

function updateFor (text: string): Uint8Array {
  const s = new SessionDoc()
  s.appendMessages([{ role: 'user', content: text }], 'dev')
  return Y.encodeStateAsUpdate(s.doc)
}

async function mirrorOf (wallet: ReturnType<typeof generateWallet>): Promise<MirrorVault> {
  const t = await tempDir()
  const home = join(t.dir, 'mirror')
  await enrolMirror(home, wallet, { label: 'mirror' })
  const m = await MirrorVault.open({ home })
  cleanups.push(async () => { await m.close(); await t.cleanup() })
  return m
}

describe('a mirror\'s label', () => {
  it('is held to the rule every label is: empty, over 128 characters or with bidi characters refused, not cut to fit', async () => {
    const wallet = generateWallet()
    const t = await tempDir(); cleanups.push(t.cleanup)
    for (const label of ['', 'x'.repeat(129), 'mir\u202eror']) {
      await expect(enrolMirror(join(t.dir, 'm'), wallet, { label })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    }
  })
})

describe('blind mirror admission (no key)', () => {
  it('stores a member\'s entry once; refuses read-only, unknown, forged, tampered, oversized and unknown-epoch ones', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const keys = a.vault.vault.identity.keys
    const m = await mirrorOf(a.wallet)
    const doc = a.vault.vault.docId('doc')
    const sib = await foreignDevice(a.wallet)
    const ro = await foreignDevice(a.wallet, ['read'])
    const stranger = await foreignDevice(generateWallet())
    await m.addCertificate(sib.cert)
    await m.addCertificate(ro.cert)
    const good = sealUpdate({ keys, signer: sib.key.signer }, doc, 1n, updateFor('ok'))

    const cases: Array<[string, Uint8Array, string]> = []
    cases.push(['read-only author', sealUpdate({ keys, signer: ro.key.signer }, doc, 1n, updateFor('ro')).bytes, 'MISSING_CAPABILITY'])
    cases.push(['author of another wallet', sealUpdate({ keys, signer: stranger.key.signer }, doc, 1n, updateFor('s')).bytes, 'UNKNOWN_AUTHOR'])
    const signed = SignedEntry.decode(good.bytes)
    const flipSig = { ...signed, signature: new Uint8Array(signed.signature) }
    flipSig.signature[0] = (flipSig.signature[0] as number) ^ 1
    cases.push(['a flipped signature bit', SignedEntry.encode(flipSig), 'INVALID_SIGNATURE'])
    const body = EntryBody.decode(signed.body)
    const ct = new Uint8Array(body.ciphertext); ct[3] = (ct[3] as number) ^ 1
    cases.push(['tampered ciphertext', SignedEntry.encode({ body: EntryBody.encode({ ...body, ciphertext: ct }), signature: signed.signature }), 'INVALID_SIGNATURE'])
    cases.push(['oversized bytes', new Uint8Array(1024 * 1024 + 1), 'ENTRY_TOO_LARGE'])
    cases.push(['garbage', new Uint8Array([8, 1, 2, 3]), 'INVALID_ENTRY'])
    const epochKeys = { ...keys, currentEpoch: 5, epochs: new Map([[5, keys.epochs.get(0) as Uint8Array]]) }
    cases.push(['an unknown key epoch', sealUpdate({ keys: epochKeys, signer: sib.key.signer }, doc, 3n, updateFor('e')).bytes, 'UNKNOWN_EPOCH'])
    for (const [name, bytes, code] of cases) await expect(m.accept(bytes, 'peer'), name).rejects.toMatchObject({ code })
    expect(m.store.stats().entries).toBe(0)

    expect((await m.accept(good.bytes, 'peer')).result).toBe('stored')
    expect((await m.accept(good.bytes, 'peer')).result).toBe('duplicate')
    // What the mirror cannot check: the AEAD. An entry a certified writer sealed under some other
    // key is signed and in rights, so it is stored; every reader refuses it (DECRYPT_FAILED).
    const other = await newVault(); cleanups.push(other.cleanup)
    const garbled = sealUpdate({ keys: other.vault.vault.identity.keys, signer: sib.key.signer }, doc, 2n, updateFor('x'))
    expect((await m.accept(garbled.bytes, 'peer')).result).toBe('stored')
    await a.vault.vault.addCertificate(sib.cert)
    await expect(a.vault.vault.accept(garbled.bytes)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' })
  })

  it('takes a snapshot only if its ciphertext matches the signed size and digest, and never compacts what it claims to cover', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const keys = a.vault.vault.identity.keys
    const m = await mirrorOf(a.wallet)
    const sib = await foreignDevice(a.wallet)
    await m.addCertificate(sib.cert)
    const doc = a.vault.vault.docId('snapped')
    const src = new SessionDoc()
    const updates: Uint8Array[] = []
    src.doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 6; i++) src.appendMessages([{ role: 'user', content: `m${i} ${'x'.repeat(2000)}` }], 'sib')
    for (const [i, u] of updates.entries()) await m.accept(sealUpdate({ keys, signer: sib.key.signer }, doc, BigInt(i + 1), u).bytes, 'peer')
    const snap = sealSnapshot({ keys, signer: sib.key.signer }, doc, 1n, Y.encodeStateAsUpdate(src.doc), [{ author: sib.key.publicKey, seq: 6n }])
    const send = (sink: { write: (p: Uint8Array) => unknown }, bytes: Uint8Array): void => { for (let at = 0; at < bytes.byteLength; at += 4096) sink.write(bytes.subarray(at, Math.min(bytes.byteLength, at + 4096))) }

    const tampered = new Uint8Array(snap.ciphertext); tampered[10] = (tampered[10] as number) ^ 1
    const bad = m.receiveSnapshot(snap.header.bytes)
    send(bad, tampered)
    await expect(bad.end()).rejects.toMatchObject({ code: 'INVALID_ENTRY' })
    const short = m.receiveSnapshot(snap.header.bytes)
    send(short, snap.ciphertext.subarray(0, snap.ciphertext.byteLength - 1))
    await expect(short.end()).rejects.toMatchObject({ code: 'INVALID_ENTRY' })
    const forged = SignedEntry.decode(snap.header.bytes)
    forged.signature = new Uint8Array(forged.signature); forged.signature[1] = (forged.signature[1] as number) ^ 1
    expect(() => m.receiveSnapshot(SignedEntry.encode(forged))).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
    expect(m.store.snapshots(doc)).toHaveLength(0)

    const ok = m.receiveSnapshot(snap.header.bytes)
    send(ok, snap.ciphertext)
    await ok.end()
    expect(m.store.snapshots(doc)).toHaveLength(1)
    // The snapshot claims to cover all six entries; the mirror cannot check that claim, so it keeps them.
    await m.store.flush()
    expect(m.store.stats().entries).toBe(6)
    // Its catch-up (SPEC.md, Catch-up from the tail): a peer holding the first three entries is
    // sent the three it lacks, which the mirror holds, not the snapshot; a peer holding none of
    // the document, the snapshot.
    const seqs = async (entries: AsyncIterable<Uint8Array>): Promise<bigint[]> => {
      const out: bigint[] = []
      for await (const bytes of entries) out.push(EntryBody.decode(SignedEntry.decode(bytes).body).seq)
      return out
    }
    const behind = m.source().plan(doc, [{ author: sib.key.publicKey, lane: 0, seq: 3n }])
    expect(behind.snapshots).toHaveLength(0)
    expect(await seqs(behind.entries)).toEqual([4n, 5n, 6n])
    expect(behind.entryCount).toBe(3)
    const fresh = m.source().plan(doc, [])
    expect(fresh.snapshots).toHaveLength(1)
    expect(await seqs(fresh.entries)).toEqual([6n]) // the entry at the lane's tip goes with it (SPEC.md, Content tips)
  })

  it('sends a peer a little behind entries rather than the snapshot, judged per author after a revocation; a snapshot held back leaves its entries served', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const m = await mirrorOf(a.wallet)
    // Another member, which holds the later snapshot the revoking member never saw.
    const w = await newVault({ wallet: a.wallet }); cleanups.push(w.cleanup)
    const wv = w.vault.vault
    for (const r of v.certs.records()) await wv.addCertificate(r)
    const kept = await foreignDevice(a.wallet)
    const gone = await foreignDevice(a.wallet)
    for (const d of [kept, gone]) { await v.addCertificate(d.cert); await m.addCertificate(d.cert); await wv.addCertificate(d.cert) }
    /**
     * Six entries of `by` in a document of its own and its snapshot of all six, held by the
     * mirror; the member that revokes holds the entries, and the snapshot when `memberSnapshot`.
     */
    const written = async (by: typeof kept, name: string, memberSnapshot: boolean, snapSeq = 1n, mirrorSkips = 0n): Promise<Uint8Array> => {
      const doc = v.docId(name)
      const src = new SessionDoc()
      const updates: Uint8Array[] = []
      src.doc.on('update', (u: Uint8Array) => updates.push(u))
      for (let i = 0; i < 6; i++) src.appendMessages([{ role: 'user', content: `${name}${i} ${'x'.repeat(2000)}` }], 'sib')
      for (const [i, u] of updates.entries()) {
        const bytes = sealUpdate({ keys, signer: by.key.signer }, doc, BigInt(i + 1), u).bytes
        if (BigInt(i + 1) !== mirrorSkips) await m.accept(bytes, 'peer')
        await v.accept(bytes)
        if (!memberSnapshot) await wv.accept(bytes)
      }
      const snap = sealSnapshot({ keys, signer: by.key.signer }, doc, snapSeq, Y.encodeStateAsUpdate(src.doc), [{ author: by.key.publicKey, seq: 6n }])
      for (const sink of [m.receiveSnapshot(snap.header.bytes), (memberSnapshot ? v : wv).receiveSnapshot(snap.header.bytes)]) {
        await sink.write(snap.ciphertext)
        await sink.end()
      }
      return doc
    }
    const ofKept = await written(kept, 'kept', false)
    const ofGone = await written(gone, 'gone', true) // its snapshot within the cutoff: still served
    // Its later snapshot, which the member never held: beyond the cutoff, held back.
    const beyond = await written(gone, 'beyond', false, 2n)
    // The same, but the mirror never got entry 5: past that gap an entry would never count as
    // held at the peer, so none of the run goes (and the snapshot is held back).
    const gap = await written(gone, 'gap', false, 3n, 5n)
    for (const r of v.certs.records()) await m.addCertificate(r)
    const op = revokeDevices(v.identity, v.certs, v.store, [gone.key.publicKey], { reason: 'lost' })
    await v.publish(op)
    await m.addCertificate(op.bytes)
    for (const r of v.certs.records()) await wv.addCertificate(r)
    expect(m.certs.restricting).toBe(true)
    expect(wv.certs.isRevoked(gone.key.publicKey)).toBe(true)
    const seqs = async (entries: AsyncIterable<Uint8Array>): Promise<bigint[]> => {
      const out: bigint[] = []
      for await (const bytes of entries) out.push(EntryBody.decode(SignedEntry.decode(bytes).body).seq)
      return out
    }
    const behind = (doc: Uint8Array, author: Uint8Array): ReturnType<ReturnType<typeof m.source>['plan']> => m.source().plan(doc, [{ author, lane: 0, seq: 3n }])
    // An author nobody revoked: its tail serves, a revocation elsewhere in the registry or not.
    const k = behind(ofKept, kept.key.publicKey)
    expect(k.snapshots).toHaveLength(0)
    expect(await seqs(k.entries)).toEqual([4n, 5n, 6n])
    // The revoked author: no tail (an entry of it may be held back), its snapshot goes.
    expect(behind(ofGone, gone.key.publicKey).snapshots).toHaveLength(1)
    // Its snapshot the registry holds back: the entries it covers, within the cutoff, still go.
    const b = behind(beyond, gone.key.publicKey)
    expect(b.snapshots).toHaveLength(0)
    expect(await seqs(b.entries)).toEqual([4n, 5n, 6n])
    expect(b.entryCount).toBe(3)
    const g = behind(gap, gone.key.publicKey)
    expect(g.snapshots).toHaveLength(0)
    expect((await seqs(g.entries)).filter(q => q === 4n || q === 5n)).toEqual([])
    // The same from the member that holds it (src/node/source.ts).
    const fromMember = vaultSource(wv).plan(beyond, [{ author: gone.key.publicKey, lane: 0, seq: 3n }])
    expect(fromMember.snapshots).toHaveLength(0)
    expect(await seqs(fromMember.entries)).toEqual([4n, 5n, 6n])
  })

  it('a snapshot held back withholds only the lane a gap breaks, and a gap past the cutoff breaks none', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const m = await mirrorOf(a.wallet)
    const kept = await foreignDevice(a.wallet)
    const gone = await foreignDevice(a.wallet)
    for (const d of [kept, gone]) { await v.addCertificate(d.cert); await m.addCertificate(d.cert) }
    /**
     * One document both write six entries of (each its own lane), and `gone`'s snapshot of all
     * twelve, which only the mirror holds; the mirror lacks `gone`'s entry `mirrorSkips`, the
     * revoking member holds `gone`'s first `memberHolds` (its cutoff).
     */
    const written = async (name: string, mirrorSkips: number, memberHolds: number): Promise<Uint8Array> => {
      const doc = v.docId(name)
      const states: Uint8Array[] = []
      for (const by of [kept, gone]) {
        const src = new SessionDoc()
        const updates: Uint8Array[] = []
        src.doc.on('update', (u: Uint8Array) => updates.push(u))
        for (let i = 0; i < 6; i++) src.appendMessages([{ role: 'user', content: `${name}${i}` }], by === kept ? 'kept' : 'gone')
        for (const [i, u] of updates.entries()) {
          const bytes = sealUpdate({ keys, signer: by.key.signer }, doc, BigInt(i + 1), u).bytes
          if (by === kept || i + 1 !== mirrorSkips) await m.accept(bytes, 'peer')
          if (by === kept || i + 1 <= memberHolds) await v.accept(bytes)
        }
        states.push(Y.encodeStateAsUpdate(src.doc))
      }
      const snap = sealSnapshot({ keys, signer: gone.key.signer }, doc, 1n, Y.mergeUpdates(states), [{ author: kept.key.publicKey, seq: 6n }, { author: gone.key.publicKey, seq: 6n }])
      const sink = m.receiveSnapshot(snap.header.bytes)
      await sink.write(snap.ciphertext)
      await sink.end()
      return doc
    }
    // A gap within what `gone` may still hand on (its cutoff is 6): its lane cannot go as entries.
    const broken = await written('broken', 5, 6)
    // The gap is past the cutoff (4): nothing there would go anyway, so the lane's run is whole.
    const past = await written('past', 5, 4)
    for (const r of v.certs.records()) await m.addCertificate(r)
    const op = revokeDevices(v.identity, v.certs, v.store, [gone.key.publicKey], { reason: 'lost' })
    await v.publish(op)
    await m.addCertificate(op.bytes)
    expect(m.certs.restricting).toBe(true)
    const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex')
    const sent = async (plan: ReturnType<ReturnType<typeof m.source>['plan']>): Promise<string[]> => {
      const out: string[] = []
      for await (const bytes of plan.entries) {
        const body = EntryBody.decode(SignedEntry.decode(bytes).body)
        out.push(`${hex(body.author) === hex(kept.key.publicKey) ? 'kept' : 'gone'}:${body.seq}`)
      }
      return out.sort()
    }
    const planFor = (doc: Uint8Array, at: bigint): ReturnType<ReturnType<typeof m.source>['plan']> =>
      m.source().plan(doc, at === 0n ? [] : [{ author: kept.key.publicKey, lane: 0, seq: at }, { author: gone.key.publicKey, lane: 0, seq: at }])
    // The snapshot is held back (its author revoked, the member never held it) either way.
    const fresh = planFor(broken, 0n)
    expect(fresh.snapshots).toHaveLength(0)
    // `kept`'s lane is whole: its entries go, though `gone`'s lane has a gap.
    expect(await sent(fresh)).toEqual(['kept:1', 'kept:2', 'kept:3', 'kept:4', 'kept:5', 'kept:6'])
    expect(fresh.entryCount).toBe(6)
    const behind = planFor(broken, 3n)
    expect(await sent(behind)).toEqual(['kept:4', 'kept:5', 'kept:6'])
    expect(behind.entryCount).toBe(3)
    // Past the cutoff the gap breaks nothing: both lanes go, `gone`'s up to its cutoff.
    const whole = planFor(past, 3n)
    expect(whole.snapshots).toHaveLength(0)
    expect(await sent(whole)).toEqual(['gone:4', 'kept:4', 'kept:5', 'kept:6'])
    expect(whole.entryCount).toBe(4)
    expect(await sent(planFor(past, 0n))).toEqual(['gone:1', 'gone:2', 'gone:3', 'gone:4', 'kept:1', 'kept:2', 'kept:3', 'kept:4', 'kept:5', 'kept:6'])
  })

  it('a revoked device: what it wrote up to its cutoff stays, anything later is refused and never handed on', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const m = await mirrorOf(a.wallet)
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    for (const r of v.certs.records()) await m.addCertificate(r)
    const doc = v.docId('revoked')
    // One entry per seq (updateFor makes a new Yjs client each time: sealed twice, a slot would be written twice, a fork).
    const sealed = new Map<bigint, Uint8Array>()
    const seal = (seq: bigint): Uint8Array => {
      let bytes = sealed.get(seq)
      if (bytes === undefined) { bytes = sealUpdate({ keys: v.identity.keys, signer: sib.key.signer }, doc, seq, updateFor(`s${seq}`)).bytes; sealed.set(seq, bytes) }
      return bytes
    }
    await v.accept(seal(1n))
    expect((await m.accept(seal(1n), 'peer')).result).toBe('stored')
    // The mirror took seq 2 before it learned of the revocation (A never saw it: beyond the cutoff).
    expect((await m.accept(seal(2n), 'peer')).result).toBe('stored')
    const op = revokeDevices(v.identity, v.certs, v.store, [sib.key.publicKey], { reason: 'stolen' })
    await v.publish(op)
    const revoked: string[] = []
    m.on('revoked', e => revoked.push(e.deviceId))
    await m.addCertificate(op.bytes)
    expect(revoked).toEqual([deviceIdFromKey(sib.key.publicKey)])
    await expect(m.accept(seal(3n), 'peer')).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
    expect((await m.accept(seal(1n), 'peer')).result).toBe('duplicate')
    // Handed to a peer that has nothing: seq 1 goes, seq 2 (beyond the cutoff) is held back.
    const handed: bigint[] = []
    for await (const bytes of m.source().plan(doc, []).entries) handed.push(EntryBody.decode(SignedEntry.decode(bytes).body).seq)
    expect(handed).toEqual([1n])
  })
})

describe('blind mirror and forks', () => {
  // crdt/SPEC.md, Forks: a slot written twice differently is kept as evidence and sent on with
  // the held entry, by the mirror as by a member, without the key (it compares signed bodies).
  it('keeps a second, different entry at a held slot as fork evidence, forwards both, and sends the lane to a peer holding other content there', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const m = await mirrorOf(a.wallet)
    const sib = await foreignDevice(a.wallet)
    await m.addCertificate(sib.cert); await v.addCertificate(sib.cert)
    const doc = v.docId('forked')
    // A restored home of `sib` wrote seq 1 again, differently.
    const first = sealUpdate({ keys, signer: sib.key.signer }, doc, 1n, updateFor('original'))
    const second = sealUpdate({ keys, signer: sib.key.signer }, doc, 1n, updateFor('the restored home wrote this'))
    const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    const sent = async (entries: AsyncIterable<Uint8Array>): Promise<string[]> => {
      const out: string[] = []
      for await (const bytes of entries) out.push(hexOf(bytes))
      return out.sort()
    }
    const both = [hexOf(first.bytes), hexOf(second.bytes)].sort()

    // The mirror holds the first; a member holding the second (its tip differs at seq 1) is sent
    // the mirror's entry of the lane, and finds the fork.
    expect((await m.accept(first.bytes, 'p')).result).toBe('stored')
    expect((await v.accept(second.bytes)).result).toBe('stored')
    const toMember = m.source().plan(doc, vaultSource(v).vector(doc))
    expect(await sent(toMember.entries)).toEqual([hexOf(first.bytes)])
    expect((await v.accept(first.bytes)).result).toBe('stored')
    expect(v.store.forks.ofDoc(doc)).toHaveLength(1)

    // The second reaches the mirror: kept as evidence (not a duplicate), both forwarded; the same again is a duplicate.
    const forwarded: string[] = []
    m.on('entry', (e) => forwarded.push(hexOf(e.entry.bytes)))
    expect((await m.accept(second.bytes, 'p')).result).toBe('stored')
    expect(forwarded.sort()).toEqual(both)
    expect((await m.accept(second.bytes, 'p')).result).toBe('duplicate')
    expect(m.store.forks.ofDoc(doc)).toHaveLength(1)
    // The same content signed again is no fork.
    expect(m.store.differs(doc, sib.key.publicKey, 1n, 0, first.signature)).toBe(false)

    // A fresh peer gets both; the member and the mirror agree on the lane's tip and the digest.
    expect(await sent(m.source().plan(doc, []).entries)).toEqual(both)
    expect(m.source().vector(doc)).toEqual(vaultSource(v).vector(doc))
    expect(Buffer.from(m.store.fingerprints().digest).equals(Buffer.from(v.store.fingerprints().digest))).toBe(true)
  })
})

describe('blind mirror snapshots and budgets', () => {
  it('keeps and offers only the latest of an author\'s snapshots, and not one a later one of its author covers', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const keys = a.vault.vault.identity.keys
    const m = await mirrorOf(a.wallet)
    const sib = await foreignDevice(a.wallet)
    const other = await foreignDevice(a.wallet)
    await m.addCertificate(sib.cert); await m.addCertificate(other.cert)
    const doc = a.vault.vault.docId('generations')
    const src = new SessionDoc()
    const updates: Uint8Array[] = []
    src.doc.on('update', (u: Uint8Array) => updates.push(u))
    const take = async (snap: ReturnType<typeof sealSnapshot>): Promise<void> => {
      const sink = m.receiveSnapshot(snap.header.bytes)
      await sink.write(snap.ciphertext)
      await sink.end()
    }
    const gens: Array<ReturnType<typeof sealSnapshot>> = []
    for (let g = 1; g <= 4; g++) {
      for (let i = 0; i < 5; i++) src.appendMessages([{ role: 'user', content: `g${g} m${i} ${'x'.repeat(1000)}` }], 'sib')
      gens.push(sealSnapshot({ keys, signer: sib.key.signer }, doc, BigInt(g), Y.encodeStateAsUpdate(src.doc), [{ author: sib.key.publicKey, seq: BigInt(updates.length) }]))
      await take(gens[g - 1] as ReturnType<typeof sealSnapshot>)
      expect(m.store.snapshots(doc).map(s => s.header.seq)).toEqual([BigInt(g)])
    }
    // An earlier generation arriving late is not kept.
    await take(gens[1] as ReturnType<typeof sealSnapshot>)
    expect(m.store.snapshots(doc).map(s => s.header.seq)).toEqual([4n])
    const offered = (): string[] => m.source().plan(doc, []).snapshots.map(o => Buffer.from(SignedEntry.decode(o.header).signature).toString('hex')).sort()
    const hexSig = (snap: ReturnType<typeof sealSnapshot> | undefined): string => Buffer.from(snap?.header.signature ?? []).toString('hex')
    expect(offered()).toEqual([hexSig(gens[3])])
    // Another device's snapshot of the same is kept and offered beside it: the mirror cannot tell
    // which state holds the other's, and trusts no device's claim over another's lane.
    const byOther = sealSnapshot({ keys, signer: other.key.signer }, doc, 1n, Y.encodeStateAsUpdate(src.doc), [{ author: sib.key.publicKey, seq: BigInt(updates.length) }])
    await take(byOther)
    expect(m.store.snapshots(doc)).toHaveLength(2)
    expect(offered()).toEqual([hexSig(gens[3]), hexSig(byOther)].sort())
  })

  it('holds every author to a member\'s budgets: entries per minute, and a snapshot\'s size for what it claims', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const keys = a.vault.vault.identity.keys
    const t = await tempDir()
    const home = join(t.dir, 'mirror')
    await enrolMirror(home, a.wallet, { label: 'mirror' })
    const m = await MirrorVault.open({ home, limits: { entriesPerMinute: 2, snapshotSlackBytes: 1024, snapshotDocFactor: 0 } })
    cleanups.push(async () => { await m.close(); await t.cleanup() })
    const sib = await foreignDevice(a.wallet)
    await m.addCertificate(sib.cert)
    const doc = a.vault.vault.docId('budgets')
    const seal = (seq: bigint): Uint8Array => sealUpdate({ keys, signer: sib.key.signer }, doc, seq, updateFor(`b${seq}`)).bytes
    expect((await m.accept(seal(1n), 'peer')).result).toBe('stored')
    expect((await m.accept(seal(2n), 'peer')).result).toBe('stored')
    await expect(m.accept(seal(3n), 'peer')).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    // A snapshot claiming nothing beyond what the mirror holds, larger than the slack: refused from its header.
    const big = sealSnapshot({ keys, signer: sib.key.signer }, doc, 1n, new Uint8Array(4096).fill(1), [{ author: sib.key.publicKey, seq: 2n }])
    expect(() => m.receiveSnapshot(big.header.bytes)).toThrow(expect.objectContaining({ code: 'ENTRY_TOO_LARGE' }))
    expect(m.store.snapshots(doc)).toHaveLength(0)
  })
})

describe('blind mirror disk', () => {
  it('tells peers its disk is full and when it has room again, as a member does', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const m = await mirrorOf(a.wallet)
    const source = m.source()
    const told: boolean[] = []
    const off = source.onDisk?.((full) => told.push(full))
    expect(source.diskFull?.()).toBe(false)
    // A write refused for room, as the store's log reports it (src/store/disk.ts).
    m.store.disk.report(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
    expect(source.diskFull?.()).toBe(true)
    m.store.disk.report()
    expect(source.diskFull?.()).toBe(false)
    off?.()
    m.store.disk.report(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
    expect(told).toEqual([true, false])
    m.store.disk.report()
  })
})

describe('blind mirror between real nodes', () => {
  it('forwards a member\'s snapshot and entries to a device that only ever meets the mirror', async () => {
    const wallet = generateWallet()
    const ta = await tempDir()
    const tb = await tempDir()
    const av = await openVault({ home: join(ta.dir, 'a'), wallet, label: 'A', snapshotEvery: 5 })
    const bv = await openVault({ home: join(tb.dir, 'b'), wallet, label: 'B' })
    const m = await mirrorOf(wallet)
    const mNode = await MeshNode.start(m, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    cleanups.push(async () => { await mNode.stop() })
    cleanups.push(async () => { await bv.close(); await tb.cleanup() })
    const aNode = await MeshNode.start(av.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    let aStopped = false
    cleanups.push(async () => { if (!aStopped) { await aNode.stop(); await av.close() } await ta.cleanup() })

    const s = await av.sessions.create('agent:main:snapped', { goal: 'g' })
    for (let i = 0; i < 12; i++) await s.append({ role: 'user', content: `m${i}` })
    await s.close()
    await until(() => av.vault.store.docIds().some(d => av.vault.store.snapshots(d).length > 0), 'A to seal a snapshot')
    await aNode.dial(mNode.addresses()[0] as string)
    const aDocs = av.vault.store.docIds()
    const want = aDocs.map(d => av.vault.store.snapshots(d).length).reduce((x, y) => x + y, 0)
    await until(() => aDocs.every(d => m.store.snapshots(d).length >= av.vault.store.snapshots(d).length) && aDocs.every(d => [...av.vault.store.vector(d)].every(([k, n]) => (m.store.vector(d).get(k) ?? 0) >= n || m.store.snapshots(d).some(sn => sn.header.covers.some(c => Number(c.seq) >= n)))), 'the mirror to hold A\'s snapshots and entries')
    expect(want).toBeGreaterThan(0)
    aStopped = true
    await aNode.stop(); await av.close()

    const bNode = await MeshNode.start(bv.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    cleanups.push(async () => { await bNode.stop() })
    await bNode.dial(mNode.addresses()[0] as string)
    const texts = async (): Promise<string[]> => {
      if (!(await bv.sessions.exists('snapped'))) return []
      const h = await bv.sessions.open('snapped')
      try { return h.messages().map(x => x.content) } finally { await h.close() }
    }
    await until(async () => (await texts()).length === 12, 'B to read all twelve messages from the mirror alone')
    expect(await texts()).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`))
    expect(bv.vault.store.stats().snapshots).toBeGreaterThan(0)
  })
})

describe('blind mirror and content tips', () => {
  // A snapshot moved member -> mirror, then mirror -> a fresh member: each pair agrees on the
  // digest (the entry at a lane's tip goes with a snapshot that ends there, both ways), so the
  // next reconnect of each pair ends at the hello (caught-up) instead of narrowing ranges for good.
  // Compacted: the snapshot's covered entries left A's log but its newest (the tail), the tip
  // among them; with a last entry larger than the tail, that entry alone. Not compacted: A still
  // holds every entry.
  it.each([['compacted', 0, false], ['compacted, its last entry larger than its tail', 0, true], ['still holding its entries', 5, false]])('a member and the mirror agree on the digest after a snapshot moved between them, both ways, and their reconnect is caught up (member %s)', async (_what, others, bigTip) => {
    const wallet = generateWallet()
    const ta = await tempDir()
    const tb = await tempDir()
    const av = await openVault({ home: join(ta.dir, 'a'), wallet, label: 'A' })
    const bv = await openVault({ home: join(tb.dir, 'b'), wallet, label: 'B' })
    const m = await mirrorOf(wallet)
    const listen = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' as const }
    const mNode = await MeshNode.start(m, listen)
    cleanups.push(async () => { await mNode.stop() })
    cleanups.push(async () => { await bv.close(); await tb.cleanup() })
    cleanups.push(async () => { await av.close(); await ta.cleanup() })
    const mId = mNode.libp2p.peerId.toString()
    const digest = (s: { fingerprints: () => { digest: Uint8Array } }): string => Buffer.from(s.fingerprints().digest).toString('hex')
    const tipsOf = (s: typeof m.store, docs: Uint8Array[]): unknown => docs.map(d => s.tips(d))
    /** A node on the vault dials the mirror; resolves once it is caught up, and stops it. */
    const reconnect = async (v: typeof av.vault): Promise<void> => {
      const n = await MeshNode.start(v, listen)
      try {
        let caught = false
        n.on('caught-up', (p) => { if (p === mId) caught = true })
        await n.dial(mNode.addresses()[0] as string)
        await until(() => caught, 'the reconnect to the mirror to be caught up at the hello', 30_000)
      } finally { await n.stop() }
    }

    for (let k = 0; k < (others as number); k++) {
      // 26 entries each: under the snapshot threshold on close, so they stay in the log.
      const o = await av.sessions.create(`other${k}`)
      for (let i = 0; i < 25; i++) await o.append({ role: 'user', content: `o${i}` })
      await o.close()
    }
    // 40 appends, then a close: the vault snapshots the session, up to its lane's tip.
    const s = await av.sessions.create('snapped')
    // The last one large (over an eighth of the snapshot): compaction keeps only it of the tail, the lane's tip.
    for (let i = 0; i < 40; i++) await s.append({ role: 'user', content: i === 39 && bigTip === true ? 'm'.repeat(4000) : `m${i}` })
    await s.close()
    const doc = av.vault.docId(DOC_NAMES.session('agent:main:snapped' as any))
    expect(av.vault.store.snapshots(doc).length).toBeGreaterThan(0)
    expect(av.vault.store.tips(doc).every(t => t.tip !== undefined)).toBe(true)
    // Member -> mirror: the mirror takes A's snapshot (and the entry at its end).
    const aNode = await MeshNode.start(av.vault, listen)
    await aNode.dial(mNode.addresses()[0] as string)
    await until(() => digest(m.store) === digest(av.vault.store), 'the mirror to agree with A on the digest', 30_000)
    await aNode.stop()
    expect(tipsOf(m.store, av.vault.store.docIds())).toEqual(tipsOf(av.vault.store, av.vault.store.docIds()))
    await reconnect(av.vault)

    // Mirror -> member: B, fresh, takes the snapshot from the mirror alone.
    const bNode = await MeshNode.start(bv.vault, listen)
    await bNode.dial(mNode.addresses()[0] as string)
    await until(() => digest(m.store) === digest(bv.vault.store), 'B to agree with the mirror on the digest', 30_000)
    await bNode.stop()
    expect(bv.vault.store.snapshots(doc).length).toBeGreaterThan(0)
    expect(tipsOf(bv.vault.store, m.store.docIds())).toEqual(tipsOf(m.store, m.store.docIds()))
    await reconnect(bv.vault)
  })
})
