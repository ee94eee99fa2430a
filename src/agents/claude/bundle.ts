/**
 * A Claude Code session bundle read for import and written for resume. Import: the transcript's
 * lines (uuid-keyed), its side folder's JSONL files line by line (sub-agents) and other files
 * whole (meta.json, tool-results), and the older layout's sub-agents' transcripts beside it
 * (agent-<id>.jsonl, named so in the bundle: home.ts isBesideFile). Resume: the same files under the slug of the new cwd, paths
 * rewritten from the recorded cwd, after the chain check.
 */
import { basename, dirname, join } from 'node:path'
import { isBundlePath, type NativeRecord } from '../../../crdt/records.js'
import { isAgentSessionId } from '../../api/agent-keys.js'
import { AgentBusyError, InvalidInputError, type Hint } from '../../errors.js'
import { fileRecord, filesOf, importOrForce, jsonlBytes, jsonlRecords, keyedLines, listFiles, readFileNoFollow, readIfThere, keepsLinesOf, writeFileAtomic } from '../bundle.js'
import { checkWritable, writeFailed } from '../out-file.js'
import { removeStaleTemps } from '../write-beside.js'
import { heldBackTail, lineEnds, splitJsonlToBad, stuckOf, type HeldBackTail } from '../jsonl.js'
import type { StuckLine } from '../stuck-line.js'
import { BACK, remapLines } from '../remap.js'
import { busy } from '../running.js'
import { checkChain, type ChainProblem } from './chain.js'
import { claudePathFields } from './fields.js'
import { besideSubagents, bundleFilePath, dropSessionsIndex, sideDir } from './home.js'
import { claudePlace, claudeResumeCommand } from './place.js'
import { claudeCwd, claudeRecords, claudeSessionId, sidechainParent } from './records.js'
import { claudeView, type ViewMessage } from './view.js'
import { shellQuote } from '../../shell-quote.js'

/** A file here holds lines mesh has not got (importOrForce). */
const importFirst = (path: string): Hint => importOrForce(`(import it first with \`mesh agent import claude --file ${path}\`, adding --force if another device drives the session; or pass --force to replace it, and what it holds that mesh has not is lost)`)

export interface ReadBundle {
  sessionId: string, cwd?: string, records: NativeRecord[], view: ViewMessage[], lines: number
  /** Bytes of the transcript taken (its whole lines): what mesh holds of it once imported (none: a session of a database). */
  taken?: number
  /** Where each line of the transcript ends in it (lineEnds): how much of it a part-way import stored. */
  lineEnds?: number[]
  /** Torn last lines left for the next import (the agent writing them, or cut off by a crash). */
  heldBack?: HeldBackTail[]
  /**
   * The transcript's first line that is not UTF-8 (1-based, its bytes `from`-`to`, to: its
   * newline): the records end before it and `taken` is its first byte; capture is stuck there.
   */
  stuck?: StuckLine
}

/**
 * Reads a transcript and its side folder. `map` rewrites paths before the lines are keyed: a
 * file exported to this machine's cwd comes back with the recorded cwd, so its bytes (and the
 * content-hash ids of its metadata lines) are the original ones.
 */
export async function readClaudeBundle (transcript: string, map?: { from: string, to: string }): Promise<ReadBundle> {
  const buf = await readFileNoFollow(transcript)
  const whole = splitJsonlToBad(buf)
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
  // The older layout's sub-agents (agent-<id>.jsonl beside the transcript) are the session's too.
  const files = [...(await listFiles(side)).map(rel => ({ rel, path: join(side, rel) })), ...(await besideSubagents(transcript, sessionId)).map(rel => ({ rel, path: bundleFilePath(transcript, rel) }))]
  for (const { rel, path } of files) {
    const buf = await readFileNoFollow(path)
    if (rel.endsWith('.jsonl')) {
      const side = jsonlRecords(buf, rel, key)
      records.push(...side.records)
      if (side.heldBack !== undefined) held.push(side.heldBack)
    } else records.push(fileRecord(buf, rel))
  }
  return { sessionId, cwd: claudeCwd(main.records.map(r => r.text)), records, view: claudeView(main.records), lines: main.lines.length, taken: whole.taken, lineEnds: lineEnds(split), ...(held.length > 0 ? { heldBack: held } : {}), ...stuckOf(whole) }
}

