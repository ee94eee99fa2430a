/**
 * An OpenClaw session read for import and written for resume, through OpenClaw's own door: the
 * file-era layout `agents/<agentId>/sessions/<sessionId>.jsonl` (+ the `sessions.json` index),
 * which a file-era Gateway reads and `openclaw doctor --fix` imports into a database-era one.
 * A live database is never written. Lines verbatim; the header `cwd` and tool-call paths are
 * rewritten on path boundaries. The transcript's routing entry (its sessionKey and SessionEntry
 * in sessions.json) travels as the side file `openclaw-index.jsonl` of mesh's own making, one
 * line `{"sessionKey","entry"}` per version seen; the last one is current.
 */
import { basename, dirname, join } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { isAgentSessionId } from '../../api/agent-keys.js'
import { AgentBusyError, InvalidInputError } from '../../errors.js'
import { filesOf, importOrForce, jsonlBytes, onlyOursThere, readFileNoFollow, readIfThere, writeFileAtomic } from '../bundle.js'
import { contentId, parseObject } from '../ids.js'
import { heldBackTail, splitJsonlToBad, stuckOf, type HeldBackTail } from '../jsonl.js'
import type { StuckLine } from '../stuck-line.js'
import { BACK, remapLines } from '../remap.js'
import { busy } from '../running.js'
import { shellQuote } from '../claude/bundle.js'
import type { ViewMessage } from '../claude/view.js'
import { addToEmptyIndex } from './empty-index.js'
import { openclawHeld } from './held.js'
import { entryFor, indexFile, openclawHome, readIndex } from './home.js'
import { checkWritable, linkNew, writeFailed } from '../out-file.js'
import { removeStaleTemps, writeBeside } from '../write-beside.js'
import { openclawMeta, openclawPathFields, openclawRecords, openclawSessionId, openclawView } from './records.js'

export const OPENCLAW_INDEX_FILE = 'openclaw-index.jsonl'

export interface OpenclawBundle { sessionId: string, cwd?: string, name: string, dir?: string, sessionKey?: string, records: NativeRecord[], view: ViewMessage[], lines: number, /** Bytes of the file taken (its whole lines); none for a session of the database. */ taken?: number, /** A torn last line left for the next import. */ heldBack?: HeldBackTail[], /** The first line that is not UTF-8: the records end before it (readClaudeBundle's). */ stuck?: StuckLine }

export async function readOpenclawSession (path: string, opts: { env?: NodeJS.ProcessEnv, map?: { from: string, to: string } } = {}): Promise<OpenclawBundle> {
  const buf = await readFileNoFollow(path)
  // A line that is not UTF-8 ends what is read: the lines before it (`stuck`), as for Claude.
  const whole = splitJsonlToBad(buf)
  const split = whole.lines
  const tail = heldBackTail(whole)
  const lines = opts.map !== undefined ? remapLines(split, openclawPathFields, opts.map, BACK).lines : split
  const meta = openclawMeta(lines)
  if (meta.version === undefined && meta.id === undefined) throw new InvalidInputError(`${path} has no session header line: not an OpenClaw (pi) transcript?`, { path })
  if (meta.version !== undefined && meta.version > 4) throw new InvalidInputError(`${path} is pi session format v${meta.version}; mesh knows v1 to v4`, { path })
  const sessionId = openclawSessionId(meta.id, basename(path))
  // A copy or an archive goes back under the name OpenClaw gives the session's transcript.
  const name = basename(path) === `${sessionId}.jsonl` || basename(path).startsWith(`${sessionId}-topic-`) ? basename(path) : `${sessionId}.jsonl`
  const records: NativeRecord[] = openclawRecords(lines, sessionId).map(r => ({ ...r, file: '' }))
  // The routing entry, when the transcript sits in a sessions folder whose index names it.
  const dir = dirname(path)
  const home = openclawHome(opts.env)
  const rel = dir.startsWith(home + '/') ? dir.slice(home.length + 1) : undefined
  const keyed = entryFor(await readIndex(dir), sessionId)
  const route = openclawRouteRecord(keyed, sessionId, [basename(path), name])
  if (route !== undefined) records.push(route)
  return { sessionId, cwd: meta.cwd, name, dir: rel !== undefined && /^agents\/[^/]+\/sessions$/.test(rel) ? rel : undefined, sessionKey: keyed?.sessionKey, records, view: openclawView(records.filter(r => r.file === '')), lines: lines.length, taken: whole.taken, ...(tail !== undefined ? { heldBack: [tail] } : {}), ...stuckOf(whole) }
}

