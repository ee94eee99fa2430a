/** The memory area of the API schema: a memory entry and the memory.* methods. */
import { z } from 'zod'
import type { MethodDef } from './schema.js'
import { MAX_MEMORY_KEY } from '../../crdt/content-limit.js'
import { nonBlank, oneLineKey, refuseLoneSurrogates, tag } from './schema-text.js'

export const MemoryEntrySchema = z.object({ key: z.string(), value: z.string(), tags: z.array(z.string()), updatedAt: z.number(), device: z.string() })

export const MEMORY_METHODS = {
  'memory.get': {
    summary: 'Reads one memory entry by key.',
    input: z.object({ key: z.string().min(1) }),
    output: MemoryEntrySchema,
    http: { verb: 'GET', path: '/api/memory/{key}' },
    mcp: 'memory_get',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'memory.set': {
    summary: 'Sets a memory entry (key, value, tags); replaces any earlier value.',
    // Only a key set is held to it: one set before (or by an older peer) can still be read and deleted.
    input: z.object({ key: oneLineKey('a memory key', MAX_MEMORY_KEY).describe(`1 to ${MAX_MEMORY_KEY} characters, no control characters (newline, tab, escape)`), value: z.string(), tags: z.array(tag).optional().describe('its tags (none blank, no control characters)') }).superRefine(refuseLoneSurrogates),
    output: MemoryEntrySchema,
    http: { verb: 'PUT', path: '/api/memory/{key}' },
    mcp: 'memory_set',
    mcpHints: { readOnly: false, destructive: true, idempotent: true }, // replaces the entry's earlier value
    writes: true
  },
  'memory.delete': {
    summary: 'Deletes a memory entry.',
    input: z.object({ key: z.string().min(1) }),
    output: z.object({ deleted: z.boolean() }),
    http: { verb: 'DELETE', path: '/api/memory/{key}', notFound: { when: 'deleted', message: 'no memory entry {key}' } },
    mcp: 'memory_delete',
    mcpHints: { readOnly: false, destructive: true, idempotent: true },
    writes: true
  },
  'memory.list': {
    summary: 'Lists memory entries, optionally only those with a tag.',
    input: z.object({ tag: nonBlank('a tag').optional() }),
    output: z.array(MemoryEntrySchema),
    http: { verb: 'GET', path: '/api/memory' },
    mcp: 'memory_list',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  },
  'memory.search': {
    summary: 'Finds memory entries whose key, value or tags contain every word of the query (case-insensitive).',
    input: z.object({ query: z.string().regex(/\S/, 'the query needs at least one word (to see every entry, list them)'), limit: z.number().int().min(1).optional() }),
    output: z.array(MemoryEntrySchema),
    http: { verb: 'GET', path: '/api/search/memory' },
    mcp: 'memory_search',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>
