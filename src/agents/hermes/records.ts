/**
 * A Hermes session as native records (AGENT-FORMATS.md §3.2-3.3): one line of its native export
 * cut by row.ts into the session row (messages emptied; kind `session`, keyed by content hash)
 * and each message row's exact text (kind `message`, keyed `message:<messages.id>:<hash>`).
 * Hermes rewrites rows in place (compaction flips `active`), so a changed row comes back as a
 * new record; a row is written out in the position of its first version with the text of its
 * last, and the last `session` record is the row's head. A line that cannot be cut exactly is
 * kept whole (kind `session_row`). Path fields: the row's `cwd` and `git_repo_root`. Pure.
 */
import { createHash } from 'node:crypto'
import type { NativeRecord } from '../../../crdt/records.js'
import { InvalidInputError } from '../../errors.js'
import { fromParts } from '../bundle.js'
import { asObject, contentId, disambiguate, objectsIn, ownId, parseObject } from '../ids.js'
import type { FieldMatcher } from '../remap.js'
import type { LineRecord } from '../claude/records.js'
import type { ViewMessage } from '../claude/view.js'
import { joinRow, splitRow } from './row.js'

export const hermesPathFields: FieldMatcher = (p, isKey) => !isKey && p.length === 1 && (p[0] === 'cwd' || p[0] === 'git_repo_root')

const h12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12)

export function hermesRecords (line: string, sessionId: string): LineRecord[] {
  const cut = splitRow(line)
  if (cut === undefined) return [{ id: contentId('session_row', sessionId, line), kind: 'session_row', text: line }]
  const msgs = cut.messages.map(text => {
    const o = parseObject(text)
    const own = o !== undefined && (typeof o.id === 'number' || typeof o.id === 'string') ? `message:${ownId(String(o.id))}` : contentId('message', sessionId, text)
    return { id: `${own}:${h12(text)}`, kind: 'message', text }
  })
  const ids = disambiguate(msgs.map(m => m.id))
  return [{ id: contentId('session', sessionId, cut.head), kind: 'session', text: cut.head }, ...msgs.map((m, i) => ({ ...m, id: ids[i] as string }))]
}

/** A message record's row identity: its id without the content hash. */
function rowOf (id: string): string { return id.replace(/:[0-9a-f]{12}(~\d+)?$/, '') }

/** The export line of the session: the last head with every row's latest text, in first-seen order. */
export function hermesLine (records: readonly NativeRecord[]): string {
  const main = fromParts(records).filter(r => r.file === '')
  let head: NativeRecord | undefined
  for (const r of main) if (r.kind === 'session' || r.kind === 'session_row') head = r
  if (head === undefined) throw new InvalidInputError('the session holds no Hermes session row')
  if (head.kind === 'session_row') return head.text
  const rows = new Map<string, string>()
  for (const r of main) if (r.kind === 'message') rows.set(rowOf(r.id), r.text)
  return joinRow(head.text, [...rows.values()])
}

/** The session id, cwd and title of an export line. */
export function hermesMeta (line: string): { id?: string, cwd?: string, title?: string } {
  const o = parseObject(line)
  const str = (k: string): string | undefined => typeof o?.[k] === 'string' && o[k] !== '' ? o[k] as string : undefined
  return { id: str('id'), cwd: str('cwd'), title: str('title') }
}

const MAX_VIEW_CHARS = 16 * 1024

export function hermesView (records: readonly LineRecord[]): ViewMessage[] {
  const out: ViewMessage[] = []
  for (const r of records) {
    const o = parseObject(r.text)
    if (o === undefined) continue
    const ts = typeof o.timestamp === 'number' ? { ts: Math.round(o.timestamp * 1000) } : typeof o.started_at === 'number' ? { ts: Math.round(o.started_at * 1000) } : {}
    if (r.kind === 'session' || r.kind === 'session_row') {
      out.push({ id: r.id, role: 'system', content: `[hermes session] ${String(o.title ?? o.id ?? '')} (${String(o.source ?? '')}) cwd ${String(o.cwd ?? '')}`, ...ts })
      if (r.kind === 'session_row') for (const m of objectsIn(o.messages)) out.push(...messageView(r.id, m, {}))
      continue
    }
    if (r.kind === 'message') out.push(...messageView(r.id, o, ts))
  }
  const seen = new Map<string, number>()
  return out.map(m => { const n = (seen.get(m.id) ?? 0) + 1; seen.set(m.id, n); return n === 1 ? m : { ...m, id: `${m.id}#${n}` } })
}

function messageView (id: string, o: Record<string, unknown>, at: { ts?: number }): ViewMessage[] {
  const out: ViewMessage[] = []
  const content = typeof o.content === 'string' ? o.content : o.content === null || o.content === undefined ? '' : JSON.stringify(o.content)
  const role = o.role
  if (role === 'tool') {
    out.push({ id, role: 'tool', content: cut(content) || '(empty)', toolResult: { callId: String(o.tool_call_id ?? ''), output: cut(content) }, ...at })
    return out
  }
  if (role === 'user' || role === 'assistant' || role === 'system') {
    const reasoning = typeof o.reasoning === 'string' && o.reasoning !== '' ? o.reasoning : undefined
    if (reasoning !== undefined) out.push({ id, role: 'assistant', content: `[reasoning] ${cut(reasoning)}`, ...at })
    if (content !== '') out.push({ id, role, content: cut(content), ...at })
    let calls: unknown = o.tool_calls
    if (typeof calls === 'string') { try { calls = JSON.parse(calls) } catch { calls = undefined } }
    if (Array.isArray(calls)) {
      for (const c of objectsIn(calls)) {
        const fn = asObject(c.function) ?? {}
        let input: unknown = fn.arguments
        if (typeof input === 'string') { try { input = JSON.parse(input) } catch { /* kept as the text it is */ } }
        out.push({ id, role: 'assistant', content: `[tool ${String(fn.name ?? '')}]`, toolCall: { id: String(c.id ?? ''), name: String(fn.name ?? ''), input }, ...at })
      }
    }
    if (out.length === 0) out.push({ id, role, content: '(empty)', ...at })
    return out
  }
  return [{ id, role: 'system', content: `[message:${String(role)}] ${cut(content)}`, ...at }]
}

function cut (s: string): string { return s.length > MAX_VIEW_CHARS ? s.slice(0, MAX_VIEW_CHARS) + '…' : s }
