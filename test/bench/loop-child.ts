/**
 * Child of `--only=loop` (loop.ts): the event-loop steps under the V8 heap `mesh join` runs
 * under, set before the rest is loaded as bin/mesh.js sets it (loading modules alone grows the
 * young generation). argv: dir quick. Sends the rows to report over IPC. MESH_LOOP_HEAP=default
 * runs them under V8's default heap instead (what the daemon's heap costs in total time).
 */
import { daemonHeap } from '../../src/cli/daemon-heap.js'

if (process.env.MESH_LOOP_HEAP !== 'default') daemonHeap()
await import('../../src/polyfill.js')
const { measureLoop } = await import('./loop.js')
const [dir, quick] = process.argv.slice(2) as [string, string]
const rows = await measureLoop(dir, { quick: quick === 'true' })
// Run on its own (to trace it: node --trace-gc dist/test/bench/loop-child.js DIR false), it prints them.
if (process.send === undefined) console.log(JSON.stringify(rows, null, 2))
else await new Promise<void>((resolve, reject) => process.send?.(rows, (err: Error | null) => err === null ? resolve() : reject(err)))
// libp2p leaves timers behind after stop() (see run.ts): exit once the rows are sent.
process.exit(0)
