/**
 * A snapshot resumed (offset > 0) while another transfer of it is still being received (most often
 * the same peer's, on a connection that ended and is not yet seen to), or sent from its start by
 * another peer while the first one writes: refused as a wait (RATE_LIMITED, busy), which the sync
 * session retries without telling a person of a refusal, not as STORE_WRITE_FAILED, which `mesh
 * join` printed as a fault of the disk.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, sealSnapshot, type SessionKey } from '../../crdt/index.js'
import { foreignDevice, newVault } from '../helpers/vault.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

describe('a snapshot resumed beside another transfer of it', () => {
  it('is a wait (RATE_LIMITED, busy), not a failed write', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const v = a.vault.vault
    const sib = await foreignDevice(a.wallet)
    await v.addCertificate(sib.cert)
    const doc = v.docId(DOC_NAMES.session('agent:main:busy' as SessionKey))
    const d = new Y.Doc()
    d.getMap('meta').set('key', 'agent:main:busy')
    const snap = sealSnapshot({ keys: v.identity.keys, signer: sib.key.signer }, doc, 1n, Y.encodeStateAsUpdate(d), [{ author: sib.key.publicKey, seq: 1n }])
    // A transfer broke off after its first bytes (kept for a resume), and a second resumed it.
    const first = v.receiveSnapshot(snap.header.bytes)
    const held = 16
    await first.write(snap.ciphertext.subarray(0, held))
    first.abort()
    await until(async () => v.store.partialSnapshots().some(p => p.held >= held), 'the partial kept')
    const second = v.receiveSnapshot(snap.header.bytes, held)
    cleanups.push(async () => { second.abort() })
    // The second's connection ended unseen; its peer, restarted, resumes it again.
    let err: any
    try { v.receiveSnapshot(snap.header.bytes, held) } catch (e) { err = e }
    expect(err).toMatchObject({ code: 'RATE_LIMITED', details: { busy: true, offset: held } })
    // Another peer's transfer of it from its first byte waits too (its sender is asked to stop it)
    // while the one under way writes; beside one that stalled, it goes on in a file of its own.
    let fresh: any
    try { v.receiveSnapshot(snap.header.bytes, 0) } catch (e) { fresh = e }
    expect(fresh).toMatchObject({ code: 'RATE_LIMITED', details: { busy: true, offset: 0 } })
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 6_000 })
    try {
      const beside = v.receiveSnapshot(snap.header.bytes, 0)
      await beside.write(snap.ciphertext)
      expect(await beside.end()).toMatchObject({ doc })
    } finally {
      vi.useRealTimers()
    }
  })
})
