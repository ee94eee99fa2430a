/**
 * `mesh agent skills sync AGENT`: mesh's skills projected into an agent's skills directory as
 * AgentSkills folders (`<name>/SKILL.md` plus its other files), and skills made there captured
 * back. Claude Code reads `~/.claude/skills` ($CLAUDE_CONFIG_DIR respected), Codex (and
 * OpenClaw) `~/.agents/skills`, OpenClaw also `~/.openclaw/skills`, Hermes
 * `~/.hermes/skills/<category>/<name>`: a skill captured from Hermes carries its category, and goes
 * into that category on another machine's Hermes (one captured elsewhere, or before categories
 * were carried, to the category `mesh`); an edit made in another agent keeps it. Decided per skill
 * against the base (sync-state.ts): a local edit is never overwritten silently; a skill changed
 * on both sides is reported as a conflict and left alone unless `prefer` says which side wins.
 * Removals travel too: a skill folder deleted here that was unchanged in mesh is removed from
 * mesh (leaving a tombstone, crdt/skills.ts); a skill removed from mesh is deleted here when the
 * folder is still what this machine last synced, or is exactly the folder the tombstone names;
 * a folder edited here since is kept, not captured back, and reported (`keptEdited`) until the
 * user picks a side with `prefer`. Symlinked skill folders are not followed (they belong to
 * whatever they point at). An agent not installed here (its folder absent: `~/.claude`,
 * `~/.codex`, `~/.hermes`, `~/.openclaw` or where their variables point; for codex, whose skills
 * folder `~/.agents/skills` is shared, that folder being there is enough; a `~/.hermes` or
 * `~/.codex`, `~/.claude` or `~/.openclaw` holding only what a resume wrote there does not count) is said and left alone:
 * nothing synced, no folder made (a skills folder would make it look installed).
 *
 * What of a skill folder travels is one rule for this sync and `mesh skills add FOLDER`
 * (crdt/paths.ts isLeftOutOfSkill): not a hidden name (`.env`, `.git/`) nor `node_modules/`, at any
 * depth, and no symlink; what is left out is said (`leftOut`). A `.env` of API keys beside a skill
 * is the user's machine's, not the skill's: it must not reach every machine without a word, and a
 * repository's `.git/` or installed packages are no part of a skill either. An older mesh's sync
 * sent them, so a skill in mesh may hold such files; they are seen through the same rule
 * (carriedFolder): neither written into a folder nor compared, kept in mesh as they are when an
 * edit is captured (an older mesh on another machine, which writes and compares them, then neither
 * deletes its copy nor sees a change), and said (`heldInMesh`) until `mesh skills add FOLDER` sends
 * the skill without them. So a folder synced before, `.env` and all, is the same skill here as
 * there (no capture, no pull, no loop between machines); a base or tombstone an older mesh saved
 * (a hash over every file) is matched against the whole folder. Files that are left out are never
 * deleted by a sync: a pull replaces and removes only carried files, and a skill removed from mesh
 * takes only its carried files with it (`keptHere` says what stayed), unless the whole folder, its
 * hidden files too, is what an older mesh synced or removed.
 */
