/**
 * Whether a file holds a session of its agent: at least one of its records is of a kind that
 * agent writes (AGENT-FORMATS.md §1.3, §2.2, §4). A file of lines that are not JSON, of JSON
 * that is no object, or of objects no agent wrote (`{}`, `{"a":1}`) is no session: `mesh agent
 * import` refuses it, the follower makes no session of it and `mesh agent list` says so. The
 * agents add kinds every few weeks, so a kind not listed counts too when its line has the shape
 * that agent's lines have (a Claude Code line names its session, a Codex line is
 * `{timestamp, type, payload}`, an OpenClaw entry has its `id` and `parentId`). Pure.
 */
import { parseObject } from './ids.js'
import type { AgentName } from './names.js'

interface Rec { kind: string, text: string }

const CLAUDE = new Set(['user', 'assistant', 'system', 'summary', 'file-history-snapshot', 'file-history-delta', 'queue-operation', 'progress', 'attachment', 'custom-title', 'tag', 'agent-name', 'ai-title', 'last-prompt', 'permission-mode', 'agent-setting', 'worktree-state', 'bridge-session', 'pr-link', 'continued-in'])
/** Codex's RolloutItem kinds, and the Responses items an older rollout wrote as lines of their own. */
const CODEX = new Set(['session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted', 'message', 'reasoning', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'local_shell_call'])
/** pi v3 entries, and the routing entry mesh keeps beside a database-era session. */
const OPENCLAW = new Set(['session', 'message', 'model_change', 'thinking_level_change', 'compaction', 'branch_summary', 'custom', 'custom_message', 'label', 'session_info', 'session_entry'])

const typed = (r: Rec): Record<string, unknown> | undefined => r.kind === 'unparsed' || r.kind === 'untyped' ? undefined : parseObject(r.text)

const RECOGNIZES: Record<AgentName, (r: Rec) => boolean> = {
  claude: r => CLAUDE.has(r.kind) || typeof typed(r)?.sessionId === 'string',
  codex: r => {
    if (CODEX.has(r.kind)) return true
    const o = typed(r)
    return o !== undefined && typeof o.timestamp === 'string' && typeof o.payload === 'object' && o.payload !== null
  },
  openclaw: r => {
    if (OPENCLAW.has(r.kind)) return true
    const o = typed(r)
    return o !== undefined && typeof o.id === 'string' && 'parentId' in o
  },
  // Read from Hermes's own rows (its state.db, or an export line with its session id): every record is one.
  hermes: () => true
}

/** Whether `r` is a record of a kind `agent` writes (a side file of its session is not one). */
export function agentRecord (agent: AgentName, r: Rec): boolean {
  return RECOGNIZES[agent](r)
}

/**
 * Whether a file's records so far hold no session of `agent`: some records, none of a kind that
 * agent writes. No records at all is not this (a file the agent has not written to yet).
 */
export function noSessionIn (agent: AgentName, records: readonly Rec[]): boolean {
  return records.length > 0 && !records.some(r => agentRecord(agent, r))
}

/**
 * Why a file is no session, in words: "none of its 2 lines is a JSON object". `objects`: whether
 * any of its lines is a JSON object (then of no kind the agent writes).
 */
export function noSessionWhy (agent: AgentName, objects: boolean, lines: number): string {
  if (!objects) return lines === 1 ? 'its one line is not a JSON object' : `none of its ${lines} lines is a JSON object`
  return lines === 1 ? `its one line is no record ${agent} writes` : `none of its ${lines} lines is a record ${agent} writes`
}
