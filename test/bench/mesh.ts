/** The mesh issue's benchmarks, each beside a baseline measured in the same run. */
import { createServer, createConnection } from 'node:net'
import { readdirSync, statSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import type { Wallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { relayClient, relayServer } from './relay.js'
import { untilSessionHolds } from './resume.js'
import { benchBigSession } from './bigsession.js'
import { fmt, median, now, percentile, report, text, windowed } from './util.js'

interface N { vault: MeshVault, node: MeshNode }

async function meshNode (home: string, wallet: Wallet, label: string, bootstrap?: string[]): Promise<N> {
  const vault = await openVault({ home, wallet, label, snapshotEvery: 1_000_000 })
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', bootstrap })
  return { vault, node }
}
const addrOf = (n: N): string => n.node.addresses()[0] as string
/**
 * The pause between messages of the paced handoff: long enough that every process of a setup has
 * gone back to sleep (on the 2-core VM 1 ms was not, 5, 10 and 20 ms gave the same figures).
 */
const PACE_MS = 10
/**
 * Messages a warm handoff sends before it is timed: by then V8 has optimised the code every setup
 * runs per message, as in a daemon that has run a while (on the 2-core VM each setup's p50 kept
 * falling over the first ~3,000 messages and stayed flat after; with TurboFan off it stayed flat
 * from the start, so the fall is the JIT warming up).
 */
const WARM_MSGS = 3000
/** Messages every other handoff sends before it is timed. */
const COLD_WARM_MSGS = 50
const stopAll = async (ns: N[]): Promise<void> => { for (const n of ns) { await n.node.stop(); await n.vault.close() } }
async function until (cond: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('benchmark timed out')
    await new Promise(resolve => setImmediate(resolve))
  }
}

/** The y-websocket relay on loopback, server and clients in this process (see relay.ts). */
async function relayLatency (count: number, payload: string): Promise<number[]> {
  const server = await relayServer()
  const a = await relayClient(server.port, 'A')
  const b = await relayClient(server.port, 'B')
  let seen: ((t: number) => void) | undefined
  // Timed inside the observer: the moment B's application is told (the same point as below).
  b.onMessages(() => { seen?.(now()) })
  const lat: number[] = []
  for (let i = 0; i < 50 + count; i++) {
    const got = new Promise<number>(resolve => { seen = resolve })
    const start = now()
    a.append(`${i}|${payload}`)
    const t = await got
    if (i >= 50) lat.push(t - start)
  }
  a.destroy(); b.destroy()
  await server.close()
  return lat
}

/**
 * The handoff across processes, one per machine of the real setup (A and B for the mesh; the
 * relay server and its two clients for the baseline): returns B's arrival minus A's append for
 * each message, on the monotonic clock the processes share. `pauseMs`: A's next append waits
 * this long after B reported the last (0: at once, each message right behind the one before).
 */
async function handoffAcross (kind: 'mesh' | 'whole' | 'floor' | 'relay', dir: string, walletPath: string, count: number, round = 0, pauseMs = 0, warm = COLD_WARM_MSGS): Promise<{ lat: number[], cpuUs: number }> {
  const { fork } = await import('node:child_process')
  // What the setup before left the disk writing back (the mesh's stores) is written first: no
  // setup is timed against another's writeback.
  execFileSync('sync')
  const child = fileURLToPath(new URL('./mesh-child.js', import.meta.url))
  const kids: Array<ReturnType<typeof fork>> = []
  // `whole`: the mesh with early entries off on both sides (every entry sent signed, whole).
  const env = kind === 'whole' ? { ...process.env, MESH_BENCH_EARLY: '0' } : process.env
  const start = async (args: string[]): Promise<{ p: ReturnType<typeof fork>, ready: unknown }> => {
    const p = fork(child, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
    kids.push(p)
    const ready = await new Promise((resolve, reject) => {
      p.on('message', (m: any) => { if (m.ready !== undefined) resolve(m.ready) })
      p.once('exit', code => { reject(new Error(`${args[0]} exited with ${code}`)) })
    })
    return { p, ready }
  }
  /** Resolves once the reader reports it is listening (it holds A's session, or A's stream is open). */
  const listening = async (reader: { p: ReturnType<typeof fork> }): Promise<void> => { await new Promise<void>(resolve => { reader.p.on('message', (m: any) => { if (m.listening === true) resolve() }) }) }
  try {
    type Kid = Awaited<ReturnType<typeof start>>
    let reader: Kid
    let writer: Kid
    if (kind === 'mesh' || kind === 'whole') {
      const tag = `${round}${pauseMs > 0 ? 'p' : ''}${warm !== COLD_WARM_MSGS ? 'w' : ''}`
      reader = await start(['mesh-reader', join(dir, `xb${tag}`), walletPath])
      const listened = listening(reader)
      writer = await start(['mesh-writer', join(dir, `xa${tag}`), walletPath, String(reader.ready), String(warm + count)])
      await listened // B holds the session A created and has subscribed to it
    } else if (kind === 'floor') {
      reader = await start(['floor-reader'])
      const listened = listening(reader)
      writer = await start(['floor-writer', String(reader.ready), String(warm + count)])
      await listened
    } else {
      const server = await start(['relay-server'])
      reader = await start(['relay-reader', String(server.ready)])
      writer = await start(['relay-writer', String(server.ready), String(warm + count)])
    }
    const got = new Map<number, number>()
    let writerCpu = 0
    const all = new Promise<number[]>(resolve => {
      writer.p.on('message', (m: any) => { if (m.sent !== undefined) { writerCpu = m.cpuUs; resolve(m.sent) } })
      reader.p.on('message', (m: any) => {
        if (m.got === undefined) return
        got.set(m.got, m.t)
        if (pauseMs > 0) setTimeout(() => writer.p.send({ next: m.got }), pauseMs)
        else writer.p.send({ next: m.got })
      })
    })
    // The CPU of every process of the setup (the relay's server too), over all its messages; the
    // writer's at the end comes with its {sent}.
    const cpu = async (of: typeof kids): Promise<number> => (await Promise.all(of.map(async k => await new Promise<number>(resolve => {
      const f = (m: any): void => { if (m.cpuUs !== undefined) { k.off('message', f); resolve(m.cpuUs) } }
      k.on('message', f)
      k.send({ cpu: true })
    })))).reduce((a, b) => a + b, 0)
    const cpu0 = await cpu(kids)
    writer.p.send({ go: true })
    const sent = await all
    const cpuUs = (await cpu(kids.filter(k => k !== writer.p)) + writerCpu - cpu0) / (warm + count)
    const lat: number[] = []
    for (let i = warm; i < warm + count; i++) lat.push((got.get(i) as number) - (sent[i] as number))
    return { lat, cpuUs }
  } finally {
    for (const p of kids) { if (p.connected) p.send({ stop: true }) }
    await Promise.all(kids.map(async p => await new Promise(resolve => { if (p.exitCode !== null) resolve(null); else { p.once('exit', resolve); setTimeout(() => p.kill(), 10_000).unref() } })))
  }
}

/**
 * Figures over rounds of latencies by setup: a setup's p50 and p99 as the medians of its rounds',
 * and a ratio of p50s as the median of the rounds' own ratios (with each round's when several).
 */
function overRounds<K extends string> (of: Array<Record<K, number[]>>): { line: (k: K) => string, ratio: (a: K, b: K) => number, each: (a: K, b: K) => string } {
  const mid = (f: (r: Record<K, number[]>) => number): number => median(of.map(f))
  const inRound = (r: Record<K, number[]>, a: K, b: K): number => percentile(r[a], 50) / percentile(r[b], 50)
  return {
    line: (k) => `p50 ${fmt(mid(r => percentile(r[k], 50)), 2)} ms, p99 ${fmt(mid(r => percentile(r[k], 99)), 2)} ms`,
    ratio: (a, b) => mid(r => inRound(r, a, b)),
    each: (a, b) => of.length > 1 ? ` (rounds ${of.map(r => fmt(inRound(r, a, b), 2)).join(', ')})` : ''
  }
}

function files (dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir)) { const p = join(dir, e); if (statSync(p).isDirectory()) out.push(...files(p)); else out.push(p) }
  return out
}

