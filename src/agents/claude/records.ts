/**
 * A Claude Code transcript as native records: each line keyed by its `uuid`, or for metadata
 * lines without one (summary, file-history-snapshot, titles, queue operations…) by type,
 * session and content hash; repeated ids numbered by occurrence (ids.ts). Pure.
 */
import { contentId, disambiguate, ownId, parseObject, UUID } from '../ids.js'

export interface LineRecord { id: string, kind: string, text: string }

export function claudeRecords (lines: readonly string[], sessionId: string): LineRecord[] {
  const base = lines.map(text => claudeLineKey(text, sessionId))
  const ids = disambiguate(base.map(r => r.id))
  return base.map((r, i) => ({ ...r, id: ids[i] as string }))
}

/** One line's id before numbering repeats (a follower numbers them across reads: ids.ts IdCounter). */
export function claudeLineKey (text: string, sessionId: string): LineRecord {
  const o = parseObject(text)
  const kind = o === undefined ? 'unparsed' : typeof o.type === 'string' ? o.type : 'untyped'
  const id = o !== undefined && typeof o.uuid === 'string' && o.uuid !== '' ? ownId(o.uuid) : contentId(kind, sessionId, text)
  return { id, kind, text }
}

/** The session's first recorded cwd, and its git branch, from the lines. */
export function claudeCwd (lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const o = parseObject(l)
    if (o !== undefined && typeof o.cwd === 'string' && o.cwd !== '') return o.cwd
  }
  return undefined
}

/**
 * The session id of a transcript named `<stem>.jsonl`. Claude Code names the file after the
 * session, so a uuid stem is the id (its first lines may carry the id of the session it was
 * resumed from). A file renamed or copied (`--file backup.jsonl`) is named by its lines: the
 * `sessionId` of its last main-chain line, the one `claude --resume` must be given.
 */
export function claudeSessionId (lines: readonly string[], stem: string): string {
  if (UUID.test(stem)) return stem
  for (let i = lines.length - 1; i >= 0; i--) {
    const o = parseObject(lines[i] as string)
    if (o !== undefined && o.isSidechain !== true && typeof o.sessionId === 'string' && UUID.test(o.sessionId)) return o.sessionId
  }
  return stem
}

/** The parent session of a sub-agent's transcript: every line a sidechain of one session; else undefined. */
export function sidechainParent (lines: readonly string[]): string | undefined {
  let parent: string | undefined
  for (const l of lines) {
    const o = parseObject(l)
    if (o === undefined || o.isSidechain === undefined) continue
    if (o.isSidechain !== true || typeof o.sessionId !== 'string') return undefined
    if (parent !== undefined && parent !== o.sessionId) return undefined
    parent = o.sessionId
  }
  return parent
}
