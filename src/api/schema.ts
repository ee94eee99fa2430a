/**
 * The one schema of the local API: every method and event, typed once with zod. The unix-socket
 * RPC, the HTTP routes and their OpenAPI document, the MCP tools and the TypeScript client are
 * all derived from this table, so a method added here appears everywhere.
 *
 * Front-ends never import this at run time on a hot path (the CLI only needs method names);
 * the daemon validates every input against it before anything runs.
 */
import { z } from 'zod'

const key = z.string().min(1).max(200).describe('session key: agent:<agent-id>:<key>, or a bare <key> meaning agent:main:<key>')
const role = z.enum(['user', 'assistant', 'system', 'tool']).describe('who wrote the message')

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
  mine: z.boolean().describe('this device holds it')
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
  firstIndex: z.number().describe('index in the transcript of the first message returned')
})

export const ResumeSchema = SessionViewSchema.extend({
  leaseTaken: z.boolean(),
  tookOverFrom: z.string().optional().describe('label of the device the lease was taken over from'),
  readOnly: z.boolean()
})

export const MemoryEntrySchema = z.object({ key: z.string(), value: z.string(), tags: z.array(z.string()), updatedAt: z.number(), device: z.string() })

export const SkillSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  body: z.string(),
  source: z.string(),
  hash: z.string(),
  updatedAt: z.number(),
  device: z.string(),
  text: z.string().optional().describe('the SKILL.md exactly as added'),
  files: z.array(z.object({ path: z.string(), text: z.string(), enc: z.literal('base64').optional(), exec: z.boolean().optional() })).optional().describe('the other files of the skill\'s folder')
})
export const SkillTombstoneSchema = z.object({ name: z.string(), hash: z.string().describe('sha256: of its SKILL.md'), folder: z.string().describe('sha256 hex over its folder\'s files (crdt/SPEC.md)'), removedAt: z.number(), device: z.string() })
export const SkillSummarySchema = SkillSchema.omit({ body: true, text: true, files: true })

export const TransferSchema = z.object({
  peerId: z.string(),
  label: z.string(),
  doc: z.string().describe('the document: a session key, or a fixed document\'s name'),
  direction: z.enum(['in', 'out']).describe('in: arriving from the peer; out: being sent to it'),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  entriesDone: z.number(),
  entriesTotal: z.number(),
  resumedFrom: z.number().describe('snapshot bytes already held when the transfer resumed'),
  rateBps: z.number(),
  etaMs: z.number().optional(),
  done: z.boolean()
})

export const PeerSchema = z.object({
  peerId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  addrs: z.array(z.string()),
  via: z.string(),
  state: z.enum(['connected', 'offline']),
  rttMs: z.number().optional(),
  behind: z.record(z.string(), z.number()).describe('per document, entries the peer lacks by its last report'),
  lacking: z.record(z.string(), z.number()).describe('per document, entries this device lacks that the peer holds'),
  inSync: z.boolean().describe('connected, nothing lacking either way and nothing in flight; never true for an offline peer, nor one whose disk is full'),
  diskFull: z.boolean().describe('the peer said its disk is full: it refuses writes until it has room'),
  diverged: z.array(z.string()).optional().describe('documents where this node and the peer hold different content at the same positions (a fork, or a restored home): never in sync; `mesh doctor` says where'),
  transfers: z.array(TransferSchema).describe('what is in flight with this peer, per document and direction'),
  lastSeen: z.number().optional()
})

export const DeviceSchema = z.object({
  deviceId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  issuedAt: z.number(),
  expiresAt: z.number().optional(),
  self: z.boolean(),
  online: z.boolean(),
  lastSeen: z.number().optional(),
  enrolledBy: z.string().optional().describe('who certified it: "wallet", or the enrolling device\'s label'),
  grantedAt: z.number().optional().describe('when it was certified (its certificate\'s issue time)'),
  revoked: z.object({ at: z.number(), by: z.array(z.string()), reason: z.string() }).optional().describe('when and by whom it was revoked (labels, or "wallet")')
})

