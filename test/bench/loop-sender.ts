/**
 * The sending node of `--only=loop`'s catch-up and reconnect (loop.ts), in a process of its own
 * as on a machine of its own: the receiver's event loop is then measured alone, and this one's
 * beside it. Runs under the heap `mesh join` runs under, as loop-child.ts does.
 *
 * argv: home (a vault already holding what it sends; the wallet is not needed to serve it).
 * Over IPC: sends {ready: {addr, peerId}}; on {measure} starts watching its loop; on {report}
 * answers {loop: {maxMs, p99Ms}} (since the last {measure}; the monitor ticks every 1 ms, as in loop.ts); on {stop} stops and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { daemonHeap } from '../../src/cli/daemon-heap.js'

await import('../../src/cli/main.js')
daemonHeap()
await import('../../src/polyfill.js')
const { openVault } = await import('../../src/sdk/index.js')
const { nodeOn } = await import('./loop.js')

const [home] = process.argv.slice(2) as [string]
// Entries, not a snapshot, are what the catch-up sends: no snapshot as it runs or on close.
const vault = await openVault({ home, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
const node = await nodeOn(vault)
let h = monitorEventLoopDelay({ resolution: 1 })

process.on('message', (m: { measure?: true, report?: true, stop?: true }) => {
  if (m.measure === true) {
    h.disable()
    h = monitorEventLoopDelay({ resolution: 1 })
    h.enable()
  } else if (m.report === true) {
    process.send?.({ loop: { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 } })
  } else if (m.stop === true) {
    h.disable()
    void (async () => {
      await node.stop()
      await vault.close()
      // libp2p leaves timers behind after stop() (see run.ts): exit once stopped.
      process.exit(0)
    })()
  }
})
process.send?.({ ready: { addr: node.addresses()[0], peerId: node.libp2p.peerId.toString() } })
