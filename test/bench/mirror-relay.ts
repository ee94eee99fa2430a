/**
 * `--only=mirror`: the own relay and the blind mirror, each beside the direct path measured in the
 * same run, real nodes on loopback in one process.
 * - relay: a fresh B catches up on N × 1 KB messages from A, dialed through M's relay, against
 *   B dialing A directly.
 * - mirror: B, never online with A, catches up from the mirror alone after A stopped, against
 *   B catching up from A directly.
 */
import { join } from 'node:path'
import { generateWallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { enrolMirror, MirrorVault } from '../../src/node/mirror.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { fmt, now, report, text } from './util.js'

const local = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' as const }
/** No snapshots: every run moves the same N entries, counted in the receiver's store. */
const NO_SNAPSHOTS = { snapshotEvery: 1e9, snapshotOnClose: 1e9 }

async function until (cond: () => boolean): Promise<void> {
  const end = Date.now() + 120_000
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench timed out')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

async function writer (dir: string, wallet: ReturnType<typeof generateWallet>, n: number): Promise<MeshVault> {
  const v = await openVault({ home: join(dir, 'a'), wallet, label: 'A', ...NO_SNAPSHOTS })
  const s = await v.sessions.create('agent:main:bench', { goal: 'bench' })
  for (let i = 0; i < n; i++) await s.append({ role: 'user', content: text(1000) })
  await s.close()
  return v
}

/** ms from B's dial until B's store holds `target` entries. */
async function catchUp (dir: string, wallet: ReturnType<typeof generateWallet>, target: number, dial: (b: MeshNode) => Promise<void>): Promise<number> {
  const bv = await openVault({ home: dir, wallet, label: 'B', ...NO_SNAPSHOTS })
  const b = await MeshNode.start(bv.vault, local)
  try {
    const t0 = now()
    await dial(b)
    await until(() => bv.vault.store.stats().entries >= target)
    return now() - t0
  } finally {
    await b.stop()
    await bv.close()
  }
}

export async function benchMirrorRelay (dir: string, opts: { quick: boolean }): Promise<void> {
  const n = opts.quick ? 300 : 2000
  const wallet = generateWallet()
  const av = await writer(dir, wallet, n)
  const target = av.vault.store.stats().entries
  const a = await MeshNode.start(av.vault, local)
  const mHome = join(dir, 'm')
  await enrolMirror(mHome, wallet, { label: 'M' })
  const mv = await MirrorVault.open({ home: mHome })
  const m = await MeshNode.start(mv, { ...local, relay: true })
  const mAddr = m.addresses()[0] as string
  try {
    await a.dial(mAddr)
    await until(() => mv.store.stats().entries >= target)

    const direct = await catchUp(join(dir, 'b-direct'), wallet, target, async (b) => { await b.dial(a.addresses()[0] as string) })
    const mirror = await (async () => {
      await a.stop()
      return await catchUp(join(dir, 'b-mirror'), wallet, target, async (b) => { await b.dial(mAddr) })
    })()
    report({ name: `blind mirror handoff: a fresh B, never online with A, catches up on ${n} × 1 KB from the mirror alone`, value: `${fmt(mirror, 0)} ms`, baseline: `B from A directly ${fmt(direct, 0)} ms`, ratio: `${fmt(mirror / direct, 2)}×`, target: 'reported', ok: undefined })
  } finally {
    await a.stop()
    await m.stop()
    await mv.close()
    await av.close()
  }

  // The relay: A holds a reservation on M (--relay-via); B dials A's circuit address.
  const av2 = await openVault({ home: join(dir, 'a'), wallet, label: 'A', ...NO_SNAPSHOTS })
  const m2v = await MirrorVault.open({ home: mHome })
  const m2 = await MeshNode.start(m2v, { ...local, relay: true })
  const a2 = await MeshNode.start(av2.vault, { ...local, relayVia: [m2.addresses()[0] as string] })
  try {
    await until(() => a2.status().relayVia?.[0]?.state === 'reserved')
    const circuit = a2.addresses().find(x => x.includes('/p2p-circuit')) as string
    const direct = await catchUp(join(dir, 'b-direct2'), wallet, target, async (b) => { await b.dial(a2.addresses()[0] as string) })
    // B's peer book must not hold A's direct address: a home of its own that never met A.
    const relayed = await catchUp(join(dir, 'b-relayed'), wallet, target, async (b) => { await b.dial(circuit) })
    report({ name: `own relay: a fresh B catches up on ${n} × 1 KB from A through M's circuit relay (Noise end to end, no limits)`, value: `${fmt(relayed, 0)} ms`, baseline: `B dialing A directly ${fmt(direct, 0)} ms`, ratio: `${fmt(relayed / direct, 2)}×`, target: 'reported', ok: undefined })
  } finally {
    await a2.stop()
    await m2.stop()
    await m2v.close()
    await av2.close()
  }
}