export const PairingReviewSchema = z.object({
  pairing: z.string().describe('pass to devices.decide'),
  label: z.string().describe('the label the device asks for'),
  claims: z.object({ hostname: z.string(), os: z.string(), arch: z.string(), meshVersion: z.string() }).describe('what the device says about itself: claims, not proven'),
  deviceId: z.string().describe('the PeerId the device will have in the mesh (it proved it holds the key)'),
  fingerprint: z.string().describe('the short fingerprint the device shows next to its code'),
  address: z.string().describe('where this device reached it'),
  via: z.string().describe('how it was found: mdns, inbound (it dialed us), dial, or relay (through a member\'s relay)'),
  seenFrom: z.string().optional().describe('through a relay: the address the relay saw the device come from (its network\'s public address)'),
  requested: z.array(z.string()).describe('capabilities it asks for'),
  granting: z.array(z.string()).describe('capabilities it will get if approved'),
  clockSkewMs: z.number().describe('its clock minus ours')
})

export const StatusSchema = z.object({
  home: z.string(),
  wallet: z.string(),
  deviceId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  sessions: z.number(),
  memory: z.number(),
  skills: z.number(),
  devices: z.number(),
  store: z.object({ docs: z.number(), entries: z.number(), snapshots: z.number(), logBytes: z.number() }),
  diskFull: z.boolean().describe('the disk is full: writes are refused until space is freed, reads go on'),
  revoked: z.object({ at: z.number(), by: z.array(z.string()), reason: z.string() }).optional().describe('this device was revoked: when, by whom (labels, or "wallet") and why; it keeps what it holds, and every write is refused (DEVICE_REVOKED)'),
  rotationOwed: z.object({ since: z.number(), revokes: z.number(), here: z.boolean().describe('this device can write: it makes the rotation within seconds, and before its own next write') }).optional().describe('a revocation whose key rotation no device has made yet: the next device that can write makes it'),
  certificate: z.object({
    version: z.number(),
    writable: z.boolean().describe('this device may write (its certificate grants write and has not expired)'),
    expiresAt: z.number().optional(),
    expired: z.boolean(),
    superseded: z.boolean().describe('a newer certificate of this device is known: this home must be re-certified with `mesh init` and the wallet')
  }),
  daemon: z.object({
    running: z.boolean(),
    pid: z.number().optional(),
    listen: z.array(z.string()),
    peers: z.number(),
    http: z.string().optional(),
    mirror: z.boolean().optional().describe('this node is a blind mirror (mesh join --mirror): it stores and forwards sealed entries, holds no vault key, never writes'),
    relay: z.object({ reservations: z.array(z.string()), circuits: z.number(), refused: z.number() }).optional().describe('serving as a circuit relay for members (mesh join --relay): who holds a slot, circuits open, strangers refused'),
    relayVia: z.array(z.object({ relay: z.string(), state: z.enum(['reserved', 'trying']), expires: z.number().optional(), lastError: z.string().optional() })).optional().describe('reservations held on members\' relays (mesh join --relay-via)')
  })
})

export const QuarantinedSchema = z.object({
  id: z.string().describe('what `doctor.drop` takes'),
  kind: z.enum(['entry', 'snapshot', 'claim']).describe('entry, snapshot: set aside, never applied or sent; claim: a snapshot kept whose coverage an entry showed false (it covers nothing)'),
  doc: z.string().describe('hex document id'),
  docName: z.string().optional(),
  author: z.string().describe('hex device key of its author'),
  authorLabel: z.string().optional(),
  lane: z.number(),
  seq: z.number(),
  reason: z.string(),
  at: z.number()
})

export const ForkSchema = z.object({
  id: z.string(),
  doc: z.string().describe('hex document id'),
  docName: z.string().optional(),
  author: z.string().describe('hex device key of the author who wrote two different entries at one position'),
  authorLabel: z.string().optional(),
  lane: z.number(),
  seq: z.number(),
  held: z.string().describe('signature prefix of the entry held at that position when the second came'),
  at: z.number()
})