/** Sends `bytes` over a plain TCP socket on loopback and times until the last byte arrives. */
async function rawTransfer (bytes: Buffer): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as any).port as number
  const got = new Promise<number>(resolve => {
    server.on('connection', (s) => { let n = 0; s.on('data', (d) => { n += d.byteLength; if (n >= bytes.byteLength) resolve(now()) }) })
  })
  const t0 = now()
  const c = createConnection(port, '127.0.0.1')
  c.write(bytes)
  const t1 = await got
  c.destroy()
  await new Promise(resolve => server.close(resolve))
  return t1 - t0
}

/** Starts n `mesh join` daemons in a chain on loopback and reads each one's RSS once all are proven. */
async function daemonRss (dir: string, n: number): Promise<{ nodes: number[], bare: number }> {
  const { spawn } = await import('node:child_process')
  const { writeNewWallet } = await import('../../src/identity/index.js')
  const bin = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
  const walletPath = join(dir, 'wallet.json')
  await writeNewWallet(walletPath)
  const env = { ...process.env, HOME: dir }
  const procs: Array<ReturnType<typeof spawn>> = []
  const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
  try {
    let prev: string | undefined
    for (let i = 0; i < n; i++) {
      const args = [bin, 'join', '--home', join(dir, `n${i}`), '--wallet', walletPath, '--label', `n${i}`, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', ...(prev !== undefined ? ['--bootstrap', prev] : [])]
      const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] })
      procs.push(p)
      let out = ''
      prev = await new Promise<string>((resolve, reject) => {
        p.stdout?.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /listening:\s+(\S+)/.exec(out)
          if (m !== null && out.includes('running')) resolve(m[1] as string)
        })
        p.once('exit', () => { reject(new Error(`daemon ${i} exited: ${out}`)) })
      })
      // The proof may be said before or with the line that says it runs: looked for in all it said.
      if (i > 0) {
        await new Promise<void>(resolve => {
          const f = (): void => { if (out.includes('peer proven')) { p.stdout?.off('data', f); resolve() } }
          p.stdout?.on('data', f)
          f()
        })
      }
    }
    await new Promise(resolve => setTimeout(resolve, 1000))
    const nodes = procs.map(p => rssOf(p.pid as number))
    const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'])
    await new Promise(resolve => setTimeout(resolve, 500))
    const b = rssOf(bare.pid as number)
    bare.kill()
    return { nodes, bare: b }
  } finally {
    for (const p of procs) p.kill('SIGINT')
    await Promise.all(procs.map(async p => await new Promise(resolve => { if (p.exitCode !== null) resolve(null); else p.once('exit', resolve) })))
  }
}

