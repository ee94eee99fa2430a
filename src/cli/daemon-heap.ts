/**
 * The daemon's V8 heap, tuned for a process that idles all day and now and then opens, snapshots
 * or receives a big session. V8 grows the young generation (two semi-spaces) from 1 MB up to
 * 16 MB each while allocation is brisk, and gives it back only when its memory reducer runs after
 * a quiet spell; an idle daemon whose young generation grew at start kept ~20 MB more resident.
 * So the growth factor is 1 (no growth) while the daemon idles, and V8's own 2 while long work
 * runs in slices (src/node/slice.ts tells at each slice), back to 1 once no slice has run for
 * IDLE_AFTER_MS; V8 then shrinks the young generation at its next quiet collection.
 *
 * Why not 1 throughout: the CLI's loading leaves 4 MB semi-spaces, and under them opening a
 * 100,000-message session from its entries took 15-30 s against 5-13 s under V8's default heap
 * (plain Yjs applying the same updates 13-17 s against 3.6-4.9 s), at load 6-12 on the 2-core
 * machine, with longer event-loop blocks, not shorter (`npm run bench -- --only=loop`;
 * MESH_LOOP_HEAP there compares). The growth factor is read at each growth, so it can be changed
 * while the process runs, where a command-line flag could not be (the daemon is `mesh join`, not
 * `node --flag`; and V8 raises a growth factor under 2 given on the command line to 2). Long work
 * lets it grow up to YOUNG_CAP_BYTES (both semi-spaces), not V8's 32 MB, checked at each slice.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { onSlice } from '../node/slice.js'

const IDLE_AFTER_MS = 5_000

/**
 * The young generation's ceiling while long work runs (its two semi-spaces together, as
 * v8.getHeapSpaceStatistics reports new_space): at it, the growth factor goes back to 1. What
 * long work allocates mostly survives (a document's Yjs items), so each scavenge promotes most of
 * the young generation into old-space pages the process has not touched yet, and memory first
 * touched costs ~15 µs a page on the 2-core machine: at V8's 16 MB semi-spaces (32 MB together)
 * a scavenge during a 100,000-message open or reopen paused 30-55 ms (`--only=loop`, traced with
 * a CPU profile cut at each gap). The cost: the open's step ~6% longer, the reopen's ~12%.
 */
export const YOUNG_CAP_BYTES = 8 * 1024 * 1024

const youngSize = (): number => getHeapSpaceStatistics().find(s => s.space_name === 'new_space')?.space_size ?? 0

export function daemonHeap (): void {
  let factor = 0
  const grow = (f: 1 | 2): void => {
    if (f === factor) return
    setFlagsFromString(`--semi-space-growth-factor=${f}`)
    factor = f
  }
  grow(1)
  let lastSlice = 0
  let timer: NodeJS.Timeout | undefined
  const settle = (): void => {
    const quiet = performance.now() - lastSlice
    if (quiet < IDLE_AFTER_MS) { timer = setTimeout(settle, IDLE_AFTER_MS - quiet).unref(); return }
    timer = undefined
    grow(1)
  }
  onSlice(() => {
    lastSlice = performance.now()
    grow(youngSize() >= YOUNG_CAP_BYTES ? 1 : 2)
    timer ??= setTimeout(settle, IDLE_AFTER_MS).unref()
  })
}
