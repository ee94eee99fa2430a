/**
 * A stolen device, still a member, plants an epoch number that stops later rotations from taking
 * effect (review s8, F1). Before the fix, every device sealed under the thief's key from then on:
 * the current epoch was the highest number a key was held for, and the rotation its revocation
 * owed computed `((gen + 1) << 8) | r` in int32, which wrapped below it, while the debt counted
 * as paid. Driven as the review's probe does: the thief's Epoch operation (its own number at the
 * top of the range, or a key for one smuggled in `previous`), the owner's revoke and rotation, an
 * entry written after it, and what the thief can open of it with the keys it holds. Also a home
 * whose vault.keys already names a planted epoch current (saved before the fix), and the
 * `previous` keys a holder takes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openUpdates } from '../../crdt/index.js'
import {
  docIdFor, epochCommitment, kemPublicOf, newEpochKey, RECOVERY_RECIPIENT, sealPrevious, toHex, verifyEntry, wrapEpochKey,
  type Certificate, type VaultKeys, type Wrap
} from '../../src/identity/index.js'
import { encodeKeyFile } from '../../src/node/keyfile.js'
import { authorOp } from '../../src/node/registry-ops.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { writeHomeFile } from '../../src/store/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/** Hands every registry operation and entry `from` holds to `to`, as a sync session would. */
async function deliver (from: MeshVault, to: MeshVault): Promise<void> {
  for (const op of from.vault.certs.registryOps()) await to.vault.addCertificate(op.bytes)
  for (const doc of from.vault.store.docIds()) {
    for await (const bytes of from.vault.store.uncovered(doc)) await to.vault.accept(bytes)
  }
}

/**
 * The thief's rotation, authored by its device with a number of its choice, its key wrapped to
 * `to` (every reader and the recovery key unless told), carrying `previous` (default: every key it holds).
 */
async function thiefEpoch (thief: MeshVault, epoch: number, o: { previous?: Map<number, Uint8Array>, to?: (c: Certificate) => boolean } = {}): Promise<Uint8Array> {
  const X = thief.vault
  const key = newEpochKey()
  const ctx = { wallet: X.identity.walletKey, epoch }
  const wraps: Wrap[] = []
  for (const c of X.certs.all()) if (c.capabilities.includes('read') && (o.to?.(c) ?? true)) wraps.push(wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, ctx))
  const rk = X.certs.state.recoveryKem
  if (rk !== undefined && o.to === undefined) wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: rk }, ctx))
  const previous = o.previous ?? new Map(X.identity.keys.epochs)
  await X.publish(authorOp(X.certs, X.identity.walletKey, X.identity.device.signer, { epoch: { epoch, discharges: [], wraps, previous: sealPrevious(key, epoch, previous), commitment: epochCommitment(key, epoch) } }))
  return key
}

/** What the thief opens of a document written by `owner`: its entries, with only the keys it holds. */
async function thiefOpens (owner: MeshVault, name: string, thiefKeys: VaultKeys): Promise<{ opened: number, total: number }> {
  const doc = docIdFor(owner.vault.identity.keys, name)
  let opened = 0
  let total = 0
  for await (const bytes of owner.vault.store.uncovered(doc)) {
    total++
    try { openUpdates(thiefKeys, verifyEntry(bytes)); opened++ } catch { /* not a key the thief holds */ }
  }
  return { opened, total }
}

