/**
 * The agents area of the API schema (issue 13): native records of an agent's sessions stored
 * verbatim, read back a page at a time, and the followers that capture them live.
 */
import { z } from 'zod'
import { isBundlePath } from '../../crdt/records.js'
import type { MethodDef } from './schema.js'
import { force, key, LeaseSchema, NewMessageSchema } from './schema-sessions.js'
import { title } from './schema-text.js'

export const NativeRecordSchema = z.object({
  id: z.string().min(1).describe('the record\'s own id (Claude uuid), else type:session:content-hash; unique per file'),
  file: z.string().refine(isBundlePath, 'not a file of the session folder: \'\' or a relative path of names, no ., .. or empty parts').describe('the file in the session bundle: \'\' the main transcript, else a path relative to it (subagents/agent-x.jsonl)'),
  kind: z.string().describe('the record\'s type as the agent wrote it; \'file\' for a whole side file'),
  text: z.string().describe('the exact text (a JSONL line without its newline), or base64 when enc is base64'),
  enc: z.literal('base64').optional(),
  part: z.number().int().min(0).optional().describe('index of this part, for a record held in parts'),
  parts: z.number().int().min(1).optional()
})

const count = z.number().int().min(0)
const CaptureStuckSchema = z.object({ host: z.string().max(255), path: z.string().max(4096), line: count, from: count, to: count, bytesAfter: count, linesAfter: count, at: count })
const CaptureNoteSchema = z.object({ host: z.string().max(255), path: z.string().max(4096), reason: z.enum(['interrupted', 'unfinished']), lines: count, linesTotal: count, bytes: count, bytesTotal: count, at: count })
const CaptureGapSchema = z.object({ host: z.string(), path: z.string(), lines: z.number(), linesTotal: z.number(), state: z.enum(['partial', 'stuck']), reason: z.string() })

