/**
 * The sessions area of the API schema: a session's messages, task, driver lease and views, and the
 * sessions.* methods. `key`, `role`, `force` and a new message are shared with the agents area.
 */
import { z } from 'zod'
import type { MethodDef } from './schema.js'
import { goal, messageId, nonBlank, oneLineNames, refuseLoneSurrogates, title } from './schema-text.js'
import { MAX_GOAL } from './title.js'

/**
 * The longest wait a `timeoutMs` can ask for: Node's timers hold at most 2^31-1 ms (about 24.8
 * days), and a longer one fires at once, so a wait of 3e9 ms gave up immediately.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647
export const key = z.string().min(1).max(200).describe('session key: agent:<agent-id>:<key>, or a bare <key> meaning agent:main:<key>')
export const role = z.enum(['user', 'assistant', 'system', 'tool']).describe('who wrote the message')

export const ToolCallSchema = z.object({ id: z.string().optional(), name: z.string(), input: z.unknown().optional() })
export const ToolResultSchema = z.object({ callId: z.string(), output: z.string(), isError: z.boolean().optional() })

export const MessageSchema = z.object({
  id: z.string(),
  role,
  content: z.string(),
  ts: z.number().describe('milliseconds since the epoch'),
  device: z.string().describe('device id of the author'),
  author: z.string().optional().describe('label of the author device, when known'),
  toolCall: ToolCallSchema.optional(),
  toolResult: ToolResultSchema.optional()
})

export const LeaseSchema = z.object({
  device: z.string(),
  label: z.string().optional(),
  epoch: z.number(),
  takenAt: z.number(),
  expiresAt: z.number(),
  expired: z.boolean().describe('the lease has run out (allowing for clock skew): anyone may take it'),
  mine: z.boolean().describe('this device holds it'),
  online: z.boolean().optional().describe('whether its holder is online now: given for another device\'s lease past its end, which holds (after 2 minutes\' allowance for clocks that disagree) only while its holder is online'),
  revoked: z.boolean().optional().describe('its holder was revoked: the revocation ended the lease, whatever expiresAt says (expired is true)')
})

export const TaskSchema = z.object({
  plan: z.string(),
  cwd: z.string(),
  progress: z.array(z.object({ text: z.string(), ts: z.number(), device: z.string() })),
  todos: z.array(z.object({ id: z.string(), text: z.string(), done: z.boolean(), updatedAt: z.number() })),
  files: z.array(z.string()),
  fields: z.record(z.string(), z.unknown())
})

export const SessionSummarySchema = z.object({
  key: z.string(),
  title: z.string(),
  createdAt: z.number(),
  status: z.string().optional(),
  lease: LeaseSchema.optional(),
  lastWriter: z.object({ device: z.string(), label: z.string().optional(), ts: z.number() }).optional(),
  messageCount: z.number().optional()
})

/**
 * How much of a session a copy of it in the daemon's memory has applied (grows with every change),
 * and which copy: what a read returns and an event carries compare when their copies are one. An
 * event of the read's copy at or below its version is already in that read (a stream's events
 * and a read reach a client by different ways, in either order); another copy is one loaded from
 * the store since (a reload undoes a change shown ahead of a signature that never came): read again.
 */
export const SessionVersionSchema = z.number().int().nonnegative().describe('how much of the session this copy of it has applied (grows with every change): a message.appended event of the same copy whose version is at or below a read\'s is already in that read')
export const SessionCopySchema = z.string().describe('which copy of the session in the daemon\'s memory the version counts in: a new one each time it is loaded from the store (versions of two copies do not compare; read again)')

export const SessionViewSchema = z.object({
  key: z.string(),
  title: z.string(),
  goal: z.string(),
  status: z.string(),
  task: TaskSchema,
  lease: LeaseSchema.optional(),
  lastWriter: z.object({ device: z.string(), label: z.string().optional(), ts: z.number() }).optional(),
  messages: z.array(MessageSchema),
  messageCount: z.number(),
  firstIndex: z.number().describe('index in the transcript of the first message returned'),
  version: SessionVersionSchema,
  copy: SessionCopySchema
})

