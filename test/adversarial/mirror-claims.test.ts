/**
 * A blind mirror and a false snapshot claim. A certified writer (a stolen or buggy device) seals a
 * snapshot with an empty state whose `covers` claims another device's lane up to 10^6; the
 * mirror cannot check it without the key. It must not withhold that lane's entries it holds, nor
 * tell peers it holds the lane up to the claim: the entries go beside the snapshot (a fresh member
 * finds the claim false with them, one holding part of the lane refuses the snapshot and still
 * gets the rest), and after the writer's revocation they go alone. An honest claim keeps what
 * snapshots are for: a snapshot standing in for nothing is not sent, and a claim on another lane
 * counts where the mirror holds that lane's tip (src/node/mirror-claims.ts, protocols/sync/SPEC.md
 * A blind mirror).
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SessionDoc, sealSnapshot, sealUpdate } from '../../crdt/index.js'
import { generateWallet, streamKey } from '../../src/identity/index.js'
import { SignedEntry, EntryBody } from '../../src/identity/pb/entry.js'
import { enrolMirror, MirrorVault } from '../../src/node/mirror.js'
import { revokeDevices } from '../../src/node/registry-ops.js'
import { vaultSource } from '../../src/node/source.js'
import { tempDir } from '../helpers/tmp.js'
import { foreignDevice, newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function mirrorOf (wallet: ReturnType<typeof generateWallet>): Promise<MirrorVault> {
  const t = await tempDir()
  const home = join(t.dir, 'mirror')
  await enrolMirror(home, wallet, { label: 'mirror' })
  const m = await MirrorVault.open({ home })
  cleanups.push(async () => { await m.close(); await t.cleanup() })
  return m
}

type Device = Awaited<ReturnType<typeof foreignDevice>>
const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex')

/** The entries a plan sends, as `<first 4 hex of the author>:<seq>`. */
async function sent (entries: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const bytes of entries) {
    const b = EntryBody.decode(SignedEntry.decode(bytes).body)
    out.push(`${hex(b.author).slice(0, 4)}:${b.seq}`)
  }
  return out
}

/** Six entries of a session written by `by`, sealed, in order, and the state they make. */
function written (keys: Parameters<typeof sealUpdate>[0]['keys'], by: Device, doc: Uint8Array): { entries: Uint8Array[], state: Uint8Array } {
  const src = new SessionDoc()
  const updates: Uint8Array[] = []
  src.doc.on('update', (u: Uint8Array) => updates.push(u))
  for (let i = 0; i < 6; i++) src.appendMessages([{ role: 'user', content: `m${i} ${'x'.repeat(500)}` }], hex(by.key.publicKey).slice(0, 6))
  return { entries: updates.map((u, i) => sealUpdate({ keys, signer: by.key.signer }, doc, BigInt(i + 1), u).bytes), state: Y.encodeStateAsUpdate(src.doc) }
}

