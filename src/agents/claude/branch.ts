/**
 * The branch of a Claude Code session that is current: from the leaf (the last chain entry in
 * the file, which is where `claude --resume` continues) back through `parentUuid`, crossing a
 * compaction boundary by its `logicalParentUuid`. Lines of a rewound branch (the other child of
 * a parent) are not on it. Pure.
 */
import { parseObject } from '../ids.js'

export function currentBranch (lines: readonly string[]): string[] {
  const parent = new Map<string, string | undefined>()
  let leaf: string | undefined
  for (const l of lines) {
    const o = parseObject(l)
    if (o === undefined || typeof o.uuid !== 'string') continue
    // Progress lines hang off the chain without continuing it: they are never the leaf.
    if (o.type === 'progress') { parent.set(o.uuid, typeof o.parentUuid === 'string' ? o.parentUuid : undefined); continue }
    const p = typeof o.parentUuid === 'string' ? o.parentUuid : typeof o.logicalParentUuid === 'string' ? o.logicalParentUuid : undefined
    parent.set(o.uuid, p)
    leaf = o.uuid
  }
  const out: string[] = []
  const seen = new Set<string>()
  for (let at = leaf; at !== undefined && !seen.has(at) && parent.has(at); at = parent.get(at)) {
    seen.add(at)
    out.push(at)
  }
  return out.reverse()
}
