/**
 * Whether an agent is installed on this machine: its own folder exists (Hermes's `~/.hermes`,
 * Claude Code's `~/.claude`, OpenClaw's `~/.openclaw`, Codex's `~/.codex`, or where their
 * variables point). A memory or skills sync for an agent that is not installed says so and does
 * nothing: it creates none of the agent's folders (a lock file, a memory file or a skills folder
 * would make it look installed, to the user and to the agent's own installer). A folder holding
 * only what a resume by mesh writes there (Hermes's `mesh-imports/`, Codex's `sessions/`) is not
 * an install either: the agent never ran there, and writes its own files when it does.
 */
import { readdir, stat } from 'node:fs/promises'
import { NotFoundError } from '../errors.js'

export async function isFolder (dir: string): Promise<boolean> {
  try { return (await stat(dir)).isDirectory() } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return false; throw err }
}

/**
 * Throws NOT_FOUND (exit 2) unless `dir` is a folder, naming it and the variable that moves it:
 * as where the folder was looked for when `env` sets it, else as what to set.
 */
export async function requireAgentFolder (dir: string, agent: string, variable: string, env: NodeJS.ProcessEnv, opts: { meshOwn?: string, meshOwnSaid?: string } = {}): Promise<void> {
  const why = env[variable] !== undefined && env[variable] !== '' ? `${variable} names it` : `set ${variable} if ${agent} keeps its files elsewhere`
  if (!(await isFolder(dir))) throw new NotFoundError(`${agent} is not installed here: there is no ${dir} (${why}). Nothing synced, nothing created`, { agent, path: dir })
  // A folder mesh made itself (a resume's files, on a machine without the agent) holding nothing
  // else is not the agent's: its memory and skills are not there, and none are made for it.
  const names = opts.meshOwn !== undefined ? await readdir(dir) : []
  if (names.length > 0 && names.every(n => n === opts.meshOwn)) {
    throw new NotFoundError(`${agent} is not installed here: ${dir} holds only ${opts.meshOwnSaid ?? `mesh's own ${opts.meshOwn as string}/, from a resume`} (${why}). Nothing synced, nothing created`, { agent, path: dir })
  }
}

/** Throws NOT_FOUND (exit 2) unless the folder a flag names is there: a typo creates nothing. */
export async function requireFolder (dir: string, flag: string): Promise<void> {
  if (!(await isFolder(dir))) throw new NotFoundError(`${flag} ${dir}: no such folder. Nothing synced, nothing created`, { path: dir })
}