async function write (v: MeshVault, key: string, content: string): Promise<void> {
  const s = await v.sessions.create(key)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

/** The owner's desktop and a stolen laptop of the same wallet, each knowing the other. */
async function pair (): Promise<{ a: MeshVault, x: MeshVault, home: string, wallet: Awaited<ReturnType<typeof newVault>>['wallet'] }> {
  const ha = await newVault({ label: 'desktop' }); cleanups.push(ha.cleanup)
  const hx = await newVault({ wallet: ha.wallet, label: 'stolen-laptop' }); cleanups.push(hx.cleanup)
  await deliver(ha.vault, hx.vault)
  await deliver(hx.vault, ha.vault)
  return { a: ha.vault, x: hx.vault, home: ha.home, wallet: ha.wallet }
}

/** The thief's keys after its revocation: what it held, plus its own planted ones. */
const keysOf = (x: MeshVault, extra: Array<[number, Uint8Array]>): VaultKeys => {
  const k = x.vault.identity.keys
  return { epochs: new Map([...k.epochs, ...extra]), currentEpoch: 0, docIdKey: k.docIdKey, rendezvous: k.rendezvous }
}

describe('a member plants an epoch number', () => {
  it('its own Epoch numbered 0xFFFFFF01: refused everywhere, and the owner\'s rotation after the revoke is current; the thief opens nothing written after', async () => {
    const { a, x, wallet } = await pair()
    const key = await thiefEpoch(x, 0xFFFFFF01)
    await deliver(x, a)
    const A = a.vault
    expect(A.certs.state.refused.has([...A.certs.registryOps()].find(o => o.epoch?.epoch === 0xFFFFFF01)?.id as string)).toBe(true)
    expect(A.identity.keys.currentEpoch).toBe(0)

    const r = await A.revoke([x.vault.identity.device.publicKey], { reason: 'stolen', wallet })
    expect(r.epoch).toBeGreaterThan(0)
    expect(A.identity.keys.currentEpoch).toBe(r.epoch)
    expect(A.certs.state.owed).toEqual([])
    await write(a, 'agent:main:after-revoke', 'secret written after the thief was revoked')
    const seen = await thiefOpens(a, 'mesh/doc/session/v1/agent:main:after-revoke', keysOf(x, [[0xFFFFFF01, key]]))
    expect(seen.total).toBeGreaterThan(0)
    expect(seen.opened).toBe(0)
  })

  it('a key for epoch 0xFFFFFFFE smuggled in a valid Epoch\'s `previous`: not taken, and the rotation after the revoke is current', async () => {
    const { a, x, wallet } = await pair()
    const A = a.vault
    const hidden = 0xFFFFFFFE
    const carried = new Map(x.vault.identity.keys.epochs)
    const planted = newEpochKey()
    carried.set(hidden, planted)
    const key = await thiefEpoch(x, 0x1a5, { previous: carried })
    await deliver(x, a)
    // The carrying rotation is valid (one generation up) and its key taken; the smuggled one is not.
    expect(A.identity.keys.epochs.has(0x1a5)).toBe(true)
    expect(A.identity.keys.epochs.has(hidden)).toBe(false)
    expect(A.identity.keys.currentEpoch).toBe(0x1a5)

    const r = await A.revoke([x.vault.identity.device.publicKey], { reason: 'stolen', wallet })
    expect(r.epoch).toBeGreaterThan(0x1a5)
    expect(A.identity.keys.currentEpoch).toBe(r.epoch)
    await write(a, 'agent:main:after-revoke', 'secret written after the thief was revoked')
    const seen = await thiefOpens(a, 'mesh/doc/session/v1/agent:main:after-revoke', keysOf(x, [[0x1a5, key], [hidden, planted]]))
    expect(seen.total).toBeGreaterThan(0)
    expect(seen.opened).toBe(0)
  })

  it('a vault.keys saved before the fix, naming a planted epoch current: after the upgrade it is not, and the thief opens nothing written after its revocation', async () => {
    const { a, x, home, wallet } = await pair()
    const hidden = 0xFFFFFFFE
    const key = await thiefEpoch(x, 0x1a5)
    await deliver(x, a)
    // What the code before the fix made of a `previous` carrying {hidden: key}: the key taken and
    // made current, and saved.
    const keys = a.vault.identity.keys
    const before: VaultKeys = { ...keys, epochs: new Map([...keys.epochs, [hidden, key]]), currentEpoch: hidden }
    await a.close()
    await writeHomeFile(home, 'vaultKeys', encodeKeyFile(a.vault.identity.wallet, before))

    const again = await openVault({ home, wallet, label: 'desktop' })
    cleanups.push(async () => { await again.close() })
    const A = again.vault
    expect(A.identity.keys.currentEpoch).toBe(0x1a5)
    // The planted key still opens what was sealed under it, and is never sealed under.
    expect(A.identity.keys.epochs.has(hidden)).toBe(true)

    const r = await A.revoke([x.vault.identity.device.publicKey], { reason: 'stolen', wallet })
    expect(r.epoch).toBeGreaterThan(0x1a5)
    expect(r.epoch).toBeLessThan(0x300)
    expect(A.identity.keys.currentEpoch).toBe(r.epoch)
    await write(again, 'agent:main:after-revoke', 'secret written after the thief was revoked')
    const seen = await thiefOpens(again, 'mesh/doc/session/v1/agent:main:after-revoke', keysOf(x, [[0x1a5, key], [hidden, key]]))
    expect(seen.total).toBeGreaterThan(0)
    expect(seen.opened).toBe(0)
  })

  it('keys in `previous` are taken only for an epoch a valid Epoch announces, below the carrying one, that match its commitment', async () => {
    const { a, x } = await pair()
    const A = a.vault
    const mine = (c: Certificate): boolean => toHex(c.deviceKey) === toHex(x.vault.identity.device.publicKey)
    // Generation 1 and generation 2, each wrapped only to the thief itself.
    const k1 = await thiefEpoch(x, 0x101, { to: mine })
    const k2 = await thiefEpoch(x, 0x202, { to: mine })
    // A generation-1 rotation wrapped to all (valid: its past holds generation 2) carrying a wrong
    // key for 0x101 and the genuine key of 0x202, above it; then one of generation 2 carrying the
    // genuine key of 0x101, below it.
    const wrong = newEpochKey()
    await thiefEpoch(x, 0x1ff, { previous: new Map([[0x101, wrong], [0x202, k2]]) })
    await thiefEpoch(x, 0x2f0, { previous: new Map([[0x101, k1]]) })
    await deliver(x, a)
    expect(A.certs.state.epochs.has(0x202)).toBe(true)
    expect(A.identity.keys.epochs.has(0x202)).toBe(false)
    expect(toHex(A.identity.keys.epochs.get(0x101) as Uint8Array)).toBe(toHex(k1))
    expect((A.identity.keys.alternates?.get(0x101) ?? []).map(toHex)).not.toContain(toHex(wrong))
    expect(A.identity.keys.currentEpoch).toBe(0x2f0)
  })
})
