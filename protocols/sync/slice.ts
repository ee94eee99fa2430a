/**
 * Admitting frames' entries without holding the event loop: each admission's synchronous part
 * (signature, decryption, the Yjs apply) runs as it is called, so a frame of 500 entries called
 * at once held the loop for 100 ms and more. Calls start in slices of about `budgetMs`, the loop
 * given a turn between them; a small frame (a live one) still starts all of its calls in the
 * tick that read it.
 *
 * The budget is one per turn of the event loop, shared by every frame of every session: the loop
 * is one. A budget per frame let four frames in flight (cut from one read of the stream, or woken
 * in one pass over the loop's immediates) each run their own slice back to back, a recurring
 * ~85 ms block during a catch-up. A turn ends when the loop reaches its timers again (a 0 ms
 * timer, armed only while sliced work runs): that is when a timer, a ping or a socket's reader
 * gets its go, and when the waiting slices resume, oldest first.
 */

/**
 * 10 ms of sliced admissions per turn: a turn's block is that plus what comes with a catch-up's
 * frames (their reading, decoding and parsing, held to the same budget below) and whatever
 * collection lands in it. At 20 ms the node's own slices (src/node/slice.ts, now 5 ms) blocked
 * 10-17 ms longer at p99 for 2-5% less time per step.
 */
export const SLICE_MS = 10

/** Sliced work in the current turn: when it began; undefined once the loop had its turn. */
let turnStart: number | undefined
let turnEnd: ReturnType<typeof setTimeout> | undefined
const waiting: Array<() => void> = []
let turnHook: (() => void) | undefined

/**
 * Told each time sliced admissions give the loop its turn: long work runs. The node passes its
 * own slice hook (src/node/slice.ts onSlice), so a catch-up lets the daemon's young generation
 * grow as an open or a snapshot does (src/cli/daemon-heap.ts); unset, nothing is told.
 */
export function onTurn (hook: (() => void) | undefined): void { turnHook = hook }

function endTurn (): void {
  turnEnd = undefined
  turnStart = undefined
  // Resumed in order; each checks the shared budget again before its next call.
  for (const wake of waiting.splice(0)) wake()
}

function armTurnEnd (): void {
  turnEnd ??= setTimeout(endTurn, 0)
}

/** Whether sliced work already used this turn's budget; unlike turnSpent, starts no turn's clock (no timer armed on a path with no sliced work). */
export function turnOver (budgetMs = SLICE_MS): boolean {
  return turnStart !== undefined && performance.now() - turnStart >= budgetMs
}

/** Whether sliced work has used this turn's budget (the first call starts the turn's clock). */
export function turnSpent (budgetMs = SLICE_MS): boolean {
  const now = performance.now()
  if (turnStart === undefined) {
    turnStart = now
    armTurnEnd()
  }
  return now - turnStart >= budgetMs
}

/** Resolves once the loop has had its turn (its timers ran), with a fresh budget. */
export async function nextTurn (): Promise<void> {
  turnHook?.()
  await new Promise<void>(resolve => {
    waiting.push(resolve)
    armTurnEnd()
  })
}

/** Gives the loop its turn first when this turn's budget is spent: for work that comes in units (a frame to encode) between which it may wait. */
export async function turnIfSpent (budgetMs = SLICE_MS): Promise<void> {
  while (turnSpent(budgetMs)) await nextTurn()
}

/**
 * For a unit of work that may wait (a catch-up's next frame to encode, its next document to
 * plan): it starts on a fresh turn unless sliced work already runs in this one with budget left.
 * turnSpent counts from the first sliced call of a turn, so what ran before it in the same turn
 * (a frame's handling, the peer's vectors, libp2p's own work) went uncounted: a catch-up's
 * sender chained that with a document's plan, its first reads and a frame's encoding and sealing
 * into one turn of 45-75 ms (`--only=loop`, traced). Costs at most one turn (about a
 * millisecond) per unit started outside sliced work.
 */
export async function unitTurn (budgetMs = SLICE_MS): Promise<void> {
  if (turnStart === undefined) await nextTurn()
  await turnIfSpent(budgetMs)
}

/**
 * Calls `fn` on consecutive chunks of at most `size` items, each started once the turn's budget
 * allows (the loop given its turn between them), and resolves when every call did; rejects with
 * the first call's error, once all have settled.
 */
export async function chunksInSlices<T> (items: readonly T[], size: number, fn: (chunk: T[]) => Promise<void>, budgetMs = SLICE_MS): Promise<void> {
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < items.length; i += size) {
    await turnIfSpent(budgetMs)
    // Settled at once: a rejection must not wait unhandled across the turns given away.
    calls.push(fn(items.slice(i, i + size)).then(() => undefined, (err: unknown) => ({ err })))
  }
  for (const r of await Promise.all(calls)) if (r !== undefined) throw (r as { err: unknown }).err
}

export async function settleInSlices<T, R> (items: readonly T[], fn: (item: T) => Promise<R>, budgetMs = SLICE_MS): Promise<Array<PromiseSettledResult<R>>> {
  const started: Array<Promise<PromiseSettledResult<R>>> = []
  for (const item of items) {
    // Not `await turnIfSpent()`: an await even when the budget allows would put a microtask
    // before every call, and a live frame's calls start in the tick that read it.
    while (turnSpent(budgetMs)) await nextTurn()
    // Settled at once: a rejection must not wait unhandled across the turns given away.
    started.push(fn(item).then(value => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason })))
  }
  return await Promise.all(started)
}
