/**
 * The sending node of `--only=loop`'s catch-up and reconnect (loop.ts), in a process of its own
 * as on a machine of its own: the receiver's event loop is then measured alone, and this one's
 * beside it. Runs under the heap `mesh join` runs under, as loop-child.ts does.
 *
 * argv: home (a vault already holding what it sends; the wallet is not needed to serve it).
 * Over IPC: sends {ready: {addr, peerId}}; on {measure} starts watching its loop; on {report}
 * answers {loop: LoopFigures} (since the last {measure}; watched as loop.ts watches its own, loop-watch.ts); on {stop} stops and exits.
 */
import { daemonHeap } from '../../src/cli/daemon-heap.js'
import { watchLoop } from './loop-watch.js'

await import('../../src/cli/main.js')
daemonHeap()
await import('../../src/polyfill.js')
const { openVault } = await import('../../src/sdk/index.js')
const { nodeOn } = await import('./loop.js')

const [home] = process.argv.slice(2) as [string]
// Entries, not a snapshot, are what the catch-up sends: no snapshot as it runs or on close.
const vault = await openVault({ home, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
const node = await nodeOn(vault)
let w: ReturnType<typeof watchLoop> | undefined

process.on('message', (m: { measure?: true, report?: true, stop?: true }) => {
  if (m.measure === true) {
    w?.stop()
    w = watchLoop()
  } else if (m.report === true) {
    process.send?.({ loop: w?.stop() })
    w = undefined
  } else if (m.stop === true) {
    w?.stop()
    void (async () => {
      await node.stop()
      await vault.close()
      // libp2p leaves timers behind after stop() (see run.ts): exit once stopped.
      process.exit(0)
    })()
  }
})
process.send?.({ ready: { addr: node.addresses()[0], peerId: node.libp2p.peerId.toString() } })