import { chmod, lstat, readdir, rm, rmdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { isLeftOutOfSkill, isSkillCategory, isSkillFilePath, isSkillName } from '../../crdt/paths.js'
import { carriedFolder, folderHash, parseSkill, skillFolder, skillText, type SkillFile, type SkillFolder, type SkillTombstone } from '../../crdt/skills.js'
import { InvalidInputError } from '../errors.js'
import type { MeshApi } from '../api/api.js'
import { isLinkRefused, listFiles, readFileNoFollow, type LeftOut } from './bundle.js'
import { ChangedUnderfootError, removeFileIf, replaceFile } from './replace-file.js'
import { CLAUDE_MESH_OWN, claudeConfigDir } from './claude/home.js'
import { CODEX_MESH_OWN, codexHome } from './codex/home.js'
import { HERMES_MESH_OWN, hermesHome } from './hermes/home.js'
import { isFolder, requireAgentFolder } from './installed.js'
import { OPENCLAW_MESH_OWN, openclawHome } from './openclaw/home.js'
import { loadBase, plan3, saveBase, sha256, syncStatePath } from './sync-state.js'

export const SKILL_AGENTS = ['claude', 'codex', 'hermes', 'openclaw'] as const
export type SkillAgent = typeof SKILL_AGENTS[number]

export function skillsDir (agent: SkillAgent, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir()
  if (agent === 'claude') return join(claudeConfigDir(env), 'skills')
  if (agent === 'hermes') return join(hermesHome(env), 'skills')
  if (agent === 'openclaw') return join(openclawHome(env), 'skills')
  return join(home, '.agents', 'skills')
}

/** Throws NOT_FOUND (exit 2), creating nothing, unless `agent` is installed here. */
async function requireInstalled (agent: SkillAgent, env: NodeJS.ProcessEnv): Promise<void> {
  if (agent === 'claude') return await requireAgentFolder(claudeConfigDir(env), 'Claude Code', 'CLAUDE_CONFIG_DIR', env, { meshOwn: CLAUDE_MESH_OWN })
  if (agent === 'hermes') return await requireAgentFolder(hermesHome(env), 'Hermes', 'HERMES_HOME', env, { meshOwn: HERMES_MESH_OWN })
  if (agent === 'openclaw') return await requireAgentFolder(openclawHome(env), 'OpenClaw', 'OPENCLAW_STATE_DIR', env, { meshOwn: OPENCLAW_MESH_OWN })
  // ~/.agents/skills is every AgentSkills reader's: already there, it is synced whether or not Codex is.
  if (await isFolder(skillsDir(agent, env))) return
  // A resume of a Codex session writes its rollout under sessions/, making ~/.codex on a machine
  // Codex never ran on: that is no install whose skills folder mesh may make. Codex's first run
  // writes its own files (config.toml, history.jsonl, log/), and from then on it is one.
  await requireAgentFolder(codexHome(env), 'Codex', 'CODEX_HOME', env, { meshOwn: CODEX_MESH_OWN })
}

/** A skill's files by path; an executable file's path is listed in `exec`. */
export type SkillFiles = SkillFolder
/** `leftOut`: what of its folder is not among its files (a symlink, not followed; a FIFO or socket). */
export interface LocalSkill { name: string, rel: string, files: SkillFiles, hash: string, leftOut?: SkillLeftOut[] }

/** A skill folder's file not sent to mesh, and why: a symlink (not followed), a name starting with "." or node_modules (`mesh skills add`), a FIFO or socket. */
export interface SkillLeftOut { path: string, why: 'symlink' | 'hidden' | 'node_modules' | 'not a regular file' }

/** What readSkillFolder passed by (its `leftOut`), as `mesh skills add` and `mesh agent skills sync` report it. */
export function skillLeftOut (passed: readonly LeftOut[]): SkillLeftOut[] {
  return passed.map(l => ({ path: l.path, why: l.why !== 'skipped' ? l.why : /(^|\/)node_modules\/?$/.test(l.path) ? 'node_modules' as const : 'hidden' as const }))
}

/** A skill's hash over its files ('SKILL.md' included) and their exec bits, path-sorted (crdt folderHash). */
export const skillHash = (files: SkillFiles): string => folderHash(files)

/** A skill folder whose SKILL.md cannot be read as a skill (not UTF-8, a name that is none): `why`, in words. */
export interface UnreadSkill { rel: string, why: string }

/**
 * The skill folders under `dir` (Hermes: also one category level down); symlinks are listed apart,
 * and so are folders whose SKILL.md is no skill mesh can read (`unread`).
 */
export async function readLocalSkills (dir: string, nested: boolean): Promise<{ skills: LocalSkill[], symlinks: string[], unread: UnreadSkill[] }> {
  const skills: LocalSkill[] = []
  const symlinks: string[] = []
  const unread: UnreadSkill[] = []
  const visit = async (rel: string, depth: number): Promise<void> => {
    let names: string[]
    try { names = await readdir(join(dir, rel)) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return; throw err }
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue
      const r = rel === '' ? n : `${rel}/${n}`
      const st = await lstat(join(dir, r))
      if (st.isSymbolicLink()) { symlinks.push(r); continue }
      if (!st.isDirectory()) continue
      let md: Buffer | undefined
      try { md = await readFileNoFollow(join(dir, r, 'SKILL.md')) } catch (err: any) { if (err?.code !== 'ENOENT' && !isLinkRefused(err)) throw err }
      if (md !== undefined) {
        let name: string
        try {
          name = parseSkill(skillText(md, join(dir, r, 'SKILL.md')), n).name
        } catch (err) {
          if (!(err instanceof InvalidInputError)) throw err
          // skillText's refusal names the file and says to add it again: here, the path is said apart.
          unread.push({ rel: r, why: err.details.path !== undefined ? `it is not UTF-8 text (line ${String(err.details.line)})` : err.fact })
          continue
        }
        const passed: LeftOut[] = []
        const files = await readSkillFolder(join(dir, r), md, { leftOut: passed })
        skills.push({ name, rel: r, files, hash: skillHash(files), ...(passed.length > 0 ? { leftOut: skillLeftOut(passed) } : {}) })
      } else if (nested && depth === 0) await visit(r, 1)
    }
  }
  await visit('', 0)
  return { skills, symlinks, unread }
}

