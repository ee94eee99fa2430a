/**
 * The chain check Claude Code's resume needs (AGENT-FORMATS.md §1.6): chain entries (lines with
 * a `uuid`) link to their parent by `parentUuid`; resume walks from the leaf back, and a dangling
 * parent shows no history, a repeated uuid or a cycle breaks the walk. A `parentUuid` of null
 * starts a segment (the root, a compact_boundary with its logicalParentUuid). Rewinds (two
 * children of one parent) are fine. Pure.
 */
import { parseObject } from '../ids.js'

export interface ChainProblem { kind: 'dangling-parent' | 'duplicate-uuid' | 'cycle', uuid: string, line: number, detail: string }

export function checkChain (lines: readonly string[]): ChainProblem[] {
  const problems: ChainProblem[] = []
  const parent = new Map<string, string | null>()
  const lineOf = new Map<string, number>()
  lines.forEach((text, i) => {
    const o = parseObject(text)
    if (o === undefined || typeof o.uuid !== 'string') return
    const uuid = o.uuid
    if (parent.has(uuid)) {
      problems.push({ kind: 'duplicate-uuid', uuid, line: i + 1, detail: `uuid ${uuid} on line ${i + 1} was already used on line ${lineOf.get(uuid) ?? 0}` })
      return
    }
    parent.set(uuid, typeof o.parentUuid === 'string' ? o.parentUuid : null)
    lineOf.set(uuid, i + 1)
  })
  for (const [uuid, p] of parent) {
    if (p !== null && !parent.has(p)) problems.push({ kind: 'dangling-parent', uuid, line: lineOf.get(uuid) ?? 0, detail: `line ${lineOf.get(uuid) ?? 0} (${uuid}) names parent ${p}, which no line has` })
  }
  // Cycles: walk up from each entry, colouring what is done.
  const done = new Set<string>()
  for (const start of parent.keys()) {
    const path = new Set<string>()
    let at: string | null | undefined = start
    while (typeof at === 'string' && !done.has(at) && parent.has(at)) {
      if (path.has(at)) { problems.push({ kind: 'cycle', uuid: at, line: lineOf.get(at) ?? 0, detail: `the parentUuid chain through line ${lineOf.get(at) ?? 0} (${at}) loops back on itself` }); break }
      path.add(at)
      at = parent.get(at)
    }
    for (const p of path) done.add(p)
  }
  return problems
}
