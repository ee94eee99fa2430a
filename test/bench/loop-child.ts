/**
 * Child of `--only=loop` (loop.ts): the event-loop steps under the V8 heap `mesh join` runs
 * under: the CLI's modules loaded first, as bin/mesh.js loads them (their loading grows the young
 * generation to 4 MB semi-spaces), then daemonHeap() as `mesh join` calls it. argv: dir quick.
 * Sends the rows to report over IPC. MESH_LOOP_HEAP=default runs them under V8's default heap
 * (semi-spaces up to 16 MB, what the bench process itself has), MESH_LOOP_HEAP=first with the
 * daemon heap set before anything loads (1 MB semi-spaces): what each costs in blocks and time.
 */
import { daemonHeap } from '../../src/cli/daemon-heap.js'

const heap = process.env.MESH_LOOP_HEAP ?? 'daemon'
if (heap === 'first') daemonHeap()
await import('../../src/cli/main.js')
if (heap === 'daemon') daemonHeap()
await import('../../src/polyfill.js')
const { measureLoop } = await import('./loop.js')
const [dir, quick] = process.argv.slice(2) as [string, string]
const rows = await measureLoop(dir, { quick: quick === 'true' })
// Run on its own (to trace it: node --trace-gc dist/test/bench/loop-child.js DIR false), it prints them.
if (process.send === undefined) console.log(JSON.stringify(rows, null, 2))
else await new Promise<void>((resolve, reject) => process.send?.(rows, (err: Error | null) => err === null ? resolve() : reject(err)))
// libp2p leaves timers behind after stop() (see run.ts): exit once the rows are sent.
process.exit(0)
