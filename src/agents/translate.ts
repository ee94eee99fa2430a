/**
 * Exporting a session to another agent than the one that wrote it: an explicit, labelled and
 * lossy translation from mesh's normalized view, never a replay. Only the conversation on the
 * current branch travels (prompts, answers, tool calls and their results); what cannot be
 * carried is counted and named (thinking and its signatures, encrypted reasoning, system and
 * bookkeeping records, rewound branches, side files, usage and model metadata). The new
 * session's ids are made fresh (derived from the source key, so repeated exports agree):
 * the translation is a new session, not the original one. Pure.
 */
import { createHash } from 'node:crypto'
import type { NativeRecord } from '../../crdt/records.js'
import { fromParts } from './bundle.js'
import { parseObject } from './ids.js'
import { currentBranchAcrossBreaks, type ChainBreak } from './claude/branch.js'
import { claudeRecords } from './claude/records.js'
import { claudeView, type ViewMessage } from './claude/view.js'
import { codexView } from './codex/records.js'
import { openclawView } from './openclaw/records.js'
import { hermesLine, hermesRecords, hermesView } from './hermes/records.js'
import { rewritePath } from './paths.js'

export const TRANSLATE_TARGETS = ['claude', 'hermes'] as const
export type TranslateTarget = typeof TRANSLATE_TARGETS[number]

export interface Translation {
  bytes: Buffer, label: string, dropped: string[], sessionId: string
  /** What was taken as it was not written: a Claude transcript's chain broken (a line lost), continued across the break. */
  notes?: string[]
}

interface Meta { agent: string, sessionId: string, cwd?: string }

/**
 * The source session's conversation on its current branch, as the view shows it. A Claude
 * transcript's chain broken by a line lost is followed across the break (the conversation before
 * it is no rewind: currentBranchAcrossBreaks), and the breaks returned.
 */
export function sourceView (meta: Meta, records: readonly NativeRecord[]): { view: ViewMessage[], offBranch: number, breaks?: ChainBreak[] } {
  const main = fromParts(records).filter(r => r.file === '')
  if (meta.agent === 'claude') {
    const branch = currentBranchAcrossBreaks(main.map(r => r.text))
    const on = new Set(branch.uuids)
    const keep = main.filter(r => { const o = parseObject(r.text); return typeof o?.uuid !== 'string' || on.has(o.uuid) })
    return { view: claudeView(claudeRecords(keep.map(r => r.text), meta.sessionId)), offBranch: main.length - keep.length, ...(branch.breaks.length > 0 ? { breaks: branch.breaks } : {}) }
  }
  if (meta.agent === 'openclaw') {
    const parent = new Map<string, string | undefined>()
    let leaf: string | undefined
    for (const r of main) {
      const o = parseObject(r.text)
      if (o === undefined || o.type === 'session' || typeof o.id !== 'string') continue
      parent.set(o.id, typeof o.parentId === 'string' ? o.parentId : undefined)
      leaf = o.id
    }
    const on = new Set<string>()
    for (let at = leaf; at !== undefined && !on.has(at); at = parent.get(at)) on.add(at)
    const keep = main.filter(r => { const o = parseObject(r.text); return o?.type === 'session' || typeof o?.id !== 'string' || on.has(o.id) })
    return { view: openclawView(keep), offBranch: main.length - keep.length }
  }
  if (meta.agent === 'hermes') return { view: hermesView(hermesRecords(hermesLine(records), meta.sessionId)), offBranch: 0 }
  return { view: codexView(main), offBranch: 0 }
}

