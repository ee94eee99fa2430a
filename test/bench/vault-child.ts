/**
 * Child process for vault benchmarks, so each measurement starts from a cold process.
 * argv: mode home [n]
 *   build    home n   : write a session of n ~1 KB messages (batched) and close (snapshot on close)
 *   cold     home     : time to open the vault and read the whole transcript
 *   memory   home     : heap growth of the opened session (needs --expose-gc)
 *   plain-cold   file : baseline, plain Yjs applying the same state unencrypted from memory
 *   plain-memory file: heap growth of a plain Y.Doc holding the same state
 * Prints one JSON line.
 */
import '../../src/polyfill.js'
import { readFile, writeFile } from 'node:fs/promises'
import * as Y from 'yjs'
import { SessionDoc } from '../../crdt/index.js'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { now, text } from './util.js'

const [mode, target, nArg] = process.argv.slice(2) as [string, string, string?]
const gc = (): void => { (globalThis as any).gc?.(); (globalThis as any).gc?.() }
// The session a home holds (MESH_BENCH_KEY: another, as a received big session).
const KEY = process.env.MESH_BENCH_KEY ?? 'agent:main:bench'

if (mode === 'build') {
  const n = Number(nArg)
  const v = await openVault({ home: target, wallet: generateWallet(), snapshotEvery: 1_000_000, snapshotOnClose: 1 })
  const s = await v.sessions.create(KEY, { title: 'bench' })
  const BATCH = 250
  for (let i = 0; i < n; i += BATCH) {
    const batch = []
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push({ role: j % 2 === 0 ? 'user' as const : 'assistant' as const, content: text(1000) })
    await s.append(batch)
  }
  const state = Y.encodeStateAsUpdate((s as any).replica.doc)
  await writeFile(`${target}.plain`, state)
  await s.close()
  await v.close()
  process.stdout.write(JSON.stringify({ stateBytes: state.byteLength }) + '\n')
} else if (mode === 'cold') {
  const t0 = now()
  const v = await openVault({ home: target })
  const s = await v.sessions.open(KEY)
  const msgs = s.messages()
  const ms = now() - t0
  process.stdout.write(JSON.stringify({ ms, messages: msgs.length }) + '\n')
  await s.close(); await v.close()
} else if (mode === 'plain-cold') {
  const state = new Uint8Array(await readFile(target))
  const t0 = now()
  const d = new Y.Doc()
  Y.applyUpdate(d, state)
  const msgs = new SessionDoc(d).messages()
  process.stdout.write(JSON.stringify({ ms: now() - t0, messages: msgs.length }) + '\n')
} else if (mode === 'memory') {
  gc()
  const before = process.memoryUsage().heapUsed
  const v = await openVault({ home: target, snapshotOnClose: 1_000_000 })
  const s = await v.sessions.open(KEY)
  const count = s.messageCount()
  gc()
  const after = process.memoryUsage().heapUsed
  process.stdout.write(JSON.stringify({ bytes: after - before, messages: count }) + '\n')
  await s.close(); await v.close()
} else if (mode === 'plain-memory') {
  const file = await readFile(target)
  gc()
  const before = process.memoryUsage().heapUsed
  const d = new Y.Doc()
  Y.applyUpdate(d, new Uint8Array(file))
  const count = new SessionDoc(d).messageCount()
  gc()
  const after = process.memoryUsage().heapUsed
  process.stdout.write(JSON.stringify({ bytes: after - before, messages: count, keep: d.clientID !== 0 }) + '\n')
} else {
  throw new Error(`unknown mode ${mode}`)
}
