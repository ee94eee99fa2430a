/** The API's events: what the event stream carries, one zod schema per event type. */
import { z } from 'zod'
import { ForkSchema, QuarantinedSchema } from './schema-doctor.js'
import { TransferSchema } from './schema-node.js'
import { LeaseSchema, MessageSchema, SessionCopySchema, SessionVersionSchema } from './schema-sessions.js'

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message.appended'), key: z.string(), messages: z.array(MessageSchema), remote: z.boolean(), version: SessionVersionSchema, copy: SessionCopySchema }),
  z.object({ type: z.literal('task.changed'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('lease.changed'), key: z.string(), lease: LeaseSchema.optional(), remote: z.boolean() }),
  z.object({ type: z.literal('session.changed'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('session.created'), key: z.string(), remote: z.boolean() }),
  z.object({ type: z.literal('memory.changed'), remote: z.boolean() }),
  z.object({ type: z.literal('skills.changed'), remote: z.boolean() }),
  z.object({ type: z.literal('peer.found'), peerId: z.string(), via: z.string() }),
  z.object({ type: z.literal('peer.proven'), peerId: z.string(), label: z.string(), capabilities: z.array(z.string()), via: z.string() }),
  z.object({ type: z.literal('peer.refused'), peerId: z.string(), label: z.string().optional().describe('its label, when it is a sibling this device knew'), reason: z.string() }),
  z.object({ type: z.literal('peer.lost'), peerId: z.string(), label: z.string() }),
  z.object({ type: z.literal('peer.incompatible'), peerId: z.string(), label: z.string(), reason: z.string().describe('why nothing syncs with this proven sibling: it speaks another sync protocol (another version of mesh)') }),
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
