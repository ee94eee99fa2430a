/**
 * A Codex rollout as native records (AGENT-FORMATS.md §4): lines `{timestamp, type, payload}`
 * with no ids of their own, keyed by type, session and content hash, numbered by occurrence.
 * Paths that follow the project: `payload.cwd` of `session_meta` and `turn_context`. Pure.
 */
import { asObject, contentId, disambiguate, objectsIn, parseObject, UUID, UUID_TEXT } from '../ids.js'
import type { FieldMatcher } from '../remap.js'
import type { LineRecord } from '../claude/records.js'
import type { ViewMessage } from '../claude/view.js'

export function codexRecords (lines: readonly string[], sessionId: string): LineRecord[] {
  const base = lines.map(text => codexLineKey(text, sessionId))
  const ids = disambiguate(base.map(r => r.id))
  return base.map((r, i) => ({ ...r, id: ids[i] as string }))
}

/** One line's id before numbering repeats. */
export function codexLineKey (text: string, sessionId: string): LineRecord {
  const o = parseObject(text)
  const kind = o === undefined ? 'unparsed' : typeof o.type === 'string' ? o.type : 'untyped'
  return { id: contentId(kind, sessionId, text), kind, text }
}

/** The session id and cwd from the (first) session_meta line; `found` whether there is one. */
export function codexMeta (lines: readonly string[]): { found?: true, id?: string, cwd?: string, timestamp?: string } {
  for (const l of lines) {
    const o = parseObject(l)
    if (o?.type !== 'session_meta') continue
    const p = asObject(o.payload)
    return { found: true, id: typeof p?.id === 'string' ? p.id : undefined, cwd: typeof p?.cwd === 'string' ? p.cwd : undefined, timestamp: typeof p?.timestamp === 'string' ? p.timestamp : undefined }
  }
  return {}
}

const NAME_ID = new RegExp(`(${UUID_TEXT})\\.jsonl$`, 'i')

/** The session id in a rollout's file name (`rollout-<time>-<uuid>.jsonl`, or any name ending in `<uuid>.jsonl`), lower-cased. */
export function codexNameId (fileName: string): string | undefined {
  return NAME_ID.exec(fileName)?.[1]?.toLowerCase()
}

/**
 * The one rule for which session a Codex rollout is, wherever it is read (an import, the
 * follower, the listing): the id of its session_meta line, the thread id `codex resume <id>`
 * takes (AGENT-FORMATS.md §4), else, with no such line, the id in its file name. A rollout copied
 * or renamed (or whose name was made by another tool) keys as the session it holds.
 */
export function codexSessionId (lines: readonly string[], fileName: string): string | undefined {
  // Codex's ids are UUIDs; anything else in the line (a hand-edited or foreign file) would make a
  // session key of whatever it holds, so the name's id stands instead.
  const id = codexMeta(lines).id
  return id !== undefined && UUID.test(id) ? id : codexNameId(fileName)
}

export const codexPathFields: FieldMatcher = (p, isKey) => !isKey && p.length === 2 && p[0] === 'payload' && p[1] === 'cwd'

/** Content parts (a message's content, a custom tool's output) as text: each part's text, else its type in brackets. */
const partsText = (parts: unknown[]): string => objectsIn(parts).map(c => typeof c.text === 'string' ? c.text : `[${String(c.type)}]`).join('\n')

/** The view: messages and tool calls of response items; event messages repeat them and make none. */
export function codexView (records: readonly LineRecord[]): ViewMessage[] {
  const out: ViewMessage[] = []
  for (const r of records) {
    const o = parseObject(r.text)
    const ts = typeof o?.timestamp === 'string' ? Date.parse(o.timestamp) : Number.NaN
    const at = Number.isFinite(ts) ? { ts } : {}
    const p = asObject(o?.payload) ?? {}
    if (r.kind === 'response_item') {
      if (p.type === 'message' && (p.role === 'user' || p.role === 'assistant')) {
        const text = Array.isArray(p.content) ? partsText(p.content) : ''
        out.push({ id: r.id, role: p.role, content: text || '(empty)', ...at })
      } else if (p.type === 'function_call' || p.type === 'custom_tool_call' || p.type === 'local_shell_call') {
        let input: unknown = p.arguments ?? p.input ?? p.action
        if (typeof input === 'string') { try { input = JSON.parse(input) } catch { /* kept as the text it is */ } }
        out.push({ id: r.id, role: 'assistant', content: `[tool ${String(p.name ?? p.type)}]`, toolCall: { id: String(p.call_id ?? ''), name: String(p.name ?? p.type), input }, ...at })
      } else if (p.type === 'function_call_output' || p.type === 'custom_tool_call_output') {
        // A custom tool's output is content parts ([{type: 'output_text', text}]), as a message's is.
        const output = typeof p.output === 'string' ? p.output : Array.isArray(p.output) ? partsText(p.output) : JSON.stringify(p.output ?? '')
        out.push({ id: r.id, role: 'tool', content: output.slice(0, 16384) || '(empty)', toolResult: { callId: String(p.call_id ?? ''), output: output.slice(0, 16384) }, ...at })
      } else if (p.type === 'reasoning') {
        const s = Array.isArray(p.summary) ? objectsIn(p.summary).map(x => String(x.text ?? '')).join('\n') : ''
        out.push({ id: r.id, role: 'assistant', content: `[reasoning] ${s}`.trimEnd(), ...at })
      } else out.push({ id: r.id, role: 'system', content: `[response_item:${String(p.type)}]`, ...at })
      continue
    }
    if (r.kind === 'event_msg' || r.kind === 'turn_context') continue
    // Said as the other agents' views say a line that is not JSON.
    if (r.kind === 'unparsed') { out.push({ id: r.id, role: 'system', content: `[unparsed line] ${r.text.slice(0, 16384)}` }); continue }
    if (r.kind === 'session_meta') { out.push({ id: r.id, role: 'system', content: `[session_meta] cwd ${String(p.cwd ?? '')}`, ...at }); continue }
    if (r.kind === 'compacted') { out.push({ id: r.id, role: 'system', content: `[compacted] ${String(p.message ?? '')}`, ...at }); continue }
    out.push({ id: r.id, role: 'system', content: `[${r.kind}] ${r.text.slice(0, 16384)}`, ...at })
  }
  return out
}
