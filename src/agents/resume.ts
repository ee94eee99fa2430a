/**
 * Resuming an agent session natively on this machine, the one implementation behind
 * `mesh agent resume` and the MCP tool `agents_resume`, for every agent mesh stores: fetch the
 * session's records through the API, find the project's directory here (given, remembered in the
 * mount map, or found by its git remote under the map's roots), take the session's lease (from
 * another device only when asked), write the files where the agent looks for them, and say the
 * command that continues it. Claude Code and Codex get their transcript files, OpenClaw its
 * transcript (and sessions.json only where none exists or it lists no session yet: the Gateway owns it), Hermes an export
 * file its dashboard's import takes (mesh does not write its SQLite store).
 * Runs on the client's side: the files are the user's, under their CLAUDE_CONFIG_DIR, CODEX_HOME,
 * OPENCLAW_STATE_DIR or HERMES_HOME.
 */
import { realpath, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { captureGap, captureGapWords, captureUnit, type CaptureGap, type CaptureNote, type CaptureStuck, type NativeRecord } from '../../crdt/records.js'
import { agentOfKey, isAgentSessionId } from '../api/agent-keys.js'
import type { MeshApi } from '../api/api.js'
import { InvalidInputError, isMeshError } from '../errors.js'
import { filesOf } from './bundle.js'
import { forksOffCurrent } from './claude/branch.js'
import { writeClaudeBundle } from './claude/bundle.js'
import { writeCodexRollout } from './codex/bundle.js'
import { writeHermesExport } from './hermes/bundle.js'
import { normalizeRemote } from './git.js'
import { findProject, loadMounts, mountMapPath, projectName, remember, rootsOf } from './mounts.js'
import { isAgentName, type AgentName } from './names.js'
import { writeOpenclawSession } from './openclaw/bundle.js'

export interface AgentMeta { agent: string, sessionId: string, cwd?: string, gitRemote?: string, name?: string, dir?: string, stuck?: CaptureStuck, capture?: CaptureNote }

export interface ResumeOptions {
  /** The project's directory here; remembered for the project. */
  cwd?: string
  /** Take the lease over from another device that drives the session. */
  take?: boolean
  /**
   * Write it though the device that captures it holds more of it than mesh (captureGap: an
   * import stopped part-way, capture stuck): refused without, since going on from the shorter
   * conversation here makes it diverge from the whole one there.
   */
  partial?: boolean
  /** Replace a file here that holds lines mesh has not got (Hermes: a file at `out`). */
  force?: boolean
  /** Hermes: where to write the export file (default $HERMES_HOME/mesh-imports/<id>.jsonl); a file there is replaced only with `force`. */
  out?: string
  env?: NodeJS.ProcessEnv
  /** Hears how far the session's records have come, after each page (a long session takes seconds). */
  onPage?: PageProgress
}

/** A turn that starts a branch: its first record (uuid, line of the transcript), its first words, when, and the device that stored it. */
export interface BranchTurn { uuid: string, line: number, text: string, at?: string, device: string }

/** Where a Claude Code transcript splits across devices: after `after`, the branch Claude Code continues and the others. */
export interface SessionBranch { after: string, continues: BranchTurn, side: BranchTurn[] }

/**
 * The points where a Claude Code transcript splits into branches stored from different devices
 * (a turn typed on the desktop and another on the laptop after the same line): Claude Code
 * continues one, the last chain entry in the file, and the other is kept but not continued. A
 * rewind on one device splits it too, and is no news: only branches whose devices differ are
 * said. The devices are the session's messages' (each record's message names the device that
 * stored it); asked for only when the transcript splits at all.
 */
export async function crossDeviceBranches (api: MeshApi, key: string, lines: readonly string[]): Promise<SessionBranch[]> {
  const forks = forksOffCurrent(lines)
  if (forks.length === 0) return []
  const deviceOf = new Map<string, string>()
  try {
    const shown = await api.call('sessions.show', { key, all: true })
    for (const m of shown.messages) {
      const id = m.id.replace(/#\d+$/, '')
      if (!deviceOf.has(id)) deviceOf.set(id, m.author ?? m.device)
    }
  } catch {
    // A note, asked after the files are written: a failure to ask leaves it unsaid, never the resume failed.
    return []
  }
  const turn = (b: (typeof forks)[number]['continues']): BranchTurn | undefined => {
    const device = b.records.map(u => deviceOf.get(u)).find(d => d !== undefined)
    return device === undefined ? undefined : { uuid: b.uuid, line: b.line, text: b.text, ...(b.at !== undefined ? { at: b.at } : {}), device }
  }
  const out: SessionBranch[] = []
  for (const f of forks) {
    const continues = turn(f.continues)
    if (continues === undefined) continue
    const side = f.side.map(turn).filter((t): t is BranchTurn => t !== undefined && t.device !== continues.device)
    if (side.length > 0) out.push({ after: f.after, continues, side })
  }
  return out
}

/** Records fetched so far of the session's total, after each page. */
export type PageProgress = (fetched: number, total: number) => void

export interface ResumeResult {
  key: string
  agent: AgentName
  /** The project's directory here, resolved (symbolic links followed): what the agent started there sees as its cwd. */
  cwd?: string
  /** The directory as given (--cwd) or remembered, when it is not `cwd` itself but a symbolic link to it (or a path through one). */
  cwdAsNamed?: string
  /** The cwd the session recorded, when paths were rewritten from it to `cwd`. */
  from?: string
  path: string
  rewritten: number
  /** The command that continues the session (`cd … && claude --resume <id>`). */
  command: string
  /**
   * Hermes: what imports the written file into Hermes, to be done before `command` (its
   * dashboard's import: a released Hermes's CLI does not take its own export). Absent when
   * Hermes here holds the session already.
   */
  importFirst?: string
  tookOverFrom?: string
  /** Claude Code: the files written, the transcript first when it was. */
  files?: string[]
  /** Claude Code: files here already as they would be written, left as they were. */
  kept?: string[]
  /** Claude Code: files here that held what mesh has not got, replaced because forced. */
  replaced?: string[]
  indexDropped?: boolean
  /** OpenClaw: whether sessions.json was written, or kept because one listing sessions exists here (the Gateway's). */
  index?: 'written' | 'kept' | 'none'
  /** OpenClaw: the routing key the session resumes under. */
  sessionKey?: string
  /** The files were there as they would be written (a resume run again): none was written. */
  unchanged?: true
  /**
   * Messages of the session's transcript in mesh that are not in the agent's files: appended
   * through mesh (mesh session append, sessions_append), not recorded by the agent.
   */
  meshOnly?: number
  /**
   * This device cannot write (a read-only certificate, or revoked): the files were written so the
   * agent can open the session here, but no lease was taken, and what the agent adds here stays
   * here (no follower can store it in mesh). Said as why: READ_ONLY or DEVICE_REVOKED's message,
   * up to what it cannot do (the API's method name is no word for a person).
   */
  notWritable?: string
  /**
   * Claude Code: the transcript written splits into branches written on different devices (a
   * turn typed on each after the same point): which one Claude Code continues (the last in the
   * file), and the ones it does not. The chain is written as the agents wrote it.
   */
  branches?: SessionBranch[]
  /**
   * The session is cut short: capture on the machine that writes it stopped at a line that is not
   * UTF-8 (its host, file, line and bytes), so what follows it there (linesAfter, bytesAfter) is in
   * no record and not in the files written. Resumed all the same; said so.
   */
  captureStuck?: CaptureStuck
  /** Written with `partial`: the device that captures the session holds more of it than mesh (captureGap), and `says` it with what to run there. */
  capture?: CaptureGap & { says: string }
}

/**
 * Every record of an agent session, page by page, and how many messages of its transcript no
 * record holds (appended through mesh: no agent's file gets them), as the last page says.
 */
export async function fetchAgentRecords (api: MeshApi, key: string, onPage?: PageProgress): Promise<{ meta: AgentMeta, records: NativeRecord[], meshOnly?: number }> {
  const records: NativeRecord[] = []
  let start: number | undefined = 0
  let meta: AgentMeta | undefined
  let meshOnly: number | undefined
  while (start !== undefined) {
    const page: { meta: AgentMeta, records: NativeRecord[], total: number, next?: number, meshOnly?: number } = await api.call('agents.records', { key, start })
    meta = page.meta
    records.push(...page.records)
    start = page.next
    meshOnly = page.meshOnly
    onPage?.(start ?? page.total, page.total)
  }
  return { meta: meta as AgentMeta, records, meshOnly }
}

/**
 * `~` and `~/…` as a shell expands them, under HOME of the process that resolves the path (an
 * MCP client's `cwd: "~/src/app"`, a `--cwd=~/src/app` no shell saw); any other path as given.
 */
export function expandTilde (path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir()
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
}

const isDirectory = async (path: string): Promise<boolean> => await stat(path).then(s => s.isDirectory(), () => false)

/**
 * The directory an agent started from `dir` sees as its cwd: the process's working directory is
 * the path with its symbolic links resolved (`cd ~/applink` runs in ~/src/app; macOS's /tmp is
 * /private/tmp), and Claude Code names the project folder it looks in after that (AGENT-FORMATS.md
 * §1.2), as Codex records it in its session meta. `named` is `dir` when that differs.
 */
export async function realCwd (dir: string): Promise<{ cwd: string, named?: string }> {
  const cwd = await realpath(dir).catch(() => dir)
  return cwd !== dir ? { cwd, named: dir } : { cwd }
}

/**
 * Where the project lives here: given, else found (the mount map, a git remote), else the
 * recorded cwd when that is a directory here. A coding agent (Claude Code, Codex) is started
 * from it, so where none is, the caller is asked for it rather than given a command that fails;
 * the others go without (no `cd`, no paths rewritten). Resolved (realCwd): what the agent sees, with the
 * directory as given or remembered (`named`) when a symbolic link made it another.
 */
export async function targetDir (meta: AgentMeta, given: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ cwd: string, named?: string } | undefined> {
  if (given !== undefined) {
    const cwd = resolve(expandTilde(given, env))
    // The agent is started from there: a directory that is not here (a typo, a clone not made
    // yet) would be remembered for the project and printed in a command that fails.
    if (!(await isDirectory(cwd))) throw new InvalidInputError(`cwd (--cwd) ${cwd} is not a directory on this machine: clone or create the project there first, then resume`, { cwd })
    return await realCwd(cwd)
  }
  const found = await foundCwd(meta, env)
  if (found !== undefined) return await realCwd(found)
  if (meta.agent === 'claude' || meta.agent === 'codex') {
    const mountsPath = mountMapPath(env)
    const roots = rootsOf(await loadMounts(mountsPath), env.HOME ?? homedir())
    throw new InvalidInputError(`where does this project live here? ${meta.cwd !== undefined ? `It was at ${meta.cwd}, which is not a directory on this machine. ` : ''}${searched(meta.gitRemote, roots, mountsPath)}Pass cwd (--cwd DIR); it is remembered for ${projectName(meta) ?? 'this project'}`, { recordedCwd: meta.cwd, roots, mounts: mountsPath })
  }
  return undefined
}

/**
 * Where the project lives here, found without being given: the mount map, a clone with the
 * recorded git remote under its roots, else the recorded cwd when that is a directory here;
 * undefined when none is (targetDir asks for it, an export keeps the recorded paths and says so).
 */
export async function foundCwd (meta: AgentMeta, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  // A remembered folder since removed or moved is no answer either.
  const found = await findProject(await loadMounts(mountMapPath(env)), meta, env.HOME ?? homedir())
  if (found !== undefined && await isDirectory(found)) return found
  if (meta.cwd !== undefined && await isDirectory(meta.cwd)) return meta.cwd
  return undefined
}

/** Where a clone was looked for, said in the refusal: the roots searched, or why none were. */
function searched (remote: string | undefined, roots: readonly string[], mountsPath: string): string {
  if (remote === undefined) return `No git remote was recorded, so the roots of ${mountsPath} were not searched. `
  const name = normalizeRemote(remote)
  if (roots.length === 0) return `No clone of ${name} was looked for: ${mountsPath} lists no roots ({"roots": ["~/src"]}). `
  return `No clone of ${name} under ${roots.join(', ')} (the roots of ${mountsPath}, two folders deep). `
}

/** Hermes's importer takes a file; the others' sessions go where their agent looks for them. */
function refuseOut (key: string, agent: string): InvalidInputError {
  return new InvalidInputError(`out (--out FILE) is for Hermes sessions, whose importer takes a file: a ${agent} session is written where its agent looks for it. To write it to a file of your own: mesh agent export ${key} --out FILE`, { key, agent })
}

export async function resumeAgentSession (api: MeshApi, key: string, opts: ResumeOptions = {}): Promise<ResumeResult> {
  const env = opts.env ?? process.env
  if (opts.out !== undefined) {
    // Refused before the session is fetched (150 MB took 7 s to be refused): its agent from the
    // key, else from its first record's page.
    const agent = agentOfKey(key) ?? (await api.call('agents.records', { key, limit: 1 })).meta.agent
    if (agent !== 'hermes') throw refuseOut(key, agent)
  }
  const { meta, records, meshOnly } = await fetchAgentRecords(api, key, opts.onPage)
  const agent = meta.agent
  if (!isAgentName(agent)) throw new InvalidInputError(`${key} is a ${agent} session: resume writes Claude Code, Codex, OpenClaw and Hermes sessions`)
  // The metadata is the document's, which any member writes: its id names the file written and a
  // word of the command returned, so one that could leave the agent's home or run something is refused.
  if (!isAgentSessionId(meta.sessionId)) throw new InvalidInputError(`${key} records the session id ${JSON.stringify(meta.sessionId)}, which is no agent's session id: not resumed`, { key })
  // The capturing device holds more of it than mesh: carrying on from the shorter conversation
  // here makes the two diverge. Refused (nothing written, no lease taken) unless asked for.
  const gap = captureGap(meta)
  if (gap !== undefined && opts.partial !== true) {
    throw new InvalidInputError(`${key} is not whole in mesh: ${captureGapWords(gap, agent, meta.sessionId)}, or resume anyway with --partial (the conversation written here then ends after ${captureUnit(agent)} ${gap.lines.toLocaleString('en-US')}); nothing was written`, { key, capture: gap })
  }
  // A session stored under another agent's key before agents.import refused that.
  if (opts.out !== undefined && agent !== 'hermes') throw refuseOut(key, agent)
  // Resolved: the agent started there sees it so, and names or records it so (realCwd).
  const dir = await targetDir(meta, opts.cwd, env)
  const cwd = dir?.cwd
  // Resuming makes this machine the driver: another device's live lease is taken over only when
  // asked, and only once the files may be written (a refused write leaves the lease where it was).
  let tookOverFrom: string | undefined
  let notWritable: string | undefined
  const ready = async (): Promise<void> => {
    try {
      tookOverFrom = (await api.call('sessions.takeLease', { key, take: opts.take === true })).tookOverFrom
    } catch (err) {
      // A device that writes nothing (a read-only watcher, a revoked laptop) still holds the
      // session: written for the agent to open, with no lease, and said so.
      if (!isMeshError(err) || (err.code !== 'READ_ONLY' && err.code !== 'DEVICE_REVOKED')) throw err
      // Why, without the API's "it cannot write (sessions.takeLease)" and what follows it.
      const cut = err.fact.lastIndexOf(': it cannot ')
      notWritable = cut > 0 ? err.fact.slice(0, cut) : err.fact.replace(/\.$/, '')
    }
  }
  const from = meta.cwd !== undefined && cwd !== undefined && meta.cwd !== cwd ? meta.cwd : undefined
  const force = opts.force === true
  const r: Omit<ResumeResult, 'key' | 'agent' | 'cwd' | 'cwdAsNamed' | 'from' | 'tookOverFrom'> = agent === 'claude'
    ? await writeClaudeBundle(meta.sessionId, records, { cwd: cwd as string, from, force, env, ready })
    : agent === 'codex'
      ? await writeCodexRollout(meta.sessionId, records, { cwd, from, name: meta.name, dir: meta.dir, force, env, ready })
      : agent === 'openclaw'
        ? await writeOpenclawSession(meta.sessionId, records, { cwd, from, name: meta.name, dir: meta.dir, force, env, ready })
        // Hermes's store is SQLite, which mesh does not write: its own importer takes this file.
        : await writeHermesExport(meta.sessionId, records, { cwd, from, out: opts.out !== undefined ? resolve(opts.out) : undefined, force, env, ready })
  // Remembered once the files are written: a refused resume leaves the mount map as it was.
  const name = projectName(meta)
  if (opts.cwd !== undefined && cwd !== undefined && name !== undefined) await remember(mountMapPath(env), name, cwd)
  // Turns typed on two devices after the same point: Claude Code continues one of them, said.
  const main = agent === 'claude' ? filesOf(records).get('')?.lines : undefined
  const branches = main !== undefined ? await crossDeviceBranches(api, key, main) : []
  return { key, agent, cwd, ...(dir?.named !== undefined ? { cwdAsNamed: dir.named } : {}), from, ...r, tookOverFrom, ...(meshOnly !== undefined ? { meshOnly } : {}), ...(notWritable !== undefined ? { notWritable } : {}), ...(meta.stuck !== undefined ? { captureStuck: meta.stuck } : {}), ...(gap !== undefined ? { capture: { ...gap, says: captureGapWords(gap, agent, meta.sessionId) } } : {}), ...(branches.length > 0 ? { branches } : {}) }
}
