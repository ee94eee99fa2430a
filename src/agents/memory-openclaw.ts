/**
 * `mesh agent memory sync openclaw [--workspace DIR]`: OpenClaw's workspace memory, plain
 * Markdown files (AGENT-FORMATS.md §2: `MEMORY.md` and the daily notes `memory/YYYY-MM-DD.md`
 * in the agent's workspace, default `$OPENCLAW_STATE_DIR/workspace`, i.e. ~/.openclaw/workspace),
 * as mesh memory entries `openclaw/<workspace folder name>/MEMORY.md` and
 * `openclaw/<workspace folder name>/memory/<file>.md` (tags `openclaw`, `openclaw:<name>`), whole
 * files decided against the base like Claude Code's (file-sync.ts). The folder's name keys it,
 * so `workspace` (and a profile's `workspace-<profile>`) meets the same one on another machine.
 * `openclaw.json`, which names a non-default workspace, is not read: it holds credentials; give
 * such a workspace with --workspace.
 */
import { basename, join, resolve } from 'node:path'
import { isPathOfNames } from '../../crdt/paths.js'
import type { MeshApi } from '../api/api.js'
import { listFiles } from './bundle.js'
import { emptyReport, meshEntries, syncFiles, type FilesReport, type Place } from './file-sync.js'
import { requireAgentFolder, requireFolder } from './installed.js'
import { OPENCLAW_MESH_OWN, openclawHome } from './openclaw/home.js'
import { loadBase, saveBase, syncStatePath } from './sync-state.js'

export interface OpenclawMemoryReport extends FilesReport { workspace: string, name: string }

export function openclawWorkspace (env: NodeJS.ProcessEnv = process.env): string { return join(openclawHome(env), 'workspace') }

export async function syncOpenclawMemory (api: MeshApi, opts: { home: string, workspace?: string, env?: NodeJS.ProcessEnv, prefer?: 'mesh' | 'local' }): Promise<OpenclawMemoryReport> {
  const env = opts.env ?? process.env
  const workspace = resolve(opts.workspace ?? openclawWorkspace(env))
  // OpenClaw not installed here (no ~/.openclaw, or one holding only a resume's sessions), or a
  // --workspace that is not there: nothing synced, no folder made.
  if (opts.workspace !== undefined) await requireFolder(workspace, '--workspace')
  else await requireAgentFolder(openclawHome(env), 'OpenClaw', 'OPENCLAW_STATE_DIR', env, { meshOwn: OPENCLAW_MESH_OWN })
  const name = basename(workspace)
  const tags = ['openclaw', `openclaw:${name}`]
  const top = `openclaw/${name}/MEMORY.md`
  const prefix = `openclaw/${name}/memory/`
  const place = (rel: string): Place => ({ path: join(workspace, ...rel.split('/')), tags, mode: 0o600 })
  const places = new Map<string, Place>([[top, place('MEMORY.md')]])
  for (const f of await listFiles(join(workspace, 'memory'))) if (f.endsWith('.md')) places.set(prefix + f, place(`memory/${f}`))
  const mesh = await meshEntries(api, 'openclaw', k => k === top || (k.startsWith(prefix) && k.endsWith('.md')))
  for (const k of mesh.keys()) if (!places.has(k) && isPathOfNames(k.slice(prefix.length))) places.set(k, place(`memory/${k.slice(prefix.length)}`))
  const statePath = syncStatePath(env)
  const scope = `${opts.home}\0openclaw-memory`
  const base = await loadBase(statePath, scope)
  const report: OpenclawMemoryReport = { workspace, name, ...emptyReport() }
  await syncFiles(api, places, mesh, base, { prefer: opts.prefer }, report)
  await saveBase(statePath, scope, base)
  return report
}
