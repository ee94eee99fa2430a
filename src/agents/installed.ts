/**
 * Whether an agent is installed on this machine: its own folder exists (Hermes's `~/.hermes`,
 * Claude Code's `~/.claude`, OpenClaw's `~/.openclaw`, Codex's `~/.codex`, or where their
 * variables point). A memory or skills sync for an agent that is not installed says so and does
 * nothing: it creates none of the agent's folders (a lock file, a memory file or a skills folder
 * would make it look installed, to the user and to the agent's own installer). A folder holding
 * only what a resume by mesh writes there (Hermes's `mesh-imports/`, Codex's `sessions/`, Claude
 * Code's `projects/`, OpenClaw's `agents/<id>/sessions/`) is not an install either: the agent never
 * ran there, and writes its own files when it does.
 */
import { access, constants, lstat, readdir, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { NotFoundError } from '../errors.js'

export async function isFolder (dir: string): Promise<boolean> {
  try { return (await stat(dir)).isDirectory() } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return false; throw err }
}

/** Whether an executable file `bin` is in a folder of `env`'s PATH (an agent installed whose folder it has not made yet). */
export async function onPath (bin: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      await access(join(dir, bin), constants.X_OK)
      if ((await stat(join(dir, bin))).isFile()) return true
    } catch (err: any) {
      if (err?.code !== 'ENOENT' && err?.code !== 'ENOTDIR' && err?.code !== 'EACCES') throw err
    }
  }
  return false
}

/**
 * What a resume by mesh writes into an agent's folder, and nothing else: paths relative to it,
 * `*` standing for any one name (OpenClaw's is `agents`, then `*`, then `sessions`); under the
 * last name, anything.
 */
export interface MeshOwn { paths: readonly string[], said: string }

/**
 * Whether `dir` holds something and only what `own` lists: every name in it is on one of the
 * paths, each folder along a path a folder (a file or a link where mesh makes a folder is not
 * mesh's). An empty folder is the agent's (or its installer's): mesh makes none.
 */
export async function onlyMeshOwn (dir: string, own: readonly string[]): Promise<boolean> {
  const within = async (d: string, paths: ReadonlyArray<readonly string[]>): Promise<boolean> => {
    for (const name of await readdir(d)) {
      const on = paths.filter(p => p[0] === '*' || p[0] === name)
      if (on.length === 0) return false
      if (on.some(p => p.length === 1)) continue
      if (!(await lstat(join(d, name))).isDirectory()) return false
      if (!(await within(join(d, name), on.map(p => p.slice(1))))) return false
    }
    return true
  }
  return (await readdir(dir)).length > 0 && await within(dir, own.map(p => p.split('/')))
}

/**
 * Throws NOT_FOUND (exit 2) unless `dir` is a folder, naming it and the variable that moves it:
 * as where the folder was looked for when `env` sets it, else as what to set.
 */
export async function requireAgentFolder (dir: string, agent: string, variable: string, env: NodeJS.ProcessEnv, opts: { meshOwn?: MeshOwn } = {}): Promise<void> {
  const why = env[variable] !== undefined && env[variable] !== '' ? `${variable} names it` : `set ${variable} if ${agent} keeps its files elsewhere`
  if (!(await isFolder(dir))) throw new NotFoundError(`${agent} is not installed here: there is no ${dir} (${why}). Nothing synced, nothing created`, { agent, path: dir })
  // A folder mesh made itself (a resume's files, on a machine without the agent) holding nothing
  // else is not the agent's: its memory and skills are not there, and none are made for it.
  if (opts.meshOwn !== undefined && await onlyMeshOwn(dir, opts.meshOwn.paths)) {
    throw new NotFoundError(`${agent} is not installed here: ${dir} holds only ${opts.meshOwn.said} (${why}). Nothing synced, nothing created`, { agent, path: dir })
  }
}

/** Throws NOT_FOUND (exit 2) unless the folder a flag names is there: a typo creates nothing. */
export async function requireFolder (dir: string, flag: string): Promise<void> {
  if (!(await isFolder(dir))) throw new NotFoundError(`${flag} ${dir}: no such folder. Nothing synced, nothing created`, { path: dir })
}
