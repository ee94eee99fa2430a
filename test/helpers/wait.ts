/** Waiting for a condition in tests: polled until true, or an error naming what never came. */

export async function until (cond: () => boolean | Promise<boolean>, what: string, ms = 20_000, everyMs = 25): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** `until` for conditions that run a CLI command or read a daemon's files: up to a minute, a look every 300 ms. */
export async function poll (what: string, fn: () => Promise<boolean>, ms = 60_000, everyMs = 300): Promise<void> {
  await until(fn, what, ms, everyMs)
}

/** `until` for a value: `fn` is asked again until it returns one (not undefined), which is returned. */
export async function eventually<T> (fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000, everyMs = 100): Promise<T> {
  let v: T | undefined
  await until(async () => (v = await fn()) !== undefined, what, ms, everyMs)
  return v as T
}
