/**
 * Issue 11 (sections 3 and 4): a vault of 10,000 documents and the footprint of a node that runs
 * all day. Parts (`--only=scale.PART`): reconnect, fresh, startup, idle (the event loop: --only=loop, loop.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { cp, mkdir, rm } from 'node:fs/promises'
import { createConnection, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DOC_NAMES } from '../../crdt/index.js'
import { loadWallet, toHex, type Wallet } from '../../src/identity/index.js'
import { MeshNode, type NodeEvent } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { fmt, median, now, report, text, windowed } from './util.js'

const BIN = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
const CHILD = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url))
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A process's CPU time (user + system) in ms and its resident memory in bytes, from /proc. */
function usage (pid: number): { cpuMs: number, rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(f[11]) + Number(f[12]) // utime, stime (fields 14, 15)
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
  return { cpuMs: ticks * 10, rss }
}

/** Prints `query`/`response` per mDNS datagram on 224.0.0.251:5353 (the QR bit of its header). */
const MDNS_COUNTER = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
s.on('message', (m) => { if (m.length >= 12) console.log(m[2] & 0x80 ? 'response' : 'query') })
s.bind(5353, () => { s.addMembership('224.0.0.251'); console.log('counting') })
`

/** A process that does nothing: the floor of an idle Node process's CPU and RSS (Node's own wake-ups). */
const BARE_NODE = 'setInterval(() => {}, 1 << 30); console.log(\'ready\')'

/**
 * Three `mesh join` daemons (mDNS on, DHT server: the defaults) in a network namespace, each with
 * the other two as peers; three bare libp2p nodes with the same transports beside them, and a
 * bare Node process. After the settle, `windows` consecutive windows: CPU time of the first of
 * each (from /proc) per window, the median reported with every window shown; RSS at the end; the
 * mDNS datagrams on the namespace's link over all windows.
 *
 * Why several windows: about 70 s after start, once the allocation rate falls, V8's memory
 * reducer runs up to three mark-compacts (~100-250 ms of CPU in all on this machine, in mesh and
 * in the bare node alike; `--trace-gc` shows them as "Mark-Compact (reduce)"). That is start-up's
 * garbage collected once, not idle work, and it landed in the single 60 s window this used to
 * measure, which then read 0.42-0.52% against 0.10-0.20% for each minute after it. The settle
 * (90 s after the bare nodes are up) lets it pass in every process; three windows, so that one
 * late collection does not make the figure.
 */
async function idle (dir: string, walletPath: string, windowMs: number, windows: number, settleMs: number): Promise<void> {
  if (process.getuid?.() !== 0) { console.log('  idle footprint: skipped (network namespaces need root)'); return }
  const { loopbackNs, spawnIn } = await import('../helpers/netns.js')
  const ns = loopbackNs()
  const procs: Array<ReturnType<typeof spawnIn>> = []
  const env = { ...process.env, HOME: dir }
  try {
    const counter = spawnIn(ns.names[0], process.execPath, ['-e', MDNS_COUNTER], env); procs.push(counter)
    await counter.waitFor(/^counting/)
    const daemons = [0, 1, 2].map(i => {
      const p = spawnIn(ns.names[0], process.execPath, [BIN, 'join', '--home', join(dir, `idle${i}`), '--wallet', walletPath, '--label', `i${i}`, '--listen', '/ip4/127.0.0.1/tcp/0'], env)
      procs.push(p)
      return p
    })
    for (const d of daemons) await d.waitFor(/^running/, 60_000)
    // Each daemon prints a line per sibling it proves: wait for two each.
    const proven = (d: typeof daemons[number]): number => new Set(d.lines.filter(l => /peer proven/.test(l)).map(l => /peer proven\s+(\S+)/.exec(l)?.[1])).size
    const deadline = Date.now() + 60_000
    while (!daemons.every(d => proven(d) >= 2)) { if (Date.now() > deadline) throw new Error('daemons did not meet'); await sleep(100) }
    const bare0 = spawnIn(ns.names[0], process.execPath, [CHILD('idle-child')], env); procs.push(bare0)
    const addr = (await bare0.waitFor(/^ready /)).slice(6)
    for (let i = 0; i < 2; i++) { const b = spawnIn(ns.names[0], process.execPath, [CHILD('idle-child'), addr], env); procs.push(b); await b.waitFor(/^ready /) }
    const floor = spawnIn(undefined, process.execPath, ['-e', BARE_NODE], env); procs.push(floor)
    await floor.waitFor(/^ready/)
    await sleep(settleMs) // start-up work done (first queries, identify, the DHT's first lookups, JIT)
    // Every daemon has two peers, but only the end with the smaller PeerId pings a connection
    // (node/liveness.ts): the first daemon pings two, one or none by its rank. Their mean is the
    // node with two peers; the bare node dialed by the other two is the bare one with two peers.
    const meshPids = daemons.map(d => d.child.pid as number)
    const pids = { bare: bare0.child.pid as number, floor: floor.child.pid as number }
    const q0 = counter.lines.length
    const cpu: Record<'mesh' | keyof typeof pids, number[]> = { mesh: [], bare: [], floor: [] }
    const ranks = meshPids.map((_, i) => [] as number[])
    const t0 = now()
    const take = (): { mesh: Array<ReturnType<typeof usage>>, bare: ReturnType<typeof usage>, floor: ReturnType<typeof usage> } => ({ mesh: meshPids.map(usage), bare: usage(pids.bare), floor: usage(pids.floor) })
    let last = take()
    for (let w = 0; w < windows; w++) {
      const tw = now()
      await sleep(windowMs)
      const at = take()
      const secs = (now() - tw) / 1000
      const pct = (a: ReturnType<typeof usage>, b: ReturnType<typeof usage>): number => (a.cpuMs - b.cpuMs) / (secs * 10) // percent of one core
      const each = at.mesh.map((u, i) => pct(u, last.mesh[i] as ReturnType<typeof usage>))
      each.forEach((x, i) => ranks[i]?.push(x))
      cpu.mesh.push(each.reduce((a, b) => a + b, 0) / each.length)
      cpu.bare.push(pct(at.bare, last.bare)); cpu.floor.push(pct(at.floor, last.floor))
      last = at
    }
    const secs = (now() - t0) / 1000
    const win = fmt(windowMs / 1000, 0)
    const datagrams = counter.lines.slice(q0)
    const shown = (xs: number[]): string => xs.map(x => fmt(x, 2)).join(', ')
    const meshCpu = median(cpu.mesh); const bareCpu = median(cpu.bare); const floorCpu = median(cpu.floor)
    const m1 = last.mesh[0] as ReturnType<typeof usage>; const b1 = last.bare; const f1 = last.floor
    report({ name: `idle RSS of \`mesh join\` with two peers (mDNS on, DHT server), after ${fmt(secs, 0)} s`, value: `${fmt(m1.rss / 1e6, 1)} MB`, baseline: `a bare libp2p node (TCP, Noise, Yamux, identify, ping) with two peers ${fmt(b1.rss / 1e6, 1)} MB (a bare Node process ${fmt(f1.rss / 1e6, 1)} MB)`, ratio: `${fmt(m1.rss / b1.rss, 2)}×`, target: '≤ 1.5×', ok: m1.rss / b1.rss <= 1.5 })
    report({ name: `idle CPU of \`mesh join\` with two peers (the mean of three such daemons), median of ${windows} consecutive ${win} s windows`, value: `${fmt(meshCpu, 2)}% of a core (windows ${shown(cpu.mesh)}; each daemon's median ${ranks.map(r => fmt(median(r), 2)).join(', ')})`, baseline: `the bare libp2p node ${fmt(bareCpu, 2)}% (${shown(cpu.bare)})`, ratio: bareCpu > 0 ? `${fmt(meshCpu / bareCpu, 2)}×` : '—', target: '≤ 0.3%', ok: meshCpu <= 0.3 })
    report({ name: `idle CPU of a bare Node process (\`setInterval\` of 12 days), median of the same windows`, value: `${fmt(floorCpu, 2)}% of a core (${shown(cpu.floor)})`, baseline: `\`mesh join\` ${fmt(meshCpu, 2)}%`, ratio: '—', target: 'the floor', ok: true })
    const q = datagrams.filter(l => l === 'query').length
    report({ name: `mDNS datagrams of 3 idle daemons over ${fmt(secs, 0)} s`, value: `${q} queries, ${datagrams.length - q} responses (${fmt(datagrams.length / secs * 60, 1)}/min)`, baseline: `a fixed 1 s interval: ${fmt(3 * secs, 0)} queries`, ratio: `${fmt(q / (3 * secs), 3)}×`, target: 'slow once every sibling is connected', ok: q <= 3 * Math.ceil(secs / 60) })
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGINT')
    ns.teardown()
  }
}

