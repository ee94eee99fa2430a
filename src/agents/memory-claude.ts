/**
 * `mesh agent memory sync claude [--cwd DIR]`: Claude Code's memory files as mesh memory entries
 * and back (file-sync.ts decides each one against the base; nothing local is overwritten
 * silently). Keys (crdt/SPEC.md "Memory entries written by mesh agent memory sync"):
 * - `claude/user/CLAUDE.md`: the user's `$CLAUDE_CONFIG_DIR/CLAUDE.md` (default ~/.claude);
 * - `claude/project/<repo>/CLAUDE.md` and `.../.claude/CLAUDE.md`: the repository's own, at its
 *   top folder, `<repo>` its normalized git remote, so the clone on the laptop meets the one on
 *   the desktop whatever their paths (without a remote, its absolute path);
 * - `claude/project/<repo>/CLAUDE.local.md`: the personal one. It syncs (every device is the
 *   user's own) but is never written where git tracks it (then it is the repository's, and is
 *   reported as skipped), and before mesh first creates it, it is added to the repository's
 *   `info/exclude` if git does not ignore it already, so it cannot slip into a commit;
 * - `claude/project/<project>/memory/<file>`: the auto-memory folder of the project
 *   (`projects/<slug(cwd)>/memory/`), `<project>` as above with `/-/<subfolder>` when the cwd is
 *   inside the repository.
 */
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { isPathOfNames } from '../../crdt/paths.js'
import type { MeshApi } from '../api/api.js'
import { listFiles } from './bundle.js'
import { CLAUDE_MESH_OWN, claudeConfigDir, projectsDir } from './claude/home.js'
import { projectDirName } from './claude/slug.js'
import { emptyReport, meshEntries, syncFiles, type FilesReport, type Place } from './file-sync.js'
import { requireAgentFolder } from './installed.js'
import { excludeLocally, findRepo, isTracked, projectOf } from './repo.js'
import { loadBase, saveBase, syncStatePath } from './sync-state.js'

export interface ClaudeMemoryReport extends FilesReport {
  project?: string
  /** The repository's top folder, whose CLAUDE.md / CLAUDE.local.md were synced. */
  repo?: string
}

/** The repository files Claude Code reads as memory, relative to its top folder. */
export const CLAUDE_REPO_FILES = ['CLAUDE.md', '.claude/CLAUDE.md', 'CLAUDE.local.md'] as const

export async function syncClaudeMemory (api: MeshApi, opts: { home: string, cwd?: string, env?: NodeJS.ProcessEnv, prefer?: 'mesh' | 'local' }): Promise<ClaudeMemoryReport> {
  const env = opts.env ?? process.env
  // Claude Code not installed here (no ~/.claude, or one holding only a resume's projects/):
  // nothing synced, none of its folders made.
  await requireAgentFolder(claudeConfigDir(env), 'Claude Code', 'CLAUDE_CONFIG_DIR', env, { meshOwn: CLAUDE_MESH_OWN })
  const statePath = syncStatePath(env)
  const places = new Map<string, Place>([['claude/user/CLAUDE.md', { path: join(claudeConfigDir(env), 'CLAUDE.md'), tags: ['claude', 'claude:user'], mode: 0o600 }]])
  let project: string | undefined
  let root: string | undefined
  const prefixes: string[] = []
  if (opts.cwd !== undefined) {
    const cwd = resolve(opts.cwd)
    const repo = await findRepo(cwd)
    project = projectOf(repo, cwd)
    root = repo?.root ?? cwd
    const rootProject = projectOf(repo, root)
    const tags = ['claude', `claude:project:${rootProject}`]
    for (const rel of CLAUDE_REPO_FILES) {
      const place: Place = { path: join(root, ...rel.split('/')), tags, mode: 0o644 }
      if (rel === 'CLAUDE.local.md') {
        place.tags = [...tags, 'claude:local']
        if (repo !== undefined) {
          let tracked: boolean | undefined
          try { tracked = await isTracked(repo, rel) } catch (err: any) { place.skip = `cannot ask git whether it tracks the file (${String(err?.code ?? err)}): a personal file is written only where git does not track it` }
          if (tracked === true) place.skip = 'git tracks it, so it is the repository\'s, not personal: it travels with git'
          else place.beforeCreate = async () => { await excludeLocally(repo, rel) }
        }
      }
      // Run from the home directory, the "project's" .claude/CLAUDE.md is the user's own file:
      // it is synced once, as the user's, not a second time as a project's.
      if (resolve(place.path) === resolve(join(claudeConfigDir(env), 'CLAUDE.md'))) continue
      places.set(`claude/project/${rootProject}/${rel}`, place)
    }
    let existing: string[] = []
    try { existing = await readdir(projectsDir(env)) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    const memDir = join(projectsDir(env), projectDirName(cwd, existing), 'memory')
    const prefix = `claude/project/${project}/memory/`
    prefixes.push(prefix)
    const memPlace = (rel: string): Place => ({ path: join(memDir, ...rel.split('/')), tags: ['claude', `claude:project:${project as string}`], mode: 0o600 })
    for (const f of await listFiles(memDir)) places.set(prefix + f, memPlace(f))
    const mesh = await meshEntries(api, 'claude', k => places.has(k) || k.startsWith(prefix))
    for (const k of mesh.keys()) if (!places.has(k) && isPathOfNames(k.slice(prefix.length))) places.set(k, memPlace(k.slice(prefix.length)))
    return await finish(api, places, mesh, statePath, `${opts.home}\0claude-files`, opts.prefer, { project, repo: root })
  }
  const mesh = await meshEntries(api, 'claude', k => places.has(k))
  return await finish(api, places, mesh, statePath, `${opts.home}\0claude-files`, opts.prefer, {})
}

async function finish (api: MeshApi, places: Map<string, Place>, mesh: Map<string, string>, statePath: string, scope: string, prefer: 'mesh' | 'local' | undefined, head: { project?: string, repo?: string }): Promise<ClaudeMemoryReport> {
  const base = await loadBase(statePath, scope)
  const report: ClaudeMemoryReport = { ...head, ...emptyReport() }
  await syncFiles(api, places, mesh, base, { prefer }, report)
  await saveBase(statePath, scope, base)
  return report
}
