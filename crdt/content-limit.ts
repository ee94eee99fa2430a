/**
 * The most bytes of one message's content (UTF-8), in a module of its own with no imports: the
 * CLI stops reading a message from stdin past it without loading Yjs (crdt/session.ts checks it).
 */
export const MAX_CONTENT_BYTES = 512 * 1024