/**
 * A skill folder's files: its SKILL.md (`md`, read already) and every file under it, with their
 * exec bits, but for names mesh does not carry (crdt/paths.ts isLeftOutOfSkill: a hidden one,
 * node_modules, at any depth); `leftOut` is told of each of them, and of each symlink (not
 * followed) and file that is not regular. `mesh skills add` and `mesh agent skills sync` both read so.
 */
export async function readSkillFolder (folder: string, md: Buffer, opts: { leftOut?: LeftOut[] } = {}): Promise<SkillFiles> {
  const files: SkillFiles = { data: new Map([['SKILL.md', md]]), exec: new Set() }
  for (const f of await listFiles(folder, { skip: isLeftOutOfSkill, ...opts })) {
    if (f === 'SKILL.md') continue
    files.data.set(f, await readFileNoFollow(join(folder, f)))
    if (((await stat(join(folder, f))).mode & 0o111) !== 0) files.exec.add(f)
  }
  return files
}

/** A skill's files but its SKILL.md, as skills.add takes them (text, or base64 where not UTF-8). */
export function toSkillFiles (files: SkillFiles): SkillFile[] {
  const out: SkillFile[] = []
  for (const [path, b] of files.data) {
    if (path === 'SKILL.md') continue
    const text = b.toString('utf8')
    const x = files.exec.has(path) ? { exec: true } : {}
    out.push(Buffer.from(text, 'utf8').equals(b) ? { path, text, ...x } : { path, text: b.toString('base64'), enc: 'base64', ...x })
  }
  return out
}

const fromSkill = skillFolder

export interface SkillsSyncReport {
  agent: SkillAgent
  dir: string
  pushed: string[]
  pulled: string[]
  same: string[]
  /**
   * Left as they are: changed on both sides since the last sync, or (`taken`) mesh's skill would go
   * to a folder that holds something else (another skill, or files of the user's).
   */
  conflicts: Array<{ name: string, path: string, taken?: true }>
  /** Removed here since the last sync (and unchanged in mesh): removed from mesh, for every machine. */
  removedFromMesh: string[]
  /** Removed from mesh (by another machine or `mesh skills remove`): deleted here. */
  deletedHere: string[]
  /** Removed from mesh but edited here since the last sync: kept, not captured back (`prefer` decides). */
  keptEdited: Array<{ name: string, path: string }>
  symlinksSkipped: string[]
  /** Inside a skill folder here, what is not among the skill's files (a symlink, not followed; a hidden name, node_modules), by skill: as `mesh skills add` says it. */
  leftOut: Array<{ name: string, path: string, leftOut: SkillLeftOut[] }>
  /** Files a skill in mesh holds that the rule leaves out (sent by an older mesh's sync): not written here, kept in mesh. */
  heldInMesh: Array<{ name: string, paths: string[] }>
  /** Removed from mesh and its files deleted here, but for what mesh never carried (a `.env`, node_modules): kept in its folder. */
  keptHere: Array<{ name: string, path: string, leftOut: SkillLeftOut[] }>
  /**
   * Skill folders whose SKILL.md mesh cannot read as a skill (not UTF-8, a name that is none): neither captured nor written over, nor removed from mesh; `why` in words.
   */
  skipped: Array<{ path: string, why: string }>
}

