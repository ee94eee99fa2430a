/**
 * Issue 14's figures: how long a revocation takes to cut the device off at every online peer
 * (beside the time a live entry takes to reach the same peers, measured in the same run), the
 * time to rotate the vault key for 10 devices (beside one registry operation signed alone), and
 * the time a fresh device takes to receive a registry of 1,024 operations (beside joining a vault
 * that holds none).
 */
import { join } from 'node:path'
import { deviceKem, generateDeviceKey, generateWallet, type Wallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { rotation } from '../../src/node/registry-ops.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { enrolments } from '../helpers/registry-author.js'
import { fmt, median, now, report } from './util.js'

interface N { vault: MeshVault, node: MeshNode }

async function meshNode (home: string, wallet: Wallet, label: string): Promise<N> {
  const vault = await openVault({ home, wallet, label, snapshotEvery: 1_000_000 })
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
  return { vault, node }
}
async function until (cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('benchmark timed out')
    await new Promise(resolve => setImmediate(resolve))
  }
}
const proven = (a: N, b: N): boolean => a.node.libp2p.services.membership.isProven(b.node.libp2p.peerId)

export async function benchRegistry (dir: string, opts: { quick: boolean }): Promise<void> {
  await revokeCutOff(dir, opts.quick ? 3 : 7)
  await rotationTime(join(dir, 'rot'), opts.quick ? 5 : 20)
  await joinTime(join(dir, 'join'), opts.quick ? 1 : 3)
}

/**
 * A fresh device (a new home with the wallet) dials a vault whose registry holds 1,024 enrolments:
 * from the dial until it holds every operation (they come in sync frames of 64 records). Baseline:
 * the same with a vault that holds only its own two operations.
 */
async function joinTime (dir: string, rounds: number): Promise<void> {
  const measure = async (ops: number): Promise<number[]> => {
    const wallet = generateWallet()
    const a = await meshNode(join(dir, `a${ops}`), wallet, 'A')
    const times: number[] = []
    try {
      await Promise.all((await enrolments(a.vault, ops)).map(async r => { await a.vault.vault.addCertificate(r) }))
      for (let r = 0; r < rounds; r++) {
        const held = a.vault.vault.certs.registryOps().length
        const b = await meshNode(join(dir, `b${ops}-${r}`), wallet, 'B')
        try {
          const t0 = now()
          await b.node.dial(a.node.addresses()[0] as string)
          await until(() => b.vault.vault.certs.registryOps().length >= held + 2, 300_000)
          times.push(now() - t0)
        } finally { await b.node.stop(); await b.vault.close() }
      }
    } finally { await a.node.stop(); await a.vault.close() }
    return times
  }
  const base = median(await measure(0))
  const times = await measure(1024)
  const m = median(times)
  report({ name: 'fresh device receiving a registry of 1,024 operations, loopback', value: `${fmt(m)} ms median (max ${fmt(Math.max(...times))})`, baseline: `${fmt(base)} ms: the same with none`, ratio: `${fmt(m / base, 2)}×`, target: '≤ 2,000 ms', ok: Math.max(...times) <= 2000 })
}

/** Four nodes on loopback, all connected; A revokes B: until B has no connection left. */
async function revokeCutOff (dir: string, rounds: number): Promise<void> {
  const cut: number[] = []
  const live: number[] = []
  for (let r = 0; r < rounds; r++) {
    const wallet = generateWallet()
    const ns = [] as N[]
    for (const l of ['A', 'B', 'C', 'D']) ns.push(await meshNode(join(dir, `r${r}-${l}`), wallet, l))
    const [a, b, c, d] = ns as [N, N, N, N]
    try {
      for (let i = 0; i < ns.length; i++) for (let j = i + 1; j < ns.length; j++) await (ns[i] as N).node.dial((ns[j] as N).node.addresses()[0] as string)
      await until(() => ns.every(x => ns.every(y => x === y || proven(x, y))))
      // Baseline: a live entry from A until B, C and D all hold it.
      const s = await a.vault.sessions.create(`agent:main:bench${r}`)
      const has = async (n: N): Promise<boolean> => await n.vault.sessions.exists(`agent:main:bench${r}`)
      const t0 = now()
      await s.append({ role: 'user', content: 'x' })
      await until(async () => (await has(b)) && (await has(c)) && (await has(d)))
      live.push(now() - t0)
      await s.close()
      const t1 = now()
      await a.vault.vault.revoke([b.vault.vault.identity.device.publicKey], { reason: 'bench' })
      await until(() => b.node.libp2p.getConnections().length === 0)
      cut.push(now() - t1)
    } finally {
      for (const n of ns) { await n.node.stop(); await n.vault.close() }
    }
  }
  const m = median(cut)
  const base = median(live)
  report({ name: 'revoke → every online peer (3) cut the device off, loopback', value: `${fmt(m)} ms median (max ${fmt(Math.max(...cut))})`, baseline: `${fmt(base)} ms: a live entry reaching the same peers`, ratio: `${fmt(m / base, 2)}×`, target: '≤ 1,000 ms', ok: Math.max(...cut) <= 1000 })
}

/** A vault with 10 readers (this device and 9 enrolled), one revoked: the rotation discharging it, made and signed. */
async function rotationTime (dir: string, rounds: number): Promise<void> {
  const wallet = generateWallet()
  const v = await openVault({ home: join(dir, 'home'), wallet, label: 'admin' })
  try {
    const vault = v.vault
    const keys = []
    for (let i = 0; i < 10; i++) {
      const dk = await generateDeviceKey()
      keys.push(dk.publicKey)
      await vault.enrolDevice({ deviceKey: dk.publicKey, kemKey: deviceKem(dk.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: `d${i}` })
    }
    // The revoke makes the debt; rotation() is what beforeWrite() runs: 10 readers + the recovery key.
    const { revokeDevices } = await import('../../src/node/registry-ops.js')
    const op = revokeDevices(vault.identity, vault.certs, vault.store, [keys[0] as Uint8Array])
    vault.certs.add(op.bytes)
    const times: number[] = []
    const single: number[] = []
    let wraps = 0
    for (let r = 0; r < rounds; r++) {
      const t0 = now()
      const rot = rotation(vault.identity, vault.certs)
      times.push(now() - t0)
      wraps = rot?.op.epoch?.wraps.length ?? 0
      const dk = await generateDeviceKey()
      const t1 = now()
      vault.certs.add((await import('../../src/node/registry-ops.js')).enrolDevice(vault.identity, vault.certs, { deviceKey: dk.publicKey, kemKey: deviceKem(dk.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read'], label: `x${r}` }).op.bytes)
      single.push(now() - t1)
      // Keep 10 readers: the device just enrolled is revoked again (no rotation made for it).
      vault.certs.add(revokeDevices(vault.identity, vault.certs, vault.store, [dk.publicKey]).bytes)
    }
    const m = median(times)
    const base = median(single)
    report({ name: `rotation for 10 devices (${wraps} wraps incl. recovery, signed)`, value: `${fmt(m)} ms median`, baseline: `${fmt(base)} ms: enrolling one device (certificate + operation, evaluated)`, ratio: `${fmt(m / base, 2)}×`, target: '≤ 100 ms', ok: m <= 100 })
  } finally {
    await v.close()
  }
}