export const AGENT_IMPORT_METHODS = {
  'agents.import': {
    summary: 'Stores an agent\'s native records (each JSONL line\'s exact text, side files of its bundle) in the session agent:<agent>:<sessionId>, creating it; idempotent by record id, so re-importing a grown file adds only its new lines. `messages` is the normalized view of the records sent (shown by session show, watch and the MCP tools).',
    input: z.object({
      key: key.optional().describe('the mesh session key (default agent:<agent>:<sessionId>)'),
      agent: z.enum(['claude', 'codex', 'openclaw', 'hermes']),
      sessionId: z.string().min(1).max(200),
      title: title.optional().describe('the session\'s title when this import creates it (at most 200 characters)'),
      cwd: z.string().optional().describe('the session\'s working directory where it was captured'),
      gitRemote: z.string().optional().describe('the git remote of that directory, to find the project on another machine'),
      name: z.string().optional().describe('the main file\'s original name'),
      dir: z.string().optional().describe('the main file\'s directory relative to the agent\'s home (Codex: sessions/YYYY/MM/DD)'),
      records: z.array(NativeRecordSchema),
      messages: z.array(NewMessageSchema).optional().describe('the view of these records, each keyed by its record id'),
      stuck: CaptureStuckSchema.nullable().optional().describe('capture of the file on this machine stopped at a line that is not UTF-8 (a follower says where, and how much of the file from there on is not captured); null: it goes on again'),
      capture: CaptureNoteSchema.nullable().optional().describe('an import of the file on this machine stored part of it and has not finished (how many of its lines and bytes are stored); null: it finished'),
      force
    }),
    output: z.object({
      key: z.string(),
      added: z.number().describe('records stored that were not held (a record sent in parts counts once, with its last part)'),
      total: z.number().describe('pieces the session holds (a record in parts is several)'),
      messages: z.number().describe('messages this import added to the transcript: the view of the records it added (0 when it held every record already)'),
      drivenBy: z.string().optional().describe('records were stored (force) while another device drives the session: its label (or device id); the transcript now holds what was written on both')
    }),
    http: { verb: 'POST', path: '/api/agents/import' },
    writes: true
  },
  'agents.records': {
    summary: 'An imported agent session\'s native records from index `start` (at most `limit`, and at most about 2 MiB of text per call: page on with `next`), with where it was captured.',
    input: z.object({ key, start: z.number().int().min(0).optional(), limit: z.number().int().min(1).optional() }),
    output: z.object({
      meta: z.object({ agent: z.string(), sessionId: z.string(), cwd: z.string().optional(), gitRemote: z.string().optional(), name: z.string().optional(), dir: z.string().optional(), stuck: CaptureStuckSchema.optional().describe('capture on the machine that writes the session is stopped at a line that is not UTF-8: the records end before it'), capture: CaptureNoteSchema.optional().describe('an import on the machine that writes the session stored part of its file and did not finish: the records hold its first `lines` of `linesTotal`') }),
      records: z.array(NativeRecordSchema),
      total: z.number(),
      next: z.number().optional().describe('start of the next page, when there is one'),
      meshOnly: z.number().optional().describe('on the last page: how many messages of the session\'s transcript are the view of no record (appended through mesh, sessions.append), so not in the agent\'s own files when it is resumed')
    }),
    http: { verb: 'GET', path: '/api/agents/records/{key}' },
    mcp: 'agents_records',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>

/** Followers and what they capture, last in METHODS (see there). */
export const AGENT_FOLLOW_METHODS = {
  'agents.followBeat': {
    summary: 'A follower (mesh join --follow, mesh agent follow) tells the daemon what it follows, after every pass: kept in memory; a follower silent for 15 s, or `stopped`, follows nothing.',
    input: z.object({
      id: z.string().min(1).max(200),
      pid: z.number().int(),
      agents: z.array(z.string()),
      startedAt: z.number(),
      stopped: z.boolean().optional(),
      streams: z.array(z.object({
        key: z.string(),
        stream: z.string(),
        agent: z.string(),
        path: z.string().optional().describe('the file it reads, when it is one'),
        capturedAt: z.number().optional().describe('when it last stored records of this stream'),
        offset: z.number().optional().describe('bytes of the file read and stored'),
        heldBack: z.object({ bytes: z.number(), since: z.number() }).optional().describe('its last line is not whole (no newline, not JSON) and is left unread: `bytes` of it, the file not written since `since`'),
        stuck: z.object({ line: z.number().int(), from: z.number().int(), to: z.number().int() }).optional().describe('capture stopped at this line (1-based) of the file, bytes `from` to `to`, which is not valid UTF-8, until the file changes')
      })).max(100_000)
    }),
    output: z.object({ ok: z.boolean() }),
    http: { verb: 'POST', path: '/api/agents/follow-beat' }
  },
  'agents.status': {
    summary: 'Each agent session in mesh (agent:*) as this device sees it: whether a follower here captures it live, when it last captured a record and up to which byte, a line its capture is stuck at, the lease holder, the last writer, and the sync state (live: followed here; stored: in mesh, not followed here); with the live followers.',
    input: z.object({ keys: z.array(z.string()).optional().describe('only these sessions') }),
    output: z.object({
      followers: z.array(z.object({ id: z.string(), pid: z.number(), agents: z.array(z.string()), startedAt: z.number(), lastBeatAt: z.number(), streams: z.number() })),
      sessions: z.array(z.object({
        key: z.string(),
        following: z.boolean(),
        sync: z.enum(['live', 'stored']),
        follower: z.object({ id: z.string(), pid: z.number() }).optional(),
        stream: z.string().optional(),
        capturedAt: z.number().optional().describe('when this device\'s follower last stored a record of it'),
        offset: z.number().optional().describe('bytes read and stored of the file captured last (files: of each)'),
        files: z.array(z.object({ path: z.string(), offset: z.number().optional() })).optional().describe('the files a follower here reads for it, each with the bytes read and stored'),
        heldBack: z.array(z.object({ path: z.string(), bytes: z.number(), since: z.number() })).optional().describe('files whose last line is not whole and left unread (an agent cut off mid-write): its bytes, and when the file was last written'),
        stuck: z.array(z.object({ path: z.string(), line: z.number(), from: z.number(), to: z.number() })).optional().describe('files whose capture stopped at a line that is not valid UTF-8 (its 1-based number and bytes `from` to `to`): nothing past it is stored until the line is fixed'),
        arriving: z.object({ from: z.string().optional(), bytesDone: z.number(), bytesTotal: z.number().optional() }).optional().describe('listed, but its content is not here yet (arriving from a peer, or a transfer that broke off): what has come; its lease, last writer and message count are not known until it has'),
        lease: LeaseSchema.optional(),
        lastWriter: z.object({ device: z.string(), label: z.string().optional(), ts: z.number() }).optional(),
        capture: CaptureGapSchema.optional().describe('the device that captures the session holds more of it than mesh: its capture stopped after `lines` of `linesTotal` lines (state stuck: at a line that is not UTF-8; partial: an import not finished), why in `reason`'),
        messageCount: z.number().optional()
      }))
    }),
    http: { verb: 'GET', path: '/api/agents/status' },
    mcp: 'agents_status',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>
