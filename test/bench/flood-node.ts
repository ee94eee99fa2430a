/**
 * Child process for the flood benchmark: one vault and its node (its own process, so its memory
 * is its own), answering over IPC: {addr} once listening; on {id, mem, gc?}: {id, rss, heap}
 * (heap after a full collection with gc: run with --expose-gc); on {id, conns}: {id, conns}.
 * argv: home.
 */
import '../../src/polyfill.js'
import { generateWallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault } from '../../src/sdk/index.js'

const v = await openVault({ home: process.argv[2] as string, wallet: generateWallet(), label: 'flooded' })
const node = await MeshNode.start(v.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', membershipTimeoutMs: 1000 })
const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (m: { id?: number, mem?: boolean, gc?: boolean, conns?: boolean, stop?: boolean }) => {
  if (m.mem === true) {
    if (m.gc === true) { gc?.(); gc?.() }
    const u = process.memoryUsage()
    process.send?.({ id: m.id, rss: u.rss, heap: u.heapUsed })
  } else if (m.conns === true) {
    process.send?.({ id: m.id, conns: node.libp2p.getConnections().length })
  } else if (m.stop === true) {
    void node.stop().then(async () => { await v.close() }).then(() => process.exit(0))
  }
})
process.send?.({ addr: node.addresses()[0] })