interface N { vault: MeshVault, node: MeshNode }
const addrOf = (n: N): string => n.node.addresses()[0] as string
const digest = (v: MeshVault): string => toHex(v.vault.store.fingerprints().digest)

async function until (cond: () => boolean | Promise<boolean>, ms = 300_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('benchmark timed out')
    await sleep(20)
  }
}

function du (dir: string): number {
  let n = 0
  for (const e of readdirSync(dir)) { const p = join(dir, e); const st = statSync(p); n += st.isDirectory() ? du(p) : st.size }
  return n
}

/**
 * A home holding `n` small documents, as an agent's vault fills: short sessions (a title and two
 * short messages each), with memory entries and skills beside them in their own documents.
 */
async function buildHome (home: string, wallet: Wallet, n: number): Promise<void> {
  const v = await openVault({ home, wallet, label: 'A' })
  // Held open for the whole build, so each create does not reopen it.
  const index = await v.vault.acquire(DOC_NAMES.sessionsIndex)
  try {
    await windowed(n - 3, 16, async (i) => {
      const s = await v.sessions.create(`agent:main:s${i}`, { title: `session ${i}` })
      await s.append([{ role: 'user', content: text(80) }, { role: 'assistant', content: text(200) }])
      await s.close()
    })
    for (let i = 0; i < Math.min(200, n); i++) await v.memory.set(`fact-${i}`, text(120))
    for (let i = 0; i < Math.min(50, n); i++) await v.skills.add(`# skill ${i}\n\n${text(400)}`, { source: `skill-${i}.md`, name: `skill-${i}` })
  } finally {
    await v.vault.release(index)
    await v.close()
  }
}

