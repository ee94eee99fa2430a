/**
 * An OpenClaw transcript (pi session format v3, AGENT-FORMATS.md §2.2) as native records: each
 * line keyed by its own `id` (the header's is the session's uuid, entries' are 8 hex), lines
 * without one by type, session and content hash; repeats numbered by occurrence. Paths that
 * follow the project: the header's `cwd` and the `path`/`file_path` arguments of tool calls.
 * Pure.
 */
import { asObject, contentId, disambiguate, objectsIn, ownId, parseObject } from '../ids.js'
import type { FieldMatcher } from '../remap.js'
import type { LineRecord } from '../claude/records.js'
import type { ViewMessage } from '../claude/view.js'

export function openclawRecords (lines: readonly string[], sessionId: string): LineRecord[] {
  const base = lines.map(text => openclawLineKey(text, sessionId))
  const ids = disambiguate(base.map(r => r.id))
  return base.map((r, i) => ({ ...r, id: ids[i] as string }))
}

/** One line's own id and type (repeats are numbered by the caller, by occurrence). */
export function openclawLineKey (text: string, sessionId: string): LineRecord {
  const o = parseObject(text)
  const kind = o === undefined ? 'unparsed' : typeof o.type === 'string' ? o.type : 'untyped'
  const id = o !== undefined && typeof o.id === 'string' && o.id !== '' ? ownId(o.id) : contentId(kind, sessionId, text)
  return { id, kind, text }
}

/** The header's session id, cwd and format version. */
export function openclawMeta (lines: readonly string[]): { id?: string, cwd?: string, version?: number } {
  for (const l of lines) {
    const o = parseObject(l)
    if (o?.type !== 'session') continue
    return { id: typeof o.id === 'string' ? o.id : undefined, cwd: typeof o.cwd === 'string' ? o.cwd : undefined, version: typeof o.version === 'number' ? o.version : undefined }
  }
  return {}
}

/**
 * The session id of a transcript file named `name`: OpenClaw names it `<sessionId>.jsonl` (a
 * Telegram topic's `<sessionId>-topic-<threadId>.jsonl`), the header's `id` being the session's.
 * A file of another name (a copy, an archive `<id>.jsonl.reset.<ts>`) is the header's session.
 */
export function openclawSessionId (headerId: string | undefined, name: string): string {
  const stem = name.replace(/\.jsonl$/, '')
  if (headerId === undefined || headerId === '' || stem === headerId || stem.startsWith(`${headerId}-topic-`)) return stem
  return headerId
}

const TOOL_PATH_ARGS = new Set(['path', 'file_path'])

export const openclawPathFields: FieldMatcher = (p, isKey) => {
  if (isKey) return false
  if (p.length === 1) return p[0] === 'cwd'
  // message.content[n].arguments.path of a toolCall block
  return p.length === 5 && p[0] === 'message' && p[1] === 'content' && typeof p[2] === 'number' && p[3] === 'arguments' && TOOL_PATH_ARGS.has(String(p[4]))
}

/** Bookkeeping entries that make no message. */
const SILENT = new Set(['thinking_level_change', 'label', 'custom'])
const MAX_VIEW_CHARS = 16 * 1024

export function openclawView (records: readonly LineRecord[]): ViewMessage[] {
  const out: ViewMessage[] = []
  for (const r of records) {
    const o = parseObject(r.text)
    if (o === undefined) { out.push({ id: r.id, role: 'system', content: `[unparsed line] ${cut(r.text)}` }); continue }
    const ts = typeof o.timestamp === 'string' ? Date.parse(o.timestamp) : Number.NaN
    const at = Number.isFinite(ts) ? { ts } : {}
    if (r.kind === 'message') {
      const m = asObject(o.message) ?? {}
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : objectsIn(m.content)
      if (m.role === 'user') {
        out.push({ id: r.id, role: 'user', content: cut(blocks.map(b => b.type === 'text' ? String(b.text ?? '') : `[${String(b.type)}]`).join('\n')) || '(empty)', ...at })
      } else if (m.role === 'assistant') {
        for (const b of blocks) {
          if (b.type === 'text') out.push({ id: r.id, role: 'assistant', content: cut(String(b.text ?? '')) || '(empty)', ...at })
          else if (b.type === 'thinking') out.push({ id: r.id, role: 'assistant', content: `[thinking] ${cut(String(b.thinking ?? ''))}`, ...at })
          else if (b.type === 'toolCall') out.push({ id: r.id, role: 'assistant', content: `[tool ${String(b.name)}]`, toolCall: { id: String(b.id ?? ''), name: String(b.name ?? ''), input: b.arguments }, ...at })
          else out.push({ id: r.id, role: 'assistant', content: `[${String(b.type)}]`, ...at })
        }
        if (blocks.length === 0) out.push({ id: r.id, role: 'assistant', content: typeof m.errorMessage === 'string' ? `[error] ${m.errorMessage}` : '(empty)', ...at })
      } else if (m.role === 'toolResult') {
        const output = blocks.map(b => b.type === 'text' ? String(b.text ?? '') : `[${String(b.type)}]`).join('\n')
        out.push({ id: r.id, role: 'tool', content: cut(output) || '(empty)', toolResult: { callId: String(m.toolCallId ?? ''), output: cut(output), ...(m.isError === true ? { isError: true } : {}) }, ...at })
      } else {
        out.push({ id: r.id, role: 'system', content: `[message:${String(m.role)}] ${cut(JSON.stringify(m.content ?? m))}`, ...at })
      }
      continue
    }
    if (r.kind === 'session') { out.push({ id: r.id, role: 'system', content: `[session] cwd ${String(o.cwd ?? '')}`, ...at }); continue }
    if (r.kind === 'model_change') { out.push({ id: r.id, role: 'system', content: `[model_change] ${String(o.provider ?? '')}/${String(o.modelId ?? '')}`, ...at }); continue }
    if (r.kind === 'compaction' || r.kind === 'branch_summary') { out.push({ id: r.id, role: 'system', content: `[${r.kind}] ${cut(String(o.summary ?? ''))}`, ...at }); continue }
    if (r.kind === 'custom_message') { out.push({ id: r.id, role: 'system', content: `[custom_message:${String(o.customType ?? '')}] ${cut(typeof o.content === 'string' ? o.content : JSON.stringify(o.content ?? ''))}`, ...at }); continue }
    if (r.kind === 'session_info') { out.push({ id: r.id, role: 'system', content: `[session_info] ${String(o.name ?? '')}`, ...at }); continue }
    if (SILENT.has(r.kind)) continue
    out.push({ id: r.id, role: 'system', content: `[${r.kind}] ${cut(r.text)}`, ...at })
  }
  const seen = new Map<string, number>()
  return out.map(m => { const n = (seen.get(m.id) ?? 0) + 1; seen.set(m.id, n); return n === 1 ? m : { ...m, id: `${m.id}#${n}` } })
}

function cut (s: string): string { return s.length > MAX_VIEW_CHARS ? s.slice(0, MAX_VIEW_CHARS) + '…' : s }
