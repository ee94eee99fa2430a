/**
 * Resuming an agent session natively on this machine, the one implementation behind
 * `mesh agent resume` and the MCP tool `agents_resume`: fetch the session's records through the
 * API, find the project's directory here (given, remembered in the mount map, or found by its
 * git remote under the map's roots), take the session's lease (from another device only when
 * asked), write the files where the agent looks for them, and say the command that continues it.
 * Runs on the client's side: the files are the user's, under their CLAUDE_CONFIG_DIR/CODEX_HOME.
 */
import { resolve } from 'node:path'
import type { NativeRecord } from '../../crdt/records.js'
import type { MeshApi } from '../api/api.js'
import { InvalidInputError } from '../errors.js'
import { writeClaudeBundle } from './claude/bundle.js'
import { writeCodexRollout } from './codex/bundle.js'
import { findProject, loadMounts, mountMapPath, projectName, remember } from './mounts.js'

export interface AgentMeta { agent: string, sessionId: string, cwd?: string, gitRemote?: string, name?: string, dir?: string }

export interface ResumeOptions {
  /** The project's directory here; remembered for the project. */
  cwd?: string
  /** Take the lease over from another device that drives the session. */
  take?: boolean
  /** Replace a file here that holds lines mesh has not got. */
  force?: boolean
  env?: NodeJS.ProcessEnv
}

export interface ResumeResult {
  key: string
  agent: string
  cwd?: string
  path: string
  rewritten: number
  /** The command that continues the session (`cd … && claude --resume <id>`). */
  command: string
  tookOverFrom?: string
  files?: string[]
  indexDropped?: boolean
}

/** Every record of an agent session, page by page. */
export async function fetchAgentRecords (api: MeshApi, key: string): Promise<{ meta: AgentMeta, records: NativeRecord[] }> {
  const records: NativeRecord[] = []
  let start: number | undefined = 0
  let meta: AgentMeta | undefined
  while (start !== undefined) {
    const page: { meta: AgentMeta, records: NativeRecord[], next?: number } = await api.call('agents.records', { key, start })
    meta = page.meta
    records.push(...page.records)
    start = page.next
  }
  return { meta: meta as AgentMeta, records }
}

/** Where the project lives here: given (and remembered), else found, else the recorded cwd. */
export async function targetCwd (meta: AgentMeta, given: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const mounts = mountMapPath(env)
  const name = projectName(meta)
  if (given !== undefined) {
    const cwd = resolve(given)
    if (name !== undefined) await remember(mounts, name, cwd)
    return cwd
  }
  return await findProject(await loadMounts(mounts), meta) ?? meta.cwd
}

export async function resumeAgentSession (api: MeshApi, key: string, opts: ResumeOptions = {}): Promise<ResumeResult> {
  const env = opts.env ?? process.env
  const { meta, records } = await fetchAgentRecords(api, key)
  if (meta.agent !== 'claude' && meta.agent !== 'codex') throw new InvalidInputError(`${key} is a ${meta.agent} session: resume writes Claude Code and Codex sessions`)
  const cwd = await targetCwd(meta, opts.cwd, env)
  if (meta.agent === 'claude' && cwd === undefined) throw new InvalidInputError(`where does this project live here? Pass cwd (--cwd DIR); it is remembered for ${projectName(meta) ?? 'this project'}`)
  // Resuming makes this machine the driver: another device's live lease is taken over only when asked.
  const lease = await api.call('sessions.takeLease', { key, take: opts.take === true })
  const from = meta.cwd !== undefined && cwd !== undefined && meta.cwd !== cwd ? meta.cwd : undefined
  const r = meta.agent === 'claude'
    ? await writeClaudeBundle(meta.sessionId, records, { cwd: cwd as string, from, force: opts.force === true, env })
    : await writeCodexRollout(meta.sessionId, records, { cwd, from, name: meta.name, dir: meta.dir, force: opts.force === true, env })
  return { key, agent: meta.agent, cwd, ...r, tookOverFrom: lease.tookOverFrom }
}
