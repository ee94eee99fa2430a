/**
 * The per-device mount map: where a project (named by its git remote, else by its original cwd)
 * lives on this machine, and the roots to search for repositories. A JSON file in the user's
 * home (`~/.config/mesh/agent-mounts.json`, or $MESH_AGENT_MOUNTS), written by `--cwd`; `roots`
 * by hand (a leading `~/` is the home directory), searched two folders deep.
 *   { "roots": ["~/src"], "projects": { "github.com/me/app": "/home/me/src/app" } }
 */
import { readdir, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { xdgDir } from '../xdg.js'
import { gitRemote, normalizeRemote } from './git.js'
import { writeFileAtomic } from './bundle.js'

export interface MountMap { roots: string[], projects: Record<string, string> }

export function mountMapPath (env: NodeJS.ProcessEnv = process.env): string {
  return env.MESH_AGENT_MOUNTS ?? join(xdgDir(env.XDG_CONFIG_HOME, join(env.HOME ?? homedir(), '.config')), 'mesh', 'agent-mounts.json')
}

export async function loadMounts (path: string): Promise<MountMap> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<MountMap>
    return { roots: Array.isArray(v.roots) ? v.roots.filter(r => typeof r === 'string') : [], projects: typeof v.projects === 'object' && v.projects !== null ? v.projects : {} }
  } catch (err: any) {
    if (err?.code === 'ENOENT') return { roots: [], projects: {} }
    throw err
  }
}

export async function remember (path: string, project: string, cwd: string): Promise<void> {
  const m = await loadMounts(path)
  m.projects[project] = cwd
  await writeFileAtomic(path, JSON.stringify(m, null, 2) + '\n')
}

/** The project's name in the map: its normalized git remote, else its original cwd. */
export function projectName (meta: { gitRemote?: string, cwd?: string }): string | undefined {
  return meta.gitRemote !== undefined ? normalizeRemote(meta.gitRemote) : meta.cwd
}

/**
 * A root as the file lists it, with a leading `~/` (or a lone `~`) taken as the home directory,
 * as a shell would: the file is written by hand, and `~/code` was searched as a folder named `~`.
 */
export function expandRoot (root: string, home: string = homedir()): string {
  if (root === '~') return home
  return root.startsWith('~/') ? join(home, root.slice(2)) : root
}

/** The roots searched for a project's clone, expanded (expandRoot). */
export function rootsOf (map: MountMap, home: string = homedir()): string[] {
  return map.roots.map(r => expandRoot(r, home))
}

/** Finds the project's directory here: remembered, else a repository with the same remote under a root (two levels deep). */
export async function findProject (map: MountMap, meta: { gitRemote?: string, cwd?: string }, home: string = homedir()): Promise<string | undefined> {
  const name = projectName(meta)
  if (name !== undefined && map.projects[name] !== undefined) return map.projects[name]
  if (meta.gitRemote === undefined) return undefined
  const want = normalizeRemote(meta.gitRemote)
  for (const root of rootsOf(map, home)) {
    const found = await search(root, want, 2)
    if (found !== undefined) return found
  }
  return undefined
}

async function search (dir: string, want: string, depth: number): Promise<string | undefined> {
  const r = await gitRemote(dir)
  if (r !== undefined && normalizeRemote(r) === want) return dir
  if (depth === 0) return undefined
  let names: string[]
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter(d => d.isDirectory() && !d.name.startsWith('.')).map(d => d.name).sort()
  } catch (err: any) {
    // A root that does not exist on this machine, or a folder we may not list, holds no match.
    if (err?.code === 'ENOENT' || err?.code === 'EACCES' || err?.code === 'ENOTDIR') return undefined
    throw err
  }
  for (const n of names) {
    const f = await search(join(dir, n), want, depth - 1)
    if (f !== undefined) return f
  }
  return undefined
}
