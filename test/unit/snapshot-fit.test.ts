/**
 * A received snapshot's state is checked as it arrives (snapshot-verify.ts StateFit): each part,
 * once its chunks are decrypted, is bounds-checked and applied to a scratch document whose
 * changes are checked against the document's shapes, while the rest is still on the wire. So a
 * state of the wrong shape is refused at the end as before, and leaves nothing; a good one is
 * applied part by part before its last byte, and the document built is the one the first load
 * takes. A session's name that becomes known mid-transfer starts the check on what came so far.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, frameParts, SessionDoc, sealSnapshot, type SessionKey } from '../../crdt/index.js'
import { FreshStates } from '../../src/node/fresh.js'
import { StateFit } from '../../src/node/snapshot-verify.js'
import type { Vault } from '../../src/node/vault.js'
import { foreignDevice, newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { vi.restoreAllMocks(); for (const c of cleanups.splice(0)) await c() })

const KEY = 'agent:main:fit' as SessionKey

/** A session's state in parts (format 2), each part one append's update, and the document it makes. */
function sessionInParts (appends: number, bad?: (d: Y.Doc) => void): { state: Uint8Array } {
  const s = new SessionDoc()
  const parts: Uint8Array[] = []
  s.doc.on('update', (u: Uint8Array) => parts.push(u))
  s.init({ key: KEY, title: 'fit', goal: 'arrives checked' }, 'sib')
  for (let i = 0; i < appends; i++) s.appendMessages(Array.from({ length: 20 }, (_, j) => ({ role: 'user' as const, content: `m ${i * 20 + j} ${'x'.repeat(400)}` })), 'sib')
  if (bad !== undefined) bad(s.doc)
  return { state: frameParts(parts) }
}

/** A vault, and a snapshot of its session KEY holding `state`, sealed by a sibling device it knows. */
async function receiving (state: Uint8Array): Promise<{ v: Vault, doc: Uint8Array, snap: ReturnType<typeof sealSnapshot> }> {
  const a = await newVault(); cleanups.push(a.cleanup)
  const v = a.vault.vault
  const sib = await foreignDevice(a.wallet)
  await v.addCertificate(sib.cert)
  const doc = v.docId(DOC_NAMES.session(KEY))
  return { v, doc, snap: sealSnapshot({ keys: v.identity.keys, signer: sib.key.signer }, doc, 1n, state, [{ author: sib.key.publicKey, seq: 3n }]) }
}

describe('a received snapshot checked as it arrives', () => {
  it('applies its parts before the last byte, and the first load takes that document', async () => {
    const { v, doc, snap } = await receiving(sessionInParts(40).state)
    const fed = vi.spyOn(StateFit.prototype, 'feed')
    const sink = v.receiveSnapshot(snap.header.bytes)
    const half = Math.floor(snap.ciphertext.byteLength / 2)
    // The first half comes before the session's name is known here: no shapes, nothing checked yet.
    await sink.write(snap.ciphertext.subarray(0, half))
    expect(fed).not.toHaveBeenCalled()
    // The sessions index names it (as it does on a fresh node, first): the check starts on what came.
    await v.release(await v.acquire(DOC_NAMES.session(KEY)))
    await sink.write(snap.ciphertext.subarray(half, half + 1024))
    // The check works through what came in slices of its own: waited for, not for a fixed time
    // (a busy machine took more than 50 ms for the first half).
    await vi.waitFor(() => { expect(fed).toHaveBeenCalled() }, { timeout: 30_000 })
    const scratch = (fed.mock.contexts[0] as unknown as { scratch: Y.Doc }).scratch
    const applied = (): number => new SessionDoc(scratch).messages().length
    await vi.waitFor(() => { expect(applied(), 'the first half applied before the rest came').toBeGreaterThan(300) }, { timeout: 30_000 })
    expect(applied()).toBeLessThan(800)
    const kept = vi.spyOn(FreshStates.prototype, 'keep')
    await sink.write(snap.ciphertext.subarray(half + 1024))
    await sink.end()
    const checkedOn = kept.mock.calls.find(c => c[0].doc.every((b, i) => b === doc[i]))?.[2]
    expect(checkedOn).toBeInstanceOf(Y.Doc)
    const r = await v.acquire(DOC_NAMES.session(KEY))
    try {
      expect(r.doc).toBe(checkedOn)
      expect(new SessionDoc(r.doc).messages()).toHaveLength(800)
    } finally {
      await v.release(r)
    }
  })

  it('refuses a state of the wrong shape at its end, and keeps nothing of it', async () => {
    // Its last part sets the lease to a number.
    const { v, doc, snap } = await receiving(sessionInParts(10, d => { d.getMap('meta').set('lease', 5) }).state)
    await v.release(await v.acquire(DOC_NAMES.session(KEY)))
    const sink = v.receiveSnapshot(snap.header.bytes)
    for (let at = 0; at < snap.ciphertext.byteLength; at += 16_384) await sink.write(snap.ciphertext.subarray(at, at + 16_384))
    await expect(sink.end()).rejects.toMatchObject({ code: 'QUARANTINED' })
    expect(v.store.snapshots(doc)).toEqual([])
    const r = await v.acquire(DOC_NAMES.session(KEY))
    try { expect(new SessionDoc(r.doc).messages()).toHaveLength(0) } finally { await v.release(r) }
  })
})