export async function benchMesh (dir: string, opts: { quick: boolean, part?: string }): Promise<void> {
  const want = (name: string): boolean => opts.part === undefined || opts.part === name
  console.log('\n== mesh (issue 3) ==')
  const { mkdir } = await import('node:fs/promises')
  const { writeNewWallet } = await import('../../src/identity/index.js')
  await mkdir(dir, { recursive: true })
  const walletPath = join(dir, 'wallet.json')
  const wallet = await writeNewWallet(walletPath)
  const payload = text(1000)

  // Handoff latency: append on A until readable on B.
  if (want('handoff')) {
    const count = opts.quick ? 200 : 1000
    // The vault benchmarks before this leave the disk writing back hundreds of MB: let it settle,
    // so neither side's latency is timed against that (both are timed after).
    execFileSync('sync')
    await new Promise(resolve => setTimeout(resolve, 1000))
    const a = await meshNode(join(dir, 'ha'), wallet, 'A')
    const b = await meshNode(join(dir, 'hb'), wallet, 'B')
    await b.node.dial(addrOf(a))
    const sa = await a.vault.sessions.create('latency')
    await until(async () => await b.vault.sessions.exists('latency'))
    const sb = await b.vault.sessions.open('latency')
    for (let i = 0; i < 50; i++) { // warm-up
      const seen = new Promise<void>(resolve => { const off = sb.subscribe(e => { if (e.type === 'messages') { off(); resolve() } }) })
      await sa.append({ role: 'user', content: payload }); await seen
    }
    const lat: number[] = []
    for (let i = 0; i < count; i++) {
      const start = now()
      // Timed inside the subscriber: the moment B's application is told the message arrived.
      const seen = new Promise<number>(resolve => { const off = sb.subscribe(e => { if (e.type === 'messages') { off(); resolve(now()) } }) })
      const appended = sa.append({ role: 'user', content: payload })
      lat.push(await seen - start)
      await appended // durable on A too before the next one, outside the timing
    }
    await sa.close(); await sb.close()
    await stopAll([a, b])
    const relay = await relayLatency(count, payload)
    // Across processes, in rounds of mesh, relay and floor one after another, so each round's
    // three share the machine's state of the moment (a VM's run-to-run spread is wider than the
    // differences timed here); each figure is the median of its rounds' p50s and p99s, and the
    // ratios the median of the rounds' ratios. The relay runs both before and after the mesh in
    // each round, its figure over both: a setup meets the machine as the one before it left it,
    // and the relay timed only after the mesh moved with what the mesh's build left behind.
    const rounds: Array<{ mesh: number[], whole: number[], relay: number[], floor: number[] }> = []
    // The same three with the machine idle between messages, as a conversation's messages come
    // (seconds apart, where the rows above send each message as soon as B reported the last).
    const paced: Array<{ mesh: number[], relay: number[], floor: number[] }> = []
    const pacedCount = opts.quick ? 100 : 300
    // The same three again with warm code: the rows above time messages 50 to 1,050 of fresh
    // processes, while V8 is still optimising what each message runs.
    const warm: Array<{ mesh: number[], relay: number[], floor: number[] }> = []
    const warmMsgs = opts.quick ? 300 : WARM_MSGS
    const cpus: Array<{ mesh: number, whole: number, relay: number, floor: number }> = []
    for (let r = 0; r < (opts.quick ? 1 : 3); r++) {
      // The mesh with and without early entries back to back, in turns first: neither always
      // meets the machine as the other left it.
      const pair = r % 2 === 0 ? ['mesh', 'whole'] as const : ['whole', 'mesh'] as const
      const got: Partial<Record<'mesh' | 'whole', Awaited<ReturnType<typeof handoffAcross>>>> = {}
      const relayBefore = await handoffAcross('relay', dir, walletPath, count, r)
      for (const k of pair) got[k] = await handoffAcross(k, dir, walletPath, count, k === 'whole' ? r + 100 : r)
      const mesh = got.mesh as Awaited<ReturnType<typeof handoffAcross>>
      const whole = got.whole as Awaited<ReturnType<typeof handoffAcross>>
      const relayAfter = await handoffAcross('relay', dir, walletPath, count, r)
      const relayR = { lat: [...relayBefore.lat, ...relayAfter.lat], cpuUs: (relayBefore.cpuUs + relayAfter.cpuUs) / 2 }
      const floor = await handoffAcross('floor', dir, walletPath, count, r)
      rounds.push({ mesh: mesh.lat, whole: whole.lat, relay: relayR.lat, floor: floor.lat })
      // The paced and warm rows: mesh and relay in turns first.
      const inTurn = async <T>(first: () => Promise<T>, second: () => Promise<T>): Promise<[T, T]> => {
        if (r % 2 === 0) { const x = await first(); return [x, await second()] }
        const y = await second(); return [await first(), y]
      }
      const [pm, pr] = await inTurn(async () => await handoffAcross('mesh', dir, walletPath, pacedCount, r, PACE_MS), async () => await handoffAcross('relay', dir, walletPath, pacedCount, r, PACE_MS))
      const pf = await handoffAcross('floor', dir, walletPath, pacedCount, r, PACE_MS)
      paced.push({ mesh: pm.lat, relay: pr.lat, floor: pf.lat })
      const [wm, wr] = await inTurn(async () => await handoffAcross('mesh', dir, walletPath, count, r, 0, warmMsgs), async () => await handoffAcross('relay', dir, walletPath, count, r, 0, warmMsgs))
      const wf = await handoffAcross('floor', dir, walletPath, count, r, 0, warmMsgs)
      warm.push({ mesh: wm.lat, relay: wr.lat, floor: wf.lat })
      cpus.push({ mesh: mesh.cpuUs, whole: whole.cpuUs, relay: relayR.cpuUs, floor: floor.cpuUs })
      console.log(`  round ${r + 1}: mesh p50 ${fmt(percentile(mesh.lat, 50), 2)} ms (without early entries ${fmt(percentile(whole.lat, 50), 2)} ms), relay ${fmt(percentile(relayR.lat, 50), 2)} ms (before ${fmt(percentile(relayBefore.lat, 50), 2)}, after ${fmt(percentile(relayAfter.lat, 50), 2)}), floor ${fmt(percentile(floor.lat, 50), 2)} ms; CPU per message mesh ${fmt(mesh.cpuUs, 0)} µs (${fmt(whole.cpuUs, 0)} µs), relay ${fmt(relayR.cpuUs, 0)} µs, floor ${fmt(floor.cpuUs, 0)} µs; ${PACE_MS} ms apart: mesh ${fmt(percentile(pm.lat, 50), 2)} ms, relay ${fmt(percentile(pr.lat, 50), 2)} ms, floor ${fmt(percentile(pf.lat, 50), 2)} ms; warm: mesh ${fmt(percentile(wm.lat, 50), 2)} ms, relay ${fmt(percentile(wr.lat, 50), 2)} ms, floor ${fmt(percentile(wf.lat, 50), 2)} ms`)
    }
    const { line, ratio, each } = overRounds(rounds)
    const meshToRelay = ratio('mesh', 'relay')
    report({ name: `handoff latency, append on A readable on B, each in its own process (${count} × 1 KB, median of ${rounds.length} rounds)`, value: line('mesh'), baseline: `y-websocket relay, server and clients in their own processes, timed before and after the mesh in each round, ${line('relay')}`, ratio: `p50 ${fmt(meshToRelay, 2)}×${each('mesh', 'relay')}`, target: 'p50 ≤ 1.0×', ok: meshToRelay <= 1.0 })
    // What early entries buy (protocols/sync/SPEC.md): the same mesh with them off on both sides,
    // every entry signed before it leaves, run in the same rounds.
    report({ name: 'handoff with early entries (the body ahead of its signature), against the same mesh sending every entry signed, each in its own process', value: line('mesh'), baseline: `early entries off, ${line('whole')}`, ratio: `p50 ${fmt(ratio('mesh', 'whole'), 2)}×${each('mesh', 'whole')}`, target: 'reported', ok: undefined })
    // What the fixed stack costs before mesh does anything: the same updates over one bare
    // libp2p stream between the same two processes. Mesh cannot be faster than this row.
    report({ name: 'handoff floor: the same Yjs updates over one bare libp2p stream (TCP, Noise, Yamux; no sealing, signatures, store or disk), each in its own process', value: line('floor'), baseline: `the relay above, ${line('relay')}`, ratio: `p50 ${fmt(ratio('floor', 'relay'), 2)}×${each('floor', 'relay')}; mesh ${fmt(ratio('mesh', 'floor'), 2)}× the floor`, target: 'reported', ok: undefined })
    const p = overRounds(paced)
    report({ name: `handoff latency with the machine idle between messages (A's next append ${PACE_MS} ms after B was told, as a conversation's messages come; ${pacedCount} × 1 KB, each in its own process)`, value: p.line('mesh'), baseline: `y-websocket relay, the same pauses, ${p.line('relay')}; floor ${p.line('floor')}`, ratio: `p50 ${fmt(p.ratio('mesh', 'relay'), 2)}×${p.each('mesh', 'relay')}; floor ${fmt(p.ratio('floor', 'relay'), 2)}×`, target: 'reported', ok: undefined })
    const w = overRounds(warm)
    report({ name: `handoff latency with warm code (timed after ${warmMsgs} messages, as in a daemon that has run a while; ${count} × 1 KB back to back, each in its own process)`, value: w.line('mesh'), baseline: `y-websocket relay, as warm, ${w.line('relay')}; floor ${w.line('floor')}`, ratio: `p50 ${fmt(w.ratio('mesh', 'relay'), 2)}×${w.each('mesh', 'relay')}; floor ${fmt(w.ratio('floor', 'relay'), 2)}×`, target: 'reported', ok: undefined })
    // What each setup's processes spend per message, whenever it runs: work after B is told (the
    // store, the signature check, acknowledgements) is off the latency above, but on a machine of
    // two cores it is not free. The harness's own IPC is in every setup's figure.
    const cpuOf = (k: 'mesh' | 'whole' | 'relay' | 'floor'): number => median(cpus.map(c => c[k]))
    report({ name: 'CPU per handoff, every process of the setup (A and B; the relay: its server and two clients), harness IPC included', value: `mesh ${fmt(cpuOf('mesh'), 0)} µs (early entries off: ${fmt(cpuOf('whole'), 0)} µs)`, baseline: `relay ${fmt(cpuOf('relay'), 0)} µs, floor ${fmt(cpuOf('floor'), 0)} µs`, ratio: `${fmt(cpuOf('mesh') / cpuOf('relay'), 2)}× the relay`, target: 'reported', ok: undefined })
    // The same in one process: no process boundary between A and B, so this isolates the work
    // each side does (a relay hop costs nothing here that the mesh does not also pay).
    const one = (xs: number[]): string => `p50 ${fmt(percentile(xs, 50), 2)} ms, p99 ${fmt(percentile(xs, 99), 2)} ms`
    report({ name: `handoff latency, A and B in one process (${count} × 1 KB)`, value: one(lat), baseline: `y-websocket relay in one process ${one(relay)}`, ratio: `p50 ${fmt(percentile(lat, 50) / percentile(relay, 50), 2)}×`, target: 'reported', ok: undefined })
  }

  // Replicated throughput A -> B: A in this process, B a separate `mesh join` process (two
  // machines' worth of CPU on the 2-core box); counted from the entries B reports storing.
  if (want('throughput')) {
    const total = opts.quick ? 3000 : 10_000
    const { spawn } = await import('node:child_process')
    const a = await meshNode(join(dir, 'ta'), wallet, 'A')
    const sa = await a.vault.sessions.create('throughput')
    const bin = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
    // --json: each synced event as it comes (the human log tells entries synced at most once a second).
    const b = spawn(process.execPath, [bin, 'join', '--json', '--home', join(dir, 'tb'), '--wallet', walletPath, '--label', 'B', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', addrOf(a)], { env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'inherit'] })
    let got = 0
    let buf = ''
    let ready = false
    b.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1)
        let e: { event?: string, doc?: string, label?: string, entries?: number } = {}
        try { e = JSON.parse(line) } catch { continue }
        if (e.event === 'synced' && e.doc === 'agent:main:throughput' && e.label === 'A' && typeof e.entries === 'number') { got += e.entries; ready = true }
      }
    })
    await until(() => ready, 30_000)
    const base = got
    // A seals the appends of one event-loop turn as one entry while earlier ones wait for the
    // disk: B is done once it stored as many entries as A sealed.
    let sealed = 0
    const count = (e: { local: boolean }): void => { if (e.local) sealed++ }
    a.vault.vault.on('entry', count)
    const t0 = now()
    await windowed(total, 64, async () => await sa.append({ role: 'user', content: payload }))
    const written = now() - t0
    a.vault.vault.off('entry', count)
    await until(() => got - base >= sealed)
    const rate = total / ((now() - t0) / 1000)
    b.kill('SIGINT')
    await new Promise(resolve => b.once('exit', resolve))
    await sa.close()
    await stopAll([a])
    report({ name: 'replicated throughput A→B (B a separate process), 1 KB appends', value: `${fmt(rate, 0)} msg/s`, baseline: `A's own durable appends ${fmt(total / (written / 1000), 0)} msg/s (64 in flight; ${sealed} entries, ${fmt(total / sealed, 1)} messages each)`, ratio: '—', target: '≥ 5,000 msg/s', ok: rate >= 5000 })
  }

  // Resume: B joins while A holds a 10,000-message session; the baseline is the same bytes' raw
  // transfer plus the vault issue's cold open (a fresh process). B runs beside A in this process
  // (warm code, as a daemon that has run a while; the median of three joins), then once as a
  // fresh process.
  if (want('resume')) {
    const n = opts.quick ? 2000 : 10_000
    const homeA = join(dir, 'ra')
    const w = await openVault({ home: homeA, wallet, label: 'A', snapshotOnClose: 1 })
    const s = await w.sessions.create('agent:main:bench')
    for (let i = 0; i < n; i += 250) await s.append(Array.from({ length: 250 }, () => ({ role: 'user' as const, content: payload })))
    await s.close(); await w.close()
    const a = await meshNode(homeA, wallet, 'A')
    // The median of three Bs, each joining with a new home (as the baseline's figures are medians of three).
    const runs: number[] = []
    for (let k = 0; k < 3; k++) {
      const t0 = now()
      const b = await meshNode(join(dir, `rb${k}`), wallet, 'B', [`${addrOf(a)}`])
      await untilSessionHolds(b.vault, b.node, 'agent:main:bench', n)
      runs.push(now() - t0)
      await b.node.stop(); await b.vault.close()
    }
    const ms = median(runs)
    // The same with B a fresh process, as on a machine that just started `mesh join` (timed
    // from just before it opens its new home: process start-up excluded, JIT still cold).
    const { fork } = await import('node:child_process')
    const child = fork(fileURLToPath(new URL('./mesh-child.js', import.meta.url)), ['mesh-resume', join(dir, 'rc'), walletPath, addrOf(a), 'agent:main:bench', String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const msgs: any[] = []
    child.on('message', m => msgs.push(m))
    await until(() => msgs.some(m => m.ready === true) || child.exitCode !== null, 30_000)
    child.send({ go: true })
    await until(() => msgs.some(m => m.ms !== undefined) || child.exitCode !== null)
    const fresh = msgs.find(m => m.ms !== undefined)
    if (fresh === undefined) throw new Error(`the resuming process exited with ${child.exitCode}`)
    child.send({ stop: true })
    await new Promise(resolve => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve) })
    await stopAll([a])
    const bytes = Buffer.concat(files(join(homeA, 'data')).map(f => readFileSync(f)))
    const transfer = median([await rawTransfer(bytes), await rawTransfer(bytes), await rawTransfer(bytes)])
    const coldChild = fileURLToPath(new URL('./vault-child.js', import.meta.url))
    const colds = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, [coldChild, 'cold', homeA], { encoding: 'utf8' }).trim().split('\n').at(-1) as string).ms as number)
    const cold = median(colds)
    const base = `raw transfer of the same ${fmt(bytes.byteLength / 1e6, 1)} MB ${fmt(transfer, 1)} ms + cold open ${fmt(cold, 0)} ms`
    report({ name: `resume: B joins while A holds ${n} messages, until B's transcript is complete`, value: `median ${fmt(ms, 0)} ms (${runs.map(r => fmt(r, 0)).join(', ')})`, baseline: base, ratio: `${fmt(ms / (transfer + cold), 2)}×`, target: '≤ 1.5×', ok: ms / (transfer + cold) <= 1.5 })
    report({ name: 'resume, B a fresh `mesh join`-like process (new home, cold JIT)', value: `${fmt(fresh.ms as number, 0)} ms (home and node up ${fmt(fresh.started as number, 0)} ms, A proven ${fmt(fresh.proven as number, 0)} ms, session synced ${fmt(fresh.synced as number, 0)} ms)`, baseline: base, ratio: `${fmt((fresh.ms as number) / (transfer + cold), 2)}×`, target: 'reported', ok: undefined })
  }

  // Discovery: from start to a proven sibling, by mDNS (two daemons in a network namespace with
  // multicast on its loopback) and by the DHT alone (three nodes, mDNS off).
  if (want('discovery')) {
    const { loopbackNs, spawnIn } = await import('../helpers/netns.js')
    const bin = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
    const env = { ...process.env, HOME: dir }
    const mdnsTimes: Array<{ up: number, proven: number }> = []
    const rounds = opts.quick ? 2 : 5
    for (let r = 0; r < rounds; r++) {
      const ns = loopbackNs()
      const procs: Array<ReturnType<typeof spawnIn>> = []
      try {
        const args = (i: number): string[] => [bin, 'join', '--home', join(dir, `disc${r}-${i}`), '--wallet', walletPath, '--label', `d${i}`, '--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off']
        const first = spawnIn(ns.names[0], process.execPath, args(0), env); procs.push(first)
        await first.waitFor(/^running/)
        // Timed from the second process's start: a sibling proven while it starts up is printed
        // after its banner, so the banner cannot start the clock (that read 0 ms).
        const t0 = now()
        const second = spawnIn(ns.names[0], process.execPath, args(1), env); procs.push(second)
        await second.waitFor(/^running/)
        const up = now() - t0
        await second.waitFor(/peer proven/)
        mdnsTimes.push({ up, proven: now() - t0 })
      } finally {
        for (const p of procs) await p.stop('SIGINT')
        ns.teardown()
      }
    }
    const dhtTimes: number[] = []
    for (let r = 0; r < (opts.quick ? 1 : 3); r++) {
      const mk = async (i: number, bootstrap?: string[]): Promise<N> => {
        const vault = await openVault({ home: join(dir, `dht${r}-${i}`), wallet, label: `h${i}` })
        return { vault, node: await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'server', bootstrap }) }
      }
      const a = await mk(0)
      const b = await mk(1, [addrOf(a)])
      await until(() => b.node.libp2p.services.membership.provenPeers().length > 0, 30_000)
      const t0 = now()
      const c = await mk(2, [addrOf(a)])
      const bId = b.node.libp2p.peerId.toString()
      await until(() => c.node.libp2p.services.membership.isProven(bId), 60_000)
      dhtTimes.push(now() - t0)
      await stopAll([c, b, a])
    }
    // What discovery adds to the start-up: how long after `running` the sibling is proven (0 when
    // it was proven while the node started).
    const after = mdnsTimes.map(t => Math.max(0, t.proven - t.up))
    const m = median(after)
    report({ name: 'discovery by mDNS: a second `mesh join` started beside a running one, until the sibling is proven', value: `median ${fmt(median(mdnsTimes.map(t => t.proven)), 0)} ms from its process start, ${fmt(m, 0)} ms after it said running (max ${fmt(Math.max(...after), 0)} ms, ${mdnsTimes.length} runs)`, baseline: `its start-up alone, process start until running: median ${fmt(median(mdnsTimes.map(t => t.up)), 0)} ms; query interval 1,000 ms (libp2p default 10,000 ms)`, ratio: '—', target: '≤ 1 s after running', ok: m <= 1000 })
    report({ name: 'discovery by the DHT alone: start until a non-bootstrap sibling is proven', value: `median ${fmt(median(dhtTimes), 0)} ms`, baseline: 'rendezvous lookup 1 s after start, then every 15 s', ratio: '—', target: 'reported', ok: undefined })
  }

  // A mesh of 10 nodes on one machine.
  if (want('ten')) {
    const first = await meshNode(join(dir, 'm0'), wallet, 'm0')
    const ns: N[] = [first]
    for (let i = 1; i < 10; i++) ns.push(await meshNode(join(dir, `m${i}`), wallet, `m${i}`, [addrOf(ns[i - 1] as N)]))
    await until(() => ns.slice(1).every(x => x.node.libp2p.services.membership.provenPeers().length >= 1))
    const s0 = await first.vault.sessions.create('ten')
    await until(async () => { for (const x of ns) if (!(await x.vault.sessions.exists('ten'))) return false; return true })
    const opened = await Promise.all(ns.slice(1).map(async x => await x.vault.sessions.open('ten')))
    const times: number[] = []
    for (let round = 0; round < 20; round++) {
      const t0 = now()
      await s0.append({ role: 'user', content: payload })
      await until(() => opened.every(o => o.messageCount() === round + 1))
      times.push(now() - t0)
    }
    for (const o of opened) await o.close()
    await s0.close()
    await stopAll(ns)
    report({ name: 'mesh of 10 nodes in a chain on one machine: one append reaches all', value: `p50 ${fmt(median(times), 1)} ms (9 hops)`, baseline: 'handoff latency of one hop, above', ratio: '—', target: 'reported', ok: undefined })
    const rss = await daemonRss(join(dir, 'procs'), 10)
    report({ name: 'memory per node: 10 `mesh join` processes', value: `RSS median ${fmt(median(rss.nodes) / 1e6, 1)} MB`, baseline: `a bare Node 20 process ${fmt(rss.bare / 1e6, 1)} MB`, ratio: `+${fmt((median(rss.nodes) - rss.bare) / 1e6, 1)} MB`, target: 'reported', ok: undefined })
  }

  // Big sessions to a fresh process (issue 11): about a minute on a quiet machine.
  if (want('bigsession')) await benchBigSession(join(dir, 'big'), walletPath, opts)

  // Catch-up from the tail: a sibling 100 messages behind a big session that its source
  // snapshotted and compacted meanwhile, against what it cost before (the whole snapshot).
  if (want('tail')) await benchTail(join(dir, 'tail'), wallet, opts.quick ? 5000 : 20_000)
}