async function startNode (home: string, label: string): Promise<N> {
  const vault = await openVault({ home, label })
  return { vault, node: await nodeOn(vault) }
}

async function nodeOn (vault: MeshVault, reconcile = true): Promise<MeshNode> {
  // No remembered peers: every connection in these figures is one the benchmark makes.
  await rm(join(vault.vault.home, 'peers.json'), { force: true })
  return await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', reconcile })
}

/** A TCP relay on loopback that counts the bytes crossing it both ways (everything on the wire). */
async function countingProxy (to: string): Promise<{ addr: string, bytes: () => number, reset: () => void, close: () => Promise<void> }> {
  const m = /\/ip4\/([^/]+)\/tcp\/(\d+)\/p2p\/(\S+)/.exec(to)
  if (m === null) throw new Error(`not a tcp multiaddr: ${to}`)
  let bytes = 0
  const sockets = new Set<Socket>()
  const server = createServer((c) => {
    const up = createConnection(Number(m[2]), m[1] as string)
    c.setNoDelay(true); up.setNoDelay(true)
    for (const s of [c, up]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => { c.destroy(); up.destroy() }) }
    c.on('data', (d: Buffer) => { bytes += d.byteLength; up.write(d) })
    up.on('data', (d: Buffer) => { bytes += d.byteLength; c.write(d) })
    c.on('end', () => up.end()); up.on('end', () => c.end())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as any).port as number
  return {
    addr: `/ip4/127.0.0.1/tcp/${port}/p2p/${m[3] as string}`,
    bytes: () => bytes,
    reset: () => { bytes = 0 },
    close: async () => { for (const s of sockets) s.destroy(); await new Promise(resolve => server.close(resolve)) }
  }
}

