/**
 * Registry operations received from a peer (CertRegistry.add, as a sync frame's records are added
 * in one turn) are admitted without evaluating the registry again when they provably change
 * nothing the next one is judged by (src/node/op-batch.ts), and with the outcome of addOp, which
 * evaluates it for each: the same refusals, the same operations kept, the same devices newly
 * revoked by each, the same registry and clock. Random registries (enrolments by the wallet and
 * by admins of any depth, re-enrolments and replays, revokes by admins, by the wallet, by readers,
 * mutual ones, rotations and grants, operations of strangers and of revoked devices, operations
 * whose past is missing, forged bytes) are cut into frames received in order or shuffled.
 */
import { describe, expect, it, vi } from 'vitest'
import * as identity from '../../src/identity/index.js'
import {
  deviceKem, generateDeviceKey, generateWallet, issueCertificate, issueChainCertificate, recoveryKem, signRegistryOp, toHex, vaultSeedSignature, verifyRegistryOp,
  type ChainCertificate, type DeviceKey, type OpBody, type RegistryOp, type Wallet
} from '../../src/identity/index.js'
import { prng } from '../helpers/prng.js'
import { seedOf } from '../helpers/registry-author.js'

const evaluations = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/identity/index.js', async (original) => {
  const real = await original<typeof identity>()
  return { ...real, evaluateRegistry: (...args: Parameters<typeof real.evaluateRegistry>) => { evaluations.count++; return real.evaluateRegistry(...args) } }
})
const { CertRegistry } = await import('../../src/node/certs.js')
type Registry = InstanceType<typeof CertRegistry>
type Outcome = ReturnType<Registry['add']> | Error

const T = Date.UTC(2026, 5, 1)
/** This machine's clock, an hour behind the certificates: an enrolment in force moves it (now()). */
const clock = (): number => T - 60 * 60_000

interface Made { records: Uint8Array[], shown: Uint8Array[], legacy: Uint8Array[] }

