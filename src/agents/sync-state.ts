/**
 * Two-way sync of files with mesh, decided against a base: the content hash each item had when
 * this machine last saw it equal on both sides (kept per device in
 * `~/.config/mesh/agent-sync.json`, or $MESH_AGENT_SYNC, by scope). A side that still matches
 * the base has not changed, so the other side's change wins without loss; when both changed,
 * the item is a conflict and neither side is touched unless the user says which wins.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { HomeCorruptError } from '../errors.js'
import { join } from 'node:path'
import { xdgDir } from '../xdg.js'
import { writeFileAtomic } from './bundle.js'

export type SyncAction = 'same' | 'push' | 'pull' | 'conflict' | 'delete-mesh' | 'delete-local' | 'gone'

/** What to do with one item from its base, local and mesh hashes (undefined: absent). */
export function plan3 (base: string | undefined, local: string | undefined, mesh: string | undefined): SyncAction {
  if (local === mesh) return local === undefined ? 'gone' : 'same'
  if (local === undefined) return base !== undefined && base === mesh ? 'delete-mesh' : 'pull'
  if (mesh === undefined) return base !== undefined && base === local ? 'delete-local' : 'push'
  if (base === mesh) return 'push'
  if (base === local) return 'pull'
  return 'conflict'
}

export function sha256 (data: string | Buffer): string { return createHash('sha256').update(data).digest('hex') }

export function syncStatePath (env: NodeJS.ProcessEnv = process.env): string {
  return env.MESH_AGENT_SYNC ?? join(xdgDir(env.XDG_CONFIG_HOME, join(env.HOME ?? homedir(), '.config')), 'mesh', 'agent-sync.json')
}

type State = Record<string, Record<string, string>>

async function load (path: string): Promise<State> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return {}
    throw err
  }
  try {
    const v = JSON.parse(text) as { scopes?: State }
    return typeof v === 'object' && v !== null && typeof v.scopes === 'object' && v.scopes !== null ? v.scopes : {}
  } catch (err: any) {
    // Written whole (temp, fsync, rename): cut or changed by hand or by the disk. Named, with what to do.
    throw new HomeCorruptError(`${path} does not read as JSON (${String(err?.message ?? err)}): it holds what each skills and memory sync last saw, so nothing was synced`, { path }, {
      cause: err,
      hint: { sep: '. ', cli: `Move it aside (\`mv ${path} ${path}.bad\`) and sync again: each side's files are then compared afresh, and a file that differs on both sides is reported as a conflict rather than overwritten`, mcp: 'A person moves that file aside, and syncs again' }
    })
  }
}

/** The base hashes of one scope (a mesh home and an agent's directory). */
export async function loadBase (path: string, scope: string): Promise<Map<string, string>> {
  return new Map(Object.entries((await load(path))[scope] ?? {}))
}

export async function saveBase (path: string, scope: string, base: ReadonlyMap<string, string>): Promise<void> {
  const all = await load(path)
  all[scope] = Object.fromEntries([...base].sort(([a], [b]) => a.localeCompare(b)))
  await writeFileAtomic(path, JSON.stringify({ version: 1, scopes: all }, null, 2) + '\n')
}