const NewMessageSchema = z.object({
  role,
  content: z.string().min(1).describe('the message text'),
  id: z.string().optional(),
  ts: z.number().optional(),
  toolCall: ToolCallSchema.optional(),
  toolResult: ToolResultSchema.optional()
})

export const NativeRecordSchema = z.object({
  id: z.string().min(1).describe('the record\'s own id (Claude uuid), else type:session:content-hash; unique per file'),
  file: z.string().describe('the file in the session bundle: \'\' the main transcript, else a path relative to it (subagents/agent-x.jsonl)'),
  kind: z.string().describe('the record\'s type as the agent wrote it; \'file\' for a whole side file'),
  text: z.string().describe('the exact text (a JSONL line without its newline), or base64 when enc is base64'),
  enc: z.literal('base64').optional(),
  part: z.number().int().min(0).optional().describe('index of this part, for a record held in parts'),
  parts: z.number().int().min(1).optional()
})

export interface MethodDef {
  /** One line an agent can act on; also the MCP tool's description and the OpenAPI summary. */
  summary: string
  input: z.ZodObject
  output: z.ZodType
  http: { verb: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string }
  /** The MCP tool name, when the method is offered to agents as a tool. */
  mcp?: string
  /** Changes data (refused on a read-only device before anything runs). */
  writes?: boolean
}

const force = z.boolean().optional().describe('write even though another device holds the driver lease (an explicit takeover)')

