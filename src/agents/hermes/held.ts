/**
 * Whether this machine's Hermes holds a session already, and how its copy compares with mesh's.
 * Hermes's importer skips a session id its state.db has (hermes_state_portability
 * `import_sessions`): a resume's export file would then be ignored, and `hermes --resume ID`
 * continue Hermes's own copy. Read read-only from `state.db` and each profile's (db.ts).
 */
import { stat } from 'node:fs/promises'
import type { NativeRecord } from '../../../crdt/records.js'
import { SqliteFile } from '../sqlite/reader.js'
import { hermesDbLine, hermesDbPaths } from './db.js'
import { fromParts } from '../bundle.js'
import { parseObject } from '../ids.js'
import { hermesLine, hermesRecords } from './records.js'

export interface HermesHeld {
  /** The store that holds it. */
  db: string
  /** Messages of Hermes's copy that mesh holds in no version. */
  missing: number
  /** Whether Hermes's copy has every message of mesh's, as mesh last has it. */
  current: boolean
}

const isFile = async (p: string): Promise<boolean> => await stat(p).then(s => s.isFile(), () => false)

/**
 * A message as its role, time and content: what an import into another store keeps (the row's
 * `id` is that store's own numbering, and its bookkeeping columns are reset).
 */
function said (text: string): string | undefined {
  const o = parseObject(text)
  return o === undefined ? undefined : JSON.stringify([o.role, o.timestamp, o.content, o.tool_calls ?? null, o.tool_call_id ?? null])
}

/** Hermes's copy of `sessionId` compared with mesh's records; undefined when no store here holds it. */
export async function hermesHeld (sessionId: string, records: readonly NativeRecord[], env: NodeJS.ProcessEnv = process.env): Promise<HermesHeld | undefined> {
  for (const db of await hermesDbPaths(env)) {
    if (!await isFile(db)) continue
    const f = new SqliteFile(db, { env })
    let line: string | undefined
    try { line = await f.read(q => hermesDbLine(q, sessionId)) } finally { f.close() }
    if (line === undefined) continue
    const here = new Set(hermesRecords(line, sessionId).filter(r => r.kind === 'message').map(r => said(r.text)))
    const all = fromParts(records)
    const anyVersion = new Set(all.filter(r => r.file === '' && r.kind === 'message').map(r => said(r.text)))
    const latest = hermesRecords(hermesLine(all), sessionId).filter(r => r.kind === 'message').map(r => said(r.text))
    const missing = [...here].filter(k => !anyVersion.has(k)).length
    return { db, missing, current: missing === 0 && latest.every(k => here.has(k)) }
  }
  return undefined
}
