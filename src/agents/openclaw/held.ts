/**
 * Whether this machine's OpenClaw database already holds a session a resume would write as a
 * transcript file. The database (the Gateway's, database era) is what OpenClaw continues, and
 * `openclaw doctor --fix` imports a transcript file into it: a session the database has with
 * events mesh has not got must not be put behind a file that would stand for it. Read-only
 * (db.ts); the events compared as the file era's lines, read for the cwd being written.
 */
import { onlyOursThere } from '../bundle.js'
import { jsonlBytes } from '../jsonl.js'
import { listOpenclawDbSessions, readOpenclawDbSession } from './db.js'
import { openclawMeta, openclawPathFields } from './records.js'

export interface OpenclawHeld { db: string, sessionKey?: string, /** The database holds exactly what would be written. */ same: boolean, /** It holds events mesh has not got. */ ahead: boolean }

/** The database's copy of `sessionId` against the transcript a resume would write (`bytes`, for `cwd`). */
export async function openclawHeld (sessionId: string, bytes: Buffer, cwd: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<OpenclawHeld | undefined> {
  const s = (await listOpenclawDbSessions(env)).find(x => x.sessionId === sessionId)
  if (s === undefined) return undefined
  const b = await readOpenclawDbSession(s, { env })
  const cur = jsonlBytes(b.records.filter(r => r.file === '').map(r => r.text))
  const same = cur.equals(bytes)
  return { db: s.db, sessionKey: s.sessionKey, same, ahead: !same && !onlyOursThere(cur, bytes, openclawPathFields, lines => openclawMeta(lines).cwd, cwd) }
}