/**
 * The transcript's routing entry (its sessionKey and SessionEntry in sessions.json) as the record
 * an import stores and a follower too (follow/openclaw.ts): the same entry, the same id.
 * `names`: the transcript's file names here.
 */
export function openclawRouteRecord (keyed: { sessionKey: string, entry: Record<string, unknown> } | undefined, sessionId: string, names: readonly string[]): NativeRecord | undefined {
  if (keyed === undefined) return undefined
  // `sessionFile` points at this very transcript on this machine: not kept (a resume points it
  // at the file it writes), so the entry reads the same wherever the transcript sits.
  const { sessionFile, ...rest } = keyed.entry
  const entry = typeof sessionFile === 'string' && names.includes(basename(sessionFile)) ? rest : keyed.entry
  const text = JSON.stringify({ sessionKey: keyed.sessionKey, entry })
  return { id: contentId('session_entry', sessionId, text), file: OPENCLAW_INDEX_FILE, kind: 'session_entry', text }
}

export function openclawExportFile (records: readonly NativeRecord[], map?: { from: string, to: string }): { bytes: Buffer, rewritten: number } {
  const main = filesOf(records).get('')?.lines
  if (main === undefined) throw new InvalidInputError('the session holds no OpenClaw transcript records')
  const r = map !== undefined ? remapLines(main, openclawPathFields, map) : { lines: main, rewritten: 0 }
  return { bytes: jsonlBytes(r.lines), rewritten: r.rewritten }
}

/** The last routing entry captured with the session. */
export function openclawIndexEntry (records: readonly NativeRecord[]): { sessionKey: string, entry: Record<string, unknown> } | undefined {
  const lines = filesOf(records).get(OPENCLAW_INDEX_FILE)?.lines ?? []
  for (let i = lines.length - 1; i >= 0; i--) {
    const o = parseObject(lines[i] as string)
    if (o !== undefined && typeof o.sessionKey === 'string' && typeof o.entry === 'object' && o.entry !== null) return { sessionKey: o.sessionKey, entry: o.entry as Record<string, unknown> }
  }
  return undefined
}

export interface OpenclawWriteResult { path: string, rewritten: number, index: 'written' | 'kept' | 'none', sessionKey?: string, command: string, /** The transcript was there as it would be written. */ unchanged?: true }