/** Sends `bytes` over a plain TCP socket on loopback and times until the last byte arrives. */
async function rawTransfer (bytes: number): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as any).port as number
  const got = new Promise<number>(resolve => {
    server.on('connection', (s) => { let n = 0; s.on('data', (d) => { n += d.byteLength; if (n >= bytes) resolve(now()) }) })
  })
  const t0 = now()
  const c = createConnection(port, '127.0.0.1')
  const chunk = Buffer.alloc(1 << 20, 7)
  for (let sent = 0; sent < bytes; sent += chunk.byteLength) c.write(sent + chunk.byteLength <= bytes ? chunk : chunk.subarray(0, bytes - sent))
  const t1 = await got
  c.destroy()
  await new Promise(resolve => server.close(resolve))
  return t1 - t0
}

/** Opens a home's vault and every document in it (decrypt, verify, apply), as a reader of all of it would. */
async function openAll (home: string): Promise<{ ms: number, docs: number }> {
  const t0 = now()
  const v = await openVault({ home })
  const names = await v.vault.docNames()
  for (const name of names.values()) { const r = await v.vault.acquire(name); await v.vault.release(r) }
  const ms = now() - t0
  await v.close()
  return { ms, docs: names.size }
}

/**
 * Reconnects two nodes in sync `rounds` times (new nodes each round, the dial through a counting
 * proxy) until both report the other caught up: the median wall time, the CPU time both nodes
 * (one process) spent, the bytes on the wire and the sync stream's own. The pair's nodes are
 * replaced as it goes.
 */
async function reconnectCost (pair: { a: N, b: N }, reconcile: boolean, rounds: number): Promise<{ ms: number, cpu: number, wire: number, sync: number, phases: Phases }> {
  const ms: number[] = []; const cpu: number[] = []; const wire: number[] = []; const sync: number[] = []
  const phases: Record<keyof Phases, number[]> = { connection: [], membership: [], syncOpen: [], hello: [] }
  for (let r = 0; r < rounds; r++) {
    await pair.b.node.stop(); await pair.a.node.stop()
    await sleep(200)
    const a: N = { vault: pair.a.vault, node: await nodeOn(pair.a.vault, reconcile) }
    const b: N = { vault: pair.b.vault, node: await nodeOn(pair.b.vault, reconcile) }
    pair.a = a; pair.b = b
    const proxy = await countingProxy(addrOf(a))
    const aId = a.node.libp2p.peerId.toString()
    const bId = b.node.libp2p.peerId.toString()
    const caught = async (n: N, peer: string): Promise<void> => { await new Promise<void>(resolve => { const f = (p: string): void => { if (p === peer) { n.node.off('caught-up', f); resolve() } }; n.node.on('caught-up', f) }) }
    const both = Promise.all([caught(a, bId), caught(b, aId)])
    const marks = markPhases(a, b)
    const t = now()
    const c0 = process.cpuUsage()
    await b.node.dial(proxy.addr)
    await both
    ms.push(now() - t)
    marks.done(t, phases)
    const c1 = process.cpuUsage(c0)
    cpu.push((c1.user + c1.system) / 1000)
    await sleep(100) // anything else the connection exchanges at once (identify, pings) is counted too
    wire.push(proxy.bytes())
    const s = b.node.libp2p.services.sync.sessionWith(aId)?.stats
    sync.push((s?.bytesSent ?? 0) + (s?.bytesReceived ?? 0))
    await b.node.stop(); await a.node.stop()
    await proxy.close()
    pair.a = { vault: a.vault, node: await nodeOn(a.vault) }
    pair.b = { vault: b.vault, node: await nodeOn(b.vault) }
  }
  return { ms: median(ms), cpu: median(cpu), wire: median(wire), sync: median(sync), phases: { connection: median(phases.connection), membership: median(phases.membership), syncOpen: median(phases.syncOpen), hello: median(phases.hello) } }
}

/**
 * Where a reconnect's time goes, in ms (medians over rounds), one phase after the other:
 * `connection`: the dial until both ends hold the upgraded connection (TCP, Noise, yamux: libp2p's
 * setup); `membership`: then until both sides proved the other (/mesh/membership/2.0.0);
 * `syncOpen`: then until the sync stream is open (stream and protocol negotiation);
 * `hello`: then until both were caught up by the other's hello (the digests).
 */
