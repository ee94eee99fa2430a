/**
 * The key of an Epoch refused after the fact (its author revoked by a revoke that did not see it),
 * which honest devices sealed under while it was current: the next honest rotation, built on it,
 * stays valid (the generation rule counts well-formed Epochs, not only valid ones) and carries its
 * key in `previous`; a device set up later takes that key, reads what was sealed under it, and
 * never seals under it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  epochCommitment, kemPublicOf, newEpochKey, RECOVERY_RECIPIENT, sealPrevious, toHex, wrapEpochKey, type Wrap
} from '../../src/identity/index.js'
import { authorOp } from '../../src/node/registry-ops.js'
import type { MeshVault } from '../../src/sdk/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/** Hands every registry operation and entry `from` holds to `to`, as a sync session would. */
async function deliver (from: MeshVault, to: MeshVault, entries = true): Promise<void> {
  // Twice: an operation of a revoked device is taken only once one held names it (certs.ts).
  for (let pass = 0; pass < 2; pass++) {
    for (const op of from.vault.certs.registryOps()) await to.vault.addCertificate(op.bytes).catch(() => {})
  }
  if (!entries) return
  for (const doc of from.vault.store.docIds()) {
    for await (const bytes of from.vault.store.uncovered(doc)) await to.vault.accept(bytes)
  }
}

/** A rotation by `by` of number `epoch`, naming its heads, wrapped to every reader and the recovery key, carrying every key `by` holds. */
async function rotateBy (by: MeshVault, epoch: number): Promise<Uint8Array> {
  const V = by.vault
  const key = newEpochKey()
  const ctx = { wallet: V.identity.walletKey, epoch }
  const wraps: Wrap[] = []
  for (const c of V.certs.all()) if (c.capabilities.includes('read')) wraps.push(wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, ctx))
  wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: V.certs.state.recoveryKem as Uint8Array }, ctx))
  const previous = new Map([...V.identity.keys.epochs].filter(([e]) => e < epoch))
  await V.publish(authorOp(V.certs, V.identity.walletKey, V.identity.device.signer, { epoch: { epoch, discharges: [], wraps, previous: sealPrevious(key, epoch, previous), commitment: epochCommitment(key, epoch) } }))
  return key
}

async function write (v: MeshVault, key: string, content: string): Promise<void> {
  const s = await v.sessions.create(key)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

async function read (v: MeshVault, key: string): Promise<string[]> {
  const s = await v.sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('an Epoch refused after honest devices sealed under it', () => {
  it('the honest rotation on top stays valid and carries its key; a device set up later reads what was sealed under it, and seals under the valid one', async () => {
    const ha = await newVault({ label: 'desktop' }); cleanups.push(ha.cleanup)
    const hx = await newVault({ wallet: ha.wallet, label: 'laptop, stolen later' }); cleanups.push(hx.cleanup)
    const hp = await newVault({ wallet: ha.wallet, label: 'phone' }); cleanups.push(hp.cleanup)
    const [a, x, p] = [ha.vault, hx.vault, hp.vault]
    for (const [f, t] of [[x, a], [p, a], [a, x], [a, p]] as const) await deliver(f, t, false)

    // X rotates (generation 1) while still a member; A takes its key and writes under it.
    const e1 = 256 + 7
    const k1 = await rotateBy(x, e1)
    await deliver(x, a, false)
    expect(a.vault.identity.keys.currentEpoch).toBe(e1)
    await write(a, 'agent:main:under-e1', 'sealed under the laptop\'s epoch')
    // A rotates on top of it (generation 2), carrying E1's key in `previous`.
    const e2 = 2 * 256 + 9
    await rotateBy(a, e2)
    expect(a.vault.identity.keys.currentEpoch).toBe(e2)

    // The phone, which never saw E1, revokes the laptop: E1 is refused from then on.
    await p.vault.revoke([x.vault.identity.device.publicKey], { reason: 'stolen', wallet: ha.wallet })
    await deliver(p, a, false)
    const st = a.vault.certs.state
    const op1 = [...a.vault.certs.registryOps()].find(o => o.epoch?.epoch === e1)
    const op2 = [...a.vault.certs.registryOps()].find(o => o.epoch?.epoch === e2)
    expect(st.refused.has(op1?.id as string)).toBe(true)
    expect(st.refused.get(op2?.id as string)).toBeUndefined()
    expect(st.epochs.has(e2)).toBe(true)

    // A device set up now: it unwraps E2 (its recovery wrap), takes E1's key from E2's `previous`.
    const hc = await newVault({ wallet: ha.wallet, label: 'new desktop' }); cleanups.push(hc.cleanup)
    const c = hc.vault
    await deliver(a, c)
    await deliver(p, c)
    expect(toHex(c.vault.identity.keys.epochs.get(e1) ?? new Uint8Array(0))).toBe(toHex(k1))
    expect(await read(c, 'agent:main:under-e1')).toEqual(['sealed under the laptop\'s epoch'])
    // Never sealed under: the current epoch is a valid one's.
    expect(c.vault.identity.keys.currentEpoch).not.toBe(e1)
    expect(c.vault.certs.state.epochs.has(c.vault.identity.keys.currentEpoch)).toBe(true)
  })
})
