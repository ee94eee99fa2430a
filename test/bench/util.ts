/** Small helpers for benchmarks: timing, percentiles, a report table, deterministic text. */
import { randomBytes } from 'node:crypto'

export const now = (): number => Number(process.hrtime.bigint()) / 1e6

export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number
}

export const median = (xs: number[]): number => percentile(xs, 50)

/** ~n bytes of text that does not compress to nothing. */
export function text (n: number): string {
  return randomBytes(Math.ceil(n * 3 / 4)).toString('base64').slice(0, n)
}

export interface Row { name: string, value: string, baseline: string, ratio: string, target: string, ok: boolean | undefined }
export const rows: Row[] = []

export function report (r: Row): void {
  rows.push(r)
  const mark = r.ok === undefined ? ' ' : r.ok ? '✓' : '✗'
  console.log(`${mark} ${r.name}: ${r.value}  | baseline ${r.baseline}  | ratio ${r.ratio}  | target ${r.target}`)
}

export const fmt = (n: number, d = 1): string => n.toFixed(d)

/**
 * Runs `task(i)` for i < n with at most `window` in flight. A counter and one waiter, not
 * `Promise.race` over the in-flight set, which would attach `window` reactions per task and
 * charge the harness's own work to the figure.
 */
export async function windowed (n: number, window: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let inflight = 0
  let failed: unknown
  let wake: (() => void) | undefined
  const done = (): void => { inflight--; const w = wake; wake = undefined; w?.() }
  for (let i = 0; i < n; i++) {
    while (inflight >= window) await new Promise<void>(resolve => { wake = resolve })
    if (failed !== undefined) throw failed
    inflight++
    task(i).then(done, (err: unknown) => { failed = err; done() })
  }
  while (inflight > 0) await new Promise<void>(resolve => { wake = resolve })
  if (failed !== undefined) throw failed
}
