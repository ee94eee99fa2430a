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

/** A turn that starts a branch: its first record, what it says (cut), when, and every record of the branch in file order. */
export interface BranchStart { uuid: string, line: number, text: string, at?: string, records: string[] }

/**
 * A point of the current branch where the transcript splits: `continues` is the child on the
 * branch Claude Code continues (currentBranch), `side` the other children (chain entries: not
 * progress, not a sub-agent's sidechain) with what hangs off them. The chain is not changed.
 */
export interface Fork { after: string, continues: BranchStart, side: BranchStart[] }

const TURN_CHARS = 60

export function forksOffCurrent (lines: readonly string[]): Fork[] {
  const current = currentBranch(lines)
  if (current.length === 0) return []
  const children = new Map<string, string[]>()
  const info = new Map<string, { line: number, text: string, at?: string }>()
  lines.forEach((l, i) => {
    const o = parseObject(l)
    if (o === undefined || typeof o.uuid !== 'string' || o.type === 'progress' || o.isSidechain === true || info.has(o.uuid)) return
    info.set(o.uuid, { line: i + 1, text: turnText(o), ...(typeof o.timestamp === 'string' ? { at: o.timestamp } : {}) })
    const p = typeof o.parentUuid === 'string' ? o.parentUuid : typeof o.logicalParentUuid === 'string' ? o.logicalParentUuid : undefined
    if (p === undefined) return
    const c = children.get(p)
    if (c === undefined) children.set(p, [o.uuid])
    else c.push(o.uuid)
  })
  /** The branch from `uuid` down: it and its descendants, in file order. */
  const subtree = (uuid: string): string[] => {
    const out: string[] = []
    const todo = [uuid]
    const seen = new Set<string>()
    for (let at = todo.pop(); at !== undefined; at = todo.pop()) {
      if (seen.has(at)) continue
      seen.add(at)
      out.push(at)
      todo.push(...(children.get(at) ?? []))
    }
    return out.sort((a, b) => (info.get(a)?.line ?? 0) - (info.get(b)?.line ?? 0))
  }
  const start = (uuid: string, records: string[]): BranchStart => {
    const i = info.get(uuid) as { line: number, text: string, at?: string }
    // The turn's words: the first of its records that says something (a prompt, an answer).
    const text = records.map(u => info.get(u)?.text ?? '').find(t => t !== '') ?? ''
    return { uuid, line: i.line, text, ...(i.at !== undefined ? { at: i.at } : {}), records }
  }
  const forks: Fork[] = []
  for (let k = 0; k + 1 < current.length; k++) {
    const at = current[k] as string
    const next = current[k + 1] as string
    const others = (children.get(at) ?? []).filter(c => c !== next)
    if (others.length === 0 || !info.has(next)) continue
    forks.push({ after: at, continues: start(next, current.slice(k + 1)), side: others.map(c => start(c, subtree(c))) })
  }
  return forks
}

/** What a chain entry says, first words: a prompt typed or an answer's text; '' for tool results and bookkeeping. */
function turnText (o: Record<string, unknown>): string {
  const msg = o.message as { content?: unknown } | undefined
  let text = ''
  if (msg !== undefined && typeof msg === 'object' && msg !== null) {
    if (typeof msg.content === 'string') text = msg.content
    else if (Array.isArray(msg.content)) {
      const b = (msg.content as Array<{ type?: unknown, text?: unknown }>).find(b => typeof b === 'object' && b !== null && b.type === 'text' && typeof b.text === 'string')
      if (b !== undefined) text = b.text as string
    }
  }
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > TURN_CHARS ? `${one.slice(0, TURN_CHARS - 1)}…` : one
}

/** Where the chain from the leaf back stops at a parent no line has (a line lost). */
export interface ChainBreak { line: number, uuid: string, parent: string, /** The line the records before it are continued from (the last chain entry before it), when one is. */ joinedTo?: number }

/**
 * The current branch (currentBranch), followed across breaks: where the walk back from the leaf
 * stops at a line whose parent no line has, the conversation before that line is not lost but
 * cut off from it. It is taken as the current branch of the lines before the break (their last
 * chain entry back), and so on at each break. A walk that ends at a root (parentUuid null: a
 * compaction's missing logicalParentUuid is no break), a cycle or a parent named later in the
 * file stops there. Pure.
 */
const MAX_BREAKS_FOLLOWED = 100

export function currentBranchAcrossBreaks (lines: readonly string[]): { uuids: string[], breaks: ChainBreak[] } {
  const all = new Map<string, { line: number, parent?: string }>()
  lines.forEach((l, i) => {
    const o = parseObject(l)
    if (o === undefined || typeof o.uuid !== 'string' || all.has(o.uuid)) return
    all.set(o.uuid, { line: i + 1, ...(typeof o.parentUuid === 'string' ? { parent: o.parentUuid } : {}) })
  })
  const breaks: ChainBreak[] = []
  let uuids: string[] = []
  let part = currentBranch(lines)
  // Each break walks the lines before it again: a file of nothing but breaks stops being followed.
  while (breaks.length < MAX_BREAKS_FOLLOWED) {
    uuids = [...part, ...uuids]
    const top = part[0]
    const at = top !== undefined ? all.get(top) : undefined
    // Only a parent that is no record at all is a break: a root, or a walk stopped otherwise, ends it.
    if (at?.parent === undefined || all.has(at.parent)) return { uuids, breaks }
    part = currentBranch(lines.slice(0, at.line - 1))
    const before = part.at(-1)
    breaks.push({ line: at.line, uuid: top as string, parent: at.parent, ...(before !== undefined ? { joinedTo: all.get(before)?.line } : {}) })
    if (before === undefined) return { uuids, breaks }
  }
  return { uuids: [...part, ...uuids], breaks }
}