/** What sessions.show gives: the view, and what of the session is still on its way. */
export const SessionShowSchema = SessionViewSchema.extend({
  arriving: z.object({
    from: z.string().describe('the label of the peer it comes from'),
    bytesDone: z.number(),
    bytesTotal: z.number(),
    etaMs: z.number().optional().describe('about how long the rest takes, at the rate so far')
  }).optional().describe('more of the session is on its way from a peer (a catch-up or a snapshot in flight): what is shown is what has come so far, and its lease may be one its holder has since released'),
  incomplete: z.object({
    from: z.string().describe('the label of the peer it was coming from'),
    bytesDone: z.number(),
    bytesTotal: z.number(),
    at: z.number().describe('when the transfer stopped (ms since the epoch)')
  }).optional().describe('a catch-up of the session from a peer stopped part way (the connection or the peer went) and has not moved since: what is shown is what came; the rest follows once the two sync again'),
  capture: z.object({
    host: z.string(), path: z.string(), lines: z.number(), linesTotal: z.number(), state: z.enum(['partial', 'stuck']), reason: z.string(),
    says: z.string().describe('the same in words, with what to run on that host')
  }).optional().describe('an agent session whose capturing device holds more of it than mesh: its capture stopped after `lines` of `linesTotal` lines of its file (partial: an import not finished; stuck: a line that is not UTF-8)')
})

export const ResumeSchema = SessionViewSchema.extend({
  leaseTaken: z.boolean(),
  tookOverFrom: z.string().optional().describe('label of the device the lease was taken over from'),
  readOnly: z.boolean().describe('this device does not write (see notWritable): the session is shown, no lease taken'),
  notWritable: z.enum(['home', 'revoked', 'read-only', 'expired']).optional().describe('why this device does not write: its home cannot be written (a read-only mount: opened only to read), revoked, a read-only certificate, or one that expired'),
  agent: z.string().optional().describe('the session holds this agent\'s own records (claude, codex, openclaw, hermes): agents.resume (mesh agent resume, agents_resume) writes its files where the agent reads them, which this does not')
})

export const NewMessageSchema = z.object({
  role,
  content: z.string().min(1).describe('the message text'),
  id: messageId.optional().describe('at most 512 characters, one line; default a new UUID: a message whose id the session holds already is not added again (already), so a retried append adds nothing twice'),
  ts: z.number().min(-8.64e15).max(8.64e15).optional().describe('milliseconds since the epoch (within a Date\'s range, ±8.64e15); default now'),
  toolCall: ToolCallSchema.optional(),
  toolResult: ToolResultSchema.optional()
})

/**
 * A message as sessions.append returns it: in a session that holds an agent's own records (an
 * imported or followed Claude Code, Codex, OpenClaw or Hermes session), said to stay in mesh.
 */
export const AppendedMessageSchema = MessageSchema.extend({
  agent: z.string().optional().describe('the session holds this agent\'s own records (claude, codex, openclaw, hermes): the message is kept in mesh only, never written to the agent\'s files'),
  note: z.string().optional().describe('that, in words: on the first message of the append only (it is said of the whole append)'),
  already: z.literal(true).optional().describe('the session held a message of this id already (a retried append): the one held is returned, not added again')
})

export const force = z.boolean().optional().describe('write even though another device holds the driver lease (an explicit takeover)')

