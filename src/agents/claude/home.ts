/**
 * Claude Code's files, the client's side (AGENT-FORMATS.md §1.1): `$CLAUDE_CONFIG_DIR` or
 * `~/.claude`, transcripts at `projects/<slug(cwd)>/<sessionId>.jsonl`, a session's side folder
 * `projects/<slug>/<sessionId>/` (subagents/, tool-results/). Only these are opened: never
 * `.credentials.json`, `~/.claude.json` or anything else of the config dir.
 */
import { lstat, readdir, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { LINK_WORDS, unlistable } from '../bundle.js'

export function claudeConfigDir (env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude')
}

export function projectsDir (env: NodeJS.ProcessEnv = process.env): string { return join(claudeConfigDir(env), 'projects') }

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
 * file gone since the folder was read, a symlink (never read through) or anything else not a
 * regular file is passed by, and a project folder that cannot be read is passed by and said.
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
      if (st.isFile()) out.push({ sessionId: basename(n, '.jsonl'), path, project: p, mtimeMs: st.mtimeMs, size: st.size })
      else if (st.isSymbolicLink()) links.push({ sessionId: basename(n, '.jsonl'), path })
    }
  }
  return { files: out.sort((a, b) => b.mtimeMs - a.mtimeMs), links }
}

/**
 * The transcript of `sessionId` under any project; `warn` hears of a project folder that cannot be
 * read. Only a symbolic link by that name: refused as such (as `--file` refuses it), not as no session.
 */
export async function findClaudeSession (sessionId: string, env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<string> {
  const { files, links } = await claudeEntries(env, warn)
  const found = files.find(s => s.sessionId === sessionId)
  if (found !== undefined) return found.path
  const link = links.find(s => s.sessionId === sessionId)
  if (link !== undefined) throw new InvalidInputError(`${link.path} ${LINK_WORDS}; to import the transcript it points to, give that file: mesh agent import claude --file PATH`, { sessionId, path: link.path, errno: 'ELOOP' })
  throw new NotFoundError(`no Claude Code session ${sessionId} under ${projectsDir(env)}/*/`, { sessionId })
}

/** The side folder of a transcript: <dir>/<sessionId>/. */
export function sideDir (transcript: string): string { return transcript.replace(/\.jsonl$/, '') }

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
