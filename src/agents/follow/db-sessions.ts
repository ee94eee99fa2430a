/**
 * The sessions of an agent's SQLite stores as a follower sees them: one read-only SqliteFile per
 * database, its session list read again only when the database changed (its stamp: size and
 * mtime of the file and its WAL). Shared by the OpenClaw and Hermes sources.
 */
import type { Query } from '../sqlite/engine.js'
import { SqliteFile } from '../sqlite/reader.js'

export class DbSessions<S> {
  private readonly dbs = new Map<string, { file: SqliteFile, stamp?: string, sessions: S[] }>()

  constructor (private readonly env: NodeJS.ProcessEnv) {}

  /** The database at `path` and its sessions, listed by `list` when it changed; throws what reading throws. */
  async of (path: string, list: (q: Query) => S[]): Promise<{ file: SqliteFile, sessions: S[] }> {
    let db = this.dbs.get(path)
    if (db === undefined) { db = { file: new SqliteFile(path, { env: this.env }), sessions: [] }; this.dbs.set(path, db) }
    const stamp = await db.file.stamp()
    if (stamp !== db.stamp) {
      db.sessions = await db.file.read(list) ?? []
      db.stamp = stamp
    }
    return db
  }
}