interface Phases { connection: number, membership: number, syncOpen: number, hello: number }

function markPhases (a: N, b: N): { done: (t0: number, into: Record<keyof Phases, number[]>) => void } {
  const at: Record<string, number> = {}
  const mark = (k: string) => (): void => { at[k] ??= now() }
  const offs: Array<() => void> = []
  for (const [side, n] of [['a', a], ['b', b]] as const) {
    const open = mark(`${side}:open`); const proven = mark(`${side}:proven`); const caught = mark(`${side}:caught`)
    n.node.libp2p.addEventListener('connection:open', open)
    n.node.libp2p.services.membership.addEventListener('peer:proven', proven)
    n.node.on('caught-up', caught)
    offs.push(() => { n.node.libp2p.removeEventListener('connection:open', open); n.node.libp2p.services.membership.removeEventListener('peer:proven', proven); n.node.off('caught-up', caught) })
  }
  // The sync stream counts as open when the opening side's session exists (services.sync.sessionWith).
  const aId = a.node.libp2p.peerId.toString(); const bId = b.node.libp2p.peerId.toString()
  const opener = aId < bId ? { n: a, peer: bId } : { n: b, peer: aId }
  const poll = setInterval(() => { if (opener.n.node.libp2p.services.sync.sessionWith(opener.peer) !== undefined) { mark('sync')(); clearInterval(poll) } }, 0)
  return {
    done: (t0, into) => {
      clearInterval(poll)
      for (const off of offs) off()
      const t = (k: string): number => at[k] ?? NaN
      const open = Math.max(t('a:open'), t('b:open')); const proven = Math.max(t('a:proven'), t('b:proven'))
      const synced = Math.max(t('sync'), proven); const caught = Math.max(t('a:caught'), t('b:caught'))
      into.connection.push(open - t0); into.membership.push(proven - open); into.syncOpen.push(synced - proven); into.hello.push(caught - synced)
    }
  }
}

/**
 * libp2p's own connection setup, the baseline of a reconnect: two bare libp2p nodes in this
 * process (TCP, Noise, yamux, identify and ping as mesh has them, nothing of mesh) dial through
 * the same kind of counting proxy and hang up `rounds` times; the median time until both ends
 * hold the upgraded connection.
 */
async function bareDial (rounds: number): Promise<number> {
  const { noise } = await import('@chainsafe/libp2p-noise')
  const { yamux } = await import('@chainsafe/libp2p-yamux')
  const { identify } = await import('@libp2p/identify')
  const { ping } = await import('@libp2p/ping')
  const { tcp } = await import('@libp2p/tcp')
  const { createLibp2p } = await import('libp2p')
  const make = async (): Promise<any> => await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify({ runOnConnectionOpen: false }), ping: ping() }, connectionManager: { inboundConnectionThreshold: 1000 } })
  const x = await make(); const y = await make()
  const { multiaddr } = await import('@multiformats/multiaddr')
  const proxy = await countingProxy(x.getMultiaddrs()[0].toString())
  const ms: number[] = []
  try {
    for (let r = 0; r < rounds; r++) {
      const opened = new Promise<number>(resolve => { x.addEventListener('connection:open', () => { resolve(now()) }, { once: true }) })
      const t = now()
      await y.dial(multiaddr(proxy.addr))
      const t1 = Math.max(now(), await opened)
      ms.push(t1 - t)
      await y.hangUp(x.peerId)
      await sleep(100)
    }
  } finally { await y.stop(); await x.stop(); await proxy.close() }
  return median(ms)
}

/** Two nodes of a home of `n` documents and a fresh one of the same wallet, once in sync. */
async function syncedPair (dir: string, wallet: Wallet, n: number): Promise<{ a: N, b: N, docs: number }> {
  const homeA = join(dir, `pair${n}-a`)
  const homeB = join(dir, `pair${n}-b`)
  await buildHome(homeA, wallet, n)
  await (await openVault({ home: homeB, wallet, label: 'B' })).close()
  const a = await startNode(homeA, 'A')
  const b = await startNode(homeB, 'B')
  await b.node.dial(addrOf(a))
  const target = digest(a.vault)
  await until(() => digest(b.vault) === target)
  return { a, b, docs: a.vault.vault.store.stats().docs }
}

