/**
 * Rewriting absolute paths from one root to another, on path boundaries only: `/a` matches `/a`
 * and `/a/x`, never `/a-other`. Pure.
 */

export interface PathMap { from: string, to: string }

function trimSlash (p: string): string { return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p }

/** `p` under `root` (itself or below it, on a '/' boundary). */
export function under (p: string, root: string): boolean {
  const r = trimSlash(root)
  return p === r || p.startsWith(r === '/' ? '/' : r + '/')
}

/** `p` rewritten from `map.from` to `map.to`, or undefined when it is not under `from`. */
export function rewritePath (p: string, map: PathMap): string | undefined {
  const from = trimSlash(map.from)
  const to = trimSlash(map.to)
  if (!under(p, from)) return undefined
  return to + p.slice(from.length)
}
