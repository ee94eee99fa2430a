/**
 * Seeded convergence fuzzing in the style of Yjs's test helper: three devices of one wallet edit
 * concurrently; their sealed entries are delivered in random order, with duplicates and
 * withheld batches; at the end every device holds the same session, memory and task state.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, newerStamp, type MemoryEntry } from '../../crdt/index.js'
import { generateWallet } from '../../src/identity/index.js'
import { openVault, type MeshVault, type Session } from '../../src/sdk/index.js'
import { newVault } from '../helpers/vault.js'
import { prng } from '../helpers/prng.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { cleanups } = stopAfterEach()

async function run (seed: number): Promise<void> {
  const rnd = prng(seed)
  const wallet = generateWallet()
  const devices: Array<{ v: MeshVault, inbox: Uint8Array[], home: string }> = []
  for (let i = 0; i < 3; i++) {
    const n = await newVault({ wallet, label: `d${i}`, snapshotEvery: 7, snapshotOnClose: 2 })
    cleanups.push(n.cleanup)
    devices.push({ v: n.vault, inbox: [], home: n.home })
  }
  for (const a of devices) for (const b of devices) if (a !== b) await a.v.vault.addCertificate(b.v.vault.identity.certificate.bytes)
  for (const d of devices) {
    d.v.vault.on('entry', (e) => {
      if (!e.local) return
      for (const o of devices) if (o !== d) o.inbox.push(e.entry.bytes)
    })
  }
  // Everyone creates the same session concurrently: their creations merge.
  const sessions: Session[] = []
  for (const d of devices) sessions.push(await d.v.sessions.openOrCreate('agent:main:fuzz', { title: `t${devices.indexOf(d)}` }))
  const deliver = async (d: { v: MeshVault, inbox: Uint8Array[] }, all: boolean): Promise<void> => {
    const n = rnd.int(d.inbox.length + 1)
    for (let k = 0; all ? d.inbox.length > 0 : k < n; k++) {
      const i = rnd.int(d.inbox.length)
      const [bytes] = d.inbox.splice(i, 1)
      if (bytes === undefined) continue
      await d.v.vault.accept(bytes)
      if (rnd.next() < 0.2) await d.v.vault.accept(bytes) // duplicate delivery
      if (rnd.next() < 0.1) d.inbox.push(bytes) // and again later
    }
  }
  const written: MemoryEntry[] = []
  for (let step = 0; step < 60; step++) {
    const i = rnd.int(3)
    const d = devices[i]!
    const s = sessions[i]!
    const op = rnd.int(6)
    if (op <= 2) await s.append({ role: rnd.pick(['user', 'assistant', 'tool'] as const), content: `d${i}-s${step}` })
    else if (op === 3) written.push(await d.v.memory.set(`k${rnd.int(4)}`, `d${i}-s${step}`))
    else if (op === 4) await s.updateTask({ progress: `p${step}`, todos: [{ id: String(rnd.int(3)), text: `t${step}`, done: rnd.next() < 0.5 }], fields: { [`f${rnd.int(3)}`]: step } })
    else await deliver(d, false)
  }
  // Delivered until nothing is left: a device that held a newer memory entry or last writer than
  // what a delivery left writes it back (crdt/newest.ts), and that write is delivered too.
  do {
    for (const d of devices) await deliver(d, true)
    for (const d of devices) {
      for (const name of [DOC_NAMES.memory, DOC_NAMES.session('agent:main:fuzz' as never)]) {
        const r = await d.v.vault.acquire(name)
        await r.settle()
        await d.v.vault.release(r)
      }
    }
  } while (devices.some(d => d.inbox.length > 0))
  const state = async (k: number): Promise<unknown> => ({
    messages: sessions[k]!.messages().map(m => m.content),
    task: sessions[k]!.task(),
    meta: { title: sessions[k]!.meta().title, goal: sessions[k]!.meta().goal, lastWriter: sessions[k]!.meta().lastWriter },
    memory: (await devices[k]!.v.memory.list()).map(e => [e.key, e.value])
  })
  const s0 = await state(0)
  expect((s0 as any).messages.length).toBeGreaterThan(0)
  // Each key holds the newest of its writes by (updatedAt, device), whoever's Yjs client won.
  const newest = new Map<string, MemoryEntry>()
  for (const e of written) { const n = newest.get(e.key); if (n === undefined || newerStamp({ ts: e.updatedAt, device: e.device }, { ts: n.updatedAt, device: n.device })) newest.set(e.key, e) }
  expect((s0 as any).memory).toEqual([...newest.values()].sort((a, b) => a.key.localeCompare(b.key)).map(e => [e.key, e.value]))
  expect(await state(1)).toEqual(s0)
  expect(await state(2)).toEqual(s0)
  for (const s of sessions) await s.close()
  // Snapshots and compaction ran throughout (every 7 entries): reopening from disk gives the same.
  for (const d of devices) await d.v.close()
  for (let k = 0; k < 3; k++) {
    devices[k]!.v = await openVault({ home: devices[k]!.home })
    sessions[k] = await devices[k]!.v.sessions.open('agent:main:fuzz')
  }
  expect(await state(0)).toEqual(s0)
  expect(await state(1)).toEqual(s0)
  expect(await state(2)).toEqual(s0)
  expect(devices[0]!.v.vault.store.stats().snapshots).toBeGreaterThan(0)
  for (const s of sessions) await s.close()
  for (const d of devices) await d.v.close()
}

describe('convergence', () => {
  for (const seed of [1, 2, 3, 42, 1337]) {
    it(`three devices converge (seed ${seed})`, async () => { await run(seed) })
  }
})
