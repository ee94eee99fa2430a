/**
 * Long work in slices: a caller checks `due()` between items and awaits `breathe()` when it
 * says so, giving the event loop a turn (timers, sockets, pings) at least every `budgetMs`. A
 * libp2p connection whose ping waits ~5 s is closed, and a daemon that holds its loop for
 * seconds answers nobody meanwhile.
 */
import { onTurn } from '../../protocols/sync/slice.js'

/**
 * 5 ms: a block is the slice plus whatever collection lands in it, and applying a big session
 * allocates fast enough for two young-generation scavenges (~15 ms each as its heap grows) in one
 * 10 ms slice. In four paired runs of `--only=loop` (load 2.2-3.1) the reopen of a 100,000-message
 * session blocked 37-48 ms (p99 29-32) against 51-72 ms (p99 46-51) at 10 ms, for 0-4% more time;
 * the open and the snapshot alike or lower. (At 20 ms, the round before, 10 ms had lowered every
 * sliced step's p99 by 10-17 ms for 2-5% more time.) The sync protocol's admissions keep their own
 * 10 ms per turn (protocols/sync/slice.ts): a catch-up's blocks are its frames and collections.
 */
export const SLICE_MS = 5

let sliceHook: (() => void) | undefined
/**
 * Told at every slice boundary of long work, process-wide: the daemon lets V8 grow its young
 * generation while such work runs and keeps it small while idle (src/cli/daemon-heap.ts). An
 * embedding application's heap is left alone: nothing is told unless a hook is set. The sync
 * protocol's sliced admissions (a catch-up) tell the same hook at each turn they give away.
 */
export function onSlice (hook: (() => void) | undefined): void {
  sliceHook = hook
  onTurn(hook)
}

export class Slicer {
  private start = performance.now()
  constructor (private readonly budgetMs: number = SLICE_MS) {}

  /** This slice has used its budget, or will have once `ahead` more milliseconds of work it owes are done. */
  due (ahead = 0): boolean { return performance.now() - this.start + ahead >= this.budgetMs }

  /** Yields to the event loop (a macrotask turn, not a microtask) and starts a new slice. */
  async breathe (): Promise<void> {
    sliceHook?.()
    await new Promise<void>(resolve => setImmediate(resolve))
    this.start = performance.now()
  }
}
