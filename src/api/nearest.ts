/** The word closest to a mistyped one, for "did you mean": options, commands, session keys. */

/** The most edits a near word is away. */
const MAX = 2

/**
 * The candidate closest to `typed` (at most two edits away, and fewer than its length), if any.
 * `ignore`: candidates it must not suggest (a session key that differs only in its digits is
 * another session, not a typo).
 */
export function nearest (typed: string, candidates: Iterable<string>, ignore: (candidate: string) => boolean = () => false): string | undefined {
  let best: { name: string, d: number } | undefined
  for (const name of candidates) {
    if (Math.abs(name.length - typed.length) > MAX) continue
    const d = editDistance(typed, name, MAX)
    if (d <= MAX && d < typed.length && (best === undefined || d < best.d) && !ignore(name)) best = { name, d }
  }
  return best?.name
}

/**
 * Levenshtein distance, a swap of two neighbours counting as one edit (--tial for --tail). With
 * `max`, any distance past it is returned as max + 1, as soon as a row shows it (thousands of
 * session keys are compared on a "no session" without a pause of the daemon).
 */
export function editDistance (a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  let before: number[] = []
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = [i]
    let low = i
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (before[j - 2] as number) + 1)
      row.push(v)
      if (v < low) low = v
    }
    if (low > max) return max + 1
    before = prev
    prev = row
  }
  return Math.min(prev[b.length] as number, max + 1)
}
