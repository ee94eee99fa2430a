/** The skills area of the API schema: a skill, its summary and tombstone, and the skills.* methods. */
import { z } from 'zod'
import type { MethodDef } from './schema.js'
import { refuseLoneSurrogates } from './schema-text.js'

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
  files: z.array(z.object({ path: z.string(), text: z.string(), enc: z.literal('base64').optional(), exec: z.boolean().optional() })).optional().describe('the other files of the skill\'s folder'),
  category: z.string().optional().describe('Hermes\'s category folder it came from (skills/<category>/<name>)')
})
export const SkillTombstoneSchema = z.object({ name: z.string(), hash: z.string().describe('sha256: of its SKILL.md'), folder: z.string().describe('sha256 hex over its folder\'s files (crdt/SPEC.md)'), removedAt: z.number(), device: z.string() })
export const SkillSummarySchema = SkillSchema.omit({ body: true, text: true, files: true })

export const SKILL_METHODS = {
  'skills.add': {
    summary: 'Adds (or replaces) a skill from its SKILL.md text; the name comes from its front matter, else `name`.',
    input: z.object({
      content: z.string().min(1).describe('the skill file\'s text'),
      name: z.string().optional().describe('the name when the front matter has none'),
      source: z.string().optional().describe('where it came from (a path or URL), for the record'),
      files: z.array(z.object({ path: z.string().min(1), text: z.string(), enc: z.literal('base64').optional(), exec: z.boolean().optional().describe('executable (a script)') })).optional().describe('the other files of its AgentSkills folder (references/, scripts/…), text or base64'),
      category: z.string().optional().describe('the category folder Hermes keeps it in (~/.hermes/skills/<category>/<name>): one folder name, 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot; a sync into Hermes writes it there')
    }).superRefine(refuseLoneSurrogates),
    output: SkillSummarySchema,
    http: { verb: 'POST', path: '/api/skills' },
    mcp: 'skills_add',
    mcpHints: { readOnly: false, destructive: true, idempotent: true }, // replaces a skill of that name, its files (scripts/) too, on every device
    writes: true
  },
  'skills.list': {
    summary: 'Lists skills: name, version, description.',
    input: z.object({}),
    output: z.array(SkillSummarySchema),
    http: { verb: 'GET', path: '/api/skills' },
    mcp: 'skills_list',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'skills.show': {
    summary: 'A skill with its full text.',
    input: z.object({ name: z.string().min(1) }),
    output: SkillSchema,
    http: { verb: 'GET', path: '/api/skills/{name}' },
    mcp: 'skills_show',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'skills.remove': {
    summary: 'Removes a skill.',
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ removed: z.boolean() }),
    http: { verb: 'DELETE', path: '/api/skills/{name}', notFound: { when: 'removed', message: 'no skill named {name}' } },
    writes: true
  }
} as const satisfies Record<string, MethodDef>

/** Tombstones of removed skills (issue 13), after the other groups in METHODS (see there). */
export const SKILL_REMOVAL_METHODS = {
  'skills.removed': {
    summary: 'Tombstones of removed skills: the name, the hash of the folder it was (so a device whose copy is that folder deletes it instead of capturing it back), who removed it and when. A skill added again has none.',
    input: z.object({}),
    output: z.array(SkillTombstoneSchema),
    http: { verb: 'GET', path: '/api/skills-removed' },
    mcp: 'skills_removed',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>