export async function syncSkills (api: MeshApi, agent: SkillAgent, opts: { home: string, env?: NodeJS.ProcessEnv, prefer?: 'mesh' | 'local' }): Promise<SkillsSyncReport> {
  const env = opts.env ?? process.env
  // Not installed here: nothing read, written or remembered (not even this sync's state).
  await requireInstalled(agent, env)
  const dir = skillsDir(agent, env)
  const nested = agent === 'hermes'
  const statePath = syncStatePath(env)
  const scope = `${opts.home}\0skills\0${dir}`
  // No skills folder at all (the agent set up again, its folder moved or restored) is not one
  // whose every skill was removed: what the last sync here saw is not compared with it, so nothing
  // is removed from mesh (and every other machine), and mesh's skills come back into it.
  const base = await isFolder(dir) ? await loadBase(statePath, scope) : new Map<string, string>()
  // Pulls begun and not seen through (the sync was killed part-way): the skill's hash in mesh then.
  const pullScope = `${scope}\0pulling`
  const pulling = await loadBase(statePath, pullScope)
  const { skills: local, symlinks, unread } = await readLocalSkills(dir, nested)
  const byName = new Map(local.map(s => [s.name, s]))
  const mesh = new Map<string, SkillFiles>()
  // Of a skill in mesh holding files the rule leaves out: its hash over all of them (an older
  // mesh's base or tombstone), and those files, kept in mesh when an edit here is captured.
  const meshAll = new Map<string, string>()
  const held = new Map<string, SkillFile[]>()
  const categories = new Map<string, string>()
  const sources = new Map<string, string>()
  for (const s of await api.call('skills.list', {})) {
    const shown = await api.call('skills.show', { name: s.name })
    const all = fromSkill(shown)
    const seen = carriedFolder(all)
    mesh.set(s.name, seen.carried)
    if (seen.held.length > 0) {
      meshAll.set(s.name, folderHash(all))
      held.set(s.name, (shown.files ?? []).filter(f => seen.held.includes(f.path)))
    }
    sources.set(s.name, shown.source)
    if (shown.category !== undefined) categories.set(s.name, shown.category)
  }
  const tombs = new Map<string, SkillTombstone>((await api.call('skills.removed', {})).map(t => [t.name, t]))
  const report: SkillsSyncReport = { agent, dir, pushed: [], pulled: [], same: [], conflicts: [], removedFromMesh: [], deletedHere: [], keptEdited: [], symlinksSkipped: symlinks, leftOut: local.filter(s => s.leftOut !== undefined).map(s => ({ name: s.name, path: join(dir, s.rel), leftOut: s.leftOut as SkillLeftOut[] })), heldInMesh: [...held].map(([name, f]) => ({ name, paths: f.map(x => x.path) })), keptHere: [], skipped: unread.map(u => ({ path: join(dir, u.rel, 'SKILL.md'), why: u.why })) }
  // Left alone: a symlinked folder's skill, and (below) one whose folder cannot be read.
  const linked = new Set(symlinks.map(r => r.split('/').pop() as string))
  // A folder whose SKILL.md cannot be read is no skill gone from here: the skill of its folder's
  // name, or the one captured from that folder, is left as it is (not removed from mesh, not written over).
  const unreadAt = new Set(unread.map(u => `${agent}:${join(dir, u.rel)}`))
  for (const u of unread) linked.add(u.rel.split('/').pop() as string)
  for (const [n, src] of sources) if (unreadAt.has(src)) linked.add(n)
  for (const name of [...new Set([...byName.keys(), ...mesh.keys(), ...base.keys()])].sort()) {
    if (linked.has(name)) continue
    const l = byName.get(name)
    const m = mesh.get(name)
    const mh = m !== undefined ? skillHash(m) : undefined
    const folderOf = (s: LocalSkill): string => join(dir, ...s.rel.split('/'))
    // The hash of every file of the local folder, hidden ones too, when that is what an older
    // mesh's base or tombstone names: the folder, as it is, was all mesh's (a removal takes it whole).
    let whole: string | undefined
    let b = base.get(name)
    if (b !== undefined && b !== l?.hash && b !== mh) {
      if (b === meshAll.get(name)) b = mh
      else if (l?.leftOut !== undefined && b === await allFilesHash(folderOf(l))) { whole = b; b = l.hash }
    }
    let action: ReturnType<typeof plan3> | 'kept' = plan3(b, l?.hash, mh)
    // Half written by a sync that was killed while it pulled this same version: no edit of the
    // user's, so the pull is finished (else it read as changed here, and --prefer local spread
    // the half-written folder to every machine).
    if (action === 'conflict' && mh !== undefined && pulling.get(name) === mh) action = 'pull'
    if (action === 'conflict' && opts.prefer !== undefined) action = opts.prefer === 'mesh' ? 'pull' : 'push'
    if (action === 'same') { report.same.push(name); base.set(name, l?.hash as string); continue }
    if (action === 'gone') { base.delete(name); continue }
    const tomb = tombs.get(name)
    // Absent from mesh with a tombstone: removed there, not new here. Only the folder that was removed goes.
    if (m === undefined && l !== undefined && tomb !== undefined && action === 'push') {
      let gone = l.hash === tomb.folder
      if (!gone && l.leftOut !== undefined && await allFilesHash(folderOf(l)) === tomb.folder) { gone = true; whole = tomb.folder }
      action = gone || opts.prefer === 'mesh' ? 'delete-local' : opts.prefer === 'local' ? 'push' : 'kept'
    }
    if (action === 'kept') { report.keptEdited.push({ name, path: join(dir, (l as LocalSkill).rel) }); continue }
    if (action === 'conflict') { report.conflicts.push({ name, path: join(dir, l?.rel ?? name) }); continue }
    if (action === 'delete-mesh') {
      await api.call('skills.remove', { name })
      report.removedFromMesh.push(name)
      base.delete(name)
      continue
    }
    if (action === 'delete-local') {
      const l2 = l as LocalSkill
      // Edited between the read and now: the edit stays; the next sync decides again.
      const folder = folderOf(l2)
      if (await folderChanged(folder, l2.hash) || (whole !== undefined && await allFilesHash(folder) !== whole)) { report.keptEdited.push({ name, path: join(dir, l2.rel) }); continue }
      if (l2.leftOut === undefined || whole !== undefined) await rm(folder, { recursive: true })
      else {
        // What mesh never carried (a `.env`, node_modules, a symlink) is this machine's: it stays.
        try { await removeSkillFiles(folder, l2.files) } catch (err) {
          if (!(err instanceof ChangedUnderfootError)) throw err
          report.keptEdited.push({ name, path: join(dir, l2.rel) })
          continue
        }
        if (await isFolder(folder)) report.keptHere.push({ name, path: folder, leftOut: l2.leftOut })
      }
      // Hermes's `mesh/` category is the folder mesh made for skills that had none: gone with its last skill.
      if (nested && l2.rel.startsWith(`${MESH_CATEGORY}/`)) await removeIfEmpty(join(dir, MESH_CATEGORY))
      report.deletedHere.push(name)
      base.delete(name)
      continue
    }
    if (action === 'push') {
      const files = (l as LocalSkill).files
      // Hermes's: the category folder it is in here. Another agent's folders have none: an edit
      // there keeps the category the skill has in mesh.
      const category = nested ? categoryOf((l as LocalSkill).rel) : categories.get(name)
      // What mesh held that the rule leaves out stays in mesh as it was (see the head of this file).
      await api.call('skills.add', { content: (files.data.get('SKILL.md') as Buffer).toString('utf8'), name, source: `${agent}:${join(dir, (l as LocalSkill).rel)}`, files: [...toSkillFiles(files), ...(held.get(name) ?? [])], ...(category !== undefined ? { category } : {}) })
      report.pushed.push(name)
      base.set(name, (l as LocalSkill).hash)
      continue
    }
    // pull: the local folder is absent or unedited since the last sync, so replacing it loses nothing.
    const category = categories.get(name)
    // The skills document refuses all three (crdt/validate.ts); checked again where they become paths.
    const outside = [...(m as SkillFiles).data.keys()].find(p => p !== 'SKILL.md' && !isSkillFilePath(p))
    if (!isSkillName(name) || outside !== undefined) throw new InvalidInputError(`skill ${JSON.stringify(name)} names a file outside its folder (${JSON.stringify(outside ?? name)}): not written`, { name })
    if (category !== undefined && !isSkillCategory(category)) throw new InvalidInputError(`skill ${JSON.stringify(name)} names a category that is no folder name (${JSON.stringify(category)}): not written`, { name, category })
    // A skill Hermes has not got goes into its category's folder (`mesh` when it has none).
    const rel = l?.rel ?? (nested ? `${category ?? MESH_CATEGORY}/${name}` : name)
    const folder = join(dir, ...rel.split('/'))
    const want = m as SkillFiles
    // No local skill of this name, yet its folder holds something: another skill (its SKILL.md names
    // it otherwise, or the name differs only in case on this disk) or the user's own files.
    // (Unless it is what a pull of this same version, killed before its SKILL.md was in place, began.)
    if (l === undefined && pulling.get(name) !== mh && await occupied(folder)) { report.conflicts.push({ name, path: folder, taken: true }); continue }
    // Said before the first file is written: killed part-way, the next sync finishes this pull.
    if (pulling.get(name) !== mh) { pulling.set(name, mh as string); await saveBase(statePath, pullScope, pulling) }
    try {
      for (const [p, b] of want.data) {
        const path = join(folder, ...p.split('/'))
        // Each file must still be what sync read (absent for a new skill): an edit made meanwhile stays.
        const had = l?.files.data.get(p)
        await replaceFile(path, b, { mode: want.exec.has(p) ? 0o755 : 0o644, checkExpect: true, expect: had === undefined ? undefined : sha256(had.toString('utf8')) })
        // The file keeps its mode but for the x bits, which are part of the skill.
        const mode = (await stat(path)).mode & 0o7777
        const x = want.exec.has(p) ? mode | ((mode & 0o444) >> 2) : mode & ~0o111
        if (x !== mode) await chmod(path, x)
      }
      if (l !== undefined) for (const [p, b] of l.files.data) if (!want.data.has(p)) await removeFileIf(join(folder, ...p.split('/')), sha256(b.toString('utf8')))
    } catch (err) {
      if (!(err instanceof ChangedUnderfootError)) throw err
      report.conflicts.push({ name, path: folder })
      continue
    }
    // Made (durably, as replaceFile makes its files' folders) even for a skill with no file left in it.
    await mkdirDurable(folder)
    report.pulled.push(name)
    base.set(name, mh as string)
  }
  await saveBase(statePath, scope, base)
  // Every pull begun is through (or met an edit, a conflict said): none is owed.
  if (pulling.size > 0) await saveBase(statePath, pullScope, new Map())
  return report
}

