/**
 * Two concurrent rotations that draw the same epoch number (1 in 256 per pair: the number is the
 * next generation and a random low byte). Forced here: two admins, each partitioned from the other,
 * revoke the same laptop and rotate onto one number. Both rotations stay valid; the one with the
 * lower hash is canonical, the other is kept as collided (identity/registry.ts), and each device
 * keeps both keys for that number (VaultKeys.alternates), so the entries each sealed under its own
 * key are readable by both once they meet, whichever key an entry was sealed under.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { deviceKem, generateDeviceKey, toHex, addEpochKey, checkCommitment } from '../../src/identity/index.js'
import { revokeDevices, rotation } from '../../src/node/registry-ops.js'
import { decodeKeyFile } from '../../src/node/keyfile.js'
import { readHomeText } from '../../src/store/index.js'
import type { MeshVault } from '../../src/sdk/index.js'
import { newVault } from '../helpers/vault.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/** Revokes `device` from `v` and rotates onto the number with low byte `low`, as beforeWrite would. */
async function revokeAndRotate (v: MeshVault, device: Uint8Array, low: number): Promise<number> {
  const vault = v.vault
  await vault.publish(revokeDevices(vault.identity, vault.certs, vault.store, [device], { reason: 'lost' }))
  const r = rotation(vault.identity, vault.certs, low)
  if (r === undefined) throw new Error('no rotation owed')
  addEpochKey(vault.identity.keys, r.epoch, r.key)
  await vault.publish(r.op)
  return r.epoch
}

/** Hands every registry operation and entry `from` holds to `to`, as a sync session would. */
async function deliver (from: MeshVault, to: MeshVault): Promise<void> {
  for (const op of from.vault.certs.registryOps()) await to.vault.addCertificate(op.bytes)
  for (const doc of from.vault.store.docIds()) {
    for await (const bytes of from.vault.store.uncovered(doc)) await to.vault.accept(bytes)
  }
}

async function write (v: MeshVault, key: string, content: string): Promise<void> {
  const s = await v.sessions.create(key)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

async function read (v: MeshVault, key: string): Promise<string[]> {
  const s = await v.sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('epoch numbers drawn twice', () => {
  it('two partitioned admins rotate onto one number: both keys kept, the canonical one chosen alike, every entry readable by both', async () => {
    const ha = await newVault({ label: 'desktop' }); cleanups.push(ha.cleanup)
    const hc = await newVault({ wallet: ha.wallet, label: 'server' }); cleanups.push(hc.cleanup)
    const a = ha.vault
    const c = hc.vault
    // The laptop, enrolled by A; C learns it (and A's certificate) before the partition.
    const laptop = await generateDeviceKey()
    const { op } = await a.vault.enrolDevice({ deviceKey: laptop.publicKey, kemKey: deviceKem(laptop.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: 'laptop' })
    await deliver(a, c)
    await deliver(c, a)
    expect(c.vault.certs.get(laptop.publicKey)?.label).toBe('laptop')

    // The partition: each revokes the laptop and rotates, drawing the same low byte.
    const ea = await revokeAndRotate(a, laptop.publicKey, 0x5a)
    const ec = await revokeAndRotate(c, laptop.publicKey, 0x5a)
    expect(ea).toBe(ec)
    const e = ea
    const keyA = a.vault.identity.keys.epochs.get(e) as Uint8Array
    const keyC = c.vault.identity.keys.epochs.get(e) as Uint8Array
    expect(toHex(keyA)).not.toBe(toHex(keyC))
    await write(a, 'agent:main:from-a', 'sealed under A\'s key')
    await write(c, 'agent:main:from-c', 'sealed under C\'s key')

    // They meet.
    await deliver(a, c)
    await deliver(c, a)
    await deliver(a, c)
    for (const v of [a, c]) {
      const st = v.vault.certs.state
      expect(st.collided.get(e)?.length).toBe(1)
      expect(st.owed).toEqual([])
    }
    // The same canonical rotation everywhere (the lower hash), its key the epoch's on both; the other kept.
    const canonical = a.vault.certs.state.epochs.get(e)?.op.id
    expect(c.vault.certs.state.epochs.get(e)?.op.id).toBe(canonical)
    const winnerKey = checkCommitment(keyA, e, a.vault.certs.state.epochs.get(e)?.op.epoch?.commitment as Uint8Array) ? keyA : keyC
    for (const v of [a, c]) {
      const keys = v.vault.identity.keys
      expect(toHex(keys.epochs.get(e) as Uint8Array)).toBe(toHex(winnerKey))
      expect((keys.alternates?.get(e) ?? []).map(toHex)).toEqual([toHex(winnerKey === keyA ? keyC : keyA)])
    }
    // Each reads what the other sealed under the key it did not draw.
    expect(await read(a, 'agent:main:from-c')).toEqual(['sealed under C\'s key'])
    expect(await read(c, 'agent:main:from-a')).toEqual(['sealed under A\'s key'])
    // And writes from now on under the canonical key, which the other opens.
    const s = await c.sessions.open('agent:main:from-c')
    try { await s.append({ role: 'user', content: 'after meeting' }) } finally { await s.close() }
    await deliver(c, a)
    expect(await read(a, 'agent:main:from-c')).toEqual(['sealed under C\'s key', 'after meeting'])
    // Both keys are kept in vault.keys, so a restart still opens both.
    // Written as the collision is handled: waited for, not a fixed time.
    const keysFile = async (): Promise<ReturnType<typeof decodeKeyFile> | undefined> => {
      const text = await readHomeText(ha.home, 'vaultKeys')
      return text === undefined ? undefined : decodeKeyFile(text, 'vault.keys')
    }
    await until(async () => (await keysFile())?.keys.alternates?.get(e) !== undefined, "vault.keys to hold the epoch's other key")
    const file = await keysFile() as ReturnType<typeof decodeKeyFile>
    expect(toHex(file.keys.epochs.get(e) as Uint8Array)).toBe(toHex(winnerKey))
    expect(file.keys.alternates?.get(e)?.length).toBe(1)
    expect(op.id).toBeTruthy()
  })
})