describe('a false snapshot claim through the blind mirror', () => {
  it('withholds none of the lane it claims, is not counted in the mirror\'s vector, and is found false by a fresh member', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const m = await mirrorOf(a.wallet)
    const honest = await foreignDevice(a.wallet)
    const evil = await foreignDevice(a.wallet)
    for (const d of [honest, evil]) { await v.addCertificate(d.cert); await m.addCertificate(d.cert) }
    const doc = v.docId('claimed')
    const { entries } = written(keys, honest, doc)
    for (const bytes of entries) await m.accept(bytes, 'peer')
    const h = hex(honest.key.publicKey).slice(0, 4)
    const all = [1, 2, 3, 4, 5, 6].map(i => `${h}:${i}`)

    // An empty state claiming the honest device's lane up to 10^6, validly sealed and signed.
    const snap = sealSnapshot({ keys, signer: evil.key.signer }, doc, 1n, Y.encodeStateAsUpdate(new Y.Doc()), [{ author: honest.key.publicKey, seq: 1_000_000n }])
    const sink = m.receiveSnapshot(snap.header.bytes)
    await sink.write(snap.ciphertext)
    await sink.end()
    expect(m.store.snapshots(doc)).toHaveLength(1)

    // The mirror says it holds the lane as far as its entries go, not as far as the claim.
    const lane = streamKey({ author: honest.key.publicKey, lane: 0 })
    expect(m.source().vector(doc).map(i => [streamKey(i), i.seq])).toEqual([[lane, 6n]])

    // A fresh peer gets the snapshot and every entry beside it; a peer holding three, the three it lacks.
    const fresh = m.source().plan(doc, [])
    expect(fresh.snapshots).toHaveLength(1)
    expect(await sent(fresh.entries)).toEqual(all)
    expect(fresh.entryCount).toBe(6)
    const behind = m.source().plan(doc, [{ author: honest.key.publicKey, lane: 0, seq: 3n }])
    expect(await sent(behind.entries)).toEqual(all.slice(3))

    // A fresh member takes the snapshot (it holds nothing to check it with), then the entries:
    // the first shows the claim false, and the member holds the lane as it is.
    const b = await newVault({ wallet: a.wallet }); cleanups.push(b.cleanup)
    const bv = b.vault.vault
    for (const r of v.certs.records()) await bv.addCertificate(r)
    const bs = bv.receiveSnapshot(snap.header.bytes)
    await bs.write(snap.ciphertext)
    await bs.end()
    for await (const bytes of m.source().plan(doc, []).entries) expect((await bv.accept(bytes)).result).toBe('stored')
    expect(vaultSource(bv).vector(doc).map(i => i.seq)).toEqual([6n])
    expect(await sent(m.source().plan(doc, vaultSource(bv).vector(doc)).entries)).toEqual([])

    // A member holding the first three refuses the snapshot and is still sent the other three.
    const c = await newVault({ wallet: a.wallet }); cleanups.push(c.cleanup)
    const cv = c.vault.vault
    for (const r of v.certs.records()) await cv.addCertificate(r)
    for (const bytes of entries.slice(0, 3)) await cv.accept(bytes)
    const cs = cv.receiveSnapshot(snap.header.bytes)
    await cs.write(snap.ciphertext)
    await expect(cs.end()).rejects.toMatchObject({ code: 'SNAPSHOT_UNPROVEN' })
    const forC = m.source().plan(doc, vaultSource(cv).vector(doc))
    for await (const bytes of forC.entries) await cv.accept(bytes)
    expect(vaultSource(cv).vector(doc).map(i => i.seq)).toEqual([6n])

    // The writer revoked (the admin never held its snapshot): the snapshot is held back and
    // raises nothing; the lane's entries go alone.
    const op = revokeDevices(v.identity, v.certs, v.store, [evil.key.publicKey], { reason: 'stolen' })
    await v.publish(op)
    for (const r of v.certs.records()) await m.addCertificate(r)
    expect(m.certs.isRevoked(evil.key.publicKey)).toBe(true)
    const after = m.source().plan(doc, [])
    expect(after.snapshots).toHaveLength(0)
    expect(await sent(after.entries)).toEqual(all)
    expect(m.source().vector(doc).map(i => i.seq)).toEqual([6n])
  })

  it('an honest claim: a snapshot standing in for nothing is not sent, one on its author\'s lane is, and a claim on another lane counts where the mirror holds its tip', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const keys = v.identity.keys
    const m = await mirrorOf(a.wallet)
    const x = await foreignDevice(a.wallet)
    const y = await foreignDevice(a.wallet)
    for (const d of [x, y]) await m.addCertificate(d.cert)
    const xs = hex(x.key.publicKey).slice(0, 4)

    // Y snapshots a session X wrote, all of whose entries the mirror holds: the entries go, not
    // the snapshot as well (it would stand in for none of them).
    const read = v.docId('read')
    const ofX = written(keys, x, read)
    for (const bytes of ofX.entries) await m.accept(bytes, 'peer')
    const byY = sealSnapshot({ keys, signer: y.key.signer }, read, 1n, ofX.state, [{ author: x.key.publicKey, seq: 6n }])
    const sy = m.receiveSnapshot(byY.header.bytes)
    await sy.write(byY.ciphertext)
    await sy.end()
    const fresh = m.source().plan(read, [])
    expect(fresh.snapshots).toHaveLength(0)
    expect(await sent(fresh.entries)).toEqual([1, 2, 3, 4, 5, 6].map(i => `${xs}:${i}`))

    // The member that took it compacted: the mirror gets its snapshot, of its own lane and of
    // X's, and the entries at both lanes' tips only. It holds both lanes to 6, as the member
    // does, and a fresh peer gets the snapshot, with the tips.
    const both = v.docId('both')
    const ofY = written(keys, y, both)
    const ofX2 = written(keys, x, both)
    const snap = sealSnapshot({ keys, signer: y.key.signer }, both, 1n, Y.mergeUpdates([ofY.state, ofX2.state]), [{ author: y.key.publicKey, seq: 6n }, { author: x.key.publicKey, seq: 6n }])
    const s = m.receiveSnapshot(snap.header.bytes)
    await s.write(snap.ciphertext)
    await s.end()
    await m.accept(ofY.entries[5] as Uint8Array, 'peer')
    await m.accept(ofX2.entries[5] as Uint8Array, 'peer')
    expect(m.source().vector(both).map(i => i.seq)).toEqual([6n, 6n])
    const plan = m.source().plan(both, [])
    expect(plan.snapshots).toHaveLength(1)
    expect((await sent(plan.entries)).sort()).toEqual([`${xs}:6`, `${hex(y.key.publicKey).slice(0, 4)}:6`].sort())
  })
})
