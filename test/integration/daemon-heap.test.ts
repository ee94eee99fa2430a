/**
 * The daemon's young generation (src/cli/daemon-heap.ts): kept from growing while the daemon
 * idles, let grow while long work runs in slices, up to YOUNG_CAP_BYTES. Each case runs in a child process of its own
 * (V8 flags are process-wide), built from dist as `mesh join` runs it, and reports the young
 * generation's size (v8.getHeapSpaceStatistics, new_space) after a burst of allocation that
 * survives, once without slices and once with Slicer.breathe() between its pieces.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { YOUNG_CAP_BYTES } from '../../src/cli/daemon-heap.js'

const run = promisify(execFile)
const url = (p: string): string => pathToFileURL(join(ROOT, 'dist', 'src', p)).href

const CHILD = `
import { getHeapSpaceStatistics } from 'node:v8'
import { daemonHeap } from '${url('cli/daemon-heap.js')}'
import { Slicer } from '${url('node/slice.js')}'
import { settleInSlices } from '${pathToFileURL(join(ROOT, 'dist', 'protocols', 'sync', 'slice.js')).href}'
const young = () => getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size
const kept = []
const burst = () => { for (let i = 0; i < 400_000; i++) kept.push({ i, a: [i] }) }
if (process.argv[1] === 'daemon') daemonHeap()
const start = young()
for (let k = 0; k < 3; k++) burst()
const plain = young()
const slicer = new Slicer()
if (process.argv[2] === 'admissions') {
  // The sync protocol's sliced admissions (a catch-up): a frame's entries admitted in turns.
  await settleInSlices(Array.from({ length: 6 * 400 }, (_, i) => i), async () => { for (let i = 0; i < 1000; i++) kept.push({ i, a: [i] }); })
} else {
  // Long work as it runs: pieces, the loop given its turn whenever a slice's budget is spent.
  for (let k = 0; k < 6 * 40; k++) {
    for (let i = 0; i < 10_000; i++) kept.push({ i, a: [i] })
    if (slicer.due()) await slicer.breathe()
  }
}
console.log(JSON.stringify({ start, plain, sliced: young() }))
`

async function youngGeneration (mode: 'daemon' | 'default', work: 'slicer' | 'admissions' = 'slicer'): Promise<{ start: number, plain: number, sliced: number }> {
  const r = await run(process.execPath, ['--input-type=module', '-e', CHILD, mode, work], { cwd: ROOT })
  return JSON.parse(r.stdout)
}

describe('the daemon heap', () => {
  it('does not grow the young generation for allocation outside sliced work, and lets it grow while sliced work runs', async () => {
    const d = await youngGeneration('daemon')
    const v8 = await youngGeneration('default')
    // Idle policy (growth factor 1): the plain burst leaves it at most one step up (V8 may still
    // round a semi-space up to its next page size), where V8's own growth doubles it each time.
    expect(d.plain).toBeLessThanOrEqual(2 * d.start)
    expect(v8.plain).toBeGreaterThan(4 * v8.start)
    // Long work: V8's own growth, up to the cap (one growth may land between two slices' checks),
    // where V8's own went to its 16 MB.
    expect(d.sliced).toBeGreaterThanOrEqual(Math.min(4 * d.plain, YOUNG_CAP_BYTES))
    expect(d.sliced).toBeLessThanOrEqual(2 * YOUNG_CAP_BYTES)
    expect(v8.sliced).toBeGreaterThan(YOUNG_CAP_BYTES)
  })

  it('lets it grow while the sync protocol admits a catch-up in slices', async () => {
    const d = await youngGeneration('daemon', 'admissions')
    expect(d.plain).toBeLessThanOrEqual(2 * d.start)
    expect(d.sliced).toBeGreaterThanOrEqual(Math.min(4 * d.plain, YOUNG_CAP_BYTES))
    expect(d.sliced).toBeLessThanOrEqual(2 * YOUNG_CAP_BYTES)
  })
})
