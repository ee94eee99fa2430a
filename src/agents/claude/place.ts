/**
 * Where Claude Code looks for a session started from a directory (AGENT-FORMATS.md §1.7:
 * `claude --resume <id>` looks under the current directory's project folder only), and the
 * command that continues it: what a resume writes to, and what an export tells the person to do
 * with the file it wrote.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { shellQuote } from '../../shell-quote.js'
import { projectsDir } from './home.js'
import { projectDirName } from './slug.js'

export interface ClaudePlace { projectDir: string, path: string }

/** The transcript's path for `sessionId` started from `cwd` (a long path's existing folder wins: slug.ts). */
export async function claudePlace (sessionId: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ClaudePlace> {
  const root = projectsDir(env)
  let existing: string[] = []
  try { existing = await readdir(root) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
  const projectDir = join(root, projectDirName(cwd, existing))
  return { projectDir, path: join(projectDir, `${sessionId}.jsonl`) }
}

/** The command that continues the session from `cwd`. */
export function claudeResumeCommand (sessionId: string, cwd: string): string {
  return `cd ${shellQuote(cwd)} && claude --resume ${sessionId}`
}

/** The command that puts a transcript written elsewhere (`file`) where Claude Code looks, then continues it. */
export function claudePlaceCommand (file: string, place: ClaudePlace, sessionId: string, cwd: string): string {
  return `mkdir -p ${shellQuote(place.projectDir)} && cp ${shellQuote(file)} ${shellQuote(place.path)} && ${claudeResumeCommand(sessionId, cwd)}`
}
