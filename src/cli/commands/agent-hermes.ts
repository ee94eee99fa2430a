/**
 * mesh agent import hermes: sessions from Hermes's native export (a file it wrote with
 * --file), else from `$HERMES_HOME/state.db` read read-only (each session put together as the
 * export line Hermes would write), else from what `hermes sessions export - --format jsonl`
 * prints; one mesh session `agent:hermes:<id>` per session row.
 */
import { stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import {
  importBatches, gitRemote, hermesBundle, hermesDbLine, hermesDbPath, hermesDbPaths, hermesDbSessions, hermesExport, hermesHome, hermesExportRows, parseObject, parseSince,
  readFileNoFollow, SqliteFile, type HeldBackTail
} from '../../agents/index.js'
import type { MeshApi } from '../../api/api.js'
import type { CaptureNote } from '../../../crdt/records.js'
import { clipTitle } from '../../api/title.js'
import { AbortedError, InvalidInputError, isMeshError, NotFoundError, UsageError } from '../../errors.js'
import { sayOnStderr, stdout as out, withApi, type Globals } from '../context.js'
import { plural } from '../wording.js'
import { fileToImport, progress, recordedMeta } from './agent-run.js'

export interface HermesImportResult {
  key: string, sessionId: string, records: number, added: number, total: number, messages: number, cwd?: string, mappedFrom?: string, source: string
  /** The row's `messages` is not a list: the row is kept whole, as written, and shows no messages. */
  unreadMessages?: true
  /**
   * The torn last line of `source` (not of this session: an export line is a whole session),
   * left out of the import: on every row imported from that file, so that the list --json
   * prints (its shape unchanged) says it whichever row a script reads.
   */
  heldBack?: HeldBackTail[]
}

/** What a torn last line of a Hermes export is: a session not imported (unlike a transcript's line, it is a whole session). */
function hermesHeldBackNote (source: string, h: HeldBackTail): string {
  return `note: the last line of ${source} (line ${h.line}, ${plural(h.bytes, 'byte')}) is not whole (no newline, not JSON): left out, so the session on it is not imported; the export is being written, or was cut short: import it again once it is whole, or export that session again`
}

const isDir = async (path: string): Promise<boolean> => await stat(path).then(s => s.isDirectory(), () => false)

/**
 * `stopped` (Ctrl-C, SIGTERM: agent-run's importCmd) ends the import after the batch being
 * stored, as the other agents' imports end: what was stored stays, the session says how much of
 * it is in mesh (`capture`), and the same import again adds the rest.
 */
export async function importHermes (g: Globals, values: Record<string, unknown>, stopped?: AbortSignal): Promise<number> {
  const file = values.file as string | undefined
  const session = values.session as string | undefined
  if (values.all === true && session !== undefined) throw new UsageError('give --session ID or --all, not both')
  const since = values.since !== undefined ? parseSince(values.since as string) : undefined
  if (file === undefined && session === undefined && values.all !== true && since === undefined) throw new UsageError('give --file EXPORT.jsonl (hermes sessions export … --format jsonl), --session ID, --all or --since DATE')
  const stores = await hermesDbPaths()
  const fromDb = file === undefined && (await Promise.all(stores.map(isFile))).some(Boolean)
  // Where a state.db was looked for: the home's, and each profile's (a store of its own).
  const nowhere = stores.length === 1 ? `at ${stores[0] as string}` : `at any of its ${stores.length} places (the home's and its profiles'): ${stores.join(', ')}`
  // No Hermes home at all: said as --all says it and the other agents' imports do (NOT_FOUND, the variable that moves it).
  if (since !== undefined && !fromDb && !await isDir(hermesHome())) throw new NotFoundError(`no Hermes here: no state.db ${nowhere} (set HERMES_HOME if Hermes keeps it elsewhere): --since picks sessions of Hermes's state.db by their last activity; nothing imported`, { path: hermesDbPath() })
  if (since !== undefined && !fromDb) throw new UsageError(`--since picks sessions of Hermes's state.db by their last activity, and there is none ${nowhere}`)
  const source = file !== undefined ? await fileToImport(file) : fromDb ? hermesDbPath() : 'hermes sessions export -'
  /** Stores SQLite cannot read (a damaged state.db): said as they are found, the others read; they fail a run of many at its end. */
  const unreadable: Array<{ path: string, code: string, message: string }> = []
  const unread = (err: InvalidInputError): void => {
    unreadable.push({ path: String(err.details.path ?? ''), code: err.code, message: err.message })
    sayOnStderr('skipped', err.message, { path: err.details.path, code: err.code })
  }
  /** The stores read (the home's state.db, the profiles'): each row says which one it came from. */
  const looked: string[] = []
  const read: { rows: Array<{ sessionId: string, line: string, source?: string }>, heldBack?: HeldBackTail } = file !== undefined
    ? hermesExportRows(await readFileNoFollow(source))
    : fromDb ? { rows: await dbRows(session, since, unread, looked) } : hermesExportRows(await hermesExport({ sessionId: session }).catch((err: unknown) => {
      // Neither of the two places sessions come from: said with both, not as a missing program alone.
      if (isMeshError(err) && err.code === 'INVALID_INPUT' && /on PATH/.test(err.message)) throw new NotFoundError(`no Hermes here: no state.db ${nowhere} (set HERMES_HOME if Hermes keeps it elsewhere) and no \`hermes\` on PATH to export them; on a machine with Hermes, \`hermes sessions export FILE --format jsonl\`, then import that file with --file FILE`, { path: hermesDbPath() }, { cause: err })
      throw err
    }))
  let rows = read.rows
  /** Where sessions were looked for: every store read, or the file or the export. */
  const where = looked.length > 0 ? looked.join(', ') : source
  // A torn last line (an export still being written, or cut short) is no session yet: left out,
  // and said (a note, and `heldBack` in --json), as a torn line of the other agents' files is.
  const torn = read.heldBack !== undefined ? { heldBack: [{ ...read.heldBack, file: source }] } : {}
  // A file with no session in it (empty, or a line cut short) imported nothing: said, not a silent success.
  if (file !== undefined && rows.length === 0) {
    const why = read.heldBack !== undefined ? `its one line, ${plural(read.heldBack.bytes, 'byte')}, is not whole (no newline, not JSON): the export is being written, or was cut short` : 'an export has one JSON line per session: hermes sessions export FILE --format jsonl'
    throw new InvalidInputError(`${source} holds no Hermes session (${why}): nothing was imported`, { path: source, ...torn })
  }
  if (session !== undefined) {
    rows = rows.filter(r => r.sessionId === session)
    if (rows.length === 0) throw new NotFoundError(`no Hermes session ${session} in ${where}${unreadable.length > 0 ? ` (${plural(unreadable.length, 'hermes database')} could not be read, and may hold it: ${unreadable.map(f => f.path).join(', ')})` : ''}${read.heldBack !== undefined ? ` (its last line, ${plural(read.heldBack.bytes, 'byte')}, is not whole, and may be that session: import again once the export is whole)` : ''}`, { sessionId: session, ...torn })
  }
  if (read.heldBack !== undefined && !g.json) out.err(hermesHeldBackNote(source, read.heldBack))
  if (values.key !== undefined && rows.length !== 1) throw new UsageError('--key names one session: the export holds several (pick one with --session)')
  const results = await withApi(g, async api => {
    const list: HermesImportResult[] = []
    for (const row of rows) {
      if (stopped?.aborted === true) throw new AbortedError(`stopped: ${list.length} of ${plural(rows.length, 'hermes session')} imported; the same import again adds the rest`, { imported: list.length, of: rows.length })
      list.push({ ...await importRow(api, g, row.line, values, row.source ?? source, stopped), ...torn })
    }
    return list
  })
  if (g.json) out.json(results.length === 1 && session !== undefined ? results[0] : results)
  else {
    // Nothing imported and a store unread: the error below says it all (not "0 sessions" first).
    if (results.length === 0 && unreadable.length === 0) out.line(`0 hermes sessions, 0 new records (${where})`)
    for (const r of results) out.line(`${r.key}: ${plural(r.added, 'new record')} of ${r.records}${r.mappedFrom !== undefined ? `, paths mapped back from ${r.mappedFrom} to ${r.cwd ?? ''}` : ''}`)
  }
  // A store that could not be read fails a run of many (exit 2) once the others' sessions are in,
  // as a damaged OpenClaw database or transcript among many does; one --session found elsewhere does not.
  if (unreadable.length > 0 && session === undefined) {
    const others = results.length > 0 ? ` (${plural(results.length, 'other hermes session')} ${results.length === 1 ? 'was' : 'were'})` : ''
    throw new InvalidInputError(`${plural(unreadable.length, 'hermes database')} could not be read, so no session in ${unreadable.length === 1 ? 'it' : 'them'} was imported${others}: ${unreadable.map(f => `${f.path} (${f.code})`).join(', ')}`, { failed: [], unreadable })
  }
  return 0
}

/**
 * A store's read that failed on its bytes (SQLite cannot read it, it is no Hermes store), as an
 * error naming the file; anything else (the disk, a bug) is not the store's and stays as it is.
 */
function unreadableStore (path: string, err: unknown): InvalidInputError | undefined {
  if (!isMeshError(err) || err.code !== 'INVALID_INPUT') return undefined
  if (err instanceof InvalidInputError && err.details.path !== undefined) return err
  return new InvalidInputError(`${path}: ${err.message}`, { ...err.details, path }, { cause: err })
}

async function importRow (api: MeshApi, g: Globals, line: string, values: Record<string, unknown>, source: string, stopped?: AbortSignal): Promise<HermesImportResult> {
  const first = hermesBundle(line)
  const key = (values.key as string | undefined) ?? `agent:hermes:${first.sessionId}`
  const held = await recordedMeta(api, key)
  // A row resumed here from another machine names this machine's cwd: mapped back, it is the stored one.
  const map = held?.cwd !== undefined && first.cwd !== undefined && held.cwd !== first.cwd ? { from: first.cwd, to: held.cwd } : undefined
  const b = map === undefined ? first : hermesBundle(line, map)
  const cwd = held?.cwd ?? b.cwd
  const remote = held?.gitRemote ?? (first.cwd !== undefined ? await gitRemote(first.cwd).catch((err: unknown) => { if (!g.json) out.err(`note: no git remote recorded (${(err as Error)?.message ?? String(err)})`); return undefined }) : undefined)
  let added = 0
  let total = 0
  let messages = 0
  // As a transcript's import (agent-run's importOne) says with each batch but the last how much
  // of the file is stored (`capture`), this says how many of the row's messages are: an import
  // stopped part-way (Ctrl-C below, a kill, the daemon gone) leaves it, and every device's
  // resume, list and show say this machine holds more. The last batch clears it.
  const parts = importBatches(b.records, b.view)
  const whole = (r: { parts?: number, part?: number }): boolean => r.parts === undefined || r.part === r.parts - 1
  const messagesTotal = b.records.filter(r => r.kind === 'message').length
  const bytesTotal = b.records.reduce((n, r) => n + Buffer.byteLength(r.text), 0)
  let stored = { messages: 0, bytes: 0 }
  const note = (at: typeof stored, reason: CaptureNote['reason']): CaptureNote => ({ host: hostname(), path: source, reason, lines: at.messages, linesTotal: messagesTotal, bytes: at.bytes, bytesTotal, at: Date.now() })
  const ours = held?.capture !== undefined && held.capture.host === hostname() && held.capture.path === source
  const byId = new Map(b.records.map(r => [r.id, r]))
  for (const [i, batch] of parts.entries()) {
    const last = i + 1 === parts.length
    const after = { ...stored }
    for (const rec of batch.records) {
      const r = byId.get(rec.id)
      if (rec.file !== '' || !whole(rec) || r === undefined) continue
      if (r.kind === 'message') after.messages++
      after.bytes += Buffer.byteLength(r.text)
    }
    const capture = last ? (parts.length > 1 || ours ? null : undefined) : note(after, 'unfinished')
    const r = await api.call('agents.import', { key, agent: 'hermes', sessionId: b.sessionId, title: clipTitle(b.title), cwd, gitRemote: remote, records: batch.records, messages: batch.messages.map(m => ({ ...m })), force: values.force === true, ...(capture !== undefined ? { capture } : {}) })
    added += r.added
    total = r.total
    messages += r.messages
    stored = after
    // A long import says how far it is (on a terminal each batch, else about every tenth).
    if (parts.length > 4 && (process.stderr.isTTY || (i + 1) % Math.ceil(parts.length / 10) === 0 || last)) progress(`importing hermes session ${b.sessionId}: ${Math.floor((i + 1) * 100 / parts.length)}% (${i + 1}/${parts.length} batches, ${added} new records)`, last)
    if (stopped?.aborted === true && !last) {
      // Only when this run stored something: else the note (an earlier run's, if any) stands as it is.
      if (added > 0) await api.call('agents.import', { key, agent: 'hermes', sessionId: b.sessionId, records: [], capture: note(stored, 'interrupted'), force: values.force === true }).catch(() => {}) // best effort: the batch's own note says `unfinished`
      throw new AbortedError(`stopped: ${i + 1} of ${parts.length} batches of hermes session ${b.sessionId} (${source}) stored (${plural(added, 'new record')}); the same import again adds the rest`, { path: source, key, batches: parts.length, stored: i + 1, added })
    }
  }
  // A row whose messages are not a list (an edit by hand, a Hermes of another shape) is kept whole
  // and given back byte for byte, but nothing of it can be shown as messages: said, not silent.
  const unread = b.records.some(r => r.kind === 'session_row') && !Array.isArray(parseObject(line)?.messages)
  if (unread && !g.json) out.err(`note: Hermes session ${b.sessionId} in ${source}: its "messages" is not a list, so no message of it can be shown; the row is kept whole, as written, and exports back the same`)
  return { key, sessionId: b.sessionId, records: b.records.length, added, total, messages, cwd, mappedFrom: map?.from, source, ...(unread ? { unreadMessages: true as const } : {}) }
}

async function isFile (path: string): Promise<boolean> {
  try { return (await stat(path)).isFile() } catch (err: any) { if (err?.code === 'ENOENT') return false; throw err }
}

/**
 * Sessions of state.db and the profiles' (one, or those active since `since`) as export lines,
 * each with the store it is in, each store in one consistent read; `looked` gets every store there is.
 */
async function dbRows (session: string | undefined, since: number | undefined, onUnreadable: (err: InvalidInputError) => void, looked: string[]): Promise<Array<{ sessionId: string, line: string, source: string }>> {
  const out: Array<{ sessionId: string, line: string, source: string }> = []
  for (const path of await hermesDbPaths()) {
    if (!await isFile(path)) continue
    looked.push(path)
    const f = new SqliteFile(path)
    try {
      out.push(...await f.read(q => hermesDbSessions(q)
        .filter(s => (session === undefined || s.sessionId === session) && (since === undefined || s.mtimeMs >= since))
        .map(s => ({ sessionId: s.sessionId, line: hermesDbLine(q, s.sessionId) as string, source: path }))) ?? [])
    } catch (err) {
      // A damaged store is handed on, and the other stores read.
      const bad = unreadableStore(path, err)
      if (bad === undefined) throw err
      onUnreadable(bad)
    } finally {
      f.close()
    }
  }
  return out
}

/** The sessions of this machine's state.db and profiles, for `mesh agent list`. */
export async function listHermesHere (): Promise<Array<{ agent: 'hermes', sessionId: string, path: string, modified: number, size: number }>> {
  const list: Array<{ agent: 'hermes', sessionId: string, path: string, modified: number, size: number }> = []
  for (const path of await hermesDbPaths()) {
    if (!await isFile(path)) continue
    const f = new SqliteFile(path)
    try {
      for (const s of await f.read(q => hermesDbSessions(q)) ?? []) list.push({ agent: 'hermes', sessionId: s.sessionId, path: `${path}#${s.sessionId}`, modified: s.mtimeMs, size: s.messages })
    } catch (err) {
      // A list shows what it can: the other stores' and agents' sessions still.
      if (!isMeshError(err)) throw err
      const bad = unreadableStore(path, err) ?? err
      sayOnStderr('skipped', bad.message, { path, code: bad.code })
    } finally {
      f.close()
    }
  }
  return list
}
