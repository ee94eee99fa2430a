/**
 * Inbound floods on real sockets. A slowloris: 50 TCP sockets opened to a node from one address
 * and left idle (no handshake) must not keep a member out; before, libp2p's 10 pending inbound
 * slots were taken and every member was refused until the idle sockets timed out. A member
 * dialing from another address connects at its first dial and is proven. A flood of 250
 * distinct PeerIds (each fails membership) leaves the node's memory bounded.
 */
import { spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'

const FLOOD = join(ROOT, 'dist', 'test', 'helpers', 'peer-flood.js')

const nodes: TestNode[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const n of nodes.splice(0)) await n.stop()
})

function tcpPort (n: TestNode): number {
  const a = n.node.libp2p.getMultiaddrs()[0]
  return Number(a?.getComponents().find(c => c.name === 'tcp')?.value)
}

/**
 * Opens an idle socket from `from` (the whole of 127/8 is loopback on Linux); resolves once it
 * connected or was reset (the node refused it at once, which is counted).
 */
async function idleSocket (port: number, from: string, closed: Set<Socket>): Promise<Socket> {
  return await new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from })
    s.once('close', () => closed.add(s))
    s.once('connect', () => { resolve(s) })
    s.once('error', () => { resolve(s) })
  })
}

describe('inbound floods', () => {
  it('50 idle sockets from one address and 50 from five others: a member from another address connects at its first dial and is proven', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    const port = tcpPort(a)
    const closed = new Set<Socket>()
    const fromOne = new Set<Socket>()
    for (let i = 0; i < 50; i++) { const s = await idleSocket(port, '127.0.0.2', closed); fromOne.add(s); sockets.push(s) }
    // And 50 more spread over five other addresses, each within its rate.
    for (let i = 0; i < 50; i++) sockets.push(await idleSocket(port, `127.0.0.${3 + (i % 5)}`, closed))
    // The node handles each accepted socket in this process's event loop: let it decide on all
    // 50 (keep as pending, or refuse and close) before the member dials.
    await new Promise(resolve => setTimeout(resolve, 200))
    await b.node.dial(`/ip4/127.0.0.1/tcp/${port}/p2p/${a.node.libp2p.peerId.toString()}`)
    await until(() => a.node.isOnline(b.node.libp2p.peerId.toString()) && b.node.isOnline(a.node.libp2p.peerId.toString()), 'A and B to prove each other')
    // One address gets a bounded share of the pending slots: the rest of its sockets were refused.
    expect([...fromOne].filter(s => closed.has(s)).length).toBeGreaterThan(0)
  })

  it('250 distinct PeerIds that fail membership: the node closes them and its heap stays bounded', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const a = await startNode({ label: 'A', membershipTimeoutMs: 1000 }); nodes.push(a)
    const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed }
    // Warm up with a few strangers so lazily built state is in the baseline.
    await flood(a, 10, 10, 10)
    const before = heap()
    const rssBefore = process.memoryUsage().rss
    let peak = 0
    let peakConns = 0
    const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); peakConns = Math.max(peakConns, a.node.libp2p.getConnections().length) }, 50)
    const out = await flood(a, 250, 25, 25).finally(() => { clearInterval(sample) })
    await until(() => a.node.libp2p.getConnections().length === 0, 'the strangers to be disconnected')
    const after = heap()
    const grownMb = (after - before) / 1024 / 1024
    console.log(`flood: heap +${grownMb.toFixed(1)} MB, rss ${(rssBefore / 1048576).toFixed(0)} -> peak ${(peak / 1048576).toFixed(0)} MB, ${peakConns} connections at most`)
    // Many strangers got as far as membership (on a loaded machine some are cut at the upgrade
    // limit, their handshakes starved of CPU), and the node closed every one of them.
    const [, total, closedByNode] = out.split(' ').map(Number)
    expect(total).toBe(250)
    expect(closedByNode).toBeGreaterThan(50)
    // Generous: before, this flood took a node from 98 to 250 MB.
    expect(grownMb, `heap grew ${grownMb.toFixed(1)} MB`).toBeLessThan(40)
  })
})

/** `count` strangers, `parallel` at a time, from `hosts` loopback addresses; resolves to the child's summary. */
async function flood (n: TestNode, count: number, parallel: number, hosts: number): Promise<string> {
  const addr = `${n.node.addresses()[0] as string}`
  const child = spawn(process.execPath, [FLOOD, addr, String(count), String(parallel), String(hosts)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise(resolve => child.once('exit', resolve))
  return out.trim()
}
