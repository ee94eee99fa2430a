/**
 * `mesh agent list [AGENT]`: each agent session on this machine beside its mesh key, and those
 * in mesh from other machines, with what this device knows of each (agents.status): whether a
 * follower here captures it live and up to which byte of the file, when it last captured a
 * record, who holds the lease, the last writer, and the sync state:
 *   live         followed here, every byte of the file stored (but a last line held back, said)
 *   catching-up  followed here, the file has bytes not stored yet
 *   stuck        followed here, stopped at a line that is not UTF-8 (`stuck` says which) until it is fixed
 *   stored       in mesh, not followed here, every whole line of the file stored (as far as this
 *                machine knows: an import here or a follower's cursor says up to where)
 *   behind       in mesh, not followed here, the file has whole lines not stored (`mesh agent import` adds them)
 *   partial      in mesh, not followed here, and the device that captures it holds more of it than
 *                mesh (an import there stopped part-way; `capture` says where, and what to run there)
 *   local-only   on this machine, not in mesh
 *   remote-only  in mesh, not on this machine (`mesh agent resume KEY` writes it here)
 *   no-session   a file here that holds no session of its agent (`noSession` says why): `import --all`
 *                passes it by (`--file` refuses it), or fails over it when it is not UTF-8 text
 *   no-records   a file here with no record yet (empty, or its one line not finished)
 * A local-only file whose session id can be no mesh key (`bad id!.jsonl`) says why in `refused`.
 */
import type { MeshApi } from '../../api/api.js'
import type { Output } from '../../api/schema.js'
import { badIdWords, captureGapWords, notUtf8Words, pastStored, sessionKeyProblem, StoredBytes, stuckLineAt, whatFileHolds, type AgentName, type StuckLine } from '../../agents/index.js'
import { localTime, stdout as out, type Globals } from '../context.js'
import { portion, sizeWords } from '../../node/progress.js'
import { plural } from '../wording.js'
import { oneLine } from '../printable.js'
import { join } from 'node:path'
import { hostname } from 'node:os'

/** `inDb`: a session of a database (OpenClaw's, Hermes's), not a file of its own. */
export interface LocalSession { agent: AgentName, sessionId: string, path: string, modified: number, size: number, inDb?: true }
type Status = Output<'agents.status'>['sessions'][number]
export type SyncState = 'live' | 'catching-up' | 'stuck' | 'stored' | 'behind' | 'partial' | 'local-only' | 'remote-only' | 'no-session' | 'no-records'

/**
 * `file`: the session's file on this machine and its size. What the follower stored of that very
 * file is compared with its size: the file it captured last may be another (a Claude Code
 * sub-agent's transcript beside the session's own).
 */
function syncOf (st: Status | undefined, file: { path: string, size: number } | undefined): SyncState {
  if (st === undefined) return 'local-only'
  if (file === undefined) return 'remote-only'
  if (!st.following) return 'stored'
  const read = storedOf(st, file.path)
  // A last line held back is not to be caught up with: every whole line is stored (the row says the rest).
  const held = st.heldBack?.find(h => h.path === file.path)?.bytes ?? 0
  return read !== undefined && read + held < file.size ? 'catching-up' : 'live'
}

/** Bytes of the file at `path` the follower stored (the offset of the file captured last when the daemon names no files). */
function storedOf (st: Status, path: string | undefined): number | undefined {
  return st.files !== undefined && st.files.length > 0 ? st.files.find(f => f.path === path)?.offset : st.offset
}

interface Extra { following: boolean, behind?: number, stuck?: StuckLine & { why: string }, capturedAt?: number, captured?: number, files?: Status['files'], heldBack?: Status['heldBack'], arriving?: Status['arriving'], lease?: { holder: string, device: string, mine: boolean, expired: boolean, expiresAt: number }, lastWriter?: Status['lastWriter'], capture?: NonNullable<Status['capture']> & { says: string }, sync: SyncState }

/** A session listed before its content came (from a peer, or its creator's first write a moment away), as the row says it. */
function arrivingWords (a: NonNullable<Status['arriving']>): string {
  const from = a.from !== undefined ? ` from ${a.from}` : ''
  if (a.bytesTotal === undefined || a.bytesTotal === 0) return `listed, none of it here yet${from}`
  // As `mesh session show` says it of the same session.
  return `arriving${from}: ${portion(a.bytesDone, a.bytesTotal)}`
}

/**
 * A file on this machine not in mesh that is no session of its agent (no-session.ts, the rule
 * `mesh agent import` refuses it by: no record its agent writes, or no UTF-8 text), or holds no
 * record yet: said as such, not as a session to import. A file that cannot be read stays listed.
 */
async function notASession (s: LocalSession): Promise<{ sync?: SyncState, noSession?: string, notText?: true }> {
  let h
  try { h = await whatFileHolds(s.agent, s.path) } catch { return {} }
  if (h.holds === 'no-session') return { sync: 'no-session', noSession: h.why, ...(h.notText === true ? { notText: true as const } : {}) }
  return h.holds === 'nothing-yet' ? { sync: 'no-records' } : {}
}

