/**
 * The node area of the API schema: this device's status, the daemon's stop, and the sibling
 * devices it syncs with (connection, how far behind, transfers in flight).
 */
import { z } from 'zod'
import type { MethodDef } from './schema.js'

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
  addrs: z.array(z.string()).describe('where the peer can be dialed: the listen addresses it reported, else those we dialed it at (never the port of a connection it opened)'),
  connections: z.array(z.object({ addr: z.string(), direction: z.enum(['inbound', 'outbound']) })).describe('the open connections to the peer: its address as this node sees it (for an inbound one, the port it dialed from), and who dialed; empty while offline'),
  via: z.string(),
  state: z.enum(['connected', 'offline']),
  rttMs: z.number().optional(),
  behind: z.record(z.string(), z.number()).describe('per document, entries the peer lacks, by what it reported and what it said it took of what this device sent (never by what was merely sent)'),
  inFlight: z.record(z.string(), z.number()).describe('per document, entries sent to the peer that it has not yet said it took (counted in `behind` too)'),
  lacking: z.record(z.string(), z.number()).describe('per document, entries this device lacks that the peer holds'),
  inSync: z.boolean().describe('connected, nothing lacking either way and nothing in flight; never true for an offline peer, nor one whose disk is full'),
  diskFull: z.boolean().describe('the peer said its disk is full: it refuses writes until it has room'),
  diverged: z.array(z.string()).optional().describe('documents where this node and the peer hold different content at the same positions (a fork, or a restored home): never in sync; `mesh doctor` says where'),
  transfers: z.array(TransferSchema).describe('what is in flight with this peer, per document and direction'),
  lastSeen: z.number().optional(),
  lastDialFailed: z.object({ at: z.number(), error: z.string() }).optional().describe('an offline peer this node redials (a running node): its last failed dial since it was last proven, when (ms since the epoch) and why'),
  incompatible: z.string().optional().describe('a connected peer that speaks another sync protocol (another version of mesh): why nothing syncs with it')
})

export const DiskSchema = z.object({
  refused: z.boolean().describe('a write was refused for lack of space and none has found room since (a running node; a home opened for one command has written nothing)'),
  freeBytes: z.number().optional().describe('free bytes on the disk under the home, for this user; absent when the disk cannot be asked (statfs failed): the writes tell then'),
  keepFreeBytes: z.number().describe('the room the store keeps free for appends: a snapshot never takes it, and less free counts as a full disk'),
  snapshotsWaiting: z.array(z.object({
    doc: z.string().describe('the document: a session key, or a fixed document\'s name'),
    needsBytes: z.number().describe('free bytes its snapshot needs at least (the store\'s reserve included) before it is tried again')
  })).describe('documents whose snapshot found no room: it is not sealed again until this much is free, and the log keeps every entry meanwhile (known to a running node, which tried)'),
  compactionWaiting: z.object({
    needsBytes: z.number().describe('free bytes its copy of the log needs at least (the store\'s reserve included)')
  }).optional().describe('a compaction of the log that found no room: tried again by the next write once this much is free; the log keeps its entries meanwhile (known to a running node, which tried)')
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
  setAside: z.object({
    damaged: z.number().describe('files or regions of this disk\'s store found damaged and moved aside (a cut log tail, a snapshot that no longer reads): what they held is taken again from a peer that has it'),
    quarantined: z.number().describe('entries and snapshots refused as they arrived, kept as evidence'),
    forks: z.number().describe('two different entries of one author at one position, both kept'),
    unmoved: z.number().describe('snapshots `doctor.report` or `doctor.check` found damaged on this disk that still lie where they were, unchanged (not checked again here): each is set aside when its document is next opened')
  }).describe('what this node set aside, as counts: doctor.report lists each'),
  diskFull: z.boolean().describe('the disk is full: a write was refused for lack of space (disk.refused), or less than disk.keepFreeBytes is free (said without a daemon too); writes are refused until space is freed, reads go on'),
  disk: DiskSchema.describe('the disk under the home: what writes found, and what is free now'),
  revoked: z.object({ at: z.number(), by: z.array(z.string()), reason: z.string() }).optional().describe('this device was revoked: when, by whom (labels, or "wallet") and why; it keeps what it holds, and every write is refused (DEVICE_REVOKED)'),
  notTaken: z.object({
    entries: z.number().describe('how many of its own entries lie beyond its revocation\'s cutoff (written after it, or never sent before it)'),
    documents: z.array(z.string()).describe('the documents holding them: a session\'s key, or `session list`, `memory`, `skills`')
  }).optional().describe('on a revoked device: what it wrote that no other device takes (after it was revoked, before it knew, or never sent before); it stays readable here only (`mesh session show`, `mesh memory get`, `mesh skills show`), to copy out'),
  rotationOwed: z.object({ since: z.number(), revokes: z.number(), here: z.boolean().describe('this device can write: it makes the rotation within seconds, and before its own next write') }).optional().describe('a revocation whose key rotation no device has made yet: the next device that can write makes it'),
  readOnlyHome: z.object({
    errno: z.string().describe('what the system said of a write there: EROFS (a read-only file system), EACCES or EPERM (this user may not write it)')
  }).optional().describe('the home cannot be written (a backup mounted read-only, a folder this user may not write): opened only to read, without its lock, writing nothing; every write is refused with HOME_READ_ONLY'),
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

export const NODE_METHODS = {
  'node.status': {
    summary: 'This device (wallet, label, capabilities), counts of sessions, memory, skills and devices, and whether the daemon runs.',
    input: z.object({}),
    output: StatusSchema,
    http: { verb: 'GET', path: '/api/status' },
    mcp: 'status',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
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
    mcp: 'peers',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>
