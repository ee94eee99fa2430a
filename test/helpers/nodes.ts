/** Real vaults with real libp2p nodes on 127.0.0.1 (mDNS off: no multicast outside a namespace). */
import { join } from 'node:path'
import { generateWallet, type Wallet } from '../../src/identity/index.js'
import { MeshNode, type NodeEvent } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { tempDir } from './tmp.js'

export interface TestNode { vault: MeshVault, node: MeshNode, home: string, events: NodeEvent[], stop: () => Promise<void> }

export async function startNode (opts: { wallet?: Wallet, home?: string, readOnly?: boolean, label?: string, dht?: 'client' | 'server' | 'off', bootstrap?: string[], membershipTimeoutMs?: number, listen?: string[], relay?: boolean, relayVia?: string[], early?: boolean, snapshotEvery?: number, snapshotOnClose?: number } = {}): Promise<TestNode> {
  const t = opts.home === undefined ? await tempDir() : undefined
  const home = opts.home ?? join(t?.dir as string, 'home')
  const vault = await openVault({ home, wallet: opts.wallet ?? generateWallet(), readOnly: opts.readOnly, label: opts.label ?? 'node', snapshotEvery: opts.snapshotEvery, snapshotOnClose: opts.snapshotOnClose })
  const node = await MeshNode.start(vault.vault, { listen: opts.listen ?? ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: opts.dht ?? 'off', bootstrap: opts.bootstrap, membershipTimeoutMs: opts.membershipTimeoutMs, relay: opts.relay, relayVia: opts.relayVia, early: opts.early })
  const events: NodeEvent[] = []
  node.on('event', e => events.push(e))
  let stopped = false
  return {
    vault,
    node,
    home,
    events,
    stop: async () => {
      if (stopped) return
      stopped = true
      await node.stop()
      await vault.close()
      await t?.cleanup()
    }
  }
}

export { until } from './wait.js'

export { generateWallet }
