/**
 * Long work in slices: a caller checks `due()` between items and awaits `breathe()` when it
 * says so, giving the event loop a turn (timers, sockets, pings) at least every `budgetMs`. A
 * libp2p connection whose ping waits ~5 s is closed, and a daemon that holds its loop for
 * seconds answers nobody meanwhile.
 */
import { onTurn, SLICE_MS } from '../../protocols/sync/slice.js'

/** The slice's budget: the sync protocol's, one for the whole process (protocols/sync/slice.ts says why 10 ms). */
export { SLICE_MS }

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