export const METHODS = {
  'node.status': {
    summary: 'This device (wallet, label, capabilities), counts of sessions, memory, skills and devices, and whether the daemon runs.',
    input: z.object({}),
    output: StatusSchema,
    http: { verb: 'GET', path: '/api/status' },
    mcp: 'status'
  },
  'node.stop': {
    summary: 'Stops the daemon (mesh join) cleanly, its store flushed.',
    input: z.object({}),
    output: z.object({ stopping: z.boolean() }),
    http: { verb: 'POST', path: '/api/stop' }
  },
  'peers.list': {
    summary: 'Sibling devices: label, capabilities, addresses, connection state, round-trip time and how far behind each is per document.',
    input: z.object({ rtt: z.boolean().optional().describe('measure round-trip time (default true)') }),
    output: z.array(PeerSchema),
    http: { verb: 'GET', path: '/api/peers' },
    mcp: 'peers'
  },
  'devices.list': {
    summary: 'Every device of this wallet this node knows: label, capabilities, who enrolled it and when, last seen, whether it is online, and whether it was revoked (when, by whom).',
    input: z.object({}),
    output: z.array(DeviceSchema),
    http: { verb: 'GET', path: '/api/devices' },
    mcp: 'devices'
  },
  'sessions.list': {
    summary: 'Lists sessions (key, title, created); with details, also status, lease holder, last writer and message count.',
    input: z.object({ details: z.boolean().optional().describe('open each session for its status, lease and counts (slower)') }),
    output: z.array(SessionSummarySchema),
    http: { verb: 'GET', path: '/api/sessions' },
    mcp: 'sessions_list'
  },
  'sessions.create': {
    summary: 'Creates a session with a title and goal.',
    input: z.object({ key, title: z.string().optional(), goal: z.string().optional() }),
    output: SessionSummarySchema,
    http: { verb: 'POST', path: '/api/sessions' },
    mcp: 'sessions_create',
    writes: true
  },
  'sessions.show': {
    summary: 'A session\'s goal, task state, lease and transcript: the last `tail` messages (default 50), or those after message id `after`, or `all`.',
    input: z.object({
      key,
      tail: z.number().int().min(0).optional().describe('how many of the last messages (default 50)'),
      after: z.string().optional().describe('only messages after this message id'),
      all: z.boolean().optional().describe('the whole transcript')
    }),
    output: SessionViewSchema,
    http: { verb: 'GET', path: '/api/sessions/{key}' },
    mcp: 'sessions_show'
  },
  'sessions.wait': {
    summary: 'Waits until a session exists on this device (created here or arrived from a peer).',
    input: z.object({ key, timeoutMs: z.number().int().min(0).optional().describe('give up after this long (default: wait until cancelled)') }),
    output: SessionSummarySchema,
    http: { verb: 'GET', path: '/api/sessions/{key}/wait' },
    mcp: 'sessions_wait'
  },
  'sessions.append': {
    summary: 'Appends a message (or several) to a session\'s transcript; durable on this device when it returns. Refused with LEASE_HELD while another device drives the session, unless force.',
    input: z.object({
      key,
      role: role.optional(),
      content: z.string().optional().describe('the message text (with role)'),
      toolCall: ToolCallSchema.optional(),
      toolResult: ToolResultSchema.optional(),
      messages: z.array(NewMessageSchema).optional().describe('several messages at once, instead of role and content'),
      force
    }),
    output: z.array(MessageSchema),
    http: { verb: 'POST', path: '/api/sessions/{key}/messages' },
    mcp: 'sessions_append',
    writes: true
  },
  'sessions.task': {
    summary: 'Updates a session\'s task state: plan, working directory, a progress note, todos added or done, files touched, free fields.',
    input: z.object({
      key,
      plan: z.string().optional(),
      cwd: z.string().optional(),
      progress: z.string().optional().describe('a progress note to add'),
      todoAdd: z.array(z.string()).optional().describe('todo texts to add'),
      todoDone: z.array(z.string()).optional().describe('ids of todos now done'),
      files: z.array(z.string()).optional().describe('files touched'),
      fields: z.record(z.string(), z.string().nullable()).optional().describe('free fields to set (null removes one)'),
      force
    }),
    output: TaskSchema,
    http: { verb: 'POST', path: '/api/sessions/{key}/task' },
    mcp: 'sessions_task',
    writes: true
  },
  'sessions.takeLease': {
    summary: 'Takes the driver lease: this device drives the session. Refused with LEASE_HELD while another device holds a live lease, unless take (an explicit takeover).',
    input: z.object({ key, take: z.boolean().optional().describe('take over from the device that holds it') }),
    output: z.object({ lease: LeaseSchema, tookOverFrom: z.string().optional() }),
    http: { verb: 'POST', path: '/api/sessions/{key}/lease' },
    mcp: 'sessions_take_lease',
    writes: true
  },
  'sessions.renewLease': {
    summary: 'Renews this device\'s driver lease (appends renew it too).',
    input: z.object({ key }),
    output: z.object({ lease: LeaseSchema }),
    http: { verb: 'PUT', path: '/api/sessions/{key}/lease' },
    writes: true
  },
  'sessions.releaseLease': {
    summary: 'Releases this device\'s driver lease so another device can pick the session up.',
    input: z.object({ key }),
    output: z.object({ released: z.boolean() }),
    http: { verb: 'DELETE', path: '/api/sessions/{key}/lease' },
    mcp: 'sessions_release_lease',
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
    mcp: 'sessions_resume'
  },
  'memory.get': {
    summary: 'Reads one memory entry by key.',
    input: z.object({ key: z.string().min(1) }),
    output: MemoryEntrySchema,
    http: { verb: 'GET', path: '/api/memory/{key}' },
    mcp: 'memory_get'
  },
  'memory.set': {
    summary: 'Sets a memory entry (key, value, tags); replaces any earlier value.',
    input: z.object({ key: z.string().min(1), value: z.string(), tags: z.array(z.string()).optional() }),
    output: MemoryEntrySchema,
    http: { verb: 'PUT', path: '/api/memory/{key}' },
    mcp: 'memory_set',
    writes: true
  },
  'memory.delete': {
    summary: 'Deletes a memory entry.',
    input: z.object({ key: z.string().min(1) }),
    output: z.object({ deleted: z.boolean() }),
    http: { verb: 'DELETE', path: '/api/memory/{key}' },
    mcp: 'memory_delete',
    writes: true
  },
  'memory.list': {
    summary: 'Lists memory entries, optionally only those with a tag.',
    input: z.object({ tag: z.string().optional() }),
    output: z.array(MemoryEntrySchema),
    http: { verb: 'GET', path: '/api/memory' },
    mcp: 'memory_list'
  },
  'memory.search': {
    summary: 'Finds memory entries whose key, value or tags contain every word of the query (case-insensitive).',
    input: z.object({ query: z.string().min(1), limit: z.number().int().min(1).optional() }),
    output: z.array(MemoryEntrySchema),
    http: { verb: 'GET', path: '/api/search/memory' },
    mcp: 'memory_search'
  },
  'skills.add': {
    summary: 'Adds (or replaces) a skill from its SKILL.md text; the name comes from its front matter, else `name`.',
    input: z.object({
      content: z.string().min(1).describe('the skill file\'s text'),
      name: z.string().optional().describe('the name when the front matter has none'),
      source: z.string().optional().describe('where it came from (a path or URL), for the record'),
      files: z.array(z.object({ path: z.string().min(1), text: z.string(), enc: z.literal('base64').optional(), exec: z.boolean().optional().describe('executable (a script)') })).optional().describe('the other files of its AgentSkills folder (references/, scripts/…), text or base64')
    }),
    output: SkillSummarySchema,
    http: { verb: 'POST', path: '/api/skills' },
    mcp: 'skills_add',
    writes: true
  },
  'skills.list': {
    summary: 'Lists skills: name, version, description.',
    input: z.object({}),
    output: z.array(SkillSummarySchema),
    http: { verb: 'GET', path: '/api/skills' },
    mcp: 'skills_list'
  },
  'skills.show': {
    summary: 'A skill with its full text.',
    input: z.object({ name: z.string().min(1) }),
    output: SkillSchema,
    http: { verb: 'GET', path: '/api/skills/{name}' },
    mcp: 'skills_show'
  },
  'skills.remove': {
    summary: 'Removes a skill.',
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ removed: z.boolean() }),
    http: { verb: 'DELETE', path: '/api/skills/{name}' },
    writes: true
  },
  // ---- agents (issue 13): native records of Claude Code / Codex sessions, stored verbatim ----
  'agents.import': {
    summary: 'Stores an agent\'s native records (each JSONL line\'s exact text, side files of its bundle) in the session agent:<agent>:<sessionId>, creating it; idempotent by record id, so re-importing a grown file adds only its new lines. `messages` is the normalized view of the records sent (shown by session show, watch and the MCP tools).',
    input: z.object({
      key: key.optional().describe('the mesh session key (default agent:<agent>:<sessionId>)'),
      agent: z.enum(['claude', 'codex', 'openclaw', 'hermes']),
      sessionId: z.string().min(1).max(200),
      title: z.string().optional(),
      cwd: z.string().optional().describe('the session\'s working directory where it was captured'),
      gitRemote: z.string().optional().describe('the git remote of that directory, to find the project on another machine'),
      name: z.string().optional().describe('the main file\'s original name'),
      dir: z.string().optional().describe('the main file\'s directory relative to the agent\'s home (Codex: sessions/YYYY/MM/DD)'),
      records: z.array(NativeRecordSchema),
      messages: z.array(NewMessageSchema).optional().describe('the view of these records, each keyed by its record id'),
      force
    }),
    output: z.object({ key: z.string(), added: z.number(), total: z.number(), messages: z.number() }),
    http: { verb: 'POST', path: '/api/agents/import' },
    writes: true
  },
  'agents.records': {
    summary: 'An imported agent session\'s native records from index `start` (at most `limit`, and at most about 2 MiB of text per call: page on with `next`), with where it was captured.',
    input: z.object({ key, start: z.number().int().min(0).optional(), limit: z.number().int().min(1).optional() }),
    output: z.object({
      meta: z.object({ agent: z.string(), sessionId: z.string(), cwd: z.string().optional(), gitRemote: z.string().optional(), name: z.string().optional(), dir: z.string().optional() }),
      records: z.array(NativeRecordSchema),
      total: z.number(),
      next: z.number().optional().describe('start of the next page, when there is one')
    }),
    http: { verb: 'GET', path: '/api/agents/records/{key}' },
    mcp: 'agents_records'
  },
  // --- issue 14: the registry (revocation) ---
  'devices.revoke': {
    summary: 'Revokes a device (by label or id), or every device but this one: every connected peer cuts it off at once and refuses it from then on; what it wrote before stays, everything later is refused; the vault key is rotated (now, or by the next device that can write).',
    input: z.object({
      device: z.string().optional().describe('the label or device id to revoke'),
      allButThis: z.boolean().optional().describe('revoke every other device'),
      reason: z.string().optional(),
      walletPath: z.string().optional().describe('sign with the wallet (from any member, even a read-only one) instead of this admin device')
    }),
    output: z.object({
      revoked: z.array(z.object({ deviceId: z.string(), label: z.string(), keptEntries: z.number() })),
      epoch: z.number().optional().describe('the new key epoch, when this device rotated'),
      owed: z.boolean().describe('a rotation is still owed: the next device that can write makes it before its next write'),
      walletPath: z.string().optional().describe('the wallet file that signed, when one did')
    }),
    // Not `writes`: a read-only member may publish the wallet's revoke.
    http: { verb: 'POST', path: '/api/devices/revoke' }
  },
  // --- Pairing by code (issue 14 §2): find the device showing a code, review, then decide ---
  'devices.approve': {
    summary: 'Finds the new device showing this pairing code (mDNS on the LAN, or a device started with `mesh pair --via` one of `listen`), runs the PAKE, and returns what it asks for, to review; nothing is granted until devices.decide.',
    input: z.object({
      code: z.string().describe('the code the new device shows, XXXX-XXXX'),
      role: z.enum(['read-only', 'read-write', 'admin', 'mirror']).optional().describe('what to grant (default read-write); mirror: a blind mirror, given the membership key and no other key'),
      listen: z.array(z.string()).optional().describe('also listen here for a device started with `mesh pair --via` this address'),
      dial: z.array(z.string()).optional().describe('also dial these addresses of the new device'),
      mdns: z.boolean().optional().describe('look on the LAN by mDNS (default true)'),
      relays: z.boolean().optional().describe('also ask the members\' relays this node is connected to for a device started with `mesh pair --via` one of them (default true)'),
      timeoutMs: z.number().int().min(0).optional().describe('give up after this long (default 60000)')
    }),
    output: PairingReviewSchema,
    http: { verb: 'POST', path: '/api/devices/approve' }
  },
  'devices.decide': {
    summary: 'Grants (approve: true) or refuses the device found by devices.approve: on yes it gets a certificate from this admin device, the registry and the read keys, inside the PAKE channel.',
    input: z.object({ pairing: z.string().describe('the id devices.approve returned'), approve: z.boolean() }),
    output: z.object({ approved: z.boolean(), deviceId: z.string(), label: z.string(), capabilities: z.array(z.string()) }),
    http: { verb: 'POST', path: '/api/devices/decide' }
  },
  // ---- doctor (issue 12): entries set aside as bad, and forks found ----
  'doctor.report': {
    summary: 'What this node set aside: quarantined entries and snapshots (never applied or sent) and forks (two different entries of one author at one position, both kept), each with its author and document.',
    input: z.object({}),
    output: z.object({ quarantined: z.array(QuarantinedSchema), forks: z.array(ForkSchema) }),
    http: { verb: 'GET', path: '/api/doctor' },
    mcp: 'doctor'
  },
  'doctor.drop': {
    summary: 'Deletes one quarantined entry or snapshot (its evidence); its position stays excluded, so it is not taken again from the log or a peer.',
    input: z.object({ id: z.string().min(1).describe('the id doctor.report lists') }),
    output: z.object({ dropped: QuarantinedSchema }),
    http: { verb: 'DELETE', path: '/api/doctor/{id}' }
  },
  // ---- issue 13 (memory, skill removals, follow status) ----
  'skills.removed': {
    summary: 'Tombstones of removed skills: the name, the hash of the folder it was (so a device whose copy is that folder deletes it instead of capturing it back), who removed it and when. A skill added again has none.',
    input: z.object({}),
    output: z.array(SkillTombstoneSchema),
    http: { verb: 'GET', path: '/api/skills-removed' },
    mcp: 'skills_removed'
  },
  'agents.followBeat': {
    summary: 'A follower (mesh join --follow, mesh agent follow) tells the daemon what it follows, after every pass: kept in memory; a follower silent for 15 s, or `stopped`, follows nothing.',
    input: z.object({
      id: z.string().min(1).max(200),
      pid: z.number().int(),
      agents: z.array(z.string()),
      startedAt: z.number(),
      stopped: z.boolean().optional(),
      streams: z.array(z.object({ key: z.string(), stream: z.string(), agent: z.string(), capturedAt: z.number().optional().describe('when it last stored records of this stream'), offset: z.number().optional().describe('bytes of the file read and stored') })).max(100_000)
    }),
    output: z.object({ ok: z.boolean() }),
    http: { verb: 'POST', path: '/api/agents/follow-beat' }
  },
  'agents.status': {
    summary: 'Each agent session in mesh (agent:*) as this device sees it: whether a follower here captures it live, when it last captured a record and up to which byte, the lease holder, the last writer, and the sync state (live: followed here; stored: in mesh, not followed here); with the live followers.',
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
        offset: z.number().optional(),
        lease: LeaseSchema.optional(),
        lastWriter: z.object({ device: z.string(), label: z.string().optional(), ts: z.number() }).optional(),
        messageCount: z.number().optional()
      }))
    }),
    http: { verb: 'GET', path: '/api/agents/status' },
    mcp: 'agents_status'
  }
} as const satisfies Record<string, MethodDef>

