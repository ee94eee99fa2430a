/**
 * crdt: Yjs only, no network, no disk. The session, memory, skills and sessions-index schemas,
 * session keys, and sealing a Yjs update into a signed, encrypted log entry and opening it.
 *
 * @example
 * const s = new SessionDoc()
 * s.appendMessages([{ role: 'user', content: 'hello' }], deviceId)
 * const entry = sealUpdate({ keys, signer }, docId, 1n, Y.encodeStateAsUpdate(s.doc))
 */
export * from './seal.js'
export * from './session.js'
export * from './message-ids.js'
export * from './doc-version.js'
export * from './session-key.js'
export * from './memory.js'
export * from './skills.js'
export * from './sessions-index.js'
export * from './names.js'
export * from './validate.js'
export * from './holding.js'
export * from './records.js'
export * from './paths.js'
export * from './parts.js'
export * from './update-scan.js'
export * from './newest.js'
