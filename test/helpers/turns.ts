/**
 * Watching the event loop's turns in a test of sliced work: a 0 ms timer that notes each turn of
 * the timers in a shared record of what ran, and the longest run of work between two such notes.
 */

/** Holds the thread for `ms`, as a signature check, a Yjs apply or sealing a frame does. */
export const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end) { /* work */ } }

/** Pushes 'timer' into `order` at every turn of the timers until the returned stop() is called. */
export function noteTimerTurns (order: string[]): () => void {
  let ticking = true
  const tick = (): void => { order.push('timer'); if (ticking) setTimeout(tick, 0) }
  setTimeout(tick, 0)
  return () => { ticking = false }
}

/** The most entries of `order` between two 'timer' notes: the work one turn of the loop did. */
export function longestRun (order: readonly string[]): number {
  let run = 0
  let longest = 0
  for (const o of order) {
    if (o === 'timer') { run = 0; continue }
    longest = Math.max(longest, ++run)
  }
  return longest
}
