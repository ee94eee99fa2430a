/**
 * mesh's hooks in Claude Code's user settings (`$CLAUDE_CONFIG_DIR/settings.json`, default
 * `~/.claude/settings.json`; AGENT-FORMATS.md §1.9): a command hook on SessionStart (the session
 * is registered in mesh and its lease taken the moment it starts), Stop (flushed at the end of
 * every turn) and SessionEnd (flushed, lease released). Installing twice changes nothing;
 * uninstalling removes only mesh's own handlers (recognised by their command, `… agent hook
 * claude …`), and the groups and event lists that only they made. The user's other settings and
 * hooks are kept as they were; before any change the file is copied beside itself
 * (`settings.json.mesh-backup-<time>`): the oldest such copy (the file before mesh first changed
 * it) and the newest KEEP_BACKUPS are kept, older ones removed, so installs and uninstalls do not
 * pile them up. A symlinked settings file is written through its link.
 */
import { constants } from 'node:fs'
import { copyFile, chmod, lstat, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { InvalidInputError } from '../../errors.js'
import { readFileNoFollow, writeFileAtomic } from '../bundle.js'
import { isFolder, onlyMeshOwn } from '../installed.js'
import { CLAUDE_MESH_OWN, claudeConfigDir } from './home.js'

export const HOOK_EVENTS = ['SessionStart', 'Stop', 'SessionEnd'] as const
/** Seconds Claude Code gives the hook (a flush of a long turn through the daemon is well under it). */
export const HOOK_TIMEOUT_S = 30

const OURS = /(^|\s)agent\s+hook\s+claude(\s|$)/
/** Copies of the settings file kept beside it besides the oldest one: the newest this many. */
export const KEEP_BACKUPS = 3
const BACKUP = '.mesh-backup-'

interface Handler { type?: string, command?: string, [k: string]: unknown }
interface Group { matcher?: string, hooks?: Handler[], [k: string]: unknown }
type Settings = Record<string, unknown> & { hooks?: Record<string, Group[]> }

export function isMeshHook (h: unknown): boolean {
  return typeof h === 'object' && h !== null && (h as Handler).type === 'command' && typeof (h as Handler).command === 'string' && OURS.test((h as Handler).command as string)
}

/** The settings with mesh's handler on each event (one, with this command); whether anything changed. */
export function withMeshHooks (settings: Settings, command: string): { settings: Settings, changed: boolean } {
  if (!OURS.test(command)) throw new InvalidInputError(`not a mesh hook command: ${command}`)
  const out = structuredClone(settings)
  const hooks = checkHooks(out)
  let changed = false
  for (const ev of HOOK_EVENTS) {
    const groups = hooks[ev] ?? []
    let found = false
    for (const g of groups) {
      for (const h of g.hooks ?? []) {
        if (!isMeshHook(h)) continue
        if (found) continue // a duplicate from a hand edit: left for uninstall to clear
        found = true
        if (h.command !== command || h.timeout !== HOOK_TIMEOUT_S) { h.command = command; h.timeout = HOOK_TIMEOUT_S; changed = true }
      }
    }
    if (!found) {
      groups.push({ hooks: [{ type: 'command', command, timeout: HOOK_TIMEOUT_S }] })
      hooks[ev] = groups
      changed = true
    }
  }
  if (changed) out.hooks = hooks
  return { settings: changed ? out : settings, changed }
}

/** The settings without mesh's handlers; whether anything changed. */
export function withoutMeshHooks (settings: Settings): { settings: Settings, changed: boolean } {
  if (settings.hooks === undefined) return { settings, changed: false }
  const out = structuredClone(settings)
  const hooks = checkHooks(out)
  let changed = false
  for (const [ev, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue
    const kept: Group[] = []
    for (const g of groups) {
      const list = Array.isArray(g.hooks) ? g.hooks : []
      const rest = list.filter(h => !isMeshHook(h))
      if (rest.length === list.length) { kept.push(g); continue }
      changed = true
      if (rest.length > 0) kept.push({ ...g, hooks: rest })
    }
    if (kept.length !== groups.length || changed) {
      if (kept.length === 0 && groups.length > 0) delete hooks[ev]
      else hooks[ev] = kept
    }
  }
  if (!changed) return { settings, changed: false }
  if (Object.keys(hooks).length === 0) delete out.hooks
  else out.hooks = hooks
  return { settings: out, changed: true }
}

function checkHooks (s: Settings): Record<string, Group[]> {
  const h = s.hooks ?? {}
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new InvalidInputError('settings.json has a "hooks" that is not an object: fix it by hand first')
  for (const [ev, groups] of Object.entries(h)) {
    if (!Array.isArray(groups)) throw new InvalidInputError(`settings.json hooks.${ev} is not a list: fix it by hand first`)
  }
  return h
}

export function claudeSettingsPath (env: NodeJS.ProcessEnv = process.env): string { return join(claudeConfigDir(env), 'settings.json') }

export interface HooksResult {
  path: string
  changed: boolean
  backup?: string
  events: string[]
  /**
   * Whether Claude Code's folder held anything of its own before (installed.ts): false on a
   * machine where it has not run, where installing the hooks makes the folder and its settings.
   */
  claudeHere: boolean
  /** Claude Code's folder (CLAUDE_CONFIG_DIR, else ~/.claude). */
  folder: string
  /**
   * An uninstall on a machine where Claude Code never ran: what mesh had made and removed (the
   * settings file, mesh's copies of it, the folder when nothing else was left in it).
   */
  removed?: string[]
}

/** Installs (command given) or removes (undefined) mesh's hooks in the settings file. */
export async function applyClaudeHooks (command: string | undefined, env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<HooksResult> {
  const link = claudeSettingsPath(env)
  const folder = claudeConfigDir(env)
  const claudeHere = await isFolder(folder) && !(await onlyMeshOwn(folder, CLAUDE_MESH_OWN.paths))
  let path = link
  let text: string | undefined
  let mode = 0o600
  try {
    path = await realpath(link)
    mode = (await stat(path)).mode & 0o777
    text = (await readFileNoFollow(path)).toString('utf8')
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  let settings: Settings = {}
  if (text !== undefined && text.trim() !== '') {
    let v: unknown
    try { v = JSON.parse(text) } catch (err) { throw new InvalidInputError(`${path} is not valid JSON (${(err as Error).message}): mesh will not rewrite it; fix it first`, { path }) }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidInputError(`${path} does not hold a JSON object: mesh will not rewrite it`, { path })
    settings = v as Settings
  }
  const r = command !== undefined ? withMeshHooks(settings, command) : withoutMeshHooks(settings)
  // A settings file that is a link is the user's doing: never removed.
  if (command === undefined && text !== undefined && !(await lstat(link)).isSymbolicLink()) {
    const removed = await removeMeshMade(folder, link, r.settings, r.changed)
    if (removed !== undefined) return { path, changed: r.changed, events: [...HOOK_EVENTS], claudeHere, folder, removed }
  }
  if (!r.changed) return { path, changed: false, events: [...HOOK_EVENTS], claudeHere, folder }
  let backup: string | undefined
  if (text !== undefined) {
    backup = `${path}${BACKUP}${new Date(now).toISOString().replace(/[:.]/g, '-')}`
    await copyFile(path, backup, constants.COPYFILE_EXCL)
    await pruneBackups(path)
  }
  await writeFileAtomic(path, JSON.stringify(r.settings, null, 2) + '\n')
  await chmod(path, mode)
  return { path, changed: true, backup, events: [...HOOK_EVENTS], claudeHere, folder }
}

/**
 * An uninstall leaving settings that hold nothing (`{}`), in a folder where Claude Code never ran:
 * the settings file, mesh's copies of it (each holding nothing but mesh's hooks) and, when nothing
 * else is left, the folder removed, so skills and memory sync do not count Claude Code as
 * installed because mesh's install once made its folder. Undefined (nothing removed) when the
 * folder or a copy holds anything else: a setting of the user's, a file Claude Code writes (a
 * resume's projects/ stays, and is mesh's own: installed.ts). `changed`: whether this uninstall
 * removed hooks; without it, only a folder mesh's copies show mesh touched (an uninstall before
 * this left `{}` and a copy) is cleared.
 */
async function removeMeshMade (folder: string, path: string, left: Settings, changed: boolean): Promise<string[] | undefined> {
  if (Object.keys(left).length !== 0) return undefined
  const prefix = `${basename(path)}${BACKUP}`
  const backups = (await readdir(folder)).filter(n => n.startsWith(prefix))
  if (!changed && backups.length === 0) return undefined
  if (!(await onlyMeshOwn(folder, [...CLAUDE_MESH_OWN.paths, basename(path), ...backups]))) return undefined
  for (const b of backups) {
    const st = await lstat(join(folder, b))
    if (!st.isFile()) return undefined
    const text = (await readFileNoFollow(join(folder, b))).toString('utf8')
    if (text.trim() === '') continue
    let v: unknown
    try { v = JSON.parse(text) } catch { return undefined }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined
    if (Object.keys(withoutMeshHooks(v as Settings).settings).length !== 0) return undefined
  }
  const removed: string[] = []
  for (const name of [basename(path), ...backups]) { await rm(join(folder, name)); removed.push(join(folder, name)) }
  if ((await readdir(folder)).length === 0) { await rmdir(folder); removed.push(folder) }
  return removed
}

/**
 * Removes mesh's older copies of the settings file: the oldest (the user's file before mesh first
 * changed it) and the newest KEEP_BACKUPS stay. Their names carry their time, so they sort by it.
 */
async function pruneBackups (path: string): Promise<void> {
  const prefix = `${basename(path)}${BACKUP}`
  const names = (await readdir(dirname(path))).filter(n => n.startsWith(prefix) && /^\d{4}-\d\d-\d\dT[\d-]+Z$/.test(n.slice(prefix.length))).sort()
  for (const n of names.slice(1, Math.max(1, names.length - KEEP_BACKUPS))) await rm(join(dirname(path), n), { force: true })
}
