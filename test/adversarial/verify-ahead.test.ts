/**
 * Signatures checked ahead on a worker thread (src/identity/verify-pool.ts, protocols/sync
 * SPEC.md, Receiving): a catch-up frame's signatures are checked off the event loop before its
 * entries are admitted. Only the very entry object that verified there skips the admission's own
 * check; a forged or tampered entry in such a frame is refused like any other, never stored, and
 * the honest entries beside it are.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, SessionDoc, sealUpdate, type SessionKey } from '../../crdt/index.js'
import { checkEntrySignature, parseTrustedEntry, streamKey, verifyEntrySignatures } from '../../src/identity/index.js'
import { SignedEntry, EntryBody } from '../../src/identity/pb/entry.js'
import { foreignDevice, newVault } from '../helpers/vault.js'
import { until } from '../helpers/nodes.js'
import { verifyWorkers } from '../../src/identity/verify-pool.js'
import { rogueMember } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes, cleanups } = stopAfterEach()

/** Successive Yjs updates of one session document, one message each. */
function sessionUpdates (n: number): Uint8Array[] {
  const s = new SessionDoc()
  const out: Uint8Array[] = []
  s.doc.on('update', (u: Uint8Array) => { out.push(u) })
  for (let i = 0; i < n; i++) s.appendMessages([{ role: 'user', content: `message ${i}` }], 'rogue')
  return out
}

/** The same entry with one signature bit flipped, and with its ciphertext changed under the original signature. */
function forged (bytes: Uint8Array): Uint8Array {
  const e = SignedEntry.decode(bytes)
  const signature = new Uint8Array(e.signature)
  signature[0] = (signature[0] as number) ^ 1
  return SignedEntry.encode({ body: e.body, signature })
}
function tampered (bytes: Uint8Array): Uint8Array {
  const e = SignedEntry.decode(bytes)
  const body = EntryBody.decode(e.body)
  const ciphertext = new Uint8Array(body.ciphertext)
  ciphertext[0] = (ciphertext[0] as number) ^ 1
  return SignedEntry.encode({ body: EntryBody.encode({ ...body, ciphertext }), signature: e.signature })
}

describe('signatures checked ahead, off the event loop', () => {
  it('passes exactly the entries that verified, and only those objects', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const dev = await foreignDevice(a.wallet)
    const doc = v.docId(DOC_NAMES.session('ahead' as SessionKey))
    const good = sessionUpdates(3).map((u, i) => sealUpdate({ keys: v.identity.keys, signer: dev.key.signer }, doc, BigInt(i + 1), u).bytes)
    const entries = [good[0], forged(good[1] as Uint8Array), tampered(good[2] as Uint8Array)].map(b => parseTrustedEntry(b as Uint8Array))
    // Another author's key on an otherwise good entry, and a key that is not a curve point.
    const other = await foreignDevice(a.wallet)
    const wrongKey = { ...parseTrustedEntry(good[0] as Uint8Array), author: other.key.publicKey }
    const notAPoint = { ...parseTrustedEntry(good[0] as Uint8Array), author: new Uint8Array(32).fill(0xff) }
    expect(await verifyEntrySignatures([...entries, wrongKey, notAPoint])).toEqual([true, false, false, false, false])
    checkEntrySignature(entries[0] as any) // verified ahead
    for (const e of [entries[1], entries[2], wrongKey, notAPoint]) expect(() => { checkEntrySignature(e as any) }).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
    // A copy of the verified entry with other content is not the object that verified: checked again.
    const copy = { ...(entries[0] as any), body: EntryBody.encode({ ...EntryBody.decode((entries[0] as any).body), seq: 9n }) }
    expect(() => { checkEntrySignature(copy) }).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }))
  })

  it('a worker owing nothing is ended after 10 s, and a later check starts another', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const dev = await foreignDevice(a.wallet)
    const doc = v.docId(DOC_NAMES.session('idle' as SessionKey))
    const good = sessionUpdates(2).map((u, i) => parseTrustedEntry(sealUpdate({ keys: v.identity.keys, signer: dev.key.signer }, doc, BigInt(i + 1), u).bytes))
    expect(await verifyEntrySignatures(good.slice(0, 1))).toEqual([true])
    expect(verifyWorkers()).toBeGreaterThan(0)
    // An idle daemon keeps no thread (and its V8 heap) resident.
    await until(() => verifyWorkers() === 0, 'the idle worker to end', 20_000)
    expect(await verifyEntrySignatures(good.slice(1))).toEqual([true])
  }, 30_000)

  it('a catch-up frame with a forged and a tampered entry: both refused and never stored, the 98 beside them stored', async () => {
    const r = await rogueMember(nodes)
    const a = r.a.vault.vault
    const doc = a.docId(DOC_NAMES.session('agent:main:ahead' as SessionKey))
    const lane = 5
    const good = sessionUpdates(100).map((u, i) => r.entry(doc, BigInt(i + 1), u, lane))
    const frame = good.slice()
    frame[49] = forged(good[49] as Uint8Array)
    frame[69] = tampered(good[69] as Uint8Array)
    // One frame of 100 entries: over the threshold for checking ahead (SYNC_LIMITS.verifyAheadEntries).
    r.sendEntries(frame)
    const author = r.b.vault.vault.identity.device.publicKey
    const held = (): number => [...Array(100).keys()].filter(i => a.store.has(doc, author, BigInt(i + 1), lane)).length
    await until(() => held() === 98, 'A to store the 98 good entries')
    expect(a.store.has(doc, author, 50n, lane)).toBe(false)
    expect(a.store.has(doc, author, 70n, lane)).toBe(false)
    expect(a.store.vector(doc).get(streamKey({ author, lane }))).toBe(49)
    // The honest entries at those two slots are then taken: nothing of the refusal stuck.
    r.sendEntries([good[49] as Uint8Array, good[69] as Uint8Array])
    await until(() => held() === 100, 'A to store the two honest entries')
    expect(a.store.vector(doc).get(streamKey({ author, lane }))).toBe(100)
    const stored = await a.store.read(doc, author, 50n, lane)
    expect(Buffer.from(stored as Uint8Array).equals(Buffer.from(good[49] as Uint8Array))).toBe(true)
    // What A holds opens as the 100 messages, in order.
    const rep = await a.acquire(DOC_NAMES.session('agent:main:ahead' as SessionKey))
    try {
      expect(new SessionDoc(rep.doc).messages().map(m => m.content)).toEqual([...Array(100).keys()].map(i => `message ${i}`))
    } finally {
      await a.release(rep)
    }
  })
})