async function benchTail (dir: string, wallet: Wallet, n: number): Promise<void> {
  const behind = 100
  const key = 'agent:main:tail'
  const vaultOf = async (home: string, label: string): Promise<MeshVault> => await openVault({ home, wallet, label, snapshotEvery: 1_000_000 })
  const nodeOf = async (vault: MeshVault, bootstrap: string[] = []): Promise<N> => ({ vault, node: await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', bootstrap }) })
  const a = await nodeOf(await vaultOf(join(dir, 'a'), 'A'))
  const s = await a.vault.sessions.create(key)
  const payload = text(1000)
  for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: Math.min(64, n - i) }, async (_, k) => await s.append({ role: 'user', content: `${i + k}|${payload}` })))
  let b = await nodeOf(await vaultOf(join(dir, 'b'), 'B'), [addrOf(a)])
  await untilSessionHolds(b.vault, b.node, key, n)
  await stopAll([b])
  // B away, A writes on, then snapshots the session (on its close) and compacts.
  for (let i = 0; i < behind; i++) await s.append({ role: 'user', content: `${n + i}|${payload}` })
  const store = a.vault.vault.store
  const doc = a.vault.vault.docId(DOC_NAMES.session(key as SessionKey))
  const entries = store.stats().entries
  await s.close()
  await until(() => store.snapshots(doc).length > 0 && store.stats().entries < entries)
  const snapshotBytes = Number(store.snapshots(doc)[0]?.header.snapshotSize)
  const sentTo = (x: N): number => a.node.libp2p.services.sync.sessionWith(x.node.libp2p.peerId.toString())?.stats.bytesSent ?? NaN
  let t0 = now()
  b = await nodeOf(await vaultOf(join(dir, 'b'), 'B'), [addrOf(a)])
  await untilSessionHolds(b.vault, b.node, key, n + behind)
  const back = now() - t0
  const backBytes = sentTo(b)
  // The baseline: a sibling that holds nothing of it, sent the snapshot.
  t0 = now()
  const c = await nodeOf(await vaultOf(join(dir, 'c'), 'C'), [addrOf(a)])
  await untilSessionHolds(c.vault, c.node, key, n + behind)
  const fresh = now() - t0
  const freshBytes = sentTo(c)
  await stopAll([b, c, a])
  report({ name: `catch-up of a sibling ${behind} messages behind a ${n}-message session its source snapshotted and compacted meanwhile (catch-up from the tail)`, value: `${fmt(backBytes / 1e6, 2)} MB sent, ${fmt(back, 0)} ms until it holds them`, baseline: `the snapshot it was sent before: ${fmt(snapshotBytes / 1e6, 1)} MB (a sibling holding none of it: ${fmt(freshBytes / 1e6, 1)} MB sent, ${fmt(fresh, 0)} ms)`, ratio: `${fmt(backBytes / snapshotBytes, 3)}× the bytes`, target: 'reported', ok: undefined })
}