/** A random registry of `n` operations for `wallet`, as made by its members (and not). */
async function randomRegistry (wallet: Wallet, seed: number, n: number): Promise<Made> {
  const r = prng(seed)
  const keys: DeviceKey[] = []
  for (let i = 0; i < 9; i++) keys.push(await generateDeviceKey())
  const strangers = [await generateDeviceKey(), await generateDeviceKey()]
  const seqs = new Map<string, bigint>()
  const ops: RegistryOp[] = []
  const records: Uint8Array[] = []
  const certs = new Map<string, ChainCertificate>()
  const signer = (k: DeviceKey | Wallet): { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array } => 'signer' in k ? k.signer : k
  // Operations whose past is all sent: the others (a past never sent) are named by none.
  const whole: RegistryOp[] = []
  const pastOf = (): Uint8Array[] => {
    if (whole.length === 0) return []
    const out = new Set<RegistryOp>()
    // Mostly the newest operations (a chain), else any: concurrent branches.
    for (let i = 0, m = 1 + r.int(3); i < m; i++) out.add(r.next() < 0.6 ? whole[whole.length - 1 - r.int(Math.min(4, whole.length))] as RegistryOp : r.pick(whole))
    const prev = [...out].map(o => o.hash)
    if (r.next() < 0.04) prev.push(new Uint8Array(32).fill(r.int(256))) // a past never sent
    return prev
  }
  const sign = (k: DeviceKey | Wallet, body: OpBody, prev = pastOf()): RegistryOp => {
    const s = signer(k)
    const seq = (seqs.get(toHex(s.publicKey)) ?? 0n) + 1n
    seqs.set(toHex(s.publicKey), seq)
    const op = signRegistryOp(s, { wallet: wallet.publicKey, seq, prev, at: T + ops.length, ...body })
    ops.push(op)
    if (prev.every(p => ops.some(o => toHex(o.hash) === toHex(p)))) whole.push(op)
    records.push(op.bytes)
    return op
  }
  const issue = (issuer: DeviceKey | Wallet, d: DeviceKey): ChainCertificate | undefined => {
    const admin = r.next() < 0.4
    const at = T + r.int(120) * 60_000
    const caps = admin ? ['admin' as const] : r.next() < 0.5 ? ['read' as const, 'write' as const] : ['read' as const]
    try {
      if (!('signer' in issuer)) return issueChainCertificate(issuer, undefined, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: caps, label: 'd', pathLen: admin ? 1 : 0, issuedAt: at })
      const mine = certs.get(toHex(issuer.publicKey))
      if (mine === undefined) return undefined
      return issueChainCertificate(issuer, mine, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: caps, label: 'd', pathLen: 0, issuedAt: at })
    } catch { return undefined }
  }
  sign(wallet, { genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } }, [])
  const first = keys[0] as DeviceKey
  const c0 = issue(wallet, first) as ChainCertificate
  certs.set(toHex(first.publicKey), c0)
  sign(wallet, { enrol: { certificate: c0.bytes } })
  const epochs: RegistryOp[] = []
  /** Devices a revoke named (the first admin seldom: the rest of the registry hangs on it). */
  const gone = new Set<DeviceKey>()
  const revokes: RegistryOp[] = []
  while (ops.length < n) {
    // Mostly members (a device with a certificate issued), at times the wallet, any device or a stranger.
    const members = keys.filter(k => certs.has(toHex(k.publicKey)) && (!gone.has(k) || r.next() < 0.1))
    const who: DeviceKey | Wallet = r.next() < 0.15 ? wallet : r.next() < 0.05 ? r.pick(strangers) : r.next() < 0.8 && members.length > 0 ? r.pick(members) : r.pick(keys)
    const x = r.next()
    if (x < 0.45) {
      // An enrolment: issued by its author when it can, else a certificate it replays.
      const d = r.pick(keys)
      const c = issue(who, d)
      if (c !== undefined) certs.set(toHex(d.publicKey), c)
      const shown = c ?? [...certs.values()][r.int(certs.size)]
      if (shown !== undefined) sign(who, { enrol: { certificate: shown.bytes } })
    } else if (x < 0.57) {
      // Mostly by the wallet or the first admin: revokes that take effect.
      const by = r.next() < 0.5 ? who : r.next() < 0.3 ? wallet : first
      const targets = members.filter(k => k !== first || r.next() < 0.1)
      const devices = [r.pick(targets.length > 0 ? targets : keys), ...(r.next() < 0.3 ? [r.pick(keys)] : [])]
      for (const d of devices) gone.add(d)
      revokes.push(sign(by, { revoke: { devices: [...new Set(devices)].map(d => ({ device: d.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n })), reason: 'random' } }))
    } else if (x < 0.8) {
      const epoch = (1 + r.int(3)) * 256 + r.int(3)
      const discharges = revokes.length > 0 && r.next() < 0.5 ? [r.pick(revokes).hash] : []
      epochs.push(sign(who, { epoch: { epoch, discharges, wraps: [], previous: new Uint8Array(0), commitment: new Uint8Array(32).fill(r.int(4)) } }))
    } else if (x < 0.9 && epochs.length > 0) {
      const e = r.pick(epochs).epoch as { epoch: number, commitment: Uint8Array }
      sign(who, { grant: { epoch: e.epoch, commitment: r.next() < 0.8 ? e.commitment : new Uint8Array(32), wraps: [] } })
    } else if (x < 0.93 && certs.size > 0) {
      // A certificate shown among the operations (a hello's records), or one from before the registry.
      records.push(r.next() < 0.8 ? ([...certs.values()][r.int(certs.size)] as ChainCertificate).bytes : issueCertificate(wallet, { deviceKey: r.pick(keys).publicKey, capabilities: ['read', 'write'], label: 'old', issuedAt: T + r.int(60) * 60_000 }).bytes)
    } else if (x < 0.96) {
      // Forged: a signed operation with a byte changed.
      const bytes = Uint8Array.from(r.pick(ops).bytes)
      const at = bytes.length - 1 - r.int(8)
      bytes[at] = (bytes[at] as number) ^ (1 + r.int(255))
      records.push(bytes)
    } else {
      records.push(r.pick(ops).bytes) // sent again
    }
  }
  // Certificates a device showed at membership, and one from before the registry.
  const shown = [...certs.values()].filter(() => r.next() < 0.3).map(c => c.bytes)
  const legacy = r.next() < 0.5 ? [issueCertificate(wallet, { deviceKey: (keys[8] as DeviceKey).publicKey, capabilities: ['read', 'write'], label: 'old', issuedAt: T }).bytes] : []
  return { records, shown, legacy }
}