export type MethodName = keyof typeof METHODS
export type Input<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>
export type Output<M extends MethodName> = z.output<(typeof METHODS)[M]['output']>

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[]

export function isMethodName (name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name)
}

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message.appended'), key: z.string(), messages: z.array(MessageSchema), remote: z.boolean() }),
  z.object({ type: z.literal('task.changed'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('lease.changed'), key: z.string(), lease: LeaseSchema.optional(), remote: z.boolean() }),
  z.object({ type: z.literal('session.changed'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('session.created'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('memory.changed'), remote: z.boolean() }),
  z.object({ type: z.literal('skills.changed'), remote: z.boolean() }),
  z.object({ type: z.literal('peer.found'), peerId: z.string(), via: z.string() }),
  z.object({ type: z.literal('peer.proven'), peerId: z.string(), label: z.string(), capabilities: z.array(z.string()), via: z.string() }),
  z.object({ type: z.literal('peer.refused'), peerId: z.string(), reason: z.string() }),
  z.object({ type: z.literal('peer.lost'), peerId: z.string(), label: z.string() }),
  z.object({ type: z.literal('doc.synced'), peerId: z.string(), label: z.string(), doc: z.string(), entries: z.number(), snapshot: z.boolean() }),
  z.object({ type: z.literal('entry.refused'), peerId: z.string(), label: z.string(), reason: z.string() }),
  TransferSchema.extend({ type: z.literal('transfer.progress') }),
  z.object({ type: z.literal('disk'), full: z.boolean().describe('true: the disk filled up and writes are refused; false: it has room again') }),
  z.object({ type: z.literal('device.rights'), deviceId: z.string(), label: z.string(), capabilities: z.array(z.string()), reloaded: z.array(z.string()).describe('documents reloaded without entries the change now refuses') }),
  QuarantinedSchema.extend({ type: z.literal('quarantined') }),
  ForkSchema.extend({ type: z.literal('fork') }),
  // issue 14: the device list changed (a device enrolled or revoked, here or on a peer; a certificate learned)
  z.object({ type: z.literal('devices.changed'), op: z.enum(['genesis', 'enrol', 'revoke', 'epoch', 'grant', 'certificate']).describe('the registry operation that changed it, or certificate: a device\'s certificate learned from a peer') }),
  z.object({ type: z.literal('device.revoked'), by: z.array(z.string()), at: z.number(), reason: z.string(), from: z.string().optional().describe('the peer that showed it') }).describe('this device was revoked: it writes nothing and dials no one from now on')
])
export type ApiEvent = z.output<typeof EventSchema>
export type ApiEventType = ApiEvent['type']