/**
 * Why a session here not in mesh is not imported, when an import would refuse it: its file holds
 * no session (notASession), or its id can be no mesh key (`refused`: a file named `bad id!.jsonl`),
 * said as the import says it. Nothing for one an import would take.
 */
async function notImportable (s: LocalSession, key: string, inDb: boolean): Promise<{ sync?: SyncState, noSession?: string, notText?: true, refused?: string }> {
  const holds = inDb ? {} : await notASession(s)
  if (holds.sync !== undefined) return holds
  const why = sessionKeyProblem(key)
  return why !== undefined ? { refused: badIdWords(s.sessionId, key, why) } : {}
}

/**
 * A file in mesh that no follower here reads: compared with how much of it mesh holds (an import's
 * mark, a follower's cursor: StoredBytes). Whole lines past it: `behind` (that many bytes); a last
 * line not whole: held back, said as a follower says it. Nothing known of it: `stored` as it was.
 */
async function storedAgainst (stored: StoredBytes, s: Omit<LocalSession, 'inDb'>): Promise<Partial<Extra>> {
  let past
  let at
  try {
    at = await stored.of(s.path, [`${s.agent}:${s.path}`, `${s.agent}:${s.path}#${s.sessionId}`])
    if (at === undefined) return {}
    past = await pastStored(s.path, at)
  } catch { return {} }
  // Whole lines past it, the first not UTF-8: what a follower stopped at (and an import refuses).
  if (past.wholeLine) return { captured: at.offset, ...await stuckOf(s.path, at.offset, { sync: 'behind', behind: past.bytes }) }
  return past.bytes > 0 ? { captured: at.offset, heldBack: [{ path: s.path, bytes: past.bytes, since: Math.floor(at.mtimeMs) }] } : { captured: at.offset }
}

/**
 * A followed file whose capture stopped at a line that is not UTF-8 (the follower reads no
 * further: its records would not restore the file byte for byte): `stuck`, with why.
 */
async function stuckOf (path: string, stored: number, otherwise: Partial<Extra> = {}): Promise<Partial<Extra>> {
  let at
  try { at = await stuckLineAt(path, stored) } catch { return otherwise }
  if (at === undefined) return otherwise
  const before = at.line - 1
  const why = `${notUtf8Words(at)}, so capture of this session stopped there until it is fixed (${before === 0 ? 'none of the file is' : before === 1 ? 'line 1 is' : `lines 1-${before} are`} in mesh)`
  return { sync: 'stuck', stuck: { ...at, why } }
}

/** A held-back last line, as the row says it: the agent was cut off mid-write, or is stuck writing. */
const heldWords = (h: NonNullable<Status['heldBack']>[number]): string => `last line of ${h.path} not whole since ${localTime(h.since)} (${plural(h.bytes, 'byte')}, held back)`

/** The human table's columns, tab-separated as its rows are (and as `mesh devices` and `mesh peers` print theirs). */
const AGENT_LIST_HEADER = ['AGENT', 'SESSION', 'MODIFIED', 'IN MESH', 'SYNC', 'PATH'].join('\t')

/**
 * A row of the human table: its cells tab-separated. A file's path and name, a session id read
 * from a file, a device's label are not mesh's text: a tab or a line break in one is shown
 * (oneLine: ^I, ⏎), so it reads as no other column or row.
 */
const row = (...cells: string[]): string => cells.map(oneLine).join('\t')

const when = (t: number | undefined): string => t === undefined ? '-' : localTime(t)

/**
 * `api` undefined: no home on this machine yet, so nothing is in mesh (every session local-only).
 * `skipped`: what the listings passed by (a folder or an index they could not read), each said
 * in words; with --json in the JSON (`skipped`), else said on stderr as it was met.
 */
