/**
 * The event loop's blocks as `--only=loop` reports them: perf_hooks.monitorEventLoopDelay's
 * longest delay and 99th percentile (1 ms resolution), and what the longest of them was made of.
 * A 1 ms timer runs beside the monitor and keeps the longest gap between its ticks, split, where
 * Linux tells it (/proc/self/task/<pid>/schedstat), into the time the loop's thread ran and the
 * time it was ready to run but waited for a core; the rest it slept (a collection waiting for
 * its helper threads, a blocking system call). It also keeps the most the thread ran in any one
 * gap: the longest the loop's own work held it, whatever the machine's other work took.
 *
 * The timer's longest gap can read shorter than the monitor's longest block: work a turn does in
 * the timers phase before this timer's callback (sliced work resumed by its 0 ms timer,
 * protocols/sync/slice.ts) counts in the gap before, so the split is of the timer's gap, as said.
 *
 * Why: during a catch-up on the 2-core machine, the two nodes' loops, the receiver's signature
 * worker and V8's collector threads ask for more than two cores (the receiver's process alone
 * used 3.4 s of CPU in a 2 s step, 0.9 s of it on the loop's thread), and a traced block of 98 ms
 * was 36 ms run and 47 ms waiting. A block's wait is the machine's, not the step's, and no slicing
 * of the work shortens it; the figure says which it was.
 *
 * @example
 * const w = watchLoop()
 * await step()
 * const { maxMs, p99Ms, gap, mostRunMs } = w.stop() // gap: { ms, runMs, waitMs } (runMs, waitMs, mostRunMs where Linux tells)
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** The loop's tick, in ms: the monitor's resolution and the gap timer's interval. */
export const LOOP_RESOLUTION_MS = 1

/** The longest gap between two ticks of the 1 ms timer, and (Linux) its thread's run and wait time in it. */
export interface Gap { ms: number, runMs?: number, waitMs?: number }
export interface LoopFigures { maxMs: number, p99Ms: number, gap: Gap, mostRunMs?: number }

interface Sched { runMs: number, waitMs: number }

/** A thread's schedstat line (ns on a core, ns ready but waiting for one, ...) in ms; undefined if it does not parse. */
function parseSchedstat (line: string): Sched | undefined {
  const [run, wait] = line.split(' ')
  const runMs = Number(run) / 1e6
  const waitMs = Number(wait) / 1e6
  return Number.isFinite(runMs) && Number.isFinite(waitMs) ? { runMs, waitMs } : undefined
}