/**
 * A fresh node's time from dialing `addr` until its store's digest is `target` (the sender's).
 * Hashing the digest costs this thread's time (only documents changed since the last look are
 * hashed again, still ~0.2 s of a 3 s transfer polled every 20 ms), so it is taken once the node
 * reported every one of `docs` documents synced (or once a second).
 */
async function receiveAll (receiver: N, addr: string, docs: number, target: string): Promise<number> {
  const synced = new Set<string>()
  let polls = 0
  const count = (e: NodeEvent): void => { if (e.type === 'synced') synced.add(e.doc) }
  receiver.node.on('event', count)
  try {
    const t0 = now()
    await receiver.node.dial(addr)
    await until(() => (synced.size >= docs || ++polls % 50 === 0) && digest(receiver.vault) === target)
    return now() - t0
  } finally {
    receiver.node.off('event', count)
  }
}

/**
 * A fresh node receives a vault of `n` small documents; then the two, in sync, reconnect (time and
 * bytes, with and without reconciliation); then `mesh join` starts on that home and on a small one.
 */
async function vaultOf (dir: string, walletPath: string, n: number, opts: { quick: boolean, want: (p: string) => boolean }): Promise<void> {
  const wallet = await loadWallet(walletPath)
  const homeA = join(dir, 'va')
  const homeB = join(dir, 'vb')
  const t0 = now()
  await buildHome(homeA, wallet, n)
  console.log(`  built a home of ${n} documents in ${fmt((now() - t0) / 1000, 1)} s`)
  const stored = du(join(homeA, 'data'))
  // B: a fresh home of the same wallet. Each round below receives into a copy of it (one device,
  // as one machine joining: a new home per round would enrol a device each, and the reconnect
  // figures after would carry their certificates).
  const emptyB = join(dir, 'vb-empty')
  await (await openVault({ home: emptyB, wallet, label: 'B' })).close()
  await cp(emptyB, homeB, { recursive: true })

  let a = await startNode(homeA, 'A')
  let b: N
  const docsA = a.vault.vault.store.stats().docs
  /** A's digest and the fresh figure's baseline, for the same receipt from a sender process (below). */
  let apart: { target: string, base: number, baseline: string } | undefined
  if (opts.want('fresh')) {
    // Rounds, each a new home receiving the whole vault, then its baseline: a single receipt
    // moved 1.6-2.4x between runs on the shared 2-core machine. Receipt and baseline alternate,
    // so the code of both is as warm in each round; the median round is reported.
    const target = digest(a.vault)
    const rounds: Array<{ ms: number, raw: number, opened: number }> = []
    const n = opts.quick ? 1 : 3
    let home = homeB
    for (let r = 0; r < n; r++) {
      if (r > 0) {
        await rm(home, { recursive: true, force: true })
        home = join(dir, `vb${r}`)
        await cp(emptyB, home, { recursive: true })
      }
      const fresh = await startNode(home, 'B')
      const ms = await receiveAll(fresh, addrOf(a), docsA, target)
      await fresh.node.stop(); await fresh.vault.close()
      const raw = await rawTransfer(stored)
      // The baseline: the same bytes over plain TCP, then every document opened from a local store.
      const opened = await openAll(home)
      rounds.push({ ms, raw, opened: opened.ms })
    }
    b = await startNode(home, 'B')
    const ratios = rounds.map(x => x.ms / (x.raw + x.opened))
    const mid = rounds[ratios.indexOf(median(ratios))] ?? rounds[0] as { ms: number, raw: number, opened: number }
    const base = mid.raw + mid.opened
    const baseline = `the same bytes over plain TCP ${fmt(mid.raw, 0)} ms + opening all ${docsA} documents from a local store ${fmt(mid.opened, 0)} ms`
    apart = { target, base, baseline }
    const each = n > 1 ? ` (rounds ${ratios.map(x => `${fmt(x, 2)}×`).join(', ')}: ${rounds.map(x => fmt(x.ms, 0)).join(', ')} ms)` : ''
    report({ name: `a fresh node receives ${docsA} small documents (sessions, memory, skills; ${fmt(stored / 1e6, 1)} MB stored), the sending node in this same process and thread, median of ${n} round${n > 1 ? 's' : ''}`, value: `${fmt(mid.ms, 0)} ms`, baseline, ratio: `${fmt(mid.ms / base, 2)}×${each}`, target: '≤ 2×', ok: mid.ms / base <= 2 })
  } else {
    b = await startNode(homeB, 'B')
    await b.node.dial(addrOf(a))
    await until(() => b.vault.vault.store.stats().docs === docsA)
  }

  if (opts.want('reconnect')) {
    const rounds = opts.quick ? 3 : 5
    const pair = { a, b }
    const full = await reconnectCost(pair, false, rounds)
    const rec = await reconnectCost(pair, true, rounds)
    a = pair.a; b = pair.b
    report({ name: `reconnect of two nodes in sync holding ${docsA} documents: dial until both are caught up`, value: `${fmt(rec.ms, 1)} ms (CPU ${fmt(rec.cpu, 1)} ms)`, baseline: `every document's vector exchanged (before reconciliation) ${fmt(full.ms, 1)} ms (CPU ${fmt(full.cpu, 1)} ms)`, ratio: `${fmt(rec.ms / full.ms, 2)}×`, target: '< 50 ms (see the next row: mesh\'s part)', ok: undefined })
    // The same reconnect split in libp2p's part and mesh's: libp2p's connection setup (TCP, Noise,
    // yamux), beside a bare libp2p dial in this run; mesh's part (membership, the sync stream,
    // the hello) is what the 50 ms target is about.
    const bare = await bareDial(rounds)
    const p = rec.phases
    const ours = p.membership + p.syncOpen + p.hello
    report({ name: `reconnect of two nodes in sync holding ${docsA} documents: mesh's part (membership ${fmt(p.membership, 1)} + sync stream ${fmt(p.syncOpen, 1)} + hellos ${fmt(p.hello, 1)} ms), after libp2p's connection setup (${fmt(p.connection, 1)} ms)`, value: `${fmt(ours, 1)} ms`, baseline: `a bare libp2p dial (TCP, Noise, yamux) in this run ${fmt(bare, 1)} ms`, ratio: `${fmt(ours / bare, 2)}×`, target: '< 50 ms', ok: ours < 50 })
    report({ name: `reconnect of two nodes in sync holding ${docsA} documents: bytes on the wire (TCP, both ways; the sync stream's share)`, value: `${fmt(rec.wire / 1024, 1)} KB (sync ${fmt(rec.sync / 1024, 2)} KB)`, baseline: `every document's vector exchanged ${fmt(full.wire / 1024, 1)} KB (sync ${fmt(full.sync / 1024, 1)} KB)`, ratio: `${fmt(rec.wire / full.wire, 3)}×`, target: '< 8 KB', ok: rec.wire < 8 * 1024 })
    // The same reconnect between two nodes of a 10-document vault, measured in this run: with
    // reconciliation the cost should not grow with the vault.
    const few = await syncedPair(dir, wallet, 10)
    const small = await reconnectCost(few, true, rounds)
    const smallFull = await reconnectCost(few, false, rounds)
    await few.b.node.stop(); await few.b.vault.close(); await few.a.node.stop(); await few.a.vault.close()
    report({ name: `reconnect of two nodes in sync: ${docsA} documents against ${few.docs} (time)`, value: `${fmt(rec.ms, 1)} ms against ${fmt(small.ms, 1)} ms (CPU ${fmt(rec.cpu, 1)} against ${fmt(small.cpu, 1)} ms)`, baseline: `every document's vector exchanged: ${fmt(full.ms, 1)} ms against ${fmt(smallFull.ms, 1)} ms (${fmt(full.ms / smallFull.ms, 2)}×)`, ratio: `${fmt(rec.ms / small.ms, 2)}×`, target: '≈ 1× (≤ 1.5×)', ok: rec.ms / small.ms <= 1.5 })
    report({ name: `reconnect of two nodes in sync: ${docsA} documents against ${few.docs} (sync stream bytes)`, value: `${fmt(rec.sync, 0)} B against ${fmt(small.sync, 0)} B`, baseline: `every document's vector exchanged: ${fmt(full.sync, 0)} B against ${fmt(smallFull.sync, 0)} B (${fmt(full.sync / smallFull.sync, 1)}×)`, ratio: `${fmt(rec.sync / small.sync, 2)}×`, target: '≈ 1× (≤ 1.1×)', ok: rec.sync / small.sync <= 1.1 })
  }
  await b.node.stop(); await b.vault.close()
  await a.node.stop(); await a.vault.close()

  // The same receipt with the sender a `mesh join` process of its own, as a sibling machine is:
  // above, both nodes share this thread, so the figure holds the sender's work (its reads, its
  // framing, its half of Noise and yamux) beside the receiver's. Reported beside it (on the 2-core
  // machine the sender's process takes the core the signature thread would have).
  if (opts.want('fresh') && apart !== undefined) {
    const { spawnIn } = await import('../helpers/netns.js')
    // No remembered peers: the nodes of the rows above are gone.
    await rm(join(homeA, 'peers.json'), { force: true })
    const sender = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeA, '--no-mdns', '--dht', 'off', '--http', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], { ...process.env, HOME: dir })
    try {
      // `listening: /ip4/127.0.0.1/tcp/PORT/p2p/PEER`
      const full = (await sender.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1/, 120_000)).split(/\s+/)[1] as string
      await sender.waitFor(/^running/, 120_000)
      // The same one device as the rounds above.
      const homeC = join(dir, 'vc')
      await cp(emptyB, homeC, { recursive: true })
      const c = await startNode(homeC, 'C')
      try {
        const ms = await receiveAll(c, full, docsA, apart.target)
        report({ name: `a fresh node receives ${docsA} small documents from a sibling \`mesh join\` process (the sender's work in its own process, as on its own machine)`, value: `${fmt(ms, 0)} ms`, baseline: apart.baseline, ratio: `${fmt(ms / apart.base, 2)}×`, target: 'reported', ok: undefined })
      } finally {
        await c.node.stop(); await c.vault.close()
      }
    } finally {
      await sender.stop('SIGINT')
    }
  }

  if (opts.want('startup')) {
    const small = join(dir, 'small')
    await buildHome(small, wallet, 10)
    const join1 = async (home: string): Promise<number> => {
      const { spawnIn } = await import('../helpers/netns.js')
      const t = now()
      const p = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], { ...process.env, HOME: dir })
      await p.waitFor(/^running/, 120_000)
      const ms = now() - t
      await p.stop('SIGINT')
      return ms
    }
    const big: number[] = []; const little: number[] = []
    for (let r = 0; r < (opts.quick ? 2 : 4); r++) { little.push(await join1(small)); big.push(await join1(homeA)) }
    const ratio = median(big) / median(little)
    report({ name: `\`mesh join\` start-up, process start until running, with ${docsA} documents in the home`, value: `median ${fmt(median(big), 0)} ms (${big.map(x => fmt(x, 0)).join(', ')})`, baseline: `a home of 13 documents ${fmt(median(little), 0)} ms`, ratio: `${fmt(ratio, 2)}×`, target: '≤ 1.5×', ok: ratio <= 1.5 })
  }
}

export async function benchScale (dir: string, opts: { quick: boolean, part?: string }): Promise<void> {
  // One part or several joined by '+' (--only=scale.reconnect+startup).
  const want = (name: string): boolean => opts.part === undefined || opts.part.split('+').includes(name)
  console.log('\n== scale and footprint (issue 11) ==')
  await mkdir(dir, { recursive: true })
  const { writeNewWallet } = await import('../../src/identity/index.js')
  const walletPath = join(dir, 'wallet.json')
  await writeNewWallet(walletPath)
  if (want('fresh') || want('reconnect') || want('startup')) await vaultOf(dir, walletPath, opts.quick ? 2000 : 10_000, { quick: opts.quick, want })
  // --quick: one 15 s window, which may or may not hold the start-up GC and the minute's pings (rough).
  if (want('idle')) await idle(dir, walletPath, opts.quick ? 15_000 : 60_000, opts.quick ? 1 : 3, opts.quick ? 15_000 : 90_000)
}