export async function showAgentList (api: MeshApi | undefined, g: Globals, agents: readonly AgentName[], local: readonly LocalSession[], skipped: readonly string[] = []): Promise<number> {
  const status = api !== undefined ? await api.call('agents.status', {}) : { sessions: [], followers: [] }
  const byKey = new Map(status.sessions.map(s => [s.key, s]))
  const extra = (st: Status | undefined, file: { path: string, size: number } | undefined): Extra => ({
    following: st?.following ?? false,
    capturedAt: st?.capturedAt,
    // Of this session's own file; each file read for it (a sub-agent's transcript too) in `files`.
    captured: st !== undefined && file !== undefined ? storedOf(st, file.path) : st?.offset,
    ...(st?.files !== undefined && st.files.length > 0 ? { files: st.files } : {}),
    ...(st?.heldBack !== undefined ? { heldBack: st.heldBack } : {}),
    lease: st?.lease !== undefined ? { holder: st.lease.label ?? st.lease.device, device: st.lease.device, mine: st.lease.mine, expired: st.lease.expired, expiresAt: st.lease.expiresAt } : undefined,
    lastWriter: st?.lastWriter,
    ...(st?.arriving !== undefined ? { arriving: st.arriving } : {}),
    // The device that captures it holds more of it than mesh (an import stopped part-way, capture stuck): said on every device.
    ...(st?.capture !== undefined ? { capture: { ...st.capture, says: captureGapWords(st.capture, st.key.split(':')[1] as string, st.key.split(':').slice(2).join(':')) } } : {}),
    sync: syncOf(st, file)
  })
  const stored = new StoredBytes(join(g.home, 'agent-follow'))
  const rows: Array<ReturnType<typeof extra> & Omit<LocalSession, 'inDb'> & { key: string, imported: boolean, noSession?: string, refused?: string }> = []
  /** Rows of files with no session that are not UTF-8 text: an import refuses them, where it passes the others by. */
  const notText = new Set<object>()
  // One file at a time: a machine with thousands of sessions not imported opens no more at once.
  for (const { inDb, ...s } of local) {
    const key = `agent:${s.agent}:${s.sessionId}`
    const st = byKey.get(key)
    // A file's mtime in whole milliseconds, as every other time mesh prints.
    const row = { ...s, modified: Math.floor(s.modified), key, imported: st !== undefined, ...extra(st, s) }
    if (row.sync === 'catching-up' && row.captured !== undefined) Object.assign(row, await stuckOf(s.path, row.captured))
    if (row.sync === 'stored' && inDb !== true) Object.assign(row, await storedAgainst(stored, s))
    // Stored whole as far as this machine knows, but the capturing device (or file) elsewhere holds more.
    if (row.sync === 'stored' && row.capture !== undefined && elsewhere(row.capture, s.path)) row.sync = row.capture.state
    if (st !== undefined) { rows.push(row); continue }
    const { notText: text, ...why } = await notImportable(s, key, inDb === true)
    const r = { ...row, ...why }
    if (text === true) notText.add(r)
    rows.push(r)
  }
  // Sessions in mesh from another machine, not on this one yet.
  const here = new Set(rows.map(r => r.key))
  const remote = status.sessions.filter(s => agents.some(ag => s.key.startsWith(`agent:${ag}:`)) && !here.has(s.key))
  if (g.json) {
    out.json({ local: rows, elsewhere: remote.map(s => s.key), sessions: remote.map(s => ({ key: s.key, ...extra(s, undefined) })), followers: status.followers, skipped })
    return 0
  }
  if (rows.length === 0 && remote.length === 0) out.line('no agent sessions on this machine or in mesh')
  else out.line(AGENT_LIST_HEADER)
  for (const r of rows) {
    const st = byKey.get(r.key)
    const lease = leaseWords(st)
    const held = (r.heldBack ?? []).map(h => `, ${heldWords(h)}`).join('')
    const state = r.imported
      ? `${r.sync}${r.behind !== undefined ? ` (${sizeWords(r.behind)} of the file not in mesh: mesh agent import adds them)` : ''}${st?.following === true ? ` (pid ${String(st.follower?.pid)}, last capture ${when(st.capturedAt)})` : ''}${r.stuck !== undefined ? `: ${r.stuck.why}` : ''}${r.capture !== undefined && elsewhere(r.capture, r.path) ? `: ${r.capture.says}` : ''}${held}, ${lease}`
      // As the import does: `--all` passes a file of text with no session by (`--file` refuses it), and fails over one that is not text.
      : r.sync === 'no-session' ? `no session in this file (${r.noSession ?? ''}): ${notText.has(r) ? 'mesh agent import refuses it' : 'mesh agent import --all passes it by (--file refuses it)'}` : r.sync === 'no-records' ? 'no records yet: the agent writes its first line once the conversation starts' : r.refused !== undefined ? `not imported: ${r.refused}, so mesh agent import refuses it` : 'not imported'
    out.line(row(r.agent, r.sessionId, when(r.modified), r.imported ? `in mesh as ${r.key}` : '-', state, r.path))
  }
  for (const s of remote) {
    const lease = leaseWords(s)
    const agent = s.key.split(':')[1] as string
    out.line(row(agent, s.key.split(':').slice(2).join(':'), '-', `in mesh, not among this machine's ${agent} sessions (mesh agent resume ${s.key})`, `remote-only${s.capture !== undefined ? ` (${s.capture.state}: ${captureGapWords(s.capture, agent, s.key.split(':').slice(2).join(':'))})` : ''}, ${lease}${s.lastWriter !== undefined ? `, last written by ${s.lastWriter.label ?? s.lastWriter.device} ${when(s.lastWriter.ts)}` : ''}`))
  }
  return 0
}

/** A capture note of another machine's file, or of another file here: this row's own state does not say it. */
const elsewhere = (c: { host: string, path: string }, path: string): boolean => c.host !== hostname() || c.path !== path

/** Who holds a session's lease, said alike on local and remote-only rows: this device's own as such, not by its label. */
function leaseWords (st: Status | undefined): string {
  if (st?.arriving !== undefined) return arrivingWords(st.arriving)
  if (st?.lease === undefined || st.lease.expired) return 'no lease'
  return st.lease.mine ? 'lease: this device' : `lease: ${st.lease.label ?? st.lease.device}`
}
