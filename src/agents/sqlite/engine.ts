/**
 * The SQLite engines a read can use: Node's own `node:sqlite` (22.5+) opening the file
 * read-only, or sql.js (SQLite compiled to WebAssembly) opening bytes in memory. Both answer
 * `all(sql, params)` with plain rows; BLOBs come back as Uint8Array.
 */
import { createRequire } from 'node:module'
import { InvalidInputError } from '../../errors.js'

export type SqlValue = string | number | bigint | Uint8Array | null
export type Row = Record<string, SqlValue>

export interface Query {
  all: (sql: string, params?: readonly SqlValue[]) => Row[]
}

/** The few calls of sql.js used here (it ships no types). */
interface SqlJsStatement { bind: (p: SqlValue[]) => boolean, step: () => boolean, getAsObject: () => Row, free: () => void }
interface SqlJsDatabase { prepare: (sql: string) => SqlJsStatement, close: () => void }
interface SqlJs { Database: new (bytes?: Uint8Array) => SqlJsDatabase }

let sqljs: Promise<SqlJs> | undefined

async function loadSqlJs (): Promise<SqlJs> {
  sqljs ??= (async () => {
    const init = createRequire(import.meta.url)('sql.js') as (o?: object) => Promise<SqlJs>
    return await init()
  })()
  return await sqljs
}

/** An in-memory database opened from `bytes` (sql.js); closed by `close()`. */
export async function openImage (bytes: Uint8Array, what: string): Promise<Query & { close: () => void }> {
  const SQL = await loadSqlJs()
  let db: SqlJsDatabase
  try { db = new SQL.Database(bytes) } catch (err) { throw corrupt(what, err) }
  return {
    all: (sql, params = []) => {
      let st: SqlJsStatement | undefined
      try {
        st = db.prepare(sql)
        st.bind([...params])
        const rows: Row[] = []
        while (st.step()) rows.push(st.getAsObject())
        return rows
      } catch (err) {
        throw corrupt(what, err)
      } finally {
        st?.free()
      }
    },
    close: () => { db.close() }
  }
}

interface NodeSqliteStatement { all: (...p: SqlValue[]) => Row[] }
interface NodeSqliteDatabase { prepare: (sql: string) => NodeSqliteStatement, exec: (sql: string) => void, close: () => void }
type NodeSqlite = { DatabaseSync: new (path: string, o: { readOnly: boolean }) => NodeSqliteDatabase } | null
let nodeSqlite: Promise<NodeSqlite> | undefined

/** Node's built-in SQLite, when this Node has one (22.5+) and MESH_SQLITE is not `sqljs`. */
export async function builtinSqlite (env: NodeJS.ProcessEnv = process.env): Promise<NodeSqlite> {
  if (env.MESH_SQLITE === 'sqljs') return null
  nodeSqlite ??= (async () => {
    // The name in a variable: TypeScript's Node 20 types know no node:sqlite.
    const name = 'node:sqlite'
    try { return await import(name) as NodeSqlite } catch { return null }
  })()
  return await nodeSqlite
}

/**
 * The file opened read-only by node:sqlite for the time of `fn`, then closed. One read
 * transaction around `fn`, so its queries see one state; it holds a WAL read mark for those
 * milliseconds only (a long one would keep the agent's checkpoints from restarting the WAL).
 */
export function withBuiltin<T> (mod: NonNullable<NodeSqlite>, path: string, fn: (q: Query) => T): T {
  let db: NodeSqliteDatabase
  try { db = new mod.DatabaseSync(path, { readOnly: true }) } catch (err) { throw corrupt(path, err) }
  try {
    db.exec('BEGIN')
    const out = fn({
      all: (sql, params = []) => {
        try { return db.prepare(sql).all(...params) } catch (err) { throw corrupt(path, err) }
      }
    })
    db.exec('COMMIT')
    return out
  } finally {
    db.close()
  }
}

/** SQLite's complaint about a file ("file is not a database", "no such table: …") as a typed error naming the file. */
export function corrupt (what: string, err: unknown): Error {
  if (err instanceof InvalidInputError) return err
  const m = err instanceof Error ? err.message : String(err)
  return new InvalidInputError(`${what}: SQLite cannot read it: ${m}`, { path: what })
}
