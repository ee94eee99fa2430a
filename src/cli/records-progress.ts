/**
 * What `mesh agent resume` and `export` say while a long session's records come: nothing for a
 * session that comes within a second; after that a line on stderr (rewritten in place on a
 * terminal, a plain line per tenth otherwise), first while the session opens (a 150 MB one takes
 * seconds before its first page), then how many of its records have come.
 *
 * @example
 * const p = recordsProgress('agent:claude:…')
 * try { await fetchAgentRecords(api, key, p.onPage) } finally { p.stop() }
 */
import type { PageProgress } from '../agents/resume.js'
import { LiveLine } from './live-line.js'
import { draw } from './context.js'
import type { Drawn } from './printable.js'

/** Quiet for this long: a short session says nothing. */
export const QUIET_MS = 1000

export function recordsProgress (key: string, opts: { tty?: boolean, write?: (s: Drawn) => void, quietMs?: number } = {}): { onPage: PageProgress, stop: () => void } {
  const tty = opts.tty ?? process.stderr.isTTY === true
  const live = new LiveLine(tty, opts.write ?? (s => { draw('stderr', s) }))
  const began = Date.now()
  const quiet = opts.quietMs ?? QUIET_MS
  let said = -1
  let shown = false
  const opening = setTimeout(() => { shown = true; live.bar(`reading ${key}: opening the session…`, false) }, quiet)
  opening.unref()
  return {
    onPage: (fetched, total) => {
      clearTimeout(opening)
      const done = fetched >= total
      if (Date.now() - began < quiet && !shown) return
      const tenth = total === 0 ? 10 : Math.floor(fetched * 10 / total)
      if (!tty && !done && tenth === said) return
      said = tenth
      shown = true
      live.bar(`reading ${key}: ${total === 0 ? 100 : Math.floor(fetched * 100 / total)}% (${fetched} of ${total} records)`, done)
    },
    stop: () => {
      clearTimeout(opening)
      live.clear()
    }
  }
}
