/**
 * Live entries straight from their author (their bodies applied on arrival, their signatures
 * following: early entries) have their signatures checked a run at a time. An entry's check waits
 * up to LIVE_RUN_MS for the author's next entry in the same document and lane; one check of the
 * newest entry of such a run then covers the entries before it, each named by its successor's
 * `prev` (crdt/SPEC.md, Runs of entries; checkRunSignatures). An author writing back to back costs
 * one check per run instead of one per entry: the check (~90 µs of a core here) was the largest
 * item of a receiver's work per live message, and on a busy machine its cost showed in the next
 * message's handoff. What waits is the entry's storing, forwarding and acknowledgement, never
 * its showing: its body was applied when it came. A run closes at LIVE_RUN_MAX entries, at a gap
 * in its sequence numbers, after LIVE_RUN_MS, or when the vault closes; no timer runs without a run.
 *
 * @example
 * const runs = new LiveRuns()
 * await runs.checked(entry) // throws the check's error (InvalidSignatureError) for a bad one
 */
import { checkRunSignatures, streamKey, toHex, type Entry } from '../identity/index.js'

/** How long an entry's check waits for its author's next entry (well within LIVE_WRITE_WITHIN_MS, which its write waits anyway). */
export const LIVE_RUN_MS = 10
/** The most entries one check covers. */
export const LIVE_RUN_MAX = 64

interface Run {
  entries: Entry[]
  waiting: Array<{ resolve: () => void, reject: (err: Error) => void }>
  timer: ReturnType<typeof setTimeout>
}

export class LiveRuns {
  private readonly runs = new Map<string, Run>()

  /** `check`: each entry's outcome, undefined when it passed (checkRunSignatures). */
  constructor (private readonly check: (entries: readonly Entry[]) => Array<Error | undefined> = checkRunSignatures, private readonly ms = LIVE_RUN_MS) {}

  /** Resolves once the entry's signature passed (checked, or vouched for by its run's newer one); rejects with its check's error. */
  async checked (entry: Entry): Promise<void> {
    const key = `${toHex(entry.doc)}/${streamKey(entry)}`
    let run = this.runs.get(key)
    const last = run?.entries.at(-1)
    if (run !== undefined && last !== undefined && last.seq + 1n !== entry.seq) {
      this.close(key)
      run = undefined
    }
    if (run === undefined) {
      run = { entries: [], waiting: [], timer: setTimeout(() => { this.close(key) }, this.ms) }
      this.runs.set(key, run)
    }
    const r = run
    const done = new Promise<void>((resolve, reject) => { r.waiting.push({ resolve, reject }) })
    r.entries.push(entry)
    if (r.entries.length >= LIVE_RUN_MAX) this.close(key)
    await done
  }

  /** Every run checked now (the vault is closing): nothing waits past it. */
  closeAll (): void {
    for (const key of [...this.runs.keys()]) this.close(key)
  }

  private close (key: string): void {
    const run = this.runs.get(key)
    if (run === undefined) return
    this.runs.delete(key)
    clearTimeout(run.timer)
    let outcome: Array<Error | undefined>
    try {
      outcome = this.check(run.entries)
    } catch (err) {
      outcome = run.entries.map(() => err as Error)
    }
    run.waiting.forEach((w, i) => {
      const err = outcome[i]
      if (err === undefined) w.resolve()
      else w.reject(err)
    })
  }
}