/** Writes the transcript (and sessions.json where none is, or its entry where it lists none); `ready` as writeClaudeBundle's (every check passed, nothing written yet). */
export async function writeOpenclawSession (sessionId: string, records: readonly NativeRecord[], opts: { cwd?: string, from?: string, name?: string, dir?: string, env?: NodeJS.ProcessEnv, force?: boolean, ready?: () => Promise<void> }): Promise<OpenclawWriteResult> {
  if (!isAgentSessionId(sessionId)) throw new InvalidInputError(`not a session id: ${JSON.stringify(sessionId)}`)
  const map = opts.from !== undefined && opts.cwd !== undefined ? { from: opts.from, to: opts.cwd } : undefined
  const { bytes, rewritten } = openclawExportFile(records, map)
  const dir = opts.dir !== undefined && /^agents\/[A-Za-z0-9._-]+\/sessions$/.test(opts.dir) ? opts.dir : 'agents/main/sessions'
  const name = opts.name !== undefined && /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.jsonl$/.test(opts.name) ? opts.name : `${sessionId}.jsonl`
  const folder = join(openclawHome(opts.env), ...dir.split('/'))
  const path = join(folder, name)
  // A resume killed mid-write left a temp file here: gone first.
  await removeStaleTemps([folder])
  // The database era: the Gateway's database may hold the session already, and it is what OpenClaw continues.
  const held = await openclawHeld(sessionId, bytes, opts.cwd, opts.env)
  if (held?.ahead === true && opts.force !== true) {
    throw new InvalidInputError(`refusing to write ${path}: OpenClaw's database here (${held.db}) holds session ${sessionId} with events this session in mesh has not got`, { path: held.db, sessionId }, { hint: importOrForce(`(import it first with \`mesh agent import openclaw --session ${sessionId}\`, or pass --force)`) })
  }
  if (held?.same === true) {
    await opts.ready?.()
    return { path: held.db, rewritten, index: 'none', sessionKey: held.sessionKey, command: held.sessionKey !== undefined ? `openclaw resume ${shellQuote(held.sessionKey)}` : `openclaw agent --session-id ${shellQuote(sessionId)} --message continue`, unchanged: true }
  }
  // sessions.json is the Gateway's (file era) or doctor's input (database era): written only
  // when none is there, or when it lists no session yet (`{}`, which OpenClaw would list this
  // one from only with its entry: added under OpenClaw's lock, empty-index.ts), so an index that
  // lists sessions is never edited behind the Gateway's back, nor one that mesh cannot read
  // replaced (the user's other sessions are in it): that is refused before anything is written.
  const keyed = openclawIndexEntry(records)
  const indexPath = join(folder, 'sessions.json')
  const indexThere = keyed !== undefined ? await indexFile(folder) : undefined
  if (indexThere?.state === 'unreadable') {
    throw new InvalidInputError(`refusing to resume ${sessionId} here: ${indexPath}, OpenClaw's index of the sessions in that folder, is one mesh cannot read (${indexThere.why}), and mesh never replaces it: the other sessions it lists would be lost`, { path: indexPath, sessionKey: keyed?.sessionKey }, {
      hint: { sep: '. ', cli: `Make it a JSON object again (sessionKey -> entry; \`openclaw doctor\` may mend it), or move it aside to have mesh write one holding only this session, then resume again`, mcp: 'Ask the user to mend that file (a JSON object of sessionKey -> entry) or move it aside, then call agents_resume again' }
    })
  }
  const cur = await readIfThere(path)
  // Already there as it would be written (a resume run twice): left untouched, the index still seen to.
  if (cur?.equals(bytes) !== true) {
    const b = await busy(path)
    if (b !== undefined) throw AgentBusyError.forFile('OpenClaw', path, b.why)
    if (cur !== undefined && opts.force !== true && !onlyOursThere(cur, bytes, openclawPathFields, lines => openclawMeta(lines).cwd, opts.cwd)) {
      throw new InvalidInputError(`refusing to overwrite ${path}: it holds lines this session in mesh has not got`, { path }, { hint: importOrForce(`(import it first with \`mesh agent import openclaw --file ${path}\`, adding --force if another device drives the session; or pass --force to replace it, and what it holds that mesh has not is lost)`) })
    }
    const emptyIndex = indexThere?.state === 'there' && indexThere.empty === true
    await checkWritable([path, ...(indexThere?.state === 'absent' || emptyIndex ? [indexPath] : [])])
    await opts.ready?.()
    try {
      await writeFileAtomic(path, bytes, opts.force === true ? undefined : { bytes: cur, agent: 'OpenClaw' })
    } catch (err) { throw await writeFailed(err, path, opts.ready !== undefined ? '; this device took the session\'s lease. Resume again once it can be written' : '') }
  } else await opts.ready?.()
  let index: OpenclawWriteResult['index'] = 'none'
  if (keyed !== undefined) {
    index = 'kept'
    const entry = { ...keyed.entry, sessionId, sessionFile: path }
    const again = `; the transcript ${path} is in place. Resume again once it can be written`
    if (indexThere?.state === 'absent') {
      // Given its name only if none is there at that moment: one the Gateway made since is kept.
      try {
        await writeBeside(indexPath, JSON.stringify({ [keyed.sessionKey]: entry }, null, 2) + '\n', async (tmp) => { await linkNew(tmp, indexPath) })
        index = 'written'
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw await writeFailed(err, indexPath, again)
      }
    } else if (indexThere?.state === 'there' && indexThere.empty === true) {
      // Still empty once OpenClaw's lock is held: the entry added; else another writer's, kept.
      try {
        if (await addToEmptyIndex(indexPath, keyed.sessionKey, entry)) index = 'written'
      } catch (err) { throw await writeFailed(err, indexPath, again) }
    }
  }
  const cont = keyed !== undefined ? `openclaw resume ${shellQuote(keyed.sessionKey)}` : `openclaw agent --session-id ${shellQuote(sessionId)} --message continue`
  return { path, rewritten, index, sessionKey: keyed?.sessionKey, command: `openclaw doctor --fix && ${cont}`, ...(cur?.equals(bytes) === true ? { unchanged: true as const } : {}) }
}