export const SESSION_METHODS = {
  'sessions.list': {
    summary: 'Lists sessions (key, title, created); with details, also status, lease holder, last writer and message count.',
    input: z.object({ details: z.boolean().optional().describe('open each session for its status, lease and counts (slower)') }),
    output: z.array(SessionSummarySchema),
    http: { verb: 'GET', path: '/api/sessions' },
    mcp: 'sessions_list',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'sessions.create': {
    summary: 'Creates a session with a title and goal.',
    input: z.object({ key, title: title.optional().describe('at most 200 characters'), goal: goal.optional().describe(`at most ${MAX_GOAL} characters`) }).superRefine(refuseLoneSurrogates),
    output: SessionSummarySchema.extend({
      notSyncedWith: z.array(z.string()).optional().describe('labels of the siblings that write which this device is not in sync with now (offline, catching up, or no node running here): one of them may have made a session of this key too, and the two merge into one once they sync (both transcripts kept, one title and goal)')
    }),
    http: { verb: 'POST', path: '/api/sessions' },
    mcp: 'sessions_create',
    mcpHints: { readOnly: false, destructive: false, idempotent: true }, // again: refused (SESSION_EXISTS)
    writes: true
  },
  'sessions.show': {
    summary: 'A session\'s goal, task state, lease and transcript: the last `tail` messages (default 50), or those after message id `after`, or `all`.',
    input: z.object({
      key,
      tail: z.number().int().min(0).optional().describe('how many of the last messages (default 50); one of tail, after and all'),
      after: z.string().optional().describe('only messages after this message id (NOT_FOUND when the session holds no message of that id); one of tail, after and all'),
      all: z.boolean().optional().describe('the whole transcript; one of tail, after and all')
    // One of the three: a read that names two asks for two different things (the CLI refuses
    // --tail with --all the same way), where one of them would silently win.
    }).refine(i => [i.tail !== undefined, i.after !== undefined, i.all === true].filter(Boolean).length <= 1, { message: 'give one of tail, after and all (true), not several' }),
    output: SessionShowSchema,
    http: { verb: 'GET', path: '/api/sessions/{key}' },
    mcp: 'sessions_show',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'sessions.wait': {
    summary: 'Waits until a session exists on this device (created here or arrived from a peer) and is whole: its own document is here, not only its name in the sessions index, and nothing of it is still arriving.',
    input: z.object({ key, timeoutMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).optional().describe('give up after this many ms (at most 2147483647, about 24.8 days; default: wait until cancelled)') }),
    output: SessionSummarySchema,
    http: { verb: 'GET', path: '/api/sessions/{key}/wait' },
    mcp: 'sessions_wait',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'sessions.append': {
    summary: 'Appends a message (or several) to a session\'s transcript; durable on this device when it returns. A message given an id the session holds already is not added again (a retried append): the one held is returned, marked already. Refused with LEASE_HELD while another device drives the session, unless force. In an agent\'s own session (imported or followed) the message is kept in mesh only, and each one returned says so (agent), the first in words too (note): resuming writes only what the agent recorded.',
    input: z.object({
      key,
      role: role.optional(),
      content: z.string().optional().describe('the message text (with role)'),
      id: messageId.optional().describe('the message\'s id (with role; at most 512 characters, one line; default a new UUID): an append retried with the same id and message adds nothing, and returns the message held (already)'),
      toolCall: ToolCallSchema.optional(),
      toolResult: ToolResultSchema.optional(),
      messages: z.array(NewMessageSchema).optional().describe('several messages at once, instead of role and content'),
      force
    // A lone surrogate is refused, not stored as U+FFFD: what is stored is what was sent, so an
    // append retried with the same id after a restart finds the same message.
    }).superRefine(refuseLoneSurrogates),
    output: z.array(AppendedMessageSchema),
    http: { verb: 'POST', path: '/api/sessions/{key}/messages' },
    mcp: 'sessions_append',
    mcpHints: { readOnly: false, destructive: false, idempotent: false },
    writes: true
  },
  'sessions.task': {
    summary: 'Updates a session\'s task state: plan, working directory, a progress note, todos added or done, files touched, free fields.',
    input: z.object({
      key,
      plan: z.string().optional(),
      cwd: z.string().optional(),
      progress: nonBlank('a progress note').optional().describe('a progress note to add (not blank)'),
      todoAdd: z.array(nonBlank('a todo')).optional().describe('todo texts to add (none blank)'),
      todoDone: z.array(z.string().regex(/\S/, 'a todo id is empty or only whitespace: give the id of a todo (the session\'s task lists them)')).optional().describe('todos now done, each by its id or by its text when one open todo holds it (none blank)'),
      files: z.array(nonBlank('a file touched')).optional().describe('files touched (none blank)'),
      fields: z.record(z.string(), z.string().nullable()).superRefine(oneLineNames('a field\'s name')).optional().describe('free fields to set (null removes one; a name is one line of text)'),
      force
    }).superRefine(refuseLoneSurrogates),
    output: TaskSchema,
    http: { verb: 'POST', path: '/api/sessions/{key}/task' },
    mcp: 'sessions_task',
    mcpHints: { readOnly: false, destructive: true, idempotent: false }, // replaces the plan, the cwd and free fields (null removes one)
    writes: true
  },
  'sessions.takeLease': {
    summary: 'Takes the driver lease: this device drives the session. Refused with LEASE_HELD while another device holds a live lease, unless take (an explicit takeover).',
    input: z.object({
      key,
      take: z.boolean().optional().describe('take over from the device that holds it'),
      auto: z.boolean().optional().describe('taken on its own by an agent\'s follower, not by a person: releaseLease with auto lets it go only while no person has taken or renewed it since')
    }),
    output: z.object({ lease: LeaseSchema, tookOverFrom: z.string().optional(), renewed: z.boolean().describe('this device held a live lease already: the take renewed it (the same epoch), and it is still the take that made it') }),
    http: { verb: 'POST', path: '/api/sessions/{key}/lease' },
    mcp: 'sessions_take_lease',
    mcpHints: { readOnly: false, destructive: false, idempotent: true },
    writes: true
  },
  'sessions.renewLease': {
    summary: 'Renews this device\'s driver lease (appends renew it too). Refused with LEASE_HELD while another device holds a live lease, and LEASE_NOT_HELD when no device does (none taken, or it ran out): take it instead.',
    input: z.object({ key }),
    output: z.object({ lease: LeaseSchema }),
    http: { verb: 'PUT', path: '/api/sessions/{key}/lease' },
    writes: true
  },
  'sessions.releaseLease': {
    summary: 'Releases this device\'s driver lease so another device can pick the session up. With epoch, only the lease of that epoch (the one the caller took): the look and the release are one step. When nothing is released, reason says why.',
    input: z.object({
      key,
      epoch: z.number().int().min(0).optional().describe('release only this device\'s lease of this epoch (as takeLease returned it); one taken again since, or by another device, stays'),
      auto: z.boolean().optional().describe('release it only while it is a lease a follower took on its own (takeLease with auto), untouched since: one a person took or renewed since (`mesh lease renew`, say) stays')
    }),
    output: z.object({
      released: z.boolean(),
      reason: z.enum(['none', 'not-mine', 'other-epoch', 'renewed']).optional().describe('why nothing was released: no device holds the lease (none), another device does (not-mine), this device does, of another epoch than the one given (other-epoch), or of that epoch but taken or renewed by a person since a follower took it (renewed, asked with auto)'),
      epoch: z.number().optional().describe('the lease\'s epoch now, when one is held and was not released'),
      lease: LeaseSchema.optional().describe('the lease another device holds (not-mine), as sessions.show gives it: who holds it, until when; nothing changed')
    }),
    http: { verb: 'DELETE', path: '/api/sessions/{key}/lease' },
    mcp: 'sessions_release_lease',
    mcpHints: { readOnly: false, destructive: false, idempotent: true },
    writes: true
  },
  'sessions.resume': {
    summary: 'Everything needed to continue a session (goal, task state, progress, transcript) and takes the driver lease; take: take it over from another device.',
    input: z.object({
      key,
      take: z.boolean().optional().describe('take the lease over from the device that holds it'),
      tail: z.number().int().min(0).optional().describe('how many of the last messages (default 50)')
    }),
    output: ResumeSchema,
    http: { verb: 'POST', path: '/api/sessions/{key}/resume' },
    mcp: 'sessions_resume',
    mcpHints: { readOnly: false, destructive: false, idempotent: true } // takes the lease
  }
} as const satisfies Record<string, MethodDef>
