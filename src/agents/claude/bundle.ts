/**
 * A Claude Code session bundle read for import and written for resume. Import: the transcript's
 * lines (uuid-keyed), its side folder's JSONL files line by line (sub-agents) and other files
 * whole (meta.json, tool-results). Resume: the same files under the slug of the new cwd, paths
 * rewritten from the recorded cwd, after the chain check.
 */
import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { isBundlePath, type NativeRecord } from '../../../crdt/records.js'
import { isAgentSessionId } from '../../api/agent-keys.js'
import { AgentBusyError, InvalidInputError, type Hint } from '../../errors.js'
import { fileRecord, filesOf, importOrForce, jsonlBytes, jsonlRecords, keyedLines, listFiles, readFileNoFollow, readIfThere, keepsLinesOf, sameThere, writeFileAtomic } from '../bundle.js'
import { heldBackTail, splitJsonl, type HeldBackTail } from '../jsonl.js'
import { BACK, remapLines } from '../remap.js'
import { busy } from '../running.js'
import { checkChain, type ChainProblem } from './chain.js'
import { claudePathFields } from './fields.js'
import { dropSessionsIndex, projectsDir, sideDir } from './home.js'
import { claudeCwd, claudeRecords, claudeSessionId, sidechainParent } from './records.js'
import { projectDirName } from './slug.js'
import { claudeView, type ViewMessage } from './view.js'

/** A file here holds lines mesh has not got (importOrForce). */
const importFirst = (path: string): Hint => importOrForce(`(import it first with \`mesh agent import claude --file ${path}\`, or pass --force to replace it)`)

export interface ReadBundle {
  sessionId: string, cwd?: string, records: NativeRecord[], view: ViewMessage[], lines: number
  /** Torn last lines left for the next import (the agent writing them, or cut off by a crash). */
  heldBack?: HeldBackTail[]
}

/**
 * Reads a transcript and its side folder. `map` rewrites paths before the lines are keyed: a
 * file exported to this machine's cwd comes back with the recorded cwd, so its bytes (and the
 * content-hash ids of its metadata lines) are the original ones.
 */
export async function readClaudeBundle (transcript: string, map?: { from: string, to: string }): Promise<ReadBundle> {
  const buf = await readFileNoFollow(transcript)
  const whole = splitJsonl(buf)
  const split = whole.lines
  const held: HeldBackTail[] = []
  const mainTail = heldBackTail(whole)
  if (mainTail !== undefined) held.push(mainTail)
  // A sub-agent's transcript is part of its parent session's bundle, not a session of its own.
  const parent = sidechainParent(split)
  if (parent !== undefined) throw new InvalidInputError(`${transcript} is a sub-agent's transcript of Claude Code session ${parent}: import that session's main file (${parent}.jsonl, with --session ${parent}), which takes its sub-agents along`, { path: transcript, sessionId: parent })
  const sessionId = claudeSessionId(split, basename(transcript, '.jsonl'))
  const key = (l: readonly string[]): ReturnType<typeof claudeRecords> => claudeRecords(map !== undefined ? remapLines(l, claudePathFields, map, BACK).lines : l, sessionId)
  // The lines split above: a transcript (hundreds of MB, some) is split once.
  const main = keyedLines(split, '', key)
  const records = [...main.records]
  const side = sideDir(transcript)
  for (const rel of await listFiles(side)) {
    const buf = await readFileNoFollow(join(side, rel))
    if (rel.endsWith('.jsonl')) {
      const side = jsonlRecords(buf, rel, key)
      records.push(...side.records)
      if (side.heldBack !== undefined) held.push(side.heldBack)
    } else records.push(fileRecord(buf, rel))
  }
  return { sessionId, cwd: claudeCwd(main.records.map(r => r.text)), records, view: claudeView(main.records), lines: main.lines.length, ...(held.length > 0 ? { heldBack: held } : {}) }
}

export interface WriteResult { path: string, files: string[], rewritten: number, indexDropped: boolean, command: string, /** Every file was there as it would be written: none was. */ unchanged?: true }

/**
 * The files of a bundle with paths rewritten, checked; nothing written. A transcript whose chain
 * would break Claude Code's resume is refused, unless `check` is false (an export, which is the
 * user's file to read or mend): its problems are then returned.
 */