/** This thread's total time on a core and ready but waiting for one, in ms; undefined where /proc does not say. */
function schedReader (): { read: () => Sched | undefined, close: () => void } {
  let fd: number | undefined
  try { fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r') } catch { fd = undefined }
  const buf = Buffer.alloc(128)
  return {
    read: () => {
      if (fd === undefined) return undefined
      // Read from offset 0 each time: the kernel writes the line afresh.
      const n = readSync(fd, buf, 0, buf.byteLength, 0)
      return parseSchedstat(buf.toString('latin1', 0, n))
    },
    close: () => { if (fd !== undefined) closeSync(fd); fd = undefined }
  }
}

/**
 * CPU time of this process's main thread (the event loop's) so far, in ms, where Linux tells it:
 * unlike wall time it does not count what the machine's other work takes, and unlike
 * process.cpuUsage() not other threads (GC helpers, the signature worker).
 */
export function loopThreadCpuMs (): number | undefined {
  const sched = schedReader()
  try { return sched.read()?.runMs } finally { sched.close() }
}

/** CPU time so far of each of this process's threads but the loop's, in ms, by thread id; undefined where /proc does not say. */
function otherThreadsRunMs (): Map<string, number> | undefined {
  let tids: string[]
  try { tids = readdirSync('/proc/self/task') } catch { return undefined }
  const out = new Map<string, number>()
  for (const tid of tids) {
    if (tid === String(process.pid)) continue
    // A thread may end between the listing and the read: it has nothing left to run then.
    let sched: Sched | undefined
    try { sched = parseSchedstat(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1')) } catch {}
    if (sched !== undefined) out.set(tid, sched.runMs)
  }
  return out
}

/**
 * Waits until this process's other threads are idle: none of them ran more than `idleMs` in a
 * `windowMs` window (at most `maxMs`). For a step to start from a collected heap, a gc() is not
 * enough: V8 sweeps the freed pages and unmaps them on its helper threads after the collection
 * returns. After the reopen step's plain-Yjs document (a heap of ~900 MB, nearly all garbage),
 * that took 0.3-0.4 s of helper CPU, which the catch-up's first 0.4 s shared the two cores with
 * (its receiver blocked 84-173 ms in four runs, 58-73 ms in five once it waited for this).
 * Returns how long it waited and what the others ran meanwhile; undefined where /proc does not
 * say (not Linux), without waiting.
 */
export async function otherThreadsIdle (opts: { windowMs?: number, idleMs?: number, maxMs?: number } = {}): Promise<{ waitedMs: number, ranMs: number } | undefined> {
  const { windowMs = 50, idleMs = 2, maxMs = 5000 } = opts
  let last = otherThreadsRunMs()
  if (last === undefined) return undefined
  const start = performance.now()
  let ranMs = 0
  while (performance.now() - start < maxMs) {
    await new Promise(resolve => setTimeout(resolve, windowMs))
    const now = otherThreadsRunMs() ?? new Map<string, number>()
    let ran = 0
    // Per thread: one that ended or began in the window counts for what it ran while seen.
    for (const [tid, ms] of now) ran += ms - (last.get(tid) ?? ms)
    last = now
    ranMs += ran
    if (ran < idleMs) break
  }
  return { waitedMs: performance.now() - start, ranMs }
}

/** Starts watching the loop; `stop()` ends it and returns what it saw. */
export function watchLoop (): { stop: () => LoopFigures } {
  const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  h.enable()
  const sched = schedReader()
  let last = performance.now()
  let lastSched = sched.read()
  let longest: Gap = { ms: 0 }
  let mostRunMs: number | undefined
  let timer: NodeJS.Timeout | undefined
  const tick = (): void => {
    // The clock read on both sides of the thread's figures: a gap runs from before the last read to
    // after this one, so the time the thread ran or waited between two reads (a preemption right
    // before a read included) falls within it, but for the kernel's own lag in counting a running
    // thread's time (up to a scheduler tick).
    const t = performance.now()
    const s = sched.read()
    const end = performance.now()
    if (s !== undefined && lastSched !== undefined) mostRunMs = Math.max(mostRunMs ?? 0, s.runMs - lastSched.runMs)
    if (end - last > longest.ms) {
      longest = s === undefined || lastSched === undefined
        ? { ms: end - last }
        : { ms: end - last, runMs: s.runMs - lastSched.runMs, waitMs: s.waitMs - lastSched.waitMs }
    }
    last = t
    lastSched = s
    timer = setTimeout(tick, LOOP_RESOLUTION_MS)
  }
  timer = setTimeout(tick, LOOP_RESOLUTION_MS)
  let seen: LoopFigures | undefined
  return {
    // Once: a second call returns the same figures.
    stop: () => {
      if (seen !== undefined) return seen
      clearTimeout(timer)
      h.disable()
      sched.close()
      seen = { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, gap: longest, mostRunMs }
      return seen
    }
  }
}

/** What the timer's longest gap was made of and the most the thread ran in one ("the longest gap 90 ms: ran 36, waited 47 for a core, slept 7; most run in one gap 41 ms"), or '' where Linux does not say. */
export function gapParts (f: LoopFigures): string {
  const g = f.gap
  if (g.runMs === undefined || g.waitMs === undefined || f.mostRunMs === undefined) return ''
  const slept = Math.max(0, g.ms - g.runMs - g.waitMs)
  return `the longest gap ${Math.round(g.ms)} ms: ran ${Math.round(g.runMs)}, waited ${Math.round(g.waitMs)} for a core, slept ${Math.round(slept)}; most run in one gap ${Math.round(f.mostRunMs)} ms`
}