export interface WriteResult {
  path: string
  /** The files written, the transcript first when it was. */
  files: string[]
  /** Files here already as they would be written: left as they were. */
  kept?: string[]
  /** Files here that held what this session in mesh has not got, replaced because forced. */
  replaced?: string[]
  rewritten: number, indexDropped: boolean, command: string
  /** Every file was there as it would be written: none was. */ unchanged?: true
}

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
 * takes nothing). Every file that is there and differs is checked before: a transcript must hold
 * no line mesh has not got, any other side file (a tool result, a sub-agent's meta.json) must be
 * a version of it mesh holds; else the resume is refused, unless `force` (the files replaced are
 * listed). A file already as it would be written is left alone; a file that could not be written
 * (a file where its folder would be, a folder not writable) is refused before `ready`.
 */
export async function writeClaudeBundle (sessionId: string, records: readonly NativeRecord[], opts: { cwd: string, from?: string, env?: NodeJS.ProcessEnv, force?: boolean, ready?: () => Promise<void> }): Promise<WriteResult> {
  if (!isAgentSessionId(sessionId)) throw new InvalidInputError(`not a session id: ${sessionId}`)
  const map = opts.from !== undefined ? { from: opts.from, to: opts.cwd } : undefined
  const { files, rewritten } = claudeExportFiles(records, map)
  const { projectDir, path } = await claudePlace(sessionId, opts.cwd, opts.env)
  const command = claudeResumeCommand(sessionId, opts.cwd)
  const sides = [...files].filter(([file]) => file !== '').map(([file, bytes]) => {
    if (!isBundlePath(file)) throw new InvalidInputError(`refusing a side file outside the session folder: ${file}`)
    return { file, p: bundleFilePath(path, file), bytes }
  })
  const main = { file: '', p: path, bytes: files.get('') as Buffer }
  const all = [main, ...sides]
  // A resume killed mid-write left a torn temp file beside one of these: gone before anything else.
  await removeStaleTemps(all.map(x => dirname(x.p)))
  await checkWritable(all.map(x => x.p))
  // The versions of each whole side file mesh holds, by content id.
  const versions = new Map<string, Set<string>>()
  for (const r of records) if (r.kind === 'file') { let v = versions.get(r.file); if (v === undefined) versions.set(r.file, v = new Set()); v.add(r.id) }
  const kept: string[] = []
  const replaced: string[] = []
  const todo: Array<{ p: string, bytes: Buffer, there: Buffer | undefined }> = []
  // The transcript is checked first: its refusal is the one to hear of.
  for (const x of all) {
    const there = await readIfThere(x.p)
    if (there?.equals(x.bytes) === true) { kept.push(x.p); continue }
    todo.push({ p: x.p, bytes: x.bytes, there })
    if (there === undefined) continue
    // What the agent wrote here that mesh has not got would be lost: only a file whose every
    // line the new one holds (a transcript; a sub-agent's, which a Task agent may have written on
    // after the main file), or a version of it mesh holds (any other file), may be replaced.
    const b = await busy(x.p)
    if (b !== undefined) throw AgentBusyError.forFile('Claude Code', x.p, b.why)
    const ours = x.p.endsWith('.jsonl') ? keepsLinesOf(x.bytes, there) : versions.get(x.file)?.has(fileRecord(there, x.file).id) === true
    if (ours) continue
    if (opts.force !== true) {
      const why = x.p.endsWith('.jsonl') ? 'it holds lines this session in mesh has not got' : 'it was changed here: it is none of the versions this session in mesh holds'
      throw new InvalidInputError(`refusing to overwrite ${x.p}: ${why}`, { path: x.p }, { hint: importFirst(path) })
    }
    replaced.push(x.p)
  }
  // Every file already there as it would be written (a resume run twice): nothing to write or refuse.
  if (todo.length === 0) {
    await opts.ready?.()
    return { path, files: [], kept, rewritten, indexDropped: false, command, unchanged: true }
  }
  // Claude Code running the session here (its transcript open, or just written) is not written under.
  if (!todo.some(x => x.p === path && x.there !== undefined)) {
    const b = await busy(path)
    if (b !== undefined) throw AgentBusyError.forFile('Claude Code', path, b.why)
  }
  await opts.ready?.()
  const written: string[] = []
  // The transcript last: it names the session, so it appears once its side files are there.
  for (const x of [...todo.filter(x => x.p !== path), ...todo.filter(x => x.p === path)]) {
    // The write is refused if the agent wrote on since the check (forced: replaced whatever is there).
    try {
      await writeFileAtomic(x.p, x.bytes, opts.force === true ? undefined : { bytes: x.there, agent: 'Claude Code' })
    } catch (err) {
      throw await writeFailed(err, x.p, `${opts.ready !== undefined ? '; this device took the session\'s lease' : ''}${written.length > 0 ? `; written before it: ${written.join(', ')}` : ''}. Resume again once it can be written`)
    }
    written.push(x.p)
  }
  if (written.at(-1) === path) written.unshift(written.pop() as string)
  const indexDropped = await dropSessionsIndex(projectDir)
  return { path, files: written, ...(kept.length > 0 ? { kept } : {}), ...(replaced.length > 0 ? { replaced } : {}), rewritten, indexDropped, command }
}

export { shellQuote }

