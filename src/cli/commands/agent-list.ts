/**
 * `mesh agent list [AGENT]`: each agent session on this machine beside its mesh key, and those
 * in mesh from other machines, with what this device knows of each (agents.status): whether a
 * follower here captures it live and up to which byte of the file, when it last captured a
 * record, who holds the lease, the last writer, and the sync state:
 *   live         followed here, every byte of the file stored
 *   catching-up  followed here, the file has bytes not stored yet
 *   stored       in mesh, not followed here (an import: `mesh agent import` brings it up to date)
 *   local-only   on this machine, not in mesh
 *   remote-only  in mesh, not on this machine (`mesh agent resume KEY` writes it here)
 */
import type { MeshApi } from '../../api/api.js'
import type { Output } from '../../api/schema.js'
import type { AgentName } from '../../agents/index.js'
import { localTime, stdout as out, type Globals } from '../context.js'

export interface LocalSession { agent: AgentName, sessionId: string, path: string, modified: number, size: number }
type Status = Output<'agents.status'>['sessions'][number]
export type SyncState = 'live' | 'catching-up' | 'stored' | 'local-only' | 'remote-only'

function syncOf (st: Status | undefined, size: number | undefined): SyncState {
  if (st === undefined) return 'local-only'
  if (size === undefined) return 'remote-only'
  if (!st.following) return 'stored'
  return st.offset !== undefined && st.offset < size ? 'catching-up' : 'live'
}

interface Extra { following: boolean, capturedAt?: number, captured?: number, lease?: { holder: string, device: string, mine: boolean, expired: boolean, expiresAt: number }, lastWriter?: Status['lastWriter'], sync: SyncState }

/** The human table's columns, tab-separated as its rows are (and as `mesh devices` and `mesh peers` print theirs). */
const AGENT_LIST_HEADER = ['AGENT', 'SESSION', 'MODIFIED', 'IN MESH', 'SYNC', 'PATH'].join('\t')

const when = (t: number | undefined): string => t === undefined ? '-' : localTime(t)

export async function showAgentList (api: MeshApi, g: Globals, agents: readonly AgentName[], local: readonly LocalSession[]): Promise<number> {
  const status = await api.call('agents.status', {})
  const byKey = new Map(status.sessions.map(s => [s.key, s]))
  const extra = (st: Status | undefined, size: number | undefined): Extra => ({
    following: st?.following ?? false,
    capturedAt: st?.capturedAt,
    captured: st?.offset,
    lease: st?.lease !== undefined ? { holder: st.lease.label ?? st.lease.device, device: st.lease.device, mine: st.lease.mine, expired: st.lease.expired, expiresAt: st.lease.expiresAt } : undefined,
    lastWriter: st?.lastWriter,
    sync: syncOf(st, size)
  })
  const rows = local.map(s => {
    const key = `agent:${s.agent}:${s.sessionId}`
    const st = byKey.get(key)
    // A file's mtime in whole milliseconds, as every other time mesh prints.
    return { ...s, modified: Math.floor(s.modified), key, imported: st !== undefined, ...extra(st, s.size) }
  })
  // Sessions in mesh from another machine, not on this one yet.
  const here = new Set(rows.map(r => r.key))
  const remote = status.sessions.filter(s => agents.some(ag => s.key.startsWith(`agent:${ag}:`)) && !here.has(s.key))
  if (g.json) {
    out.json({ local: rows, elsewhere: remote.map(s => s.key), sessions: remote.map(s => ({ key: s.key, ...extra(s, undefined) })), followers: status.followers })
    return 0
  }
  if (rows.length === 0 && remote.length === 0) out.line('no agent sessions on this machine or in mesh')
  else out.line(AGENT_LIST_HEADER)
  for (const r of rows) {
    const st = byKey.get(r.key)
    const lease = st?.lease === undefined || st.lease.expired ? 'no lease' : st.lease.mine ? 'lease: this device' : `lease: ${st.lease.label ?? st.lease.device}`
    const state = r.imported ? `${r.sync}${st?.following === true ? ` (pid ${String(st.follower?.pid)}, last capture ${when(st.capturedAt)})` : ''}, ${lease}` : 'not imported'
    out.line(`${r.agent}\t${r.sessionId}\t${when(r.modified)}\t${r.imported ? `in mesh as ${r.key}` : '-'}\t${state}\t${r.path}`)
  }
  for (const s of remote) {
    const lease = s.lease === undefined || s.lease.expired ? 'no lease' : `lease: ${s.lease.label ?? s.lease.device}`
    const agent = s.key.split(':')[1] as string
    out.line(`${agent}\t${s.key.split(':').slice(2).join(':')}\t-\tin mesh, not among this machine's ${agent} sessions (mesh agent resume ${s.key})\tremote-only, ${lease}${s.lastWriter !== undefined ? `, last written by ${s.lastWriter.label ?? s.lastWriter.device} ${when(s.lastWriter.ts)}` : ''}`)
  }
  return 0
}
