/**
 * Admitting a frame's entries without holding the event loop: each admission's synchronous part
 * (signature, decryption, the Yjs apply) runs as it is called, so a frame of 500 entries called
 * at once held the loop for 100 ms and more. Calls start in slices of about `budgetMs`, the loop
 * given a turn between them; a small frame (a live one) still starts all of its calls in the
 * tick that read it.
 */
export async function settleInSlices<T, R> (items: readonly T[], fn: (item: T) => Promise<R>, budgetMs = 20): Promise<Array<PromiseSettledResult<R>>> {
  const started: Array<Promise<PromiseSettledResult<R>>> = []
  let sliceStart = performance.now()
  for (const item of items) {
    if (performance.now() - sliceStart >= budgetMs) {
      await new Promise<void>(resolve => setImmediate(resolve))
      sliceStart = performance.now()
    }
    // Settled at once: a rejection must not wait unhandled across the turns given away.
    started.push(fn(item).then(value => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason })))
  }
  return await Promise.all(started)
}