/** A comparable form of an outcome. */
function outcome (o: Outcome): unknown {
  if (o instanceof Error) return { error: (o as any).code ?? o.name, message: o.message }
  return { changed: o.changed, registry: o.registry === true, revoked: (o.revoked ?? []).map(toHex).sort(), op: o.op?.id }
}

/** The registry's whole view, as the rest of the node reads it. */
function view (c: Registry): unknown {
  const st = c.state
  return {
    ops: c.registryOps().map(o => o.id),
    records: c.records().map(toHex),
    devices: [...st.devices.entries()].map(([k, d]) => [k, d.active, d.enrolOp, d.revoked?.ops, toHex(d.certificate.bytes)]).sort(),
    heads: st.heads.map(toHex),
    pending: [...st.pending].sort(),
    refused: [...st.refused.entries()].sort(),
    epochs: [...st.epochs.keys()].sort(),
    owed: st.owed.map(o => o.id),
    now: c.now(),
    all: c.all().map(x => toHex(x.bytes)).sort()
  }
}

/** Each record as add() took it before operations were kept without an evaluation: addOp evaluates for each. */
function evaluatingEach (c: Registry, frame: Uint8Array[]): Outcome[] {
  return frame.map(bytes => {
    try {
      let op: RegistryOp
      try { op = verifyRegistryOp(bytes, { wallet: walletOf(c) }) } catch { return c.add(bytes) }
      // add() answers a record it took before from its bytes alone.
      return c.registryOps().some(o => o.id === op.id) ? c.add(bytes) : c.addOp(op)
    } catch (e: any) { return e }
  })
}

/** The records of a frame added one by one, each as add() takes it. */
function added (c: Registry, frame: Uint8Array[]): Outcome[] {
  return frame.map(bytes => { try { return c.add(bytes) } catch (e: any) { return e } })
}
const wallets = new WeakMap<Registry, Uint8Array>()
const walletOf = (c: Registry): Uint8Array => wallets.get(c) as Uint8Array

function fresh (wallet: Wallet, made: Made): Registry {
  const c = new CertRegistry(wallet.publicKey, undefined, clock)
  wallets.set(c, wallet.publicKey)
  for (const b of [...made.legacy, ...made.shown]) c.add(b)
  return c
}

/** Totals over the frames of one random registry, each frame checked against addOp's outcome. */
interface Tally { batches: number, refusals: number, revocations: number, evaluated: number, evaluatedAlone: number }

async function checkSeed (seed: number, t: Tally): Promise<void> {
  const wallet = generateWallet()
  const made = await randomRegistry(wallet, seed, 40 + (seed % 5) * 15)
  const r = prng(seed * 7919)
  const alone = fresh(wallet, made)
  const together = fresh(wallet, made)
  // What a node held before: added one by one to both.
  const heldN = r.int(Math.floor(made.records.length / 3))
  for (const b of made.records.slice(0, heldN)) {
    let x: unknown; let y: unknown
    try { x = outcome(alone.add(b)) } catch (e: any) { x = outcome(e) }
    try { y = outcome(together.add(b)) } catch (e: any) { y = outcome(e) }
    expect(y).toEqual(x)
  }
  for (let i = heldN; i < made.records.length;) {
    const size = 1 + r.int(24)
    let frame = made.records.slice(i, i + size)
    i += size
    if (r.next() < 0.4) frame = [...frame].sort(() => r.next() - 0.5)
    evaluations.count = 0
    const expected = evaluatingEach(alone, frame).map(outcome)
    t.evaluatedAlone += evaluations.count
    evaluations.count = 0
    const got = added(together, frame).map(outcome)
    void together.state
    t.evaluated += evaluations.count
    expect(got, `seed ${seed}`).toEqual(expected)
    expect(view(together), `seed ${seed}`).toEqual(view(alone))
    t.batches++
    t.refusals += expected.filter(o => (o as any).error !== undefined).length
    t.revocations += expected.filter(o => ((o as any).revoked ?? []).length > 0).length
  }
}

