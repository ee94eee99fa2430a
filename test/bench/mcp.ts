/**
 * Event delivery to an agent: an append on node B until an MCP client subscribed to that session
 * through `mesh mcp` on node A hears `notifications/resources/updated`. B and the client live in
 * this process (one clock); A's `mesh join` and `mesh mcp` are processes of their own, as on a
 * user's machine: B -> A over libp2p, A's API -> `mesh mcp` over the control socket, `mesh mcp` ->
 * the client over stdio. The same appends are timed to a subscriber of A's API on its socket
 * (what `mesh watch` and the SDK see), so the difference is what MCP adds, paired append by
 * append (this VM's load moves between runs more than that difference); the one-hop handoff
 * between two nodes in this process is measured in the same run for scale.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { connectRpc } from '../../src/api/rpc-client.js'
import { writeNewWallet, type Wallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { fmt, now, percentile, report, text } from './util.js'

interface N { vault: MeshVault, node: MeshNode }

const BIN = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
const KEY = 'agent:main:mcp-bench'
const WARM = 20
/** A message not told by then fails the benchmark instead of holding it forever. */
const MESSAGE_DEADLINE_MS = 30_000
async function within<T> (p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(what())) }, ms) })])
  } finally { clearTimeout(timer) }
}
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function meshNode (home: string, wallet: Wallet, label: string, bootstrap?: string[]): Promise<N> {
  const vault = await openVault({ home, wallet, label, snapshotEvery: 1_000_000 })
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', bootstrap })
  return { vault, node }
}

/** One hop between two nodes of this process: append on B until A's session subscriber is told. */
async function handoffInProcess (dir: string, wallet: Wallet, count: number, payload: string): Promise<number[]> {
  const b = await meshNode(join(dir, 'hb'), wallet, 'B')
  const a = await meshNode(join(dir, 'ha'), wallet, 'A', [b.node.addresses()[0] as string])
  try {
    const sb = await b.vault.sessions.create(KEY)
    while (!(await a.vault.sessions.exists(KEY))) await sleep(10)
    const sa = await a.vault.sessions.open(KEY)
    const lat: number[] = []
    for (let i = 0; i < WARM + count; i++) {
      const t0 = now()
      const seen = new Promise<number>(resolve => { const off = sa.subscribe(e => { if (e.type === 'messages') { off(); resolve(now()) } }) })
      const appended = sb.append({ role: 'user', content: payload })
      const t1 = await seen
      await appended
      if (i >= WARM) lat.push(t1 - t0)
    }
    await sa.close(); await sb.close()
    return lat
  } finally {
    await a.node.stop(); await a.vault.close()
    await b.node.stop(); await b.vault.close()
  }
}

async function throughMcp (dir: string, wallet: Wallet, walletPath: string, count: number, payload: string): Promise<{ mcp: number[], socket: number[] }> {
  const env = { ...process.env, HOME: dir }
  const b = await meshNode(join(dir, 'mb'), wallet, 'B')
  const homeA = join(dir, 'ma')
  const daemon = spawn(process.execPath, [BIN, 'join', '--home', homeA, '--wallet', walletPath, '--label', 'A', '--no-mdns', '--dht', 'off', '--http', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', b.node.addresses()[0] as string], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  let client: Client | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ''
      daemon.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (/peer proven/.test(out)) resolve() })
      daemon.once('exit', code => { reject(new Error(`mesh join exited with ${code}: ${out}`)) })
    })
    const sb = await b.vault.sessions.create(KEY)
    client = new Client({ name: 'mesh-bench', version: '0' })
    let heard: ((t: number) => void) | undefined
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => { const h = heard; heard = undefined; h?.(now()) })
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', homeA], env: env as Record<string, string>, stderr: 'inherit' }))
    for (;;) { // until the session reached A
      const r = await client.callTool({ name: 'sessions_show', arguments: { key: KEY, tail: 0 } })
      if (r.isError !== true) break
      await sleep(20)
    }
    const uri = `mesh://session/${KEY}`
    await client.subscribeResource({ uri })
    const rpc = await connectRpc(homeA)
    if (rpc === undefined) throw new Error('the daemon does not answer on its socket')
    let arrived: ((t: number) => void) | undefined
    // Appends start once the daemon has the subscription: one replicated before would never be told.
    let off: () => void = () => {}
    const inPlace = await new Promise<Error | undefined>(resolve => {
      off = rpc.subscribe(({ event }) => { if (event.type === 'message.appended' && event.key === KEY) { const a = arrived; arrived = undefined; a?.(now()) } }, { sessions: [KEY], ready: resolve })
    })
    if (inPlace !== undefined) throw inPlace
    const mcp: number[] = []
    const socket: number[] = []
    for (let i = 0; i < WARM + count; i++) {
      const t0 = now()
      const seen = new Promise<number>(resolve => { heard = resolve })
      const onSocket = new Promise<number>(resolve => { arrived = resolve })
      const appended = sb.append({ role: 'user', content: payload })
      appended.catch(() => {}) // awaited below; a run that fails first leaves no unhandled rejection
      const [t1, t2] = await within(Promise.all([seen, onSocket]), MESSAGE_DEADLINE_MS, () => `message ${i}: not told within ${MESSAGE_DEADLINE_MS} ms (MCP ${heard === undefined ? 'told' : 'not told'}, the socket ${arrived === undefined ? 'told' : 'not told'})`)
      await appended
      // One append can bring more than one notification (its message, then the lease it renews):
      // let those arrive before the next append is timed.
      await sleep(15)
      heard = undefined
      if (i >= WARM) { mcp.push(t1 - t0); socket.push(t2 - t0) }
    }
    off()
    await rpc.close()
    await sb.close()
    return { mcp, socket }
  } finally {
    await client?.close()
    daemon.kill('SIGINT')
    await new Promise(resolve => { if (daemon.exitCode !== null) resolve(null); else { daemon.once('exit', resolve); setTimeout(() => daemon.kill('SIGKILL'), 10_000).unref() } })
    await b.node.stop(); await b.vault.close()
  }
}

export async function benchMcp (dir: string, opts: { quick: boolean }): Promise<void> {
  console.log('\n== MCP (issue 10) ==')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(dir, { recursive: true })
  const walletPath = join(dir, 'wallet.json')
  const wallet = await writeNewWallet(walletPath)
  const payload = text(1000)
  const count = opts.quick ? 50 : 200
  const { mcp, socket } = await throughMcp(dir, wallet, walletPath, count, payload)
  const hop = await handoffInProcess(dir, wallet, count, payload)
  const line = (xs: number[]): string => `p50 ${fmt(percentile(xs, 50), 2)} ms, p99 ${fmt(percentile(xs, 99), 2)} ms`
  const added = mcp.map((x, i) => x - (socket[i] as number))
  report({
    name: `event delivery to an agent: append on B until an MCP client of \`mesh mcp\` on A (beside A's \`mesh join\`) is notified (${count} × 1 KB)`,
    value: line(mcp),
    baseline: `the same appends to a subscriber of A's API on its socket ${line(socket)}; handoff, one hop between two nodes in one process, ${line(hop)}`,
    ratio: `p50 ${fmt(percentile(mcp, 50) / percentile(socket, 50), 2)}× the socket (MCP adds p50 ${fmt(percentile(added, 50), 2)} ms per event); ${fmt(percentile(mcp, 50) / percentile(hop, 50), 2)}× the in-process hop`,
    target: 'reported',
    ok: undefined
  })
}
