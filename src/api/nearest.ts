/** The word closest to a mistyped one, for "did you mean": options, commands, session keys. */

/** The candidate closest to `typed` (at most two edits away, and fewer than its length), if any. */
export function nearest (typed: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string, d: number } | undefined
  for (const name of candidates) {
    const d = editDistance(typed, name)
    if (d <= 2 && d < typed.length && (best === undefined || d < best.d)) best = { name, d }
  }
  return best?.name
}

/** Levenshtein distance, a swap of two neighbours counting as one edit (--tial for --tail). */
export function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : j === 0 ? i : 0))
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1)
      ;(d[i] as number[])[j] = v
    }
  }
  return at(a.length, b.length)
}
