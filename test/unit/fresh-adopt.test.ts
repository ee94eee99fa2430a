/**
 * A snapshot received for a document nobody has open: the receipt's checks apply its state to an
 * empty document (snapshot-verify.ts fits), and the document's first load takes that document as
 * it is instead of applying the same state again (fresh.ts, load.ts, Replica.adopt). A document
 * kept and never opened is destroyed when its time is up.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, sealSnapshot, type SessionKey } from '../../crdt/index.js'
import { FRESH, FreshStates } from '../../src/node/fresh.js'
import { foreignDevice, newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { vi.restoreAllMocks(); vi.useRealTimers(); for (const c of cleanups.splice(0)) await c() })

const KEY = 'agent:main:fresh' as SessionKey

describe('a received snapshot opened for the first time', () => {
  it('is loaded by taking the document its checks built, holding what the snapshot covers', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    const doc = v.docId(DOC_NAMES.session(KEY))
    const s = new SessionDoc()
    s.init({ key: KEY, title: 'fresh', goal: 'arrives whole' }, 'sib')
    for (let i = 0; i < 400; i += 50) s.appendMessages(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j} ${'x'.repeat(500)}` })), 'sib')
    const snap = sealSnapshot({ keys: v.identity.keys, signer: sib.key.signer }, doc, 1n, Y.encodeStateAsUpdate(s.doc), [{ author: sib.key.publicKey, seq: 7n }])

    // Its name is known here (as the sessions index tells a fresh node before its sessions come):
    // a document of unknown kind has no shapes to check, so no document is built for it.
    await v.release(await v.acquire(DOC_NAMES.session(KEY)))
    const kept = vi.spyOn(FreshStates.prototype, 'keep')
    const taken = vi.spyOn(FreshStates.prototype, 'take')
    const sink = v.receiveSnapshot(snap.header.bytes)
    for (let at = 0; at < snap.ciphertext.byteLength; at += 100_000) await sink.write(snap.ciphertext.subarray(at, at + 100_000))
    await sink.end()
    const checkedOn = kept.mock.calls.find(c => c[0].doc.every((b, i) => b === doc[i]))?.[2]
    expect(checkedOn, 'the receipt keeps the document its checks applied the state to').toBeInstanceOf(Y.Doc)

    const r = await v.acquire(DOC_NAMES.session(KEY))
    try {
      expect(taken.mock.results.some(x => x.value?.doc === checkedOn)).toBe(true)
      expect(r.doc, 'the first load took that document').toBe(checkedOn)
      const read = new SessionDoc(r.doc)
      expect(read.messages()).toHaveLength(400)
      expect(read.messages()[399]?.content).toBe(`m 399 ${'x'.repeat(500)}`)
      // What the snapshot covers counts as applied, as when its state is applied.
      expect(r.coverVector().find(i => Buffer.from(i.author).equals(Buffer.from(sib.key.publicKey)))?.seq).toBe(7n)
      // Written on, the adopted document is the replica's own: the change is sealed and stored.
      await r.change(() => read.appendMessages([{ role: 'assistant', content: 'written here' }], 'me'))
    } finally {
      await v.release(r)
    }
    const again = await v.acquire(DOC_NAMES.session(KEY))
    try {
      expect(again.doc).not.toBe(checkedOn)
      const m = new SessionDoc(again.doc).messages()
      expect(m).toHaveLength(401)
      expect(m.at(-1)?.content).toBe('written here')
    } finally {
      await v.release(again)
    }
  })
})

describe('FreshStates', () => {
  it('destroys a document nobody took once its time is up, and one pushed out by newer states', () => {
    vi.useFakeTimers()
    const fresh = new FreshStates()
    const header = (n: number): any => ({ signature: new Uint8Array(64).fill(n) })
    const destroyed: number[] = []
    const doc = (n: number): Y.Doc => { const d = new Y.Doc(); d.on('destroy', () => destroyed.push(n)); return d }
    fresh.keep(header(1), new Uint8Array(10), doc(1))
    fresh.keep(header(2), new Uint8Array(FRESH.maxBytes - 5), doc(2)) // pushes 1 out (over the byte bound)
    expect(destroyed).toEqual([1])
    vi.advanceTimersByTime(FRESH.ms + 50)
    expect(destroyed).toEqual([1, 2])
    expect(fresh.take(header(2).signature)).toBeUndefined()
    // Taken in time: handed over, not destroyed.
    const d3 = doc(3)
    fresh.keep(header(3), new Uint8Array(10), d3)
    expect(fresh.take(header(3).signature)?.doc).toBe(d3)
    expect(vi.getTimerCount(), 'nothing kept: no timer left to wake').toBe(0)
    vi.advanceTimersByTime(FRESH.ms + 50)
    expect(destroyed).toEqual([1, 2])
    fresh.clear()
  })
})
