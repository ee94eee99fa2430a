/**
 * A Claude Code transcript as native records: each line keyed by its `uuid`, or for metadata
 * lines without one (summary, file-history-snapshot, titles, queue operations…) by type,
 * session and content hash; repeated ids numbered by occurrence (ids.ts). Pure.
 */
import { contentId, disambiguate, parseObject } from '../ids.js'

export interface LineRecord { id: string, kind: string, text: string }

export function claudeRecords (lines: readonly string[], sessionId: string): LineRecord[] {
  const base = lines.map(text => {
    const o = parseObject(text)
    const kind = o === undefined ? 'unparsed' : typeof o.type === 'string' ? o.type : 'untyped'
    const id = o !== undefined && typeof o.uuid === 'string' ? o.uuid : contentId(kind, sessionId, text)
    return { id, kind, text }
  })
  const ids = disambiguate(base.map(r => r.id))
  return base.map((r, i) => ({ ...r, id: ids[i] as string }))
}

/** The session's first recorded cwd, and its git branch, from the lines. */
export function claudeCwd (lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const o = parseObject(l)
    if (o !== undefined && typeof o.cwd === 'string' && o.cwd !== '') return o.cwd
  }
  return undefined
}
