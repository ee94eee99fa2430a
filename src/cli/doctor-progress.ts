/**
 * What `mesh doctor` says while it runs long: nothing for a doctor done within a second of its
 * start; after that a line on stderr (rewritten in place on a terminal, a plain line per tenth
 * otherwise), first while the home opens, then how far the check of every stored snapshot is, in
 * files and bytes of the total. The check goes a page at a time (doctor.check) for that. Nothing
 * with --json (`show`: false).
 *
 * @example
 * const p = doctorProgress({ show: !g.json })
 * try { found = await withApi(g, async api => await p.check(api)) } finally { p.stop() }
 */
import type { MeshApi } from '../api/api.js'
import type { Output } from '../api/schema.js'
import { sizeWords } from '../node/progress.js'
import { draw } from './context.js'
import { LiveLine } from './live-line.js'
import type { Drawn } from './printable.js'
import { QUIET_MS } from './records-progress.js'

type Damaged = Output<'doctor.check'>['damaged']

export interface DoctorProgressOptions {
  /** false: say nothing (--json). */
  show: boolean
  tty?: boolean
  write?: (s: Drawn) => void
  quietMs?: number
  /** At most this many snapshots a page (the API's page is about a quarter second of work otherwise). */
  files?: number
}

export interface DoctorProgress {
  /** Checks every stored snapshot; what it found damaged where it lies, every page's, in order. */
  check: (api: MeshApi) => Promise<Damaged>
  /** Clears a line left unfinished (an error came). */
  stop: () => void
}

/** Started when made: the quiet time counts from then. */
export function doctorProgress (opts: DoctorProgressOptions): DoctorProgress {
  const tty = opts.tty ?? process.stderr.isTTY === true
  const live = new LiveLine(tty, opts.write ?? (s => { draw('stderr', s) }))
  let said = -1
  let shown = false
  let last = 'checking the store: opening the home…'
  // The home can take seconds to open, and a page long (one big snapshot): the line comes once
  // the quiet time is over all the same.
  const timer = opts.show ? setTimeout(() => { shown = true; live.bar(last, false) }, opts.quietMs ?? QUIET_MS) : undefined
  timer?.unref()
  const stop = (): void => { clearTimeout(timer); live.clear() }
  return {
    stop,
    check: async (api) => {
      const found: Damaged = []
      let after: string | undefined
      for (;;) {
        const page = await api.call('doctor.check', { ...(after !== undefined ? { after } : {}), ...(opts.files !== undefined ? { files: opts.files } : {}) })
        found.push(...page.damaged)
        const { checked, total } = page
        const done = page.next === undefined
        last = `checking snapshots: ${checked.files} of ${total.files} files, ${sizeWords(checked.bytes)} of ${sizeWords(total.bytes)}`
        const tenth = total.bytes === 0 ? 10 : Math.floor(checked.bytes * 10 / total.bytes)
        if (shown && (tty || done || tenth !== said)) {
          said = tenth
          live.bar(last, done)
        }
        if (done) { stop(); return found }
        after = page.next
      }
    }
  }
}
