/**
 * Issue 11 (sections 3 and 4): a vault of 10,000 documents and the footprint of a node that runs
 * all day. Parts (`--only=scale.PART`): reconnect, fresh, startup, idle, loop.
 */
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, median, now, report } from './util.js'

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

/**
 * Three `mesh join` daemons (mDNS on, DHT server: the defaults) in a network namespace, each with
 * the other two as peers; three bare libp2p nodes with the same transports beside them. Over the
 * window, the first of each: CPU time (from /proc), RSS at the end; and the mDNS datagrams on the
 * namespace's link.
 */
async function idle (dir: string, walletPath: string, windowMs: number, settleMs: number): Promise<void> {
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
    await sleep(settleMs) // start-up work done (first queries, identify, the DHT's first lookups, JIT)
    const pid = daemons[0]?.child.pid as number
    const bpid = bare0.child.pid as number
    const m0 = usage(pid); const b0 = usage(bpid)
    const q0 = counter.lines.length
    const t0 = now()
    await sleep(windowMs)
    const m1 = usage(pid); const b1 = usage(bpid)
    const secs = (now() - t0) / 1000
    const datagrams = counter.lines.slice(q0)
    const meshCpu = (m1.cpuMs - m0.cpuMs) / (secs * 10) // percent of one core
    const bareCpu = (b1.cpuMs - b0.cpuMs) / (secs * 10)
    report({ name: `idle RSS of \`mesh join\` with two peers (mDNS on, DHT server), after ${fmt(secs, 0)} s`, value: `${fmt(m1.rss / 1e6, 1)} MB`, baseline: `a bare libp2p node (TCP, Noise, Yamux, identify, ping) with two peers ${fmt(b1.rss / 1e6, 1)} MB`, ratio: `${fmt(m1.rss / b1.rss, 2)}×`, target: '≤ 1.5×', ok: m1.rss / b1.rss <= 1.5 })
    report({ name: `idle CPU of \`mesh join\` with two peers over ${fmt(secs, 0)} s`, value: `${fmt(meshCpu, 2)}% of a core`, baseline: `the bare libp2p node ${fmt(bareCpu, 2)}%`, ratio: bareCpu > 0 ? `${fmt(meshCpu / bareCpu, 1)}×` : '—', target: '≤ 0.3%', ok: meshCpu <= 0.3 })
    const q = datagrams.filter(l => l === 'query').length
    report({ name: `mDNS datagrams of 3 idle daemons over ${fmt(secs, 0)} s`, value: `${q} queries, ${datagrams.length - q} responses (${fmt(datagrams.length / secs * 60, 1)}/min)`, baseline: `a fixed 1 s interval: ${fmt(3 * secs, 0)} queries`, ratio: `${fmt(q / (3 * secs), 3)}×`, target: 'slow once every sibling is connected', ok: q <= 3 * Math.ceil(secs / 60) })
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGINT')
    ns.teardown()
  }
}

export async function benchScale (dir: string, opts: { quick: boolean, part?: string }): Promise<void> {
  const want = (name: string): boolean => opts.part === undefined || opts.part === name
  console.log('\n== scale and footprint (issue 11) ==')
  await mkdir(dir, { recursive: true })
  const { writeNewWallet } = await import('../../src/identity/index.js')
  const walletPath = join(dir, 'wallet.json')
  await writeNewWallet(walletPath)
  if (want('idle')) await idle(dir, walletPath, opts.quick ? 15_000 : 60_000, opts.quick ? 15_000 : 30_000)
  void median
}
