/**
 * Claude Code's files, the client's side (AGENT-FORMATS.md §1.1): `$CLAUDE_CONFIG_DIR` or
 * `~/.claude`, transcripts at `projects/<slug(cwd)>/<sessionId>.jsonl`, a session's side folder
 * `projects/<slug>/<sessionId>/` (subagents/, tool-results/), and the older layout's sub-agents'
 * transcripts `projects/<slug>/agent-<id>.jsonl` beside it. Only these are opened: never
 * `.credentials.json`, `~/.claude.json` or anything else of the config dir.
 */
import { constants } from 'node:fs'
import { lstat, open, readdir, realpath, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative } from 'node:path'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { LINK_WORDS, unlistable } from '../bundle.js'
import { splitUntilBad } from '../jsonl.js'
import { claudeSessionId, sidechainParent } from './records.js'
import { UUID } from '../ids.js'
import type { MeshOwn } from '../installed.js'

export function claudeConfigDir (env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude')
}

export function projectsDir (env: NodeJS.ProcessEnv = process.env): string { return join(claudeConfigDir(env), 'projects') }

/**
 * What a resume writes into the config folder (the transcript and its side files, all under
 * `projects/`): a folder holding only that is no install (installed.ts). Claude Code's first
 * prompt writes its own files beside it.
 */
export const CLAUDE_MESH_OWN: MeshOwn = { paths: ['projects'], said: 'projects/, what a resume writes there: nothing Claude Code writes when it runs (history.jsonl, todos/, shell-snapshots/)' }

/** A first line longer than this is no sub-agent's transcript worth reading for its parent. */
const FIRST_LINE_MAX = 16 * 1024 * 1024
/** What a file is read by, looking for a line. */
const PIECE = 64 * 1024

export interface ClaudeSessionFile { sessionId: string, path: string, project: string, mtimeMs: number, size: number }

/**
 * Said about a folder a listing passes by (it cannot be read): by default a process warning on
 * stderr, so the rest is listed and the person still hears which folder was left out.
 */
export type ListWarn = (message: string) => void
export const warnOnStderr: ListWarn = (message) => { process.emitWarning(message, { code: 'MESH_SKIPPED' }) }

/**
 * Every main transcript under projects/ (not sub-agent files). One stray entry does not end the
 * listing (Claude Code's cleanup deletes files as it runs; a person may leave anything there): a
 * file gone since the folder was read or anything else not a regular file is passed by, and a
 * project folder that cannot be read is passed by and said. A symlink named as a transcript is
 * listed as the file it points to when that is a regular file inside projects/ (linkedTranscript:
 * read there, never through the link; once, however many links and the file itself name it);
 * any other (out of projects/, to a folder, dangling, looping) is passed by and said.
 */