/** A uuid-shaped id derived from the source key, so two exports of one session agree. */
function derivedUuid (seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function translateSession (meta: Meta, records: readonly NativeRecord[], target: TranslateTarget, map?: { from: string, to: string }): Translation {
  const { view, offBranch, breaks } = sourceView(meta, records)
  const counts = new Map<string, number>()
  const drop = (what: string): void => { counts.set(what, (counts.get(what) ?? 0) + 1) }
  const kept: ViewMessage[] = []
  for (const m of view) {
    if (m.role === 'system') { drop('system and bookkeeping records'); continue }
    if (m.toolCall === undefined && m.toolResult === undefined && /^\[(thinking|reasoning)\]/.test(m.content)) { drop('thinking / reasoning blocks'); continue }
    kept.push(m)
  }
  const cwd = meta.cwd !== undefined && map !== undefined ? (rewritePath(meta.cwd, map) ?? meta.cwd) : meta.cwd
  const sideFiles = new Set(records.filter(r => r.file !== '').map(r => r.file)).size
  const dropped = [...counts].map(([k, n]) => `${n} ${k}`)
  // Off the branch once it is followed across its breaks: rewound branches (and, past a break, what hangs off no line taken).
  if (offBranch > 0) dropped.push(`${offBranch} records off the current branch (rewinds${breaks !== undefined ? ', or cut off by the broken chain' : ''})`)
  const notes = (breaks ?? []).map(b => `the chain is broken at line ${b.line} (parent ${b.parent} is no record): ${b.joinedTo !== undefined ? `the conversation before it is kept, taken on from line ${b.joinedTo}, the last before it` : 'no conversation comes before it'}`)
  if (sideFiles > 0) dropped.push(`${sideFiles} side files (sub-agents, tool results, index)`)
  dropped.push('view texts are cut at 16 KiB per message; usage, model and provider metadata; tool-call signatures and encrypted reasoning')
  const label = `translated ${meta.agent} → ${target} (lossy: a new session built from the conversation, not a replay)`
  if (target === 'hermes') {
    const sessionId = `mesh_${meta.agent}_${meta.sessionId}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)
    const start = kept.find(m => m.ts !== undefined)?.ts ?? 0
    const messages = kept.map(m => {
      const timestamp = (m.ts ?? start) / 1000
      if (m.toolCall !== undefined) return { role: 'assistant', content: '', tool_calls: [{ id: m.toolCall.id ?? '', type: 'function', function: { name: m.toolCall.name, arguments: JSON.stringify(m.toolCall.input ?? {}) } }], timestamp }
      if (m.toolResult !== undefined) return { role: 'tool', content: m.toolResult.output, tool_call_id: m.toolResult.callId, timestamp }
      return { role: m.role, content: m.content, timestamp }
    })
    const row = { id: sessionId, source: 'import', origin_json: JSON.stringify({ imported_from: { tool: `mesh:${meta.agent}`, foreign_session_id: meta.sessionId } }), title: `Imported from ${meta.agent} via mesh: ${meta.sessionId}`, cwd: cwd ?? null, started_at: start / 1000, message_count: messages.length, messages }
    return { bytes: Buffer.from(JSON.stringify(row) + '\n'), label, dropped, sessionId, ...(notes.length > 0 ? { notes } : {}) }
  }
  const sessionId = derivedUuid(`mesh-translation:${meta.agent}:${meta.sessionId}`)
  const lines: string[] = []
  let parent: string | null = null
  for (const [i, m] of kept.entries()) {
    const uuid = derivedUuid(`${sessionId}:${i}`)
    const timestamp = new Date(m.ts ?? 0).toISOString()
    const base = { parentUuid: parent, isSidechain: false, userType: 'external', cwd: cwd ?? '', sessionId, version: 'mesh-translation' }
    let line: Record<string, unknown>
    if (m.toolCall !== undefined) line = { ...base, type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: m.toolCall.id ?? `call_${i}`, name: m.toolCall.name, input: m.toolCall.input ?? {} }] }, uuid, timestamp }
    else if (m.toolResult !== undefined) line = { ...base, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: m.toolResult.callId, content: m.toolResult.output, ...(m.toolResult.isError === true ? { is_error: true } : {}) }] }, uuid, timestamp }
    else if (m.role === 'assistant') line = { ...base, type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: m.content }] }, uuid, timestamp }
    else line = { ...base, type: 'user', message: { role: 'user', content: m.content }, uuid, timestamp }
    lines.push(JSON.stringify(line))
    parent = uuid
  }
  return { bytes: Buffer.from(lines.length === 0 ? '' : lines.join('\n') + '\n'), label, dropped, sessionId, ...(notes.length > 0 ? { notes } : {}) }
}
