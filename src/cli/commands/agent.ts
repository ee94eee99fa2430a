/**
 * mesh agent import|resume|export|list: real agents' sessions (Claude Code, Codex) through mesh.
 * This client reads and writes the agent's files (its own HOME, CLAUDE_CONFIG_DIR, CODEX_HOME,
 * cwd); the daemon only stores the records it is sent (agents.import) and hands them back
 * (agents.records).
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { NativeRecord } from '../../../crdt/records.js'
import {
  batches, claudeExportFiles, codexExportFile, findClaudeSession, findCodexSession, findProject, gitRemote, listClaudeSessions,
  listCodexSessions, loadMounts, mountMapPath, projectName, readClaudeBundle, readCodexRollout, redact, remember, toParts,
  writeClaudeBundle, writeCodexRollout, filesOf
} from '../../agents/index.js'
import type { MeshApi } from '../../api/api.js'
import { InvalidInputError, isMeshError, UsageError } from '../../errors.js'
import { stdout as out, withApi } from '../context.js'
import type { Command } from '../command.js'

const USAGE = 'mesh agent import claude|codex (--file PATH | --session ID | --all) [--key KEY] | resume KEY [--cwd DIR] [--take] [--force] | export KEY --out FILE [--redact] [--cwd DIR] | list [claude|codex]'

type Agent = 'claude' | 'codex'
interface Meta { agent: string, sessionId: string, cwd?: string, gitRemote?: string, name?: string, dir?: string }

export const agentCmd: Command = {
  name: 'agent',
  usage: USAGE,
  summary: 'Claude Code and Codex sessions through mesh: import them, resume them natively on another machine',
  examples: [
    'mesh agent import claude --session 1af7fc5e-8455-4414-9ccd-011d40f70b2a',
    'mesh agent resume agent:claude:1af7fc5e-8455-4414-9ccd-011d40f70b2a --cwd ~/src/app',
    'mesh agent import codex --file ~/.codex/sessions/2026/01/02/rollout-2026-01-02T03-04-05-<id>.jsonl',
    'mesh agent export agent:claude:<id> --redact --out shared.jsonl',
    'mesh agent list'
  ],
  options: {
    file: { type: 'string' },
    session: { type: 'string' },
    key: { type: 'string' },
    cwd: { type: 'string' },
    out: { type: 'string' },
    redact: { type: 'boolean' },
    take: { type: 'boolean' },
    force: { type: 'boolean' },
    all: { type: 'boolean' }
  },
  async run (g, args, values) {
    const [sub, arg] = args
    if (sub === 'import') return await importCmd(g, arg, values)
    if (sub === 'resume' || sub === 'export') {
      if (arg === undefined) throw new UsageError(`missing KEY: ${USAGE}`)
      return sub === 'resume' ? await resumeCmd(g, arg, values) : await exportCmd(g, arg, values)
    }
    if (sub === 'list') return await listCmd(g, arg)
    throw new UsageError(`unknown agent command ${sub ?? '(none)'}: ${USAGE}`)
  }
}

function agentOf (a: string | undefined): Agent {
  if (a === 'claude' || a === 'codex') return a
  throw new UsageError(`which agent: claude or codex (got ${a ?? 'none'}). ${USAGE}`)
}

async function importCmd (g: Parameters<Command['run']>[0], a: string | undefined, values: Record<string, unknown>): Promise<number> {
  const agent = agentOf(a)
  const file = values.file as string | undefined
  const session = values.session as string | undefined
  const all = values.all === true
  if ([file !== undefined, session !== undefined, all].filter(Boolean).length !== 1) throw new UsageError(`give one of --file PATH, --session ID or --all: ${USAGE}`)
  if (all) {
    if (values.key !== undefined) throw new UsageError('--key names one session: not with --all')
    const paths = agent === 'claude' ? (await listClaudeSessions()).map(s => s.path) : (await listCodexSessions()).map(s => s.path)
    const results = await withApi(g, async api => {
      const list: ImportResult[] = []
      for (const path of paths) list.push(await importOne(api, g, agent, path, values))
      return list
    })
    if (g.json) out.json(results)
    else out.line(`${results.length} ${agent} session${results.length === 1 ? '' : 's'}, ${results.reduce((n, r) => n + r.added, 0)} new records`)
    return 0
  }
  const path = file !== undefined ? resolve(file) : agent === 'claude' ? await findClaudeSession(session as string) : (await findCodexSession(session as string)).path
  const result = await withApi(g, async api => await importOne(api, g, agent, path, values))
  if (g.json) out.json(result)
  else out.line(`${result.key}: ${result.added} new record${result.added === 1 ? '' : 's'} of ${result.records} (${result.lines} lines in ${path})${result.mappedFrom !== undefined ? `, paths mapped back from ${result.mappedFrom} to ${result.cwd ?? ''}` : ''}`)
  return 0
}

interface ImportResult { key: string, path: string, sessionId: string, lines: number, records: number, added: number, total: number, messages: number, cwd?: string, gitRemote?: string, mappedFrom?: string }

async function importOne (api: MeshApi, g: Parameters<Command['run']>[0], agent: Agent, path: string, values: Record<string, unknown>): Promise<ImportResult> {
  // A file resumed here from another machine names this machine's paths: read it with the
  // mapping back to the recorded cwd, so what is stored is what was first imported.
  const first = agent === 'claude' ? await readClaudeBundle(path) : await readCodexRollout(path)
  const key = (values.key as string | undefined) ?? `agent:${agent}:${first.sessionId}`
  const held = await recordedMeta(api, key)
  const map = held?.cwd !== undefined && first.cwd !== undefined && held.cwd !== first.cwd ? { from: first.cwd, to: held.cwd } : undefined
  const b = map === undefined ? first : agent === 'claude' ? await readClaudeBundle(path, map) : await readCodexRollout(path, { map })
  const cwd = held?.cwd ?? b.cwd
  // The remote only helps find the project elsewhere: a cwd that is gone or unreadable here
  // (an import of a file from another machine) leaves it unknown rather than failing the import.
  const remote = held?.gitRemote ?? (first.cwd !== undefined ? await gitRemote(first.cwd).catch((err: unknown) => { if (!g.json) out.err(`note: no git remote recorded (${(err as Error)?.message ?? String(err)})`); return undefined }) : undefined)
  const codex = 'name' in b ? b as { name: string, dir?: string } : undefined
  let added = 0
  let total = 0
  let messages = 0
  const parts = batches(toParts(b.records))
  for (const [i, batch] of parts.entries()) {
    const ids = new Set(batch.filter(r => r.file === '').map(r => r.id))
    const view = b.view.filter(m => ids.has(m.id.replace(/#\d+$/, '')))
    const r = await api.call('agents.import', {
      key, agent, sessionId: b.sessionId, cwd, gitRemote: remote, name: codex?.name, dir: codex?.dir,
      records: batch, messages: view.map(m => ({ ...m })), force: values.force === true
    })
    added += r.added
    total = r.total
    messages += r.messages
    if (!g.json && parts.length > 4 && process.stderr.isTTY) process.stderr.write(`\rimporting ${i + 1}/${parts.length}`)
  }
  if (!g.json && parts.length > 4 && process.stderr.isTTY) process.stderr.write('\n')
  return { key, path, sessionId: b.sessionId, lines: b.lines, records: b.records.length, added, total, messages, cwd, gitRemote: remote, mappedFrom: map?.from }
}

async function recordedMeta (api: MeshApi, key: string): Promise<Meta | undefined> {
  try {
    return (await api.call('agents.records', { key, limit: 1 })).meta
  } catch (err) {
    if (isMeshError(err) && (err.code === 'NOT_FOUND' || err.code === 'SESSION_NOT_FOUND' || err.code === 'INVALID_INPUT')) return undefined
    throw err
  }
}

async function fetchRecords (api: MeshApi, key: string): Promise<{ meta: Meta, records: NativeRecord[] }> {
  const records: NativeRecord[] = []
  let start: number | undefined = 0
  let meta: Meta | undefined
  while (start !== undefined) {
    const page: { meta: Meta, records: NativeRecord[], next?: number } = await api.call('agents.records', { key, start })
    meta = page.meta
    records.push(...page.records)
    start = page.next
  }
  return { meta: meta as Meta, records }
}

async function targetCwd (meta: Meta, given: string | undefined): Promise<string | undefined> {
  const mounts = mountMapPath()
  const name = projectName(meta)
  if (given !== undefined) {
    const cwd = resolve(given)
    if (name !== undefined) await remember(mounts, name, cwd)
    return cwd
  }
  return await findProject(await loadMounts(mounts), meta) ?? meta.cwd
}

async function resumeCmd (g: Parameters<Command['run']>[0], key: string, values: Record<string, unknown>): Promise<number> {
  return await withApi(g, async api => {
    const { meta, records } = await fetchRecords(api, key)
    const agent = agentOf(meta.agent)
    const cwd = await targetCwd(meta, values.cwd as string | undefined)
    if (agent === 'claude' && cwd === undefined) throw new InvalidInputError(`where does this project live here? Pass --cwd DIR (it is remembered for ${projectName(meta) ?? 'this project'})`)
    // Resuming makes this machine the driver: another device's live lease is taken over only when asked.
    const lease = await api.call('sessions.takeLease', { key, take: values.take === true })
    const from = meta.cwd !== undefined && cwd !== undefined && meta.cwd !== cwd ? meta.cwd : undefined
    const r = agent === 'claude'
      ? await writeClaudeBundle(meta.sessionId, records, { cwd: cwd as string, from, force: values.force === true })
      : await writeCodexRollout(meta.sessionId, records, { cwd, from, name: meta.name, dir: meta.dir, force: values.force === true })
    const result = { key, agent, cwd, ...r, tookOverFrom: lease.tookOverFrom }
    if (g.json) { out.json(result); return 0 }
    out.line(`wrote ${r.path}${from !== undefined ? ` (${r.rewritten} path${r.rewritten === 1 ? '' : 's'} rewritten from ${from} to ${cwd as string})` : ''}`)
    if (lease.tookOverFrom !== undefined) out.line(`took the session over from ${lease.tookOverFrom}`)
    out.line('continue it with:')
    out.line(`  ${r.command}`)
    return 0
  })
}

async function exportCmd (g: Parameters<Command['run']>[0], key: string, values: Record<string, unknown>): Promise<number> {
  const dest = values.out as string | undefined
  if (dest === undefined) throw new UsageError(`missing --out FILE: ${USAGE}`)
  return await withApi(g, async api => {
    const { meta, records } = await fetchRecords(api, key)
    const agent = agentOf(meta.agent)
    const cwd = values.cwd !== undefined ? resolve(values.cwd as string) : undefined
    const map = cwd !== undefined && meta.cwd !== undefined && cwd !== meta.cwd ? { from: meta.cwd, to: cwd } : undefined
    let bytes = agent === 'claude' ? claudeExportFiles(records, map).files.get('') as Buffer : codexExportFile(records, map).bytes
    let replaced = 0
    let byRule: Record<string, number> = {}
    if (values.redact === true) {
      const r = redact(bytes.toString('utf8'))
      bytes = Buffer.from(r.text)
      replaced = r.count
      byRule = r.byRule
    }
    await writeFile(resolve(dest), bytes, { mode: 0o600 })
    const sideFiles = [...filesOf(records).keys()].filter(f => f !== '').length
    if (g.json) { out.json({ key, out: resolve(dest), bytes: bytes.length, redacted: replaced, byRule, sideFilesLeftOut: sideFiles }); return 0 }
    out.line(`wrote ${resolve(dest)} (${bytes.length} bytes)${values.redact === true ? `, ${replaced} secret${replaced === 1 ? '' : 's'} replaced` : ''}${sideFiles > 0 ? `; ${sideFiles} side file${sideFiles === 1 ? '' : 's'} not included (mesh agent resume writes them)` : ''}`)
    return 0
  })
}

async function listCmd (g: Parameters<Command['run']>[0], a: string | undefined): Promise<number> {
  const agents: Agent[] = a === undefined ? ['claude', 'codex'] : [agentOf(a)]
  const local: Array<{ agent: Agent, sessionId: string, path: string, modified: number, size: number }> = []
  if (agents.includes('claude')) for (const s of await listClaudeSessions()) local.push({ agent: 'claude', sessionId: s.sessionId, path: s.path, modified: s.mtimeMs, size: s.size })
  if (agents.includes('codex')) for (const s of await listCodexSessions()) local.push({ agent: 'codex', sessionId: s.sessionId, path: s.path, modified: s.mtimeMs, size: s.size })
  return await withApi(g, async api => {
    const keys = new Set((await api.call('sessions.list', {})).map(s => s.key))
    const rows = local.map(s => { const key = `agent:${s.agent}:${s.sessionId}`; return { ...s, key, imported: keys.has(key) } })
    // Sessions in mesh from another machine, not on this one yet.
    const here = new Set(rows.map(r => r.key))
    const remote = [...keys].filter(k => agents.some(ag => k.startsWith(`agent:${ag}:`)) && !here.has(k))
    if (g.json) { out.json({ local: rows, elsewhere: remote }); return 0 }
    if (rows.length === 0 && remote.length === 0) out.line('no agent sessions on this machine or in mesh')
    for (const r of rows) out.line(`${r.agent}\t${r.sessionId}\t${new Date(r.modified).toISOString()}\t${r.imported ? `in mesh as ${r.key}` : 'not imported'}\t${r.path}`)
    for (const k of remote) out.line(`${k.split(':')[1] as string}\t${k.split(':').slice(2).join(':')}\t-\tin mesh, not on this machine (mesh agent resume ${k})`)
    return 0
  })
}

