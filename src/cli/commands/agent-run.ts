/**
 * The subcommands of mesh agent (agent.ts holds its name, options and help): real agents' sessions
 * (Claude Code, Codex, OpenClaw, Hermes) through mesh. This client reads and writes the agent's
 * files (its own HOME, CLAUDE_CONFIG_DIR, CODEX_HOME, OPENCLAW_STATE_DIR, HERMES_HOME, cwd); the
 * daemon only stores the records it is sent (agents.import) and hands them back (agents.records).
 * Resume is agents/resume.ts, shared with the MCP tool agents_resume.
 */
import { open, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import {
  importBatches, chainBreaks, claudeExportFiles, codexExportFile, findClaudeSession, findCodexSession, gitRemote, listClaudeSessions,
  listCodexSessions, readClaudeBundle, readCodexRollout, redactJsonl, filesOf, findOpenclawSession, listOpenclawSessions,
  readOpenclawSession, openclawExportFile, hermesExportFile, translateSession, TRANSLATE_TARGETS, parseSince, resumeAgentSession,
  fetchAgentRecords, AGENT_NAMES, AGENT_SAID, isAgentName, listOpenclawDbSessions, readOpenclawDbSession, checkChain, type AgentMeta, type AgentName,
  refuseTaken, writeOutFile, noSessionIn, fileSessionKey, notUtf8Words, type ResumeResult, type BranchTurn, type SessionBranch, crossDeviceBranches, bundleFilePath, claudePlace, claudePlaceCommand, foundCwd, realCwd, shellQuote, targetDir, expandTilde, noAgentHere, StoredBytes, noSessionWhy, type ChainProblem, type HeldBackTail, type ListWarn, type OpenclawDbSession, restAfter
} from '../../agents/index.js'
import { importHermes, listHermesHere } from './agent-hermes.js'
import { followCmd, hookCmd, hooksCmd } from './agent-live.js'
import { syncCmd } from './agent-sync.js'
import { showAgentList, type LocalSession } from './agent-list.js'
import type { MeshApi } from '../../api/api.js'
import { captureUnit, type CaptureNote } from '../../../crdt/records.js'
import { AbortedError, InvalidInputError, isMeshError, LeaseHeldError, NotFoundError, UsageError } from '../../errors.js'
import { sizeWords as mb } from '../../node/progress.js'
import { draw, jsonOutputOn, leaseHintFor, sayOnStderr, stdout as out, withApi, type Globals } from '../context.js'
import { Control, drawn } from '../printable.js'
import { recordsProgress } from '../records-progress.js'
import { gotWords, plural } from '../wording.js'
import { messageHere } from '../zone-words.js'
import { AGENT_SUBCOMMANDS, AGENT_USAGE } from './agent.js'
import { subUsage } from '../command.js'

/** `mesh agent SUB …` (`sub` checked by agent.ts's run, which loads this module with the agents' code). */
export async function runAgent (g: Globals, sub: typeof AGENT_SUBCOMMANDS[number], args: string[], values: Record<string, unknown>): Promise<number> {
  const [, arg] = args
  if (sub === 'import') return await importCmd(g, arg, values)
  if (sub === 'resume' || sub === 'export') {
    if (arg === undefined) throw new UsageError(`missing KEY: ${usageOf(sub)}`)
    return sub === 'resume' ? await resumeCmd(g, arg, values) : await exportCmd(g, arg, values)
  }
  if (sub === 'list') return await listCmd(g, arg)
  if (sub === 'skills' || sub === 'memory') return await syncCmd(g, sub, args.slice(1), values)
  if (sub === 'follow') return await followCmd(g, arg, values)
  if (sub === 'hook') return await hookCmd(g, arg)
  return await hooksCmd(g, arg, args[2])
}

/** The usage of one `mesh agent` subcommand, said with its error (not every subcommand's). */
const usageOf = (sub: string): string => subUsage({ name: 'agent', usage: AGENT_USAGE }, sub) ?? AGENT_USAGE

function agentOf (a: string | undefined, sub: string): AgentName {
  if (isAgentName(a)) return a
  throw new UsageError(`which agent: claude, codex, openclaw or hermes (${gotWords(a, AGENT_NAMES)}). ${usageOf(sub)}`)
}

async function importCmd (g: Globals, a: string | undefined, values: Record<string, unknown>): Promise<number> {
  const agent = agentOf(a, 'import')
  // Ctrl-C (or SIGTERM) stops the import after the batch being stored, and says how far it got;
  // a second one stops it at once. What was stored stays; the same import again adds the rest.
  const stop = new AbortController()
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130)
    stop.abort()
    // A progress line on a terminal is cleared first, so this is a line of its own.
    if (process.stderr.isTTY) draw('stderr', drawn(Control.ERASE_LINE))
    // With --json a JSON event, as every other line it writes on stderr.
    sayOnStderr('stopping', 'stopping after the batch being stored (Ctrl-C again to stop at once)')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return agent === 'hermes' ? await importHermes(g, values, stop.signal) : await importRun(g, agent, values, stop.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

async function importRun (g: Globals, agent: Exclude<AgentName, 'hermes'>, values: Record<string, unknown>, stopped: AbortSignal): Promise<number> {
  const file = values.file as string | undefined
  const session = values.session as string | undefined
  const since = values.since !== undefined ? parseSince(values.since as string) : undefined
  const all = values.all === true || since !== undefined
  if ([file !== undefined, session !== undefined, all].filter(Boolean).length !== 1) throw new UsageError(`give one of --file PATH, --session ID, --all or --since DATE: ${usageOf('import')}`)
  if (all) {
    if (values.key !== undefined) throw new UsageError('--key names one session: not with --all or --since')
    // No folder to list (the agent not installed, or its variable mis-set): said where mesh
    // looked, as Hermes's import says it (NOT_FOUND, exit 2), not "0 sessions, 0 new records".
    const none = await noAgentHere(agent, process.env)
    // Installed but never run (`codex` on PATH, ~/.codex without sessions/): nothing to do, not nothing found.
    if (none?.installed === true) {
      if (g.json) out.json([])
      else out.line(`${none.message}: nothing imported`)
      return 0
    }
    if (none !== undefined) throw new NotFoundError(none.message, { agent, path: none.path, variable: none.variable })
    /** Stores that could not be read (an OpenClaw database): said as they are found, and fail the run at its end. */
    const unreadable: Array<{ path: string, code: string, message: string }> = []
    const unread = (err: Error): void => {
      if (!isMeshError(err) || !SKIPPED_IN_BATCH.has(err.code)) throw err
      unreadable.push({ path: String(err.details?.path ?? ''), code: err.code, message: err.message })
      skipDb(err)
    }
    const found: Array<{ sessionId: string, path: string, mtimeMs: number, size: number, db?: OpenclawDbSession }> = agent === 'claude'
      ? await listClaudeSessions(process.env, warnLine)
      : agent === 'codex' ? await listCodexSessions(process.env, warnLine) : await openclawSessions(g, true, warnLine, unread)
    const picked = found.filter(s => since === undefined || s.mtimeMs >= since)
    const bytes = picked.reduce((n, s) => n + s.size, 0)
    const failed: Array<{ path: string, sessionId: string, code: string, message: string }> = []
    /** Files that hold no records yet (a conversation not started): neither imported nor failed. */
    let empty = 0
    /**
     * Files that hold no session (`{}`, a stray note: no-session.ts): passed by, said, and no
     * failure, as the follower passes them by and `mesh agent list` says `no session in this file`.
     */
    let noSession = 0
    const results = await withApi(g, async api => {
      const list: ImportResult[] = []
      let done = 0
      for (const [i, s] of picked.entries()) {
        if (stopped.aborted) throw new AbortedError(`stopped: ${list.length} of ${plural(picked.length, `${agent} session`)} imported; the same import again adds the rest`, { imported: list.length, of: picked.length })
        // Progress on stderr (stdout stays the result): a line per session, rewritten on a terminal.
        if (picked.length > 1) progress(`importing ${agent} session ${i + 1}/${picked.length} (${mb(done)} of ${mb(bytes)}) ${s.sessionId}`)
        let r: ImportResult
        try {
          r = await importOne(api, g, agent, s.path, values, s.db, stopped)
        } catch (err) {
          // One damaged or vanished file, one whose session id makes no mesh key, or a session
          // another device drives (its new lines wait for --force or the lease), is said and the
          // others go on; anything else (the daemon, the disk) stops the run as before.
          if (!isMeshError(err) || !SKIPPED_IN_BATCH.has(err.code)) throw err
          // The progress line on a terminal is cleared first, so the skip is a line of its own.
          if (picked.length > 1 && process.stderr.isTTY) draw('stderr', drawn(Control.ERASE_LINE))
          if (err.details.noSession === true) { noSession++; sayOnStderr('skipped', err.message, { path: s.path, code: err.code }); continue }
          failed.push({ path: s.path, sessionId: s.sessionId, code: err.code, message: err.message })
          // A lease's end in this machine's zone, as the CLI's error line says it; --json keeps the API's words.
          // Taken over by `mesh lease take`, as the run's error says at its end (`mesh resume` writes no agent files).
          const said = leaseHintFor(err, 'mesh lease take') as typeof err
          sayOnStderr('skipped', g.json ? err.message : messageHere(said), { path: s.path, code: err.code })
          continue
        } finally {
          done += s.size
        }
        // An empty file (a conversation not started yet) makes no session: said, and left out.
        if (r.records === 0) { empty++; sayOnStderr('skipped', `${s.path} holds no records yet`, { path: s.path }) }
        else list.push(r)
      }
      // What was imported, as the line after counts it: a file that failed or holds no records or no session is not.
      if (picked.length > 1) progress(`imported ${list.length < picked.length ? `${list.length} of ` : ''}${picked.length} ${agent} sessions (${mb(bytes)})`, true)
      return list
    })
    if (g.json) out.json(results)
    // Nothing imported and something failed: the error below says it all (not "0 sessions" first).
    else if (results.length > 0 || (failed.length === 0 && unreadable.length === 0)) out.line(`${plural(results.length, `${agent} session`)}, ${plural(results.reduce((n, r) => n + r.added, 0), 'new record')}`)
    // What could not be imported is an error of the run, each file named, after the rest was:
    // bad input (exit 2) when every file was, else a failure (exit 1: a lease another device holds).
    // A store that could not be read (its sessions not even listed) is a damaged file too.
    if (failed.length > 0 || unreadable.length > 0) {
      // Every file of the count accounted for: imported, failed, holding nothing yet or no session.
      const was = [
        ...(results.length > 0 ? [`${results.length} ${results.length === 1 ? 'was' : 'were'}`] : []),
        ...(empty > 0 ? [`${empty} ${empty === 1 ? 'holds' : 'hold'} no records yet`] : []),
        ...(noSession > 0 ? [`${noSession} ${noSession === 1 ? 'holds' : 'hold'} no session`] : [])
      ]
      const imported = was.length > 0 ? ` (${was.join(', ')})` : ''
      const parts = [
        ...(failed.length > 0 ? [`${failed.length} of ${plural(picked.length, `${agent} session`)} could not be imported${imported}: ${failed.map(f => `${f.path} (${f.code})`).join(', ')}`] : []),
        ...(unreadable.length > 0 ? [`${plural(unreadable.length, `${agent} database`)} could not be read, so no session in ${unreadable.length === 1 ? 'it' : 'them'} was imported${failed.length === 0 && results.length > 0 ? ` (${plural(results.length, `other ${agent} session`)} ${results.length === 1 ? 'was' : 'were'})` : ''}: ${unreadable.map(f => `${f.path} (${f.code})`).join(', ')}`] : [])
      ]
      const message = parts.join('; ')
      const details = { failed, ...(unreadable.length > 0 ? { unreadable } : {}) }
      throw failed.every(f => f.code !== 'LEASE_HELD') ? new InvalidInputError(message, details) : new LeaseHeldError(`${message}; a session another device drives takes new lines with --force, or after \`mesh lease take KEY --take\``, details)
    }
    return 0
  }
  const db = agent === 'openclaw' && file === undefined ? (await listOpenclawDbSessions(process.env, skipDb)).find(d => d.sessionId === session) : undefined
  const path = file !== undefined ? await fileToImport(file) : db !== undefined ? db.db : agent === 'claude' ? await findClaudeSession(session as string, process.env, warnLine) : agent === 'codex' ? (await findCodexSession(session as string, process.env, warnLine)).path : (await findOpenclawSession(session as string, process.env, warnLine)).path
  // Another device drives it: this device takes the lease with `mesh lease take KEY --take`
  // (not `mesh resume`, which an agent's session is not continued by), or --force writes anyway.
  const result = await withApi(g, async api => await importOne(api, g, agent, path, values, db, stopped))
    .catch((err: unknown) => { throw leaseHintFor(err, 'mesh lease take') })
  // Nothing was sent, so no session was made: said, rather than "0 new records of 0" and a session that is not there.
  if (result.records === 0) {
    const first = result.heldBack?.find(h => h.file === path)
    throw new InvalidInputError(`${path} holds no records yet (${first !== undefined ? `its one line, ${plural(first.bytes, 'byte')}, is not whole: the agent is writing it, or stopped mid-write` : 'the agent writes its first line once the conversation starts'}): nothing was imported`, { path, ...(result.heldBack !== undefined ? { heldBack: result.heldBack } : {}) })
  }
  if (g.json) out.json(result)
  else out.line(`${result.key}: ${plural(result.added, 'new record')} of ${result.records} (${plural(result.lines, 'line')} in ${path})${result.mappedFrom !== undefined ? `, paths mapped back from ${result.mappedFrom} to ${result.cwd ?? ''}` : ''}`)
  return 0
}

/** What an import of many says of one file and passes by (the rest is the run's: the daemon, the disk). */
const SKIPPED_IN_BATCH = new Set(['INVALID_INPUT', 'INVALID_SESSION_KEY', 'NOT_FOUND', 'LEASE_HELD'])

/**
 * `--file PATH` resolved, and said plainly when it is not there (NOT_FOUND, exit 2): the read
 * further down would otherwise fail as an internal error with Node's bare ENOENT.
 */
export async function fileToImport (file: string): Promise<string> {
  const path = resolve(file)
  let st
  try {
    st = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`--file ${file}: no such file (${path})`, { path })
    throw err
  }
  if (!st.isFile()) throw new InvalidInputError(`--file ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}: give the session's file (${path})`, { path })
  return path
}

/**
 * Every OpenClaw session once: a session of the database era, and a transcript file only when its
 * session is in no database. `openclaw doctor --fix` migrates the files into the database and
 * leaves them there; both hold the same records and import into the one key, so the file would
 * only be read again and counted twice. The database is what `--session ID` reads too.
 */
async function openclawSessions (g: Globals, say: boolean, warn: ListWarn, onDb: (err: Error) => void = skipDb): Promise<Array<{ sessionId: string, path: string, mtimeMs: number, size: number, db?: OpenclawDbSession }>> {
  const dbs = (await listOpenclawDbSessions(process.env, onDb)).map(d => ({ ...d, path: d.db, db: d }))
  const inDb = new Set(dbs.map(d => d.sessionId))
  const files = await listOpenclawSessions(process.env, warn)
  for (const f of files) if (inDb.has(f.sessionId) && say && !g.json) out.err(`note: ${f.path} was migrated into OpenClaw's database: its session is imported from there`)
  return [...files.filter(f => !inDb.has(f.sessionId)), ...dbs].sort((x, y) => y.mtimeMs - x.mtimeMs)
}

/**
 * What a listing passed by (a folder or an OpenClaw index it cannot read), said on stderr: a plain
 * line, or with --json a `{"event":"warning",…}` line, as a file it skips is (an import's JSON on
 * stdout is its list of sessions); `mesh agent list --json` gathers them into its JSON instead (listCmd).
 */
const warnLine: ListWarn = (message) => { sayOnStderr('warning', message) }

/** A database that cannot be read is said on stderr; the others go on. */
const skipDb = (err: Error): void => { sayOnStderr('skipped', err.message, isMeshError(err) ? { path: err.details.path, code: err.code } : {}) }

export function progress (line: string, last = false): void {
  if (jsonOutputOn()) return // prose: none with --json
  // A session's id and path come from its file: printable, as drawn() makes every string.
  if (process.stderr.isTTY) draw('stderr', drawn(Control.ERASE_LINE, line, last ? '\n' : ''))
  else out.err(line)
}

interface ImportResult {
  key: string, path: string, sessionId: string, lines: number, records: number, added: number, total: number, messages: number, cwd?: string, gitRemote?: string, mappedFrom?: string
  /** Lines that are not JSON, kept as written. */
  unparsed?: number
  /** A torn last line (no '\n', not JSON) of the file (or of a side file) left for the next import: the agent writing it, or cut off by a crash. */
  heldBack?: HeldBackTail[]
  /** Claude: what breaks the transcript's chain (resume refuses it). */
  chainProblems?: ChainProblem[]
}

/** What a held-back last line is, said once per file: it is not lost, nor imported yet. */
export function heldBackNote (path: string, h: HeldBackTail): string {
  return `note: the last line of ${h.file === '' ? path : `${h.file} beside ${path}`} (line ${h.line}, ${plural(h.bytes, 'byte')}) is not whole (no newline, not JSON): left out for now; an import after the agent finishes it takes it (if the agent stopped mid-write, it never will: end the line or cut it off)`
}

/** Whether the byte before `taken` is no newline (the last line taken was whole JSON without one). */
async function endsUnterminated (path: string, taken: number): Promise<boolean> {
  if (taken === 0) return false
  const fh = await open(path, 'r')
  try { const b = Buffer.alloc(1); await fh.read(b, 0, 1, taken - 1); return b[0] !== 0x0a } finally { await fh.close() }
}

/**
 * A held-back line as --json gives it: `file` the path of the file it ends (the transcript, or a
 * side file in its session folder: a Claude Code sub-agent's), as `mesh agent list` names a
 * followed file's held-back line (`heldBack[].path`).
 */
export function heldBackAt (path: string, h: HeldBackTail): HeldBackTail {
  return { ...h, file: bundleFilePath(path, h.file) }
}

/**
 * How many lines that are not JSON an import stores anew: of the main file, those that end past
 * `before` (the bytes mesh held of it; the i-th main-file line ends at `ends[i]`, no ends: all);
 * of side files, all when the session is `fresh` to mesh, else none.
 */
function newUnparsed (records: ReadonlyArray<{ file: string, kind?: string, parts?: number, part?: number }>, ends: readonly number[] | undefined, before: number, fresh: boolean): number {
  let line = 0
  let n = 0
  for (const r of records) {
    if (r.file !== '') { if (fresh && r.kind === 'unparsed') n++; continue }
    if (r.parts !== undefined && r.part !== r.parts - 1) continue
    const end = ends?.[line++]
    if (r.kind === 'unparsed' && (end === undefined || end > before)) n++
  }
  return n
}

/** One session: a file, or (`db`) an OpenClaw session of its database era. */
async function importOne (api: MeshApi, g: Globals, agent: AgentName, path: string, values: Record<string, unknown>, db?: OpenclawDbSession, stopped?: AbortSignal): Promise<ImportResult> {
  // A file resumed here from another machine names this machine's paths: read it with the
  // mapping back to the recorded cwd, so what is stored is what was first imported.
  const read = async (map?: { from: string, to: string }): Promise<Awaited<ReturnType<typeof readClaudeBundle>> & { name?: string, dir?: string, sessionKey?: string }> =>
    agent === 'claude' ? await readClaudeBundle(path, map) : agent === 'codex' ? await readCodexRollout(path, { map }) : db !== undefined ? await readOpenclawDbSession(db, { map }) : await readOpenclawSession(path, { map })
  const first = await read().catch((err: unknown) => {
    // Said with the file it is about (an import of many names each one it refuses).
    if (isMeshError(err) && err.code === 'INVALID_INPUT' && !err.message.includes(path)) throw new InvalidInputError(`${path}: ${err.message}`, { ...err.details, path }, { cause: err })
    throw err
  })
  // A line that is not UTF-8 ends what can be kept byte for byte: the lines before it are
  // imported (as the follower stores them), the import then fails naming it. Before any: nothing.
  const bad = 'stuck' in first ? first.stuck : undefined
  if (bad !== undefined && bad.line === 1) {
    throw new InvalidInputError(`${path}: the file is not valid UTF-8 at line 1 (bytes ${bad.from}-${bad.to}): its lines could not be kept byte for byte, so none was imported; the file is left as it is`, { path, line: 1, offset: bad.from })
  }
  // A file none of whose lines is a record the agent writes (a wrong path, `{}`) is not its
  // session: refused, not stored as a session of lines kept as written (no-session.ts).
  if (noSessionIn(agent, first.records)) {
    throw new InvalidInputError(`${path} holds no ${agent} session: ${noSessionWhy(agent, first.records.some(r => r.file === '' && r.kind !== 'unparsed'), first.lines)}; nothing was imported`, { path, noSession: true })
  }
  // A key given is the person's (the API says what is wrong with it); one made of the file's
  // session id is refused naming the file, so an import of many passes it by.
  const key = (values.key as string | undefined) ?? fileSessionKey(agent, first.sessionId, path)
  const held = await recordedMeta(api, key)
  const map = held?.cwd !== undefined && first.cwd !== undefined && held.cwd !== first.cwd ? { from: first.cwd, to: held.cwd } : undefined
  const b = map === undefined ? first : await read(map)
  const cwd = held?.cwd ?? b.cwd
  // The remote only helps find the project elsewhere: a cwd that is gone or unreadable here
  // (an import of a file from another machine) leaves it unknown rather than failing the import.
  const remote = held?.gitRemote ?? (first.cwd !== undefined ? await gitRemote(first.cwd).catch((err: unknown) => { if (!g.json) out.err(`note: no git remote recorded (${(err as Error)?.message ?? String(err)})`); return undefined }) : undefined)
  const codex = b.name !== undefined ? b as { name: string, dir?: string } : undefined
  // A file imported here for the first time is marked as holding none of it in mesh until the
  // import ends (its mark below): one stopped part-way (Ctrl-C, a kill, the daemon gone) is
  // `behind` in `mesh agent list`, not `stored`. A mark already there stays until then.
  const stored = new StoredBytes(join(g.home, 'agent-follow'))
  let marked = db === undefined && b.taken !== undefined ? (await stored.of(path, []).catch(() => undefined))?.offset : undefined
  if (db === undefined && b.taken !== undefined && marked === undefined) {
    await stored.mark(path, 0, false).catch(() => {}) // best effort: the mark at the end says what a failure here would
    marked = 0
  }
  // How much of the file mesh held before: a line not JSON up to there was said by the import that took it.
  const storedBefore = marked ?? 0
  // After each batch the mark moves to the end of the transcript's last line stored whole (its
  // records come first, in order): one stopped part-way is `behind` by what it did not store, not
  // by the whole file. Its last line is marked at the end, with the side files stored too.
  const ends = db === undefined ? b.lineEnds : undefined
  let linesStored = 0
  let added = 0
  let total = 0
  let messages = 0
  const parts = importBatches(b.records, b.view)
  // An import of several batches says in the session, with each but the last that stores
  // something (agents-import.ts), how much of the file is stored so far (`capture`): one that
  // stops part-way (Ctrl-C below, a kill, the daemon gone) leaves it, and every device's resume,
  // list and show say this machine holds more. The last batch clears it, as it clears one an
  // earlier import here left.
  const note = (lines: number, reason: CaptureNote['reason']): CaptureNote | undefined => ends === undefined || b.taken === undefined
    ? undefined
    : { host: hostname(), path, reason, lines, linesTotal: ends.length, bytes: lines > 0 ? Math.min(ends[lines - 1] as number, b.taken) : 0, bytesTotal: b.taken, at: Date.now() }
  const ours = held?.capture !== undefined && held.capture.host === hostname() && held.capture.path === path
  for (const [i, batch] of parts.entries()) {
    const last = i + 1 === parts.length
    let linesAfter = linesStored
    for (const rec of batch.records) if (rec.file === '' && (rec.parts === undefined || rec.part === rec.parts - 1)) linesAfter++
    const capture = last ? (parts.length > 1 || ours ? null : undefined) : note(linesAfter, 'unfinished')
    const r = await api.call('agents.import', {
      key, agent, sessionId: b.sessionId, title: b.sessionKey, cwd, gitRemote: remote, name: codex?.name, dir: codex?.dir,
      records: batch.records, messages: batch.messages.map(m => ({ ...m })), force: values.force === true, ...(capture !== undefined ? { capture } : {})
    })
    added += r.added
    total = r.total
    messages += r.messages
    linesStored = linesAfter
    if (ends !== undefined) {
      const at = linesStored > 0 && linesStored < ends.length ? ends[linesStored - 1] as number : undefined
      if (at !== undefined && marked !== undefined && at > marked) { await stored.mark(path, at, false).catch(() => {}); marked = at } // best effort, as the first mark
    }
    // A long import says how far it is (on a terminal each batch, else about every tenth).
    if (parts.length > 4 && (process.stderr.isTTY || (i + 1) % Math.ceil(parts.length / 10) === 0 || i + 1 === parts.length)) progress(`importing ${b.sessionId}: ${Math.floor((i + 1) * 100 / parts.length)}% (${i + 1}/${parts.length} batches, ${added} new records)`, i + 1 === parts.length)
    if (stopped?.aborted === true && i + 1 < parts.length) {
      // Only when this run stored something: else the note (an earlier run's, if any) stands as it is.
      const stop = added > 0 ? note(linesStored, 'interrupted') : undefined
      if (stop !== undefined) await api.call('agents.import', { key, agent, sessionId: b.sessionId, records: [], capture: stop, force: values.force === true }).catch(() => {}) // best effort: the batch's own note says `unfinished`
      throw new AbortedError(`stopped: ${i + 1} of ${parts.length} batches of ${path} stored (${plural(added, 'new record')}); the same import again adds the rest`, { path, key, batches: parts.length, stored: i + 1, added })
    }
  }
  // A Claude transcript whose chain is broken (a line lost) is kept as it is, and said: resume
  // will refuse to write it back, export writes it.
  const broken = agent === 'claude' ? checkChain(filesOf(b.records).get('')?.lines ?? []) : []
  if (broken.length > 0 && !g.json) out.err(`note: ${path} is kept as it is, but ${chainBreaks(broken)}: mesh agent resume refuses to write it back; mesh agent export writes it`)
  // A line that is not JSON (a write cut short by a crash, an edit by hand) is kept as written, and said.
  const unparsed = b.records.filter(r => r.kind === 'unparsed').length
  // Said of the lines new to this import only (past what mesh held of the file before it, by the
  // mark an import or the follower left; a side file's when the session was new to mesh): an
  // import again said the same line every time.
  const fresh = newUnparsed(b.records, ends, storedBefore, held === undefined)
  if (fresh > 0 && !g.json) out.err(`note: ${plural(fresh, 'line')} of ${path} ${fresh === 1 ? 'is' : 'are'} not JSON: kept as written (shown as "[unparsed line]")`)
  if (!g.json) for (const h of b.heldBack ?? []) out.err(heldBackNote(path, h))
  // How much of the file mesh holds now, beside the follower's cursors: `mesh agent list` tells a
  // file grown since (lines not in mesh) from one stored whole by it.
  if (db === undefined && b.taken !== undefined) {
    const unterminated = (b.heldBack ?? []).every(h => h.file !== '') && await endsUnterminated(path, b.taken)
    await stored.mark(path, b.taken, unterminated).catch((err: unknown) => { if (!g.json) out.err(`note: how much of ${path} is in mesh was not recorded (${(err as Error)?.message ?? String(err)}): mesh agent list cannot tell whether it grew since`) })
  }
  // Where capture is stuck, kept in the session as the follower keeps it (every device's resume
  // says the session is cut short); an import that read the file whole clears this host's note.
  const stuck = 'stuck' in b ? b.stuck : undefined
  if (stuck !== undefined) {
    const rest = await restAfter(path, stuck.from)
    await api.call('agents.import', { key, agent, sessionId: b.sessionId, records: [], stuck: { host: hostname(), path, ...stuck, bytesAfter: rest.bytes, linesAfter: rest.lines, at: Date.now() }, force: values.force === true })
    const before = stuck.line - 1
    throw new InvalidInputError(`${path}: the file is not valid UTF-8 at line ${stuck.line} (bytes ${stuck.from}-${stuck.to}), so it cannot be kept byte for byte: ${before === 1 ? 'line 1 is' : `lines 1-${before} are`} in mesh (${plural(added, 'new record')}), and import stops at that line until it is fixed (${plural(rest.lines, 'line')} from there on not imported); the file is left as it is`, { path, key, line: stuck.line, offset: stuck.from, added, linesAfter: rest.lines, bytesAfter: rest.bytes })
  }
  if (held?.stuck !== undefined && held.stuck.host === hostname() && held.stuck.path === path) {
    await api.call('agents.import', { key, agent, sessionId: b.sessionId, records: [], stuck: null, force: values.force === true })
  }
  const heldBack = (b.heldBack ?? []).map(h => heldBackAt(path, h))
  return { key, path, sessionId: b.sessionId, lines: b.lines, records: b.records.length, added, total, messages, cwd, gitRemote: remote, mappedFrom: map?.from, ...(unparsed > 0 ? { unparsed } : {}), ...(heldBack.length > 0 ? { heldBack } : {}), ...(broken.length > 0 ? { chainProblems: broken.slice(0, 20) } : {}) }
}

export async function recordedMeta (api: MeshApi, key: string): Promise<AgentMeta | undefined> {
  try {
    return (await api.call('agents.records', { key, limit: 1 })).meta
  } catch (err) {
    if (isMeshError(err) && (err.code === 'NOT_FOUND' || err.code === 'SESSION_NOT_FOUND' || err.code === 'INVALID_INPUT')) return undefined
    throw err
  }
}

async function resumeCmd (g: Globals, key: string, values: Record<string, unknown>): Promise<number> {
  return await withApi(g, async api => {
    const progress = recordsProgress(key)
    const r = await resumeAgentSession(api, key, { cwd: values.cwd as string | undefined, take: values.take === true, force: values.force === true, partial: values.partial === true, out: values.out as string | undefined, onPage: progress.onPage })
      // The API's hint names `mesh resume KEY --take`, which takes the lease but writes no
      // agent file: this command with its own arguments instead.
      .catch((err: unknown) => { throw leaseHintFor(err, 'mesh agent resume', typeof values.cwd === 'string' ? ` --cwd ${values.cwd}` : '') })
      .finally(progress.stop)
    if (g.json) { out.json(r); return 0 }
    if (r.unchanged === true) out.line(`${r.path} is already as mesh would write it: left as it is`)
    else if (r.files !== undefined && r.files.length > 0 && !r.files.includes(r.path)) out.line(`wrote ${r.files.join(', ')}; ${r.path} was already as mesh would write it`)
    else out.line(`wrote ${r.path}${r.from !== undefined ? ` (${plural(r.rewritten, 'path')} rewritten from ${r.from} to ${r.cwd as string})` : ''}`)
    // A symbolic link given (or remembered): the agent started there runs in the resolved path.
    if (r.cwdAsNamed !== undefined && r.cwd !== undefined) out.line(linkedWords(r.cwdAsNamed, r.cwd, r.agent))
    if (r.replaced !== undefined && r.replaced.length > 0) out.line(`replaced (--force), the changes made to them here are lost: ${r.replaced.join(', ')}`)
    if (r.tookOverFrom !== undefined) out.line(`took the session over from ${r.tookOverFrom}`)
    // A device that writes nothing (read-only, revoked): the files are here to open, no more.
    if (r.notWritable !== undefined) out.line(`no lease taken: ${r.notWritable}. The files are written to read and continue here, but what ${r.agent} adds here stays on this machine: this device writes nothing to mesh`)
    if (r.index === 'kept') out.line('sessions.json exists here and was left as it is (the Gateway owns it)')
    // Messages appended through mesh: shown in mesh, never in the agent's file. Said, not hidden.
    const n = r.meshOnly ?? 0
    if (n > 0) out.line(`${plural(n, 'message')} of the transcript ${n === 1 ? 'was' : 'were'} appended through mesh, not by ${r.agent}: in mesh only, not in ${r.path}`)
    if (r.captureStuck !== undefined) out.line(cutShortWords(r.key, r.captureStuck))
    else if (r.capture !== undefined) out.line(`warning: ${r.key} is not whole (--partial): ${r.capture.says}; what was written here ends after ${captureUnit(r.agent)} ${r.capture.lines.toLocaleString('en-US')}`)
    for (const b of r.branches ?? []) out.line(branchWords(b))
    if (r.importFirst !== undefined) out.line(`first, ${r.importFirst}; then`)
    out.line('continue it with:')
    out.line(`  ${r.command}`)
    return 0
  })
}

/**
 * What a resume or export says of a transcript that splits into turns typed on different
 * devices after the same point: the one Claude Code continues, and the ones it leaves aside.
 */
function branchWords (b: SessionBranch): string {
  const turn = (t: BranchTurn): string => `${JSON.stringify(t.text === '' ? `line ${t.line}` : t.text)} (${t.device}${t.at !== undefined && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(t.at) ? `, ${t.at.slice(0, 16).replace('T', ' ')} UTC` : ''}, line ${t.line})`
  const side = b.side.map(turn).join(', ')
  return `note: the transcript splits after one point into turns written on different devices. Claude Code continues from the last in the file: ${turn(b.continues)}; ${b.side.length === 1 ? 'this one is on a side branch' : 'these are on side branches'} it does not continue (kept in the file as written, not in the conversation it resumes): ${side}`
}

/** What a resume or export says of a project directory named through a symbolic link. */
function linkedWords (named: string, cwd: string, agent: AgentName): string {
  const who = AGENT_SAID[agent]
  const sees = agent === 'claude' ? `${who} looks there, so the session is written for it` : `${who} started there sees that as its cwd, so the paths name it`
  return `(${named} is ${cwd}: ${sees})`
}

/** What a resume says of a session whose capture is stuck on the machine that writes it: the conversation written here ends early. */
function cutShortWords (key: string, s: NonNullable<ResumeResult['captureStuck']>): string {
  return `warning: ${key} is cut short: its capture on ${s.host} stopped at ${s.path}: ${notUtf8Words(s)}, so ${plural(s.linesAfter, 'line')} (${plural(s.bytesAfter, 'byte')}) from there on ${s.linesAfter === 1 ? 'is' : 'are'} not in mesh and not in what was written here. Fix that line on ${s.host} (its follower then captures the rest) and resume again to continue the whole conversation`
}

async function exportCmd (g: Globals, key: string, values: Record<string, unknown>): Promise<number> {
  const dest = values.out as string | undefined
  if (dest === undefined) throw new UsageError(`missing --out FILE: ${usageOf('export')}`)
  const as = values.as as string | undefined
  if (as !== undefined && !TRANSLATE_TARGETS.includes(as as never)) throw new UsageError(`--as claude or hermes (${gotWords(as, TRANSLATE_TARGETS)})`)
  await refuseTaken(resolve(dest), values.force === true)
  return await withApi(g, async api => {
    const progress = recordsProgress(key)
    const { meta, records } = await fetchAgentRecords(api, key, progress.onPage).finally(progress.stop)
    const agent = agentOf(meta.agent, 'export')
    // A Claude Code transcript is continued from the project's directory here, found as resume
    // finds it (--cwd, the mount map, a clone of its git remote, the recorded cwd if it is here).
    const toClaude = (as ?? agent) === 'claude'
    const given = values.cwd as string | undefined
    // Resolved as resume resolves it (targetDir, realCwd): what the agent started there sees as its
    // cwd, and the directory as given when a symbolic link made it another.
    const found = given !== undefined ? (toClaude ? undefined : resolve(expandTilde(given))) : toClaude ? await foundCwd(meta) : undefined
    const dir = toClaude && given !== undefined ? await targetDir(meta, given) : found !== undefined ? await realCwd(found) : undefined
    const cwd = dir?.cwd
    const map = cwd !== undefined && meta.cwd !== undefined && cwd !== meta.cwd ? { from: meta.cwd, to: cwd } : undefined
    const translated = as !== undefined && as !== agent ? translateSession(meta, records, as as 'claude' | 'hermes', map) : undefined
    // A Claude transcript whose chain is broken is still written out (the user's to read or mend), and said.
    const claude = agent === 'claude' && translated === undefined ? claudeExportFiles(records, map, { check: false }) : undefined
    const broken = claude?.problems ?? []
    let bytes = translated !== undefined
      ? translated.bytes
      : claude !== undefined ? claude.files.get('') as Buffer : agent === 'codex' ? codexExportFile(records, map).bytes : agent === 'openclaw' ? openclawExportFile(records, map).bytes : hermesExportFile(records, map).bytes
    let replaced = 0
    let byRule: Record<string, number> = {}
    if (values.redact === true) {
      const r = redactJsonl(bytes)
      bytes = r.bytes
      replaced = r.count
      byRule = r.byRule
    }
    await writeOutFile(resolve(dest), bytes, { force: values.force === true })
    const sideFiles = [...filesOf(records).keys()].filter(f => f !== '').length
    // Turns typed on two devices after the same point: which one Claude Code continues, said.
    const branches = claude !== undefined ? await crossDeviceBranches(api, key, filesOf(records).get('')?.lines ?? []) : []
    // A redacted copy is one to share (README): where Claude Code would look for it and the
    // command that continues it are not said of it, only what it is for.
    const shared = values.redact === true
    const next = toClaude && !shared ? await claudeNext(resolve(dest), translated?.sessionId ?? meta.sessionId, cwd, translated === undefined ? key : undefined) : undefined
    const mapped = map !== undefined ? { cwd: map.to, from: map.from } : cwd !== undefined ? { cwd } : {}
    if (g.json) { out.json({ key, out: resolve(dest), bytes: bytes.length, redacted: replaced, byRule, sideFilesLeftOut: sideFiles, ...(translated !== undefined ? { translation: translated.label, dropped: translated.dropped, ...(translated.notes !== undefined ? { notes: translated.notes } : {}) } : {}), ...(broken.length > 0 ? { chainProblems: broken.slice(0, 20) } : {}), ...(branches.length > 0 ? { branches } : {}), ...(next !== undefined ? { sessionId: next.sessionId, ...mapped, ...(next.path !== undefined ? { claudePath: next.path, command: next.command } : {}) } : {}) }); return 0 }
    if (broken.length > 0) out.err(`note: written as stored, but ${chainBreaks(broken)}`)
    for (const b of branches) out.line(branchWords(b))
    if (translated !== undefined) {
      out.line(translated.label)
      for (const n of translated.notes ?? []) out.line(`  note: ${n}`)
      for (const d of translated.dropped) out.line(`  dropped: ${d}`)
    }
    // Side files left out are said once: a translation lists them with what else it dropped (the
    // other agent's file holds none, so resume's are no help there); a file of the session's own agent here.
    const sideNote = sideFiles > 0 && translated === undefined ? `; ${plural(sideFiles, 'side file')} not included (\`mesh agent resume ${key}\` writes them)` : ''
    out.line(`wrote ${resolve(dest)} (${bytes.length} bytes)${values.redact === true ? `, ${plural(replaced, 'secret')} replaced` : ''}${sideNote}`)
    if (shared) out.line(`a copy to read or share, not to continue (its secrets are [REDACTED]): \`mesh agent resume ${key}\` continues the session itself`)
    if (next === undefined) return 0
    // As resume says it: the session's id, where its paths point, and the command that continues it.
    const paths = map !== undefined ? `paths rewritten from ${map.from} to ${map.to}` : cwd !== undefined ? `paths as recorded (${cwd})` : meta.cwd !== undefined ? `paths as recorded (${meta.cwd}, not a directory here: --cwd DIR maps them to this machine's clone)` : 'no project directory recorded (--cwd DIR names one)'
    out.line(`Claude Code session ${next.sessionId}, ${paths}`)
    if (dir?.named !== undefined && cwd !== undefined) out.line(linkedWords(dir.named, cwd, 'claude'))
    if (next.command === undefined) return 0
    out.line(`continue it with (Claude Code looks for it at ${next.path as string}):`)
    out.line(`  ${next.command}`)
    return 0
  })
}

/**
 * What an export to a Claude Code transcript tells the person: its session id, where Claude Code
 * looks for it when started from `cwd`, and the command that puts the file there and continues
 * it (none without a directory to start from).
 */
async function claudeNext (file: string, sessionId: string, cwd: string | undefined, own: string | undefined): Promise<{ sessionId: string, path?: string, command?: string }> {
  // No directory here to start it from: a `cd` to the recorded one would fail.
  if (cwd === undefined) return { sessionId }
  const place = await claudePlace(sessionId, cwd)
  // The session's own transcript: resume writes it there with its side files, and refuses to
  // replace one holding lines mesh has not got (a copy would not).
  if (own !== undefined) return { sessionId, path: place.path, command: `mesh agent resume ${/^[A-Za-z0-9_.:-]+$/.test(own) ? own : shellQuote(own)} --cwd ${shellQuote(cwd)}` }
  return { sessionId, path: place.path, command: claudePlaceCommand(file, place, sessionId, cwd) }
}

async function listCmd (g: Globals, a: string | undefined): Promise<number> {
  const agents: readonly AgentName[] = a === undefined ? AGENT_NAMES : [agentOf(a, 'list')]
  const local: LocalSession[] = []
  const skipped: string[] = []
  const warn: ListWarn = g.json ? (message) => { skipped.push(message) } : warnLine
  if (agents.includes('claude')) for (const s of await listClaudeSessions(process.env, warn)) local.push({ agent: 'claude', sessionId: s.sessionId, path: s.path, modified: s.mtimeMs, size: s.size })
  if (agents.includes('codex')) for (const s of await listCodexSessions(process.env, warn)) local.push({ agent: 'codex', sessionId: s.sessionId, path: s.path, modified: s.mtimeMs, size: s.size })
  if (agents.includes('openclaw')) {
    for (const s of await openclawSessions(g, false, warn)) local.push({ agent: 'openclaw', sessionId: s.sessionId, path: s.db !== undefined ? `${s.db.db}#${s.sessionId}` : s.path, modified: s.mtimeMs, size: s.size, ...(s.db !== undefined ? { inDb: true as const } : {}) })
  }
  if (agents.includes('hermes')) local.push(...(await listHermesHere()).map(s => ({ ...s, inDb: true as const })))
  try {
    return await withApi(g, async api => await showAgentList(api, g, agents, local, skipped))
  } catch (err) {
    // Before this machine is set up, its agents' sessions are still worth seeing: all local-only.
    if (!isMeshError(err) || err.code !== 'HOME_NOT_INITIALIZED') throw err
    const home = typeof err.details.home === 'string' ? ` (${err.details.home})` : ''
    if (!g.json && local.length > 0) out.err(`note: this machine has no mesh home yet${home}: every session below is on it only. \`mesh join\` sets it up; then \`mesh agent import ${a ?? 'claude'} --all\` brings them in`)
    return await showAgentList(undefined, g, agents, local, skipped)
  }
}

