/**
 * The most bytes of one message's content (UTF-8), in a module of its own with no imports: the
 * CLI stops reading a message from stdin past it without loading Yjs (crdt/session.ts checks it).
 */
export const MAX_CONTENT_BYTES = 512 * 1024

/** The most characters (UTF-16 units) of a memory key: the API's schema refuses more, naming the field, as crdt/memory.ts does. */
export const MAX_MEMORY_KEY = 256

/** Most levels of lists and objects in a plain value (a tool call's input): what the API's schema bounds its walk of an input by, as crdt/schema.ts refuses deeper. */
export const MAX_JSON_DEPTH = 100
