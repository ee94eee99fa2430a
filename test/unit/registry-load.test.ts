/**
 * A vault's open reads its registry back from the store (`certs.add(bytes, { stored: true })`,
 * one record at a time). Each stored operation used to evaluate the whole registry again, and
 * each stored certificate twice, so an open took time quadratic in the operations held (1,024
 * enrolments: 7.6 s). Records read back are now judged by one evaluation when the state is next
 * read; the state is the one the same records give when they arrive one by one, and an
 * enrolment read back tells the time (the clock floor) only if it is in force.
 */
import { describe, expect, it, vi } from 'vitest'
import * as identity from '../../src/identity/index.js'
import {
  deviceKem, generateDeviceKey, generateWallet, issueChainCertificate, recoveryKem, signRegistryOp, toHex, vaultSeedSignature,
  type DeviceKey, type OpBody, type RegistryOp, type Wallet
} from '../../src/identity/index.js'

const evaluations = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/identity/index.js', async (original) => {
  const real = await original<typeof identity>()
  return { ...real, evaluateRegistry: (...args: Parameters<typeof real.evaluateRegistry>) => { evaluations.count++; return real.evaluateRegistry(...args) } }
})
const { CertRegistry, FLOOR_AHEAD_MS } = await import('../../src/node/certs.js')

const seedOf = (d: DeviceKey): Uint8Array => d.privateKey.raw.subarray(0, 32)
const T = Date.UTC(2026, 5, 1)

async function vault (wallet: Wallet, n: number, issuedAt: (i: number) => number): Promise<{ records: Uint8Array[], admin: DeviceKey }> {
  const seqs = new Map<string, bigint>()
  const sign = (s: { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array }, body: OpBody, prev: Uint8Array[]): RegistryOp => {
    const seq = (seqs.get(toHex(s.publicKey)) ?? 0n) + 1n
    seqs.set(toHex(s.publicKey), seq)
    return signRegistryOp(s, { wallet: wallet.publicKey, seq, prev, at: T, ...body })
  }
  const admin = await generateDeviceKey()
  const adminCert = issueChainCertificate(wallet, undefined, { deviceKey: admin.publicKey, kemKey: deviceKem(seedOf(admin)).publicKey, capabilities: ['admin', 'read', 'write'], label: 'desktop', pathLen: 1, issuedAt: T })
  const genesis = sign(wallet, { genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } }, [])
  let last = sign(wallet, { enrol: { certificate: adminCert.bytes } }, [genesis.hash])
  // As a store holds them: operations, and the chain certificate each device showed at its handshake.
  const records = [genesis.bytes, last.bytes, adminCert.bytes]
  for (let i = 0; i < n; i++) {
    const d = await generateDeviceKey()
    const c = issueChainCertificate(admin, adminCert, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: ['read'], label: `d${i}`, issuedAt: issuedAt(i) })
    last = sign(admin.signer, { enrol: { certificate: c.bytes } }, [last.hash])
    records.push(last.bytes, c.bytes)
  }
  return { records, admin }
}

describe('a vault\'s registry read back from its store', () => {
  it('is evaluated once for all its records, not once a record, and gives the state the records give one by one', async () => {
    const wallet = generateWallet()
    const { records } = await vault(wallet, 64, () => T)
    const live = new CertRegistry(wallet.publicKey, undefined, () => T)
    for (const r of records) live.add(r)
    evaluations.count = 0
    const loaded = new CertRegistry(wallet.publicKey, undefined, () => T)
    for (const r of records) loaded.add(r, { stored: true })
    expect(evaluations.count).toBe(0)
    const state = loaded.state
    expect(evaluations.count).toBe(1)
    expect([...state.devices.keys()].sort()).toEqual([...live.state.devices.keys()].sort())
    expect(state.heads.map(toHex)).toEqual(live.state.heads.map(toHex))
    expect(state.refused.size).toBe(0)
    expect(loaded.registryOps().length).toBe(66)
  })

  it('an enrolment read back moves the clock floor once found in force, as one arriving does', async () => {
    const wallet = generateWallet()
    // This machine's clock is an hour slow; the newest enrolment was issued at T + 30 min.
    const { records } = await vault(wallet, 3, i => T + i * 15 * 60_000)
    const clock = (): number => T - 60 * 60_000
    const live = new CertRegistry(wallet.publicKey, undefined, clock)
    for (const r of records) live.add(r)
    const loaded = new CertRegistry(wallet.publicKey, undefined, clock)
    for (const r of records) loaded.add(r, { stored: true })
    expect(loaded.now()).toBe(live.now())
    expect(loaded.now()).toBe(T + 30 * 60_000)
    expect(loaded.now()).toBeLessThanOrEqual(clock() + FLOOR_AHEAD_MS)
  })
})