describe('registry operations received together', () => {
  it('are admitted as when the registry was evaluated for each, in order or shuffled, with forged and refused ones among them', async () => {
    const t: Tally = { batches: 0, refusals: 0, revocations: 0, evaluated: 0, evaluatedAlone: 0 }
    for (let seed = 1; seed <= 40; seed++) await checkSeed(seed, t)
    const { batches, refusals, revocations, evaluated, evaluatedAlone } = t
    // The cases the registries were made for did occur.
    console.log(`${batches} frames, ${refusals} refusals, ${revocations} revoking operations; ${evaluated} evaluations, ${evaluatedAlone} one by one`)
    expect(batches).toBeGreaterThan(100)
    expect(refusals).toBeGreaterThan(50)
    expect(revocations).toBeGreaterThanOrEqual(5)
    // And with fewer evaluations than one by one.
    expect(evaluated).toBeLessThan(evaluatedAlone / 2)
  }, 120_000)

  it('a revoke by a device that stands as an admin only until the revocation it makes (seed 3077): judged with an evaluation', async () => {
    // Its admin enrolment was by the device it revokes, outside the revoke's past: the evaluation
    // judges the revoke by the revocations before it (the author an admin then), while the
    // registry's state shows standings after every revocation (the author no admin).
    await checkSeed(3077, { batches: 0, refusals: 0, revocations: 0, evaluated: 0, evaluatedAlone: 0 })
  })

  it('an operation whose parent comes later in the frame is kept; a stranger\'s operation is refused in a frame as alone; a revoke applies to what follows it', async () => {
    const wallet = generateWallet()
    const [a, d, s] = [await generateDeviceKey(), await generateDeviceKey(), await generateDeviceKey()]
    let seq = 0n
    const W = (body: OpBody, prev: RegistryOp[]): RegistryOp => signRegistryOp(wallet, { wallet: wallet.publicKey, seq: ++seq, prev: prev.map(o => o.hash), at: T, ...body })
    let aSeq = 0n
    const A = (body: OpBody, prev: RegistryOp[]): RegistryOp => signRegistryOp(a.signer, { wallet: wallet.publicKey, seq: ++aSeq, prev: prev.map(o => o.hash), at: T, ...body })
    const aCert = issueChainCertificate(wallet, undefined, { deviceKey: a.publicKey, kemKey: deviceKem(seedOf(a)).publicKey, capabilities: ['admin'], label: 'a', pathLen: 1, issuedAt: T })
    const dCert = issueChainCertificate(a, aCert, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: ['read'], label: 'd', issuedAt: T })
    const genesis = W({ genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } }, [])
    const enrolA = W({ enrol: { certificate: aCert.bytes } }, [genesis])
    const enrolD = A({ enrol: { certificate: dCert.bytes } }, [enrolA])
    const stranger = signRegistryOp(s.signer, { wallet: wallet.publicKey, seq: 1n, prev: [enrolD.hash], at: T, grant: { epoch: 256, commitment: new Uint8Array(32), wraps: [] } })
    const revokeA = W({ revoke: { devices: [{ device: a.publicKey, docs: [], snapshotsThrough: 0n, registrySeq: 0n }], reason: 'stolen' } }, [enrolD])
    // Signed by A after its revocation, naming the revoke: refused (A is revoked, no revoke holds it).
    const late = A({ epoch: { epoch: 256, discharges: [], wraps: [], previous: new Uint8Array(0), commitment: new Uint8Array(32) } }, [revokeA])
    const c = new CertRegistry(wallet.publicKey, undefined, clock)
    // Children first: each waits for its past, which is kept when it comes (an operation held waits for it).
    const out = added(c, [revokeA, stranger, enrolD, enrolA, genesis, late].map(o => o.bytes))
    expect(out.map(o => o instanceof Error ? (o as any).code : 'ok')).toEqual(['ok', 'INVALID_REGISTRY_OP', 'ok', 'ok', 'ok', 'INVALID_REGISTRY_OP'])
    // A is revoked once the revoke's past is all held: by the operation that completed it.
    expect(out.map(o => o instanceof Error ? [] : (o.revoked ?? []).map(toHex))).toEqual([[], [], [], [], [toHex(a.publicKey)], []])
    expect((out[5] as Error).message).toContain('its author was revoked')
    expect(c.registryOps().map(o => o.id)).toEqual([genesis, enrolA, enrolD, revokeA].map(o => o.id))
    expect(c.isRevoked(a.publicKey)).toBe(true)
    expect(c.isRevoked(d.publicKey)).toBe(false)
  })

  it('a frame of enrolments by one admin is admitted with a few evaluations, not one each', async () => {
    const wallet = generateWallet()
    const a = await generateDeviceKey()
    const aCert = issueChainCertificate(wallet, undefined, { deviceKey: a.publicKey, kemKey: deviceKem(seedOf(a)).publicKey, capabilities: ['admin'], label: 'a', pathLen: 1, issuedAt: T })
    let wSeq = 0n
    let aSeq = 0n
    const genesis = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: ++wSeq, prev: [], at: T, genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } })
    let last = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: ++wSeq, prev: [genesis.hash], at: T, enrol: { certificate: aCert.bytes } })
    const frame = [genesis.bytes, last.bytes]
    for (let i = 0; i < 62; i++) {
      const d = await generateDeviceKey()
      const c = issueChainCertificate(a, aCert, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: ['read'], label: `d${i}`, issuedAt: T })
      last = signRegistryOp(a.signer, { wallet: wallet.publicKey, seq: ++aSeq, prev: [last.hash], at: T, enrol: { certificate: c.bytes } })
      frame.push(last.bytes)
    }
    const alone = new CertRegistry(wallet.publicKey, undefined, clock)
    wallets.set(alone, wallet.publicKey)
    evaluations.count = 0
    evaluatingEach(alone, frame)
    const oneEach = evaluations.count
    const together = new CertRegistry(wallet.publicKey, undefined, clock)
    evaluations.count = 0
    const out = added(together, frame)
    void together.state
    expect(out.every(o => !(o instanceof Error))).toBe(true)
    expect(view(together)).toEqual(view(alone))
    expect(oneEach).toBeGreaterThanOrEqual(frame.length)
    // The wallet's two, then A's first after A's enrolment is evaluated, then the frame's end.
    expect(evaluations.count).toBeLessThanOrEqual(4)
  })

  it('a member sending its operations children first (each named by the next) makes no evaluation each: the last completes them all', async () => {
    const wallet = generateWallet()
    const [a, m] = [await generateDeviceKey(), await generateDeviceKey()]
    const aCert = issueChainCertificate(wallet, undefined, { deviceKey: a.publicKey, kemKey: deviceKem(seedOf(a)).publicKey, capabilities: ['admin'], label: 'a', pathLen: 1, issuedAt: T })
    const mCert = issueChainCertificate(a, aCert, { deviceKey: m.publicKey, kemKey: deviceKem(seedOf(m)).publicKey, capabilities: ['read'], label: 'm', issuedAt: T })
    const genesis = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 1n, prev: [], at: T, genesis: { recoveryKem: recoveryKem(vaultSeedSignature(wallet)).publicKey } })
    const enrolA = signRegistryOp(wallet, { wallet: wallet.publicKey, seq: 2n, prev: [genesis.hash], at: T, enrol: { certificate: aCert.bytes } })
    const enrolM = signRegistryOp(a.signer, { wallet: wallet.publicKey, seq: 1n, prev: [enrolA.hash], at: T, enrol: { certificate: mCert.bytes } })
    const flood: RegistryOp[] = []
    let last = enrolM
    for (let i = 0; i < 60; i++) {
      last = signRegistryOp(m.signer, { wallet: wallet.publicKey, seq: BigInt(i + 1), prev: [last.hash], at: T, grant: { epoch: 256, commitment: new Uint8Array(32), wraps: [] } })
      flood.push(last)
    }
    const frame = [...flood].reverse().map(o => o.bytes)
    const alone = new CertRegistry(wallet.publicKey, undefined, clock)
    const together = new CertRegistry(wallet.publicKey, undefined, clock)
    wallets.set(alone, wallet.publicKey)
    for (const c of [alone, together]) for (const o of [genesis, enrolA, enrolM]) c.add(o.bytes)
    void together.state
    evaluations.count = 0
    const expected = evaluatingEach(alone, frame).map(outcome)
    const oneEach = evaluations.count
    evaluations.count = 0
    const got = added(together, frame).map(outcome)
    void together.state
    expect(got).toEqual(expected)
    expect(view(together)).toEqual(view(alone))
    expect(together.state.pending).toEqual([])
    expect(oneEach).toBeGreaterThanOrEqual(frame.length)
    expect(evaluations.count).toBeLessThanOrEqual(2)
  })
})