/**
 * The category of a Hermes skill read at `rel` (`<category>/<name>`): none for one straight under
 * the skills folder, or in a folder whose name is no category mesh carries (it goes to `mesh` elsewhere).
 */
function categoryOf (rel: string): string | undefined {
  const parts = rel.split('/')
  return parts.length === 2 && isSkillCategory(parts[0] as string) ? parts[0] : undefined
}

/** The category folder a Hermes skill with no category of its own is written into. */
const MESH_CATEGORY = 'mesh'

/** Removes `folder` if it is an empty directory; one that holds something (or is gone) is left as it is. */
async function removeIfEmpty (folder: string): Promise<void> {
  try {
    await rmdir(folder)
  } catch (err: any) {
    if (err?.code !== 'ENOTEMPTY' && err?.code !== 'EEXIST' && err?.code !== 'ENOENT') throw err
  }
}

/** Whether `folder` exists as anything but an empty directory. */
async function occupied (folder: string): Promise<boolean> {
  try {
    const st = await lstat(folder)
    return !st.isDirectory() || (await readdir(folder)).length > 0
  } catch (err: any) {
    if (err?.code === 'ENOENT') return false
    throw err
  }
}

/** The hash of a folder's regular files (no symlink followed); `skip`: names left out, at any depth. */
async function hashFolder (folder: string, skip?: (name: string) => boolean): Promise<string> {
  const files: SkillFiles = { data: new Map(), exec: new Set() }
  for (const f of await listFiles(folder, skip !== undefined ? { skip } : {})) {
    files.data.set(f, await readFileNoFollow(join(folder, f)))
    if (((await stat(join(folder, f))).mode & 0o111) !== 0) files.exec.add(f)
  }
  return skillHash(files)
}

/** Whether a skill folder no longer hashes to what sync read (its carried files). */
async function folderChanged (folder: string, hash: string): Promise<boolean> {
  return await hashFolder(folder, isLeftOutOfSkill) !== hash
}

/** A skill folder's hash over every file, hidden ones and node_modules too: as an older mesh hashed it. */
async function allFilesHash (folder: string): Promise<string> {
  return await hashFolder(folder)
}

/**
 * Deletes a skill's files (each still what sync read, else ChangedUnderfootError) and the folders
 * they leave empty, the skill's own folder too; anything else in it stays. Its SKILL.md goes last:
 * stopped by an edit, what is left is still the skill, which the next sync reads and decides on.
 */
async function removeSkillFiles (folder: string, files: SkillFiles): Promise<void> {
  const dirs = new Set<string>()
  for (const [p, b] of [...files.data].sort(([x], [y]) => Number(x === 'SKILL.md') - Number(y === 'SKILL.md'))) {
    await removeFileIf(join(folder, ...p.split('/')), sha256(b.toString('utf8')))
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  for (const d of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) await removeIfEmpty(join(folder, ...d.split('/')))
  await removeIfEmpty(folder)
}