export async function listClaudeSessions (env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<ClaudeSessionFile[]> {
  return (await claudeEntries(env, warn)).files
}

/** The transcripts under projects/, and the symbolic links named as one (passed by, but named when asked for). */
async function claudeEntries (env: NodeJS.ProcessEnv, warn: ListWarn): Promise<{ files: ClaudeSessionFile[], links: Array<{ sessionId: string, path: string }> }> {
  const root = projectsDir(env)
  const links: Array<{ sessionId: string, path: string }> = []
  let projects: string[]
  try { projects = await readdir(root) } catch (err: any) { if (err?.code === 'ENOENT') return { files: [], links }; throw err }
  const out: ClaudeSessionFile[] = []
  for (const p of projects.sort()) {
    let names: string[]
    try {
      names = await readdir(join(root, p))
    } catch (err: any) {
      if (err?.code === 'ENOTDIR' || err?.code === 'ENOENT') continue
      const why = unlistable(err)
      if (why === undefined) throw err
      warn(`${join(root, p)} ${why}: its sessions were left out`)
      continue
    }
    for (const n of names) {
      if (!n.endsWith('.jsonl') || n.startsWith('agent-')) continue
      const path = join(root, p, n)
      let st
      try { st = await lstat(path) } catch (err: any) { if (err?.code === 'ENOENT') continue; throw err }
      if (st.isFile()) out.push({ sessionId: await transcriptSessionId(path), path, project: p, mtimeMs: st.mtimeMs, size: st.size })
      else if (st.isSymbolicLink()) {
        const t = await linkedTranscript(path, root)
        if ('why' in t) { warn(`${path} ${t.why}`); links.push({ sessionId: basename(n, '.jsonl'), path }); continue }
        out.push({ sessionId: await transcriptSessionId(t.path), path: t.path, project: p, mtimeMs: t.mtimeMs, size: t.size })
      }
    }
  }
  // A file named by a link and by itself (or by two links) is one session.
  const seen = new Set<string>()
  const files = out.filter(f => { if (seen.has(f.path)) return false; seen.add(f.path); return true })
  return { files: files.sort((a, b) => b.mtimeMs - a.mtimeMs), links }
}

/**
 * The file a transcript's symbolic link at `link` stands for: its target, resolved, when that is a
 * regular file under projects/ (`root`), a Claude Code file a person moved or shared between
 * project folders; mesh reads it there, never through the link. Else why the link is passed by:
 * it leaves projects/ (mesh opens no other file of the agent's home: credentials live beside it),
 * points to a folder or to nothing, or loops.
 */
export async function linkedTranscript (link: string, root: string): Promise<{ path: string, mtimeMs: number, size: number } | { why: string }> {
  let real: string
  let top: string
  try {
    real = await realpath(link)
    top = await realpath(root)
  } catch (err: any) {
    if (err?.code === 'ELOOP') return { why: 'is a symbolic link that loops back on itself: passed by' }
    if (err?.code === 'ENOENT') return { why: 'is a symbolic link to nothing (its target is gone): passed by' }
    return { why: `${LINK_WORDS}, and its target cannot be resolved (${String(err?.code ?? err)}): passed by` }
  }
  const rel = relative(top, real)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { why: `is a symbolic link to ${real}, outside ${root}: mesh does not read through links, nor files outside it; passed by` }
  let st
  try { st = await lstat(real) } catch (err: any) { return { why: `is a symbolic link to ${real}, which cannot be read (${String(err?.code ?? err)}): passed by` } }
  if (!st.isFile()) return { why: `is a symbolic link to ${real}, ${st.isDirectory() ? 'a folder' : 'not a regular file'}: passed by` }
  return { path: real, mtimeMs: st.mtimeMs, size: st.size }
}

/**
 * The transcript of `sessionId` under any project; `warn` hears of a project folder that cannot be
 * read. Only a symbolic link by that name: refused as such (as `--file` refuses it), not as no session.
 */
export async function findClaudeSession (sessionId: string, env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<string> {
  const { files, links } = await claudeEntries(env, warn)
  // The file of that name first: a renamed copy of it names the same session by its lines.
  const found = files.find(s => basename(s.path, '.jsonl') === sessionId) ?? files.find(s => s.sessionId === sessionId)
  if (found !== undefined) return found.path
  const link = links.find(s => s.sessionId === sessionId)
  if (link !== undefined) throw new InvalidInputError(`${link.path} ${LINK_WORDS}; to import the transcript it points to, give that file: mesh agent import claude --file PATH`, { sessionId, path: link.path, errno: 'ELOOP' })
  // A path given as the id (a transcript's path, or its file name): --file takes it.
  if (sessionId.includes('/') || sessionId.endsWith('.jsonl')) throw new InvalidInputError(`--session ${sessionId} is a path: give it with --file PATH (mesh agent import claude --file ${sessionId})`, { sessionId })
  throw new NotFoundError(`no Claude Code session ${sessionId} under ${projectsDir(env)}/*/${startingWith(sessionId, files.map(f => f.sessionId))}`, { sessionId })
}

/** The session ids that start with `prefix` (a short id, as `git` takes one), said as a hint. */
function startingWith (prefix: string, ids: readonly string[]): string {
  if (prefix === '') return ''
  const all = [...new Set(ids.filter(id => id.startsWith(prefix)))].sort()
  if (all.length === 0) return ''
  if (all.length === 1) return ` (did you mean ${all[0] as string}?)`
  return ` (${all.length} sessions start with it: ${all.slice(0, 3).join(', ')}${all.length > 3 ? ', …' : ''})`
}

/**
 * The session id an import of the transcript at `path` keys it by (claudeSessionId): its name when
 * that is a uuid, as Claude Code names every transcript; else (a file renamed or copied there)
 * the `sessionId` of its last main-chain line, found reading back from the end of the file, piece
 * by piece (a transcript may be hundreds of MB; the last line names it, mostly); else its name.
 * `mesh agent list`, `import --all` and the follower name a file as the import does. A file that
 * cannot be read is named by its name (what reads it next says why).
 */
export async function transcriptSessionId (path: string): Promise<string> {
  const stem = basename(path, '.jsonl')
  if (UUID.test(stem)) return stem
  let fh
  try { fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) } catch { return stem }
  try {
    const st = await fh.stat()
    if (!st.isFile()) return stem
    let start = st.size
    // The bytes from `start` up to the end of the last whole line not yet read: a line begun before `start`.
    let carry = Buffer.alloc(0)
    let lastLine = true
    while (start > 0) {
      const n = Math.min(PIECE, start)
      start -= n
      const piece = Buffer.alloc(n)
      const { bytesRead } = await fh.read(piece, 0, n, start)
      if (bytesRead !== n) return stem // shrunk while read: named by its name, read again next time
      let buf = Buffer.concat([piece, carry])
      // A last line not ended by a newline is being written: an import leaves it out too.
      if (lastLine) { const nl = buf.lastIndexOf(0x0a); buf = buf.subarray(0, nl + 1); lastLine = nl < 0 }
      // Bytes before the first newline belong to a line that starts before `start`, unless this is the file's start.
      const cut = start > 0 ? buf.indexOf(0x0a) + 1 : 0
      if (start > 0 && cut === 0) { carry = buf; continue }
      const lines = buf.subarray(cut).toString('utf8').split('\n').slice(0, -1)
      const id = claudeSessionId(lines, '')
      if (id !== '') return id
      carry = buf.subarray(0, cut)
    }
    return stem
  } catch {
    return stem
  } finally {
    await fh.close()
  }
}

/** The side folder of a transcript: <dir>/<sessionId>/. */
export function sideDir (transcript: string): string { return transcript.replace(/\.jsonl$/, '') }

/**
 * A sub-agent's transcript of Claude Code's older layout (2.0.24 – 2.1.1, AGENT-FORMATS.md §1.1):
 * `agent-<agentId>.jsonl` beside the session's own file in the project folder, not under its
 * side folder. In a bundle it is that name alone (no folder): the side folder's top level holds
 * folders only (subagents/, tool-results/), so the name says where the file goes back to.
 */
export function isBesideFile (file: string): boolean { return /^agent-[^/]+\.jsonl$/.test(file) }

/** Where a file of a session's bundle is on disk, for the transcript at `transcript`. */
export function bundleFilePath (transcript: string, file: string): string {
  if (file === '') return transcript
  return isBesideFile(file) ? join(dirname(transcript), file) : join(sideDir(transcript), ...file.split('/'))
}

/**
 * The sub-agents' transcripts of the older layout beside `transcript` that belong to its session:
 * `agent-*.jsonl` files in its folder whose first line is a sidechain of `sessionId` (its
 * `sessionId` field names the parent session; the file's name does not). Bundle names, sorted.
 * `parentOf` may remember what it found (a file's parent never changes).
 */
export async function besideSubagents (transcript: string, sessionId: string, parentOf: (path: string) => Promise<string | undefined> = subagentParent): Promise<string[]> {
  const dir = dirname(transcript)
  let names: string[]
  try { names = await readdir(dir) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return []; throw err }
  const out: string[] = []
  for (const n of names.sort()) if (isBesideFile(n) && await parentOf(join(dir, n)) === sessionId) out.push(n)
  return out
}


/**
 * The session a sub-agent's transcript of the older layout belongs to: the `sessionId` of its
 * first line, a sidechain. Undefined for anything else, and for a file that is no regular file
 * (never read through a symlink), cannot be read, is gone, or has no whole first line yet.
 */
export async function subagentParent (path: string): Promise<string | undefined> {
  let fh
  try { fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) } catch { return undefined }
  try {
    if (!(await fh.stat()).isFile()) return undefined
    const parts: Buffer[] = []
    for (let at = 0; at < FIRST_LINE_MAX;) {
      const piece = Buffer.alloc(PIECE)
      const { bytesRead } = await fh.read(piece, 0, PIECE, at)
      if (bytesRead === 0) return undefined
      const nl = piece.subarray(0, bytesRead).indexOf(0x0a)
      parts.push(piece.subarray(0, nl >= 0 ? nl + 1 : bytesRead))
      if (nl >= 0) return sidechainParent(splitUntilBad(Buffer.concat(parts)).lines)
      at += bytesRead
    }
    return undefined
  } catch {
    return undefined
  } finally {
    await fh.close()
  }
}

/**
 * The picker's index of a project: removed, so Claude Code rebuilds it from the files (a stale
 * index hides sessions: anthropics/claude-code#25685).
 */
export async function dropSessionsIndex (projectDir: string): Promise<boolean> {
  const p = join(projectDir, 'sessions-index.json')
  try { await stat(p) } catch (err: any) { if (err?.code === 'ENOENT') return false; throw err }
  await rm(p)
  return true
}
