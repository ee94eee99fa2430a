/**
 * peers.json keeps addresses a peer can be dialed at. B dials A: A sees B's connection come from
 * an ephemeral source port, and must remember the port B listens on instead. B then restarts on
 * its port knowing nobody (its peers.json removed, no discovery): only A's redial can bring them
 * together again, and it does. A node that stops notes each peer connected until then as seen at
 * its stop (libp2p's stop tells of no disconnect), not at the moment it proved it.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function startAt (home: string, port: number, wallet?: ReturnType<typeof generateWallet>): Promise<{ vault: MeshVault, node: MeshNode, stop: () => Promise<void> }> {
  const vault = await openVault({ home, wallet, label: 'B' })
  const node = await MeshNode.start(vault.vault, { listen: [`/ip4/127.0.0.1/tcp/${port}`], mdns: false, dht: 'off' })
  let stopped = false
  const stop = async (): Promise<void> => { if (stopped) return; stopped = true; await node.stop(); await vault.close() }
  cleanups.push(stop)
  return { vault, node, stop }
}

const lastSeenOf = async (home: string, peerId: string): Promise<number | undefined> => {
  const list = JSON.parse(await readFile(join(home, 'peers.json'), 'utf8').catch(() => '[]')) as Array<{ peerId: string, lastSeen: number }>
  return list.find(p => p.peerId === peerId)?.lastSeen
}

const portOf = (n: MeshNode): number => Number(n.libp2p.getMultiaddrs()[0]?.getComponents().find(c => c.name === 'tcp')?.value)

describe('peers.json', () => {
  it('remembers the port a peer that dialed in listens on, so redialing it after its restart works', async () => {
    const wallet = generateWallet()
    const a: TestNode = await startNode({ wallet, label: 'A' }); cleanups.push(a.stop)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const bHome = join(t.dir, 'b')
    let b = await startAt(bHome, 0, wallet)
    const bPort = portOf(b.node)
    const bId = b.node.libp2p.peerId.toString()
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => a.node.isOnline(bId), 'A to prove B')
    const remembered = async (): Promise<string[]> => {
      const list = JSON.parse(await readFile(join(a.home, 'peers.json'), 'utf8').catch(() => '[]')) as Array<{ peerId: string, addrs: string[] }>
      return list.find(p => p.peerId === bId)?.addrs ?? []
    }
    await until(async () => (await remembered()).length > 0, 'A to remember B')
    const addrs = await remembered()
    const ephemeral = a.node.libp2p.getConnections(b.node.libp2p.peerId)[0]?.remoteAddr.toString()
    expect(addrs).toContain(`/ip4/127.0.0.1/tcp/${bPort}`)
    expect(addrs).not.toContain(ephemeral)

    await b.stop()
    await rm(join(bHome, 'peers.json'), { force: true })
    b = await startAt(bHome, bPort)
    await until(() => a.node.isOnline(bId) && b.node.isOnline(a.node.libp2p.peerId.toString()), 'A to redial B after its restart', 40_000)
  })

  it('notes a peer connected until this node stops as seen at the stop, not when it was proven', async () => {
    const wallet = generateWallet()
    const a: TestNode = await startNode({ wallet, label: 'A' }); cleanups.push(a.stop)
    const b: TestNode = await startNode({ wallet, label: 'B' }); cleanups.push(b.stop)
    const bId = b.node.libp2p.peerId.toString()
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => a.node.isOnline(bId), 'A to prove B')
    await until(async () => (await lastSeenOf(a.home, bId)) !== undefined, 'A to remember B')
    // The stop comes after the time noted at the proof, by the clock: so a time noted at the
    // stop is a later one, whatever the machine's speed.
    const proven = await lastSeenOf(a.home, bId) as number
    await until(() => Date.now() > proven, 'the clock to move past the proof')
    const stopping = Date.now()
    await a.node.stop()
    const atStop = await lastSeenOf(a.home, bId) as number
    expect(atStop).toBeGreaterThan(proven)
    expect(atStop).toBeGreaterThanOrEqual(stopping)
  })
})
