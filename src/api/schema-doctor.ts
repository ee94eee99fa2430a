/** The doctor area of the API schema (issue 12): entries set aside as bad, forks found, and dropping one. */
import { z } from 'zod'
import type { MethodDef } from './schema.js'

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

export const DamagedSchema = z.object({
  id: z.string().describe('its file\'s name: what `doctor.drop` takes'),
  kind: z.enum(['snapshot', 'entry', 'log']).describe('snapshot: a snapshot file; entry: an entry of the record log whose bytes no longer verify; log: a region of the record log'),
  path: z.string().describe('where it is kept, for a person to look at'),
  bytes: z.number(),
  reason: z.string(),
  at: z.number().describe('when it was set aside (ms; 0 unknown)'),
  doc: z.string().optional().describe('hex id of the document a snapshot or entry was of'),
  docName: z.string().optional().describe('that document as this vault names it: a session\'s key, or `memory`, `skills`, `session list`'),
  unmoved: z.boolean().optional().describe('true: a snapshot this report found damaged where it lies (path), not yet set aside: its document sets it aside when next opened, and `doctor.drop` (its id) sets it aside and deletes it now')
})

const AmountSchema = z.object({ files: z.number(), bytes: z.number() })

export const DOCTOR_METHODS = {
  'doctor.report': {
    summary: 'What this node set aside: quarantined entries and snapshots (never applied or sent), forks (two different entries of one author at one position, both kept), each with its author and document, and files of its own store found damaged on this disk (moved aside; what they held is taken again from a peer). Every stored snapshot is checked against the digest its header signs as the report is made, and one found damaged is listed where it lies (`unmoved`); nothing is changed.',
    input: z.object({ check: z.boolean().optional().describe('false: the snapshots are not checked here (doctor.check checks them a page at a time, saying how far it is); default true') }),
    output: z.object({
      quarantined: z.array(QuarantinedSchema),
      forks: z.array(ForkSchema),
      damaged: z.array(DamagedSchema),
      notTaken: z.object({ entries: z.number(), documents: z.array(z.string()) }).optional().describe('on a revoked device: its own entries no other device takes (as node.status `notTaken`), readable here only')
    }),
    http: { verb: 'GET', path: '/api/doctor' },
    mcp: 'doctor',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'doctor.check': {
    summary: 'Checks stored snapshots against the digest their header signs, as doctor.report does, a page at a time in path order (about a quarter second of work a page): each page lists what it found damaged where it lies (`unmoved`; nothing is changed) and how far the check is, in files and bytes of the total. Call again with `after` set to its `next` until it has none.',
    input: z.object({
      after: z.string().optional().describe('the `next` of the page before; none: from the start'),
      files: z.number().int().positive().optional().describe('at most this many snapshots in this page')
    }),
    output: z.object({
      damaged: z.array(DamagedSchema),
      checked: AmountSchema.describe('checked so far, this page included'),
      total: AmountSchema.describe('every stored snapshot now'),
      next: z.string().optional().describe('what the next page takes as `after`; none: the check is done')
    }),
    http: { verb: 'GET', path: '/api/doctor/check' }
  },
  'doctor.drop': {
    summary: 'Deletes one quarantined entry or snapshot (its evidence; its position stays excluded, so it is not taken again from the log or a peer), or one damaged file set aside (read by nothing: what it held comes from a peer all the same), or one snapshot doctor.report or doctor.check found damaged where it lies (`unmoved`: set aside as its document\'s next opening would, and deleted).',
    input: z.object({ id: z.string().min(1).describe('the id doctor.report lists') }),
    output: z.object({ dropped: QuarantinedSchema.optional().describe('the quarantined item deleted'), damaged: DamagedSchema.optional().describe('the damaged file deleted') }),
    http: { verb: 'DELETE', path: '/api/doctor/{id}' }
  }
} as const satisfies Record<string, MethodDef>