export function claudeExportFiles (records: readonly NativeRecord[], map?: { from: string, to: string }, opts: { check?: boolean } = {}): { files: Map<string, Buffer>, rewritten: number, problems: ChainProblem[] } {
  const files = new Map<string, Buffer>()
  const found: ChainProblem[] = []
  let rewritten = 0
  for (const [file, f] of filesOf(records)) {
    if (f.lines !== undefined) {
      let lines = f.lines
      if (map !== undefined) { const r = remapLines(lines, claudePathFields, map); lines = r.lines; rewritten += r.rewritten }
      const problems = checkChain(lines)
      if (problems.length > 0 && opts.check !== false) {
        throw new InvalidInputError(`refusing to write ${file === '' ? 'the transcript' : file}: ${chainBreaks(problems)}`, { problems: problems.slice(0, 20) })
      }
      found.push(...problems)
      files.set(file, jsonlBytes(lines))
    } else if (f.bytes !== undefined) files.set(file, f.bytes)
  }
  if (!files.has('')) throw new InvalidInputError('the session holds no main transcript records')
  return { files, rewritten, problems: found }
}

/** What a transcript's chain problems mean, in a sentence. */
export function chainBreaks (problems: readonly ChainProblem[]): string {
  return `Claude Code's resume would break on it (${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.slice(0, 3).map(p => p.detail).join('; ')})`
}

/**
 * Writes the bundle where Claude Code looks for it from `cwd`. `ready` is awaited once every check
 * passed, before anything is written (resume takes the session's lease there: a refused write
 * takes nothing).
 */
export async function writeClaudeBundle (sessionId: string, records: readonly NativeRecord[], opts: { cwd: string, from?: string, env?: NodeJS.ProcessEnv, force?: boolean, ready?: () => Promise<void> }): Promise<WriteResult> {
  if (!isAgentSessionId(sessionId)) throw new InvalidInputError(`not a session id: ${sessionId}`)
  const map = opts.from !== undefined ? { from: opts.from, to: opts.cwd } : undefined
  const { files, rewritten } = claudeExportFiles(records, map)
  const root = projectsDir(opts.env)
  let existing: string[] = []
  try { existing = await readdir(root) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
  const projectDir = join(root, projectDirName(opts.cwd, existing))
  const path = join(projectDir, `${sessionId}.jsonl`)
  const command = `cd ${shellQuote(opts.cwd)} && claude --resume ${sessionId}`
  const side = sideDir(path)
  const sides = [...files].filter(([file]) => file !== '').map(([file, bytes]) => {
    if (!isBundlePath(file)) throw new InvalidInputError(`refusing a side file outside the session folder: ${file}`)
    return { p: join(side, ...file.split('/')), bytes }
  })
  const main = files.get('') as Buffer
  const cur = await readIfThere(path)
  // Every file already there as it would be written (a resume run twice): nothing to write or refuse.
  if (cur?.equals(main) === true && (await Promise.all(sides.map(async x => await sameThere(x.p, x.bytes)))).every(Boolean)) {
    await opts.ready?.()
    return { path, files: [path, ...sides.map(x => x.p)], rewritten, indexDropped: false, command, unchanged: true }
  }
  const b = await busy(path)
  if (b !== undefined) throw AgentBusyError.forFile('Claude Code', path, b.why)
  // What the agent wrote here that mesh has not got would be lost: only a file whose every line
  // the new one holds may be replaced. The same holds for a sub-agent's transcript beside it,
  // which a Task agent may have written on after the main file.
  if (cur !== undefined && opts.force !== true && !keepsLinesOf(main, cur)) {
    throw new InvalidInputError(`refusing to overwrite ${path}: it holds lines this session in mesh has not got`, { path }, { hint: importFirst(path) })
  }
  // What each transcript held when checked: the write is refused if the agent wrote on meanwhile.
  const checked = new Map<string, Buffer | undefined>([[path, cur]])
  for (const x of sides.filter(x => x.p.endsWith('.jsonl'))) {
    const there = await readIfThere(x.p)
    checked.set(x.p, there)
    if (there === undefined || there.equals(x.bytes)) continue
    const sb = await busy(x.p)
    if (sb !== undefined) throw AgentBusyError.forFile('Claude Code', x.p, sb.why)
    if (opts.force !== true && !keepsLinesOf(x.bytes, there)) {
      throw new InvalidInputError(`refusing to overwrite ${x.p}: it holds lines this session in mesh has not got`, { path: x.p }, { hint: importFirst(path) })
    }
  }
  await opts.ready?.()
  const written: string[] = []
  const still = (p: string): { bytes: Buffer | undefined, agent: string } | undefined => opts.force === true || !checked.has(p) ? undefined : { bytes: checked.get(p), agent: 'Claude Code' }
  for (const x of sides) {
    await writeFileAtomic(x.p, x.bytes, still(x.p))
    written.push(x.p)
  }
  await writeFileAtomic(path, main, still(path))
  written.unshift(path)
  const indexDropped = await dropSessionsIndex(projectDir)
  return { path, files: written, rewritten, indexDropped, command }
}

export function shellQuote (s: string): string { return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'` }

