/**
 * A Codex rollout read for import and written for resume: `sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`
 * under $CODEX_HOME, lines verbatim, `payload.cwd` rewritten on path boundaries.
 */
import { basename, dirname, join, relative, sep } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { isAgentSessionId } from '../../api/agent-keys.js'
import { AgentBusyError, InvalidInputError } from '../../errors.js'
import { filesOf, importOrForce, jsonlBytes, onlyOursThere, readFileNoFollow, readIfThere, writeFileAtomic } from '../bundle.js'
import { heldBackTail, lineEnds, splitJsonl, splitJsonlToBad, stuckOf, type HeldBackTail } from '../jsonl.js'
import type { StuckLine } from '../stuck-line.js'
import { checkWritable, writeFailed } from '../out-file.js'
import { removeStaleTemps } from '../write-beside.js'
import { BACK, remapLines } from '../remap.js'
import { busy } from '../running.js'
import { shellQuote } from '../claude/bundle.js'
import type { ViewMessage } from '../claude/view.js'
import { codexHome } from './home.js'
import { codexMeta, codexPathFields, codexRecords, codexSessionId, codexView } from './records.js'

export interface CodexBundle { sessionId: string, cwd?: string, name: string, dir?: string, records: NativeRecord[], view: ViewMessage[], lines: number, /** Bytes of the file taken (its whole lines). */ taken: number, /** Where each line ends in the file (lineEnds). */ lineEnds?: number[], /** A torn last line left for the next import. */ heldBack?: HeldBackTail[], /** The first line that is not UTF-8: the records end before it (readClaudeBundle's). */ stuck?: StuckLine }

export async function readCodexRollout (path: string, opts: { env?: NodeJS.ProcessEnv, map?: { from: string, to: string } } = {}): Promise<CodexBundle> {
  const env = opts.env ?? process.env
  const buf = await readFileNoFollow(path)
  // A line that is not UTF-8 ends what is read: the lines before it (`stuck`), as for Claude.
  const whole = splitJsonlToBad(buf)
  const split = whole.lines
  const tail = heldBackTail(whole)
  const lines = opts.map !== undefined ? remapLines(split, codexPathFields, opts.map, BACK).lines : split
  const meta = codexMeta(lines)
  const sessionId = codexSessionId(lines, basename(path))
  if (sessionId === undefined) {
    // Said as it is: an id there that is no UUID (a hand-edited or foreign file) is not "no id".
    const given = meta.id
    const what = given === undefined ? 'has no session_meta id' : `has a session_meta id that is not a UUID (${JSON.stringify(given.slice(0, 80))})`
    throw new InvalidInputError(`${path} ${what} and its name no session id: not a Codex rollout?`, { path })
  }
  const records = codexRecords(lines, sessionId).map(r => ({ ...r, file: '' }))
  const rel = relative(codexHome(env), dirname(path)).split(sep).join('/')
  return { sessionId, cwd: meta.cwd, name: basename(path), dir: rel.startsWith('..') ? undefined : rel, records, view: codexView(records), lines: lines.length, taken: whole.taken, lineEnds: lineEnds(split), ...(tail !== undefined ? { heldBack: [tail] } : {}), ...stuckOf(whole) }
}

export function codexExportFile (records: readonly NativeRecord[], map?: { from: string, to: string }): { bytes: Buffer, rewritten: number } {
  const main = filesOf(records).get('')?.lines
  if (main === undefined) throw new InvalidInputError('the session holds no rollout records')
  const r = map !== undefined ? remapLines(main, codexPathFields, map) : { lines: main, rewritten: 0 }
  return { bytes: jsonlBytes(r.lines), rewritten: r.rewritten }
}

/** Writes the rollout where Codex finds it; `ready` as writeClaudeBundle's (every check passed, nothing written yet). */
export async function writeCodexRollout (sessionId: string, records: readonly NativeRecord[], opts: { cwd?: string, from?: string, name?: string, dir?: string, env?: NodeJS.ProcessEnv, force?: boolean, ready?: () => Promise<void> }): Promise<{ path: string, rewritten: number, command: string, unchanged?: true }> {
  if (!isAgentSessionId(sessionId)) throw new InvalidInputError(`not a session id: ${JSON.stringify(sessionId)}`)
  const map = opts.from !== undefined && opts.cwd !== undefined ? { from: opts.from, to: opts.cwd } : undefined
  const { bytes, rewritten } = codexExportFile(records, map)
  const first = splitJsonl(bytes).lines[0] ?? ''
  const ts = /"timestamp":"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(first)
  const dir = opts.dir !== undefined && /^sessions\/\d{4}\/\d{2}\/\d{2}$/.test(opts.dir) ? opts.dir : ts !== null ? `sessions/${ts[1] as string}/${ts[2] as string}/${ts[3] as string}` : undefined
  if (dir === undefined) throw new InvalidInputError('cannot tell the rollout\'s date (no timestamp on its first line)')
  const name = opts.name !== undefined && /^rollout-[A-Za-z0-9T:._-]+\.jsonl$/.test(opts.name) ? opts.name : `rollout-${ts !== null ? `${ts[1] as string}-${ts[2] as string}-${ts[3] as string}T${ts[4] as string}-${ts[5] as string}-${ts[6] as string}` : 'imported'}-${sessionId}.jsonl`
  const path = join(codexHome(opts.env), ...dir.split('/'), name)
  const command = `${opts.cwd !== undefined ? `cd ${shellQuote(opts.cwd)} && ` : ''}codex resume ${shellQuote(sessionId)}`
  // A resume killed mid-write left a temp file beside it: gone first.
  await removeStaleTemps([dirname(path)])
  const cur = await readIfThere(path)
  // Already there as it would be written (a resume run twice): nothing to write or refuse.
  if (cur?.equals(bytes) === true) { await opts.ready?.(); return { path, rewritten, command, unchanged: true } }
  const b = await busy(path)
  if (b !== undefined) throw AgentBusyError.forFile('Codex', path, b.why)
  if (cur !== undefined && opts.force !== true && !onlyOursThere(cur, bytes, codexPathFields, lines => codexMeta(lines).cwd, opts.cwd)) {
    throw new InvalidInputError(`refusing to overwrite ${path}: it holds lines this session in mesh has not got`, { path }, { hint: importOrForce('(import it first, adding --force if another device drives the session; or pass --force to replace it, and what it holds that mesh has not is lost)') })
  }
  await checkWritable([path])
  await opts.ready?.()
  try {
    await writeFileAtomic(path, bytes, opts.force === true ? undefined : { bytes: cur, agent: 'Codex' })
  } catch (err) { throw await writeFailed(err, path, opts.ready !== undefined ? '; this device took the session\'s lease. Resume again once it can be written' : '') }
  return { path, rewritten, command }
}
