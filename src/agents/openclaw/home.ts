/**
 * OpenClaw's files, the client's side (AGENT-FORMATS.md §2.1): `$OPENCLAW_STATE_DIR` or
 * `~/.openclaw`; file-era transcripts at `agents/<agentId>/sessions/<sessionId>.jsonl` with the
 * routing index `sessions.json` (sessionKey -> SessionEntry) beside them. These JSONL files are
 * also what `openclaw doctor --fix` imports into a database-era install. Only that folder is
 * opened here (database-era sessions are db.ts's, read-only): never `credentials/`,
 * `secrets.json`, `openclaw.json`, nor the control plane's `state/openclaw.sqlite`.
 */
import { lstat, readdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { isMeshError, NotFoundError } from '../../errors.js'
import { parseObject } from '../ids.js'
import { isLinkRefused, readFileNoFollow } from '../bundle.js'
import { isEmptyIndex } from './empty-index.js'
import { warnOnStderr, type ListWarn } from '../claude/home.js'
import type { MeshOwn } from '../installed.js'

export function openclawHome (env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENCLAW_STATE_DIR ?? join(env.HOME ?? homedir(), '.openclaw')
}

/**
 * What a resume writes into the state folder (a transcript and sessions.json in a file-era
 * sessions folder): a folder holding only that is no install (installed.ts). OpenClaw, set up or
 * run, writes its own files beside it: its config, its workspace, an agent's `agent/` folder.
 */
export const OPENCLAW_MESH_OWN: MeshOwn = { paths: ['agents/*/sessions'], said: 'agents/<id>/sessions/, what a resume writes there: nothing OpenClaw writes when it runs (openclaw.json, workspace/, agents/<id>/agent/)' }

export interface OpenclawSessionFile {
  agentId: string
  sessionId: string
  path: string
  /** `agents/<agentId>/sessions`, relative to the state dir. */
  dir: string
  name: string
  mtimeMs: number
  size: number
  /** The routing key sessions.json gives this transcript, when it names one. */
  sessionKey?: string
}

/** A live transcript's name: `<sessionId>.jsonl` or `<sessionId>-topic-<threadId>.jsonl`; archives (`.jsonl.reset.<ts>`) are not sessions. */
const TRANSCRIPT = /^([A-Za-z0-9][A-Za-z0-9._-]{0,199})\.jsonl$/

/**
 * Every file-era transcript. A stray entry does not end the listing: a file gone since its folder
 * was read, a symlink (never read through) or anything not a regular file is passed by, and a
 * sessions folder that cannot be read is passed by and said (`warn`, a process warning by default);
 * so is an index (sessions.json) that cannot be read: its folder's transcripts are listed without
 * the session keys it gives them.
 */
export async function listOpenclawSessions (env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<OpenclawSessionFile[]> {
  const root = join(openclawHome(env), 'agents')
  let agents: string[]
  try { agents = await readdir(root) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return []; throw err }
  const out: OpenclawSessionFile[] = []
  for (const agentId of agents.sort()) {
    const dir = join(root, agentId, 'sessions')
    let names: string[]
    try {
      names = await readdir(dir)
    } catch (err: any) {
      if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') continue
      if (err?.code !== 'EACCES' && err?.code !== 'EPERM') throw err
      warn(`${dir} cannot be read (permission denied): its sessions were left out`)
      continue
    }
    const index = await readIndex(dir, warn)
    for (const n of names) {
      const m = TRANSCRIPT.exec(n)
      if (m === null) continue
      const path = join(dir, n)
      let st
      try { st = await lstat(path) } catch (err: any) { if (err?.code === 'ENOENT') continue; throw err }
      if (!st.isFile()) continue
      const sessionId = m[1] as string
      out.push({ agentId, sessionId, path, dir: `agents/${agentId}/sessions`, name: n, mtimeMs: st.mtimeMs, size: st.size, sessionKey: entryFor(index, sessionId)?.sessionKey })
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs)
}

export async function findOpenclawSession (sessionId: string, env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<OpenclawSessionFile> {
  const found = (await listOpenclawSessions(env, warn)).find(s => s.sessionId === sessionId)
  if (found === undefined) throw new NotFoundError(`no OpenClaw transcript ${sessionId}.jsonl under ${join(openclawHome(env), 'agents')}/*/sessions/ nor in any agents/*/agent/openclaw-agent.sqlite`, { sessionId })
  return found
}

/**
 * The routing index of a sessions folder (sessionKey -> SessionEntry), {} when there is none (or
 * none mesh can parse: for reading only, see indexFile). One mesh may not read (a symlink, a
 * folder, no permission) is bad input; given `warn` (a listing), it is said there and taken as {}.
 */
export async function readIndex (dir: string, warn?: ListWarn): Promise<Record<string, Record<string, unknown>>> {
  let buf: Buffer
  try {
    buf = await readFileNoFollow(join(dir, 'sessions.json'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return {}
    if (warn === undefined || !isMeshError(err) || err.code !== 'INVALID_INPUT') throw err
    warn(`${err.message}, so this index of OpenClaw's cannot be read: the sessions beside it are listed without the keys it gives them`)
    return {}
  }
  const o = parseObject(buf.toString('utf8'))
  if (o === undefined) return {}
  const out: Record<string, Record<string, unknown>> = {}
  for (const [k, v] of Object.entries(o)) if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = v as Record<string, unknown>
  return out
}

/** What a sessions folder's `sessions.json` is, for a writer that must never replace one. */
export type IndexFile =
  | { state: 'absent' }
  /** There, and a JSON object (sessionKey -> SessionEntry); `empty`: a regular file holding `{}`, no session listed yet. */
  | { state: 'there', empty?: true }
  /** There, but not an index mesh can read (not strict JSON, not an object, not a file): why. */
  | { state: 'unreadable', why: string }

export async function indexFile (dir: string): Promise<IndexFile> {
  const path = join(dir, 'sessions.json')
  let buf: Buffer
  try {
    buf = await readFileNoFollow(path)
  } catch (err: any) {
    if (err?.code === 'ENOENT') return { state: 'absent' }
    // A symlink is the user's own arrangement: there, and not mesh's to read or replace.
    if (isLinkRefused(err)) return { state: 'there' }
    const code = err?.details?.errno ?? err?.code
    return { state: 'unreadable', why: code === 'ENOTFILE' || code === 'EISDIR' ? 'it is not a regular file' : code === 'EACCES' || code === 'EPERM' ? 'it may not be read' : String(err?.message ?? err) }
  }
  let v: unknown
  try { v = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, '')) } catch (err) { return { state: 'unreadable', why: `it is not valid JSON (${(err as Error).message})` } }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { state: 'unreadable', why: 'it does not hold a JSON object' }
  return isEmptyIndex(buf) ? { state: 'there', empty: true } : { state: 'there' }
}

/**
 * The index entry of a transcript file's session id: the entry naming it by `sessionId`; for a
 * Telegram topic's file (`<sessionId>-topic-<threadId>`) the entry of that session whose key
 * ends in `:topic:<threadId>`.
 */
export function entryFor (index: Record<string, Record<string, unknown>>, fileSessionId: string): { sessionKey: string, entry: Record<string, unknown> } | undefined {
  const topic = /^(.*)-topic-([^/]+)$/.exec(fileSessionId)
  for (const [sessionKey, entry] of Object.entries(index)) {
    if (topic === null ? entry.sessionId === fileSessionId : entry.sessionId === topic[1] && sessionKey.endsWith(`:topic:${topic[2] as string}`)) return { sessionKey, entry }
  }
  return undefined
}
