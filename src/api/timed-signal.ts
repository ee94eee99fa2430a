/**
 * A signal that aborts with the caller's or after `ms`, and `clear` to call when done. Not
 * AbortSignal.any over AbortSignal.timeout: on Node 20 nothing holds the timeout's signal, so the
 * collector may take it and the wait never ends (seen after any large request). A timer this
 * function owns, cleared at the end.
 */
export function timedSignal (signal: AbortSignal | undefined, ms: number | undefined): { signal: AbortSignal | undefined, clear: () => void } {
  if (ms === undefined) return { signal, clear: () => {} }
  const ac = new AbortController()
  const follow = (): void => { ac.abort(signal?.reason) }
  const timer = setTimeout(() => { ac.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')) }, ms)
  if (signal?.aborted === true) follow()
  else signal?.addEventListener('abort', follow, { once: true })
  return { signal: ac.signal, clear: () => { clearTimeout(timer); signal?.removeEventListener('abort', follow) } }
}
