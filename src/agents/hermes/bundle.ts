/**
 * Hermes sessions read from its native export for import, and written back as a file of the
 * same format for its importer, never into `state.db`. One export line is one session. A released
 * Hermes takes that file only through its dashboard (Sessions, "Import sessions": POST
 * /api/sessions/import, `import_sessions`); its CLI's `sessions import --from` takes Claude Code
 * and Codex sessions alone (AGENT-FORMATS.md §3.3), so a resume says the dashboard's step.
 */
import { dirname, join } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import { InvalidInputError } from '../../errors.js'
import { sameThere, writeFileAtomic } from '../bundle.js'
import { checkWritable, refuseTaken, writeFailed, writeOutFile } from '../out-file.js'
import { removeStaleTemps } from '../write-beside.js'
import { heldBackTail, splitJsonl, type HeldBackTail } from '../jsonl.js'
import { BACK, remapLines } from '../remap.js'
import { shellQuote } from '../claude/bundle.js'
import type { ViewMessage } from '../claude/view.js'
import { hermesHeld } from './held.js'
import { hermesImportDir } from './home.js'
import { hermesLine, hermesMeta, hermesPathFields, hermesRecords, hermesView } from './records.js'

export interface HermesBundle { sessionId: string, cwd?: string, title?: string, records: NativeRecord[], view: ViewMessage[], lines: number }

const SESSION_ID = /^[A-Za-z0-9._-]{1,200}$/

/** The sessions of an export file, each line's text as written. */
export function hermesExportLines (buf: Buffer): Array<{ sessionId: string, line: string }> {
  return hermesExportRows(buf).rows
}

/**
 * The sessions of an export file, and its torn last line (no newline, not JSON: an export still
 * being written, or cut short), which is no session yet: left out, and said by the caller.
 */
export function hermesExportRows (buf: Buffer): { rows: Array<{ sessionId: string, line: string }>, heldBack?: HeldBackTail } {
  const out: Array<{ sessionId: string, line: string }> = []
  const split = splitJsonl(buf)
  for (const line of split.lines) {
    if (line.trim() === '') continue
    const id = hermesMeta(line).id
    if (id === undefined) throw new InvalidInputError('a line of the export has no session id: not a Hermes export (hermes sessions export … --format jsonl)?')
    if (!SESSION_ID.test(id)) throw new InvalidInputError(`Hermes session id ${JSON.stringify(id)} has characters a mesh key cannot hold`)
    out.push({ sessionId: id, line })
  }
  const heldBack = heldBackTail(split)
  return { rows: out, ...(heldBack !== undefined ? { heldBack } : {}) }
}

/** One session's records; `map` rewrites a file exported to this machine's cwd back to the recorded one. */
export function hermesBundle (line: string, map?: { from: string, to: string }): HermesBundle {
  const text = map !== undefined ? (remapLines([line], hermesPathFields, map, BACK).lines[0] as string) : line
  const meta = hermesMeta(text)
  const sessionId = meta.id as string
  const records = hermesRecords(text, sessionId)
  return { sessionId, cwd: meta.cwd, title: meta.title, records: records.map(r => ({ ...r, file: '' })), view: hermesView(records), lines: 1 }
}

export function hermesExportFile (records: readonly NativeRecord[], map?: { from: string, to: string }): { bytes: Buffer, rewritten: number } {
  const line = hermesLine(records)
  const r = map !== undefined ? remapLines([line], hermesPathFields, map) : { lines: [line], rewritten: 0 }
  return { bytes: Buffer.from(`${r.lines[0] as string}\n`), rewritten: r.rewritten }
}

/** Writes the export file Hermes's own importer takes; `ready` as writeClaudeBundle's (every check passed, nothing written yet). */
export async function writeHermesExport (sessionId: string, records: readonly NativeRecord[], opts: { cwd?: string, from?: string, out?: string, force?: boolean, env?: NodeJS.ProcessEnv, ready?: () => Promise<void> }): Promise<{ path: string, rewritten: number, command: string, importFirst?: string, unchanged?: true }> {
  const map = opts.from !== undefined && opts.cwd !== undefined ? { from: opts.from, to: opts.cwd } : undefined
  const { bytes, rewritten } = hermesExportFile(records, map)
  if (!SESSION_ID.test(sessionId)) throw new InvalidInputError(`not a Hermes session id: ${sessionId}`)
  const path = opts.out ?? join(hermesImportDir(opts.env), `${sessionId}.jsonl`)
  const resume = `${opts.cwd !== undefined ? `cd ${shellQuote(opts.cwd)} && ` : ''}hermes --resume ${shellQuote(sessionId)}`
  // Hermes's importer skips a session its store holds: the file would be ignored and Hermes's
  // own copy resumed. Said, rather than a command that silently continues another version.
  const held = await hermesHeld(sessionId, records, opts.env)
  if (held !== undefined && held.missing > 0) {
    // An agent imports nothing itself: for it, no hint.
    throw new InvalidInputError(`Hermes here already holds session ${sessionId} (${held.db}) with ${held.missing} message${held.missing === 1 ? '' : 's'} this session in mesh has not got`, { path: held.db, sessionId }, { hint: { cli: `import them first (mesh agent import hermes --session ${sessionId}), then resume again` } })
  }
  if (held !== undefined && !held.current) {
    throw new InvalidInputError(`Hermes here already holds an older copy of session ${sessionId} (${held.db}), and its importer skips a session it holds: \`hermes --resume ${sessionId}\` would continue that copy. Delete it in Hermes (hermes sessions delete ${sessionId}), then resume again`, { path: held.db, sessionId })
  }
  // A file there as it would be written is left as it is (a resume run again), the user's named
  // one or mesh's own under mesh-imports/; a named one is replaced only when asked, mesh's own is.
  const same = held === undefined && await sameThere(path, bytes)
  if (opts.out !== undefined && held === undefined && !same) await refuseTaken(path, opts.force)
  // mesh's own folder: a resume killed mid-write left a temp file there (not in a folder the user named).
  if (opts.out === undefined) await removeStaleTemps([dirname(path)])
  // Refused before the lease is taken: a file that could not be written (--out makes its folders too).
  if (held === undefined && !same) await checkWritable([path], { out: opts.out !== undefined })
  await opts.ready?.()
  // Hermes has it as mesh has it: nothing to import.
  if (held !== undefined) return { path: held.db, rewritten, command: resume, unchanged: true }
  const importFirst = hermesImportStep(path)
  if (same) return { path, rewritten, command: resume, importFirst, unchanged: true }
  if (opts.out !== undefined) await writeOutFile(path, bytes, { force: opts.force, mkdir: true })
  else await writeFileAtomic(path, bytes).catch(async (err: unknown) => { throw await writeFailed(err, path, opts.ready !== undefined ? '; this device took the session\'s lease. Resume again once it can be written' : '') })
  return { path, rewritten, command: resume, importFirst }
}

/**
 * How the export file gets into Hermes, before `hermes --resume`: its dashboard's import, which
 * keeps every row and column. The CLI's `hermes sessions import` cannot: it reads Claude Code and
 * Codex sessions only (`--from claude|codex`), and rewrites them as a lossy transcript.
 */
export function hermesImportStep (path: string): string {
  return `import ${path} in Hermes's dashboard: run \`hermes dashboard\`, open Sessions, click "Import sessions" and choose the file`
}
