/**
 * store: bytes on disk. A checksummed, group-committed record log for entries and certificates,
 * snapshot files, whole-file writes by temp + fsync + rename, and the one-process home lock.
 *
 * @example
 * const store = await EntryStore.open(join(home, 'data'))
 * await store.putEntry(verifiedEntry) // resolves once durable
 */
export * from './damaged.js'
export * from './disk.js'
export * from './files.js'
export * from './lock.js'
export * from './log.js'
export * from './snapshots.js'
export * from './partial.js'
export * from './store.js'
export * from './vector.js'
export type { FingerprintIndex } from './digest.js'
export type { SnapshotReplace } from './partial-set.js'
export type { HeldLane } from './held.js'
export * from './home.js'
export * from './home-format.js'
export * from './quarantine.js'
export * from './forks.js'
export * from './retired.js'
