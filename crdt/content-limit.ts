/**
 * The most bytes of one message's content (UTF-8), in a module of its own with no imports: the
 * CLI stops reading a message from stdin past it without loading Yjs (crdt/session.ts checks it).
 */
export const MAX_CONTENT_BYTES = 512 * 1024

/** The most characters (UTF-16 units) of a memory key: the API's schema refuses more, naming the field, as crdt/memory.ts does. */
export const MAX_MEMORY_KEY = 256

/** Most levels of lists and objects in a plain value (a tool call's input): what the API's schema bounds its walk of an input by, as crdt/schema.ts refuses deeper. */
export const MAX_JSON_DEPTH = 100

/**
 * About how many bytes a native record (records.ts) takes in the entry that stores it, at least:
 * its fields' text, and the Y.Map of it with its field names and items (measured on the encoded
 * update of 1000 records: 75 bytes each, 110 more with part and parts; rounded up). Counted by
 * its text alone, 300,000 tiny records passed the 960 KiB check of one agents.import and made a
 * 24 MB entry before it was refused. What the import's batches (src/agents/bundle.ts) count too.
 */
export function recordCost (r: { id: string, file: string, kind: string, text: string, parts?: number }): number {
  return 96 + Buffer.byteLength(r.text) + Buffer.byteLength(r.id) + Buffer.byteLength(r.file) + Buffer.byteLength(r.kind) + (r.parts !== undefined ? 48 : 0)
}
