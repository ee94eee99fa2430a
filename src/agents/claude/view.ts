/**
 * The normalized view of a Claude Code transcript: the messages mesh shows (`mesh session show`,
 * `mesh watch`, the MCP tools), derived from the native lines, each keyed by its record's id.
 * A typed prompt is a user message; an assistant line is one message per content block (text,
 * a tool call, thinking shown as such); tool results are tool messages; lines of types this code
 * does not know show as a system message naming their type. Progress, snapshots and queue
 * operations are bookkeeping and make no message. Pure.
 */
import { asObject, objectsIn, parseObject } from '../ids.js'
import type { LineRecord } from './records.js'

export interface ViewMessage {
  id: string
  role: 'user' | 'assistant' | 'system' | 'tool'
  content: string
  ts?: number
  toolCall?: { id?: string, name: string, input?: unknown }
  toolResult?: { callId: string, output: string, isError?: boolean }
}

const SILENT = new Set(['progress', 'file-history-snapshot', 'file-history-delta', 'queue-operation', 'last-prompt', 'permission-mode', 'agent-setting', 'worktree-state', 'bridge-session'])
/** The view keeps messages short: the native record holds the whole text. */
const MAX_VIEW_CHARS = 16 * 1024

export function claudeView (records: readonly LineRecord[]): ViewMessage[] {
  const out: ViewMessage[] = []
  for (const r of records) {
    const o = parseObject(r.text)
    if (o === undefined) { out.push({ id: r.id, role: 'system', content: `[unparsed line] ${cut(r.text)}` }); continue }
    const ts = typeof o.timestamp === 'string' ? Date.parse(o.timestamp) : undefined
    const at = ts !== undefined && Number.isFinite(ts) ? { ts } : {}
    const msg = asObject(o.message)
    if (r.kind === 'user' && msg !== undefined) {
      if (typeof msg.content === 'string') { out.push({ id: r.id, role: 'user', content: cut(msg.content) || '(empty)', ...at }); continue }
      if (Array.isArray(msg.content)) {
        const parts: string[] = []
        for (const b of objectsIn(msg.content)) {
          if (b.type === 'tool_result') {
            const output = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '')
            out.push({ id: r.id, role: 'tool', content: cut(output) || '(empty)', toolResult: { callId: String(b.tool_use_id ?? ''), output: cut(output), ...(b.is_error === true ? { isError: true } : {}) }, ...at })
          } else if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text)
          else parts.push(`[${String(b.type)}]`)
        }
        if (parts.length > 0) out.push({ id: r.id, role: 'user', content: cut(parts.join('\n')), ...at })
        continue
      }
    }
    // The Messages API allows a plain string for an assistant's content too (a hand-written or
    // older line): its text, not the raw line.
    if (r.kind === 'assistant' && msg !== undefined && typeof msg.content === 'string') { out.push({ id: r.id, role: 'assistant', content: cut(msg.content) || '(empty)', ...at }); continue }
    if (r.kind === 'assistant' && msg !== undefined && Array.isArray(msg.content)) {
      for (const b of objectsIn(msg.content)) {
        if (b.type === 'text' && typeof b.text === 'string') out.push({ id: r.id, role: 'assistant', content: cut(b.text) || '(empty)', ...at })
        else if (b.type === 'tool_use') out.push({ id: r.id, role: 'assistant', content: `[tool ${String(b.name)}]`, toolCall: { id: String(b.id ?? ''), name: String(b.name ?? ''), input: b.input }, ...at })
        else if (b.type === 'thinking') out.push({ id: r.id, role: 'assistant', content: `[thinking] ${cut(String(b.thinking ?? ''))}`, ...at })
        else out.push({ id: r.id, role: 'assistant', content: `[${String(b.type)}]`, ...at })
      }
      continue
    }
    if (r.kind === 'system') { out.push({ id: r.id, role: 'system', content: `[system${typeof o.subtype === 'string' ? ':' + o.subtype : ''}] ${cut(String(o.content ?? ''))}`.trimEnd(), ...at }); continue }
    if (r.kind === 'summary') { out.push({ id: r.id, role: 'system', content: `[summary] ${cut(String(o.summary ?? ''))}`, ...at }); continue }
    if (SILENT.has(r.kind)) continue
    out.push({ id: r.id, role: 'system', content: `[${r.kind}] ${cut(r.text)}`, ...at })
  }
  // One record can make several messages (an assistant line of several blocks): ids stay unique.
  const seen = new Map<string, number>()
  return out.map(m => { const n = (seen.get(m.id) ?? 0) + 1; seen.set(m.id, n); return n === 1 ? m : { ...m, id: `${m.id}#${n}` } })
}

function cut (s: string): string { return s.length > MAX_VIEW_CHARS ? s.slice(0, MAX_VIEW_CHARS) + '…' : s }
