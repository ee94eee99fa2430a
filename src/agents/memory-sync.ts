/**
 * `mesh agent memory sync AGENT`: an agent's memory files as mesh memory entries and back.
 *
 * - Hermes: each entry of `memories/MEMORY.md` / `USER.md` is one mesh entry
 *   `hermes/<FILE>/<first 16 hex of sha256(entry)>` (tags `hermes`, `hermes:<FILE>`). Entries
 *   added on either side since the last sync are added to the other, entries removed on one side
 *   are removed from the other; the file is rewritten under Hermes's lock, atomically, only up to
 *   its character cap (the user's from config.yaml, else Hermes's default) (entries that do not fit stay in mesh and are reported), and never when it
 *   has drifted from Hermes's own format.
 * - Claude Code: `CLAUDE.md` of the config dir is `claude/user/CLAUDE.md`; each file of the
 *   project's auto-memory folder (`projects/<slug(cwd)>/memory/`) is
 *   `claude/project/<project>/memory/<file>`, the project named by its git remote (else its cwd)
 *   so it meets the same project on another machine. Whole files, decided against the base
 *   (sync-state.ts): a file edited on both sides is a conflict, left alone and reported.
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { MeshApi } from '../api/api.js'
import { listFiles, readFileNoFollow, writeFileAtomic } from './bundle.js'
import { claudeConfigDir, projectsDir } from './claude/home.js'
import { projectDirName } from './claude/slug.js'
import { gitRemote } from './git.js'
import { projectName } from './mounts.js'
import { charCount, HERMES_MEMORY_FILES, hermesMemoryCaps, hermesMemoryPath, parseEntries, readMemoryFile, roundTrips, withFlock, writeMemoryFile, type HermesMemoryFile } from './memory-hermes.js'
import { loadBase, plan3, saveBase, sha256, syncStatePath } from './sync-state.js'

/** A mesh memory value is at most this many bytes (crdt/memory.ts). */
const MAX_VALUE = 256 * 1024

export interface HermesMemoryReport {
  file: string
  entries: number
  chars: number
  cap: number
  toMesh: number
  fromMesh: number
  removedFromMesh: number
  removedHere: number
  /** Entries from mesh that would pass the cap: kept in mesh, not written. */
  overCap: string[]
  /** The file was edited outside Hermes's memory tool: left untouched, nothing synced. */
  drift?: boolean
  written: boolean
}

export async function syncHermesMemory (api: MeshApi, opts: { home: string, env?: NodeJS.ProcessEnv, lockTimeoutMs?: number }): Promise<HermesMemoryReport[]> {
  const env = opts.env ?? process.env
  const statePath = syncStatePath(env)
  const out: HermesMemoryReport[] = []
  // The user's own caps (config.yaml): a file mesh writes past them, Hermes would cut or refuse.
  const caps = await hermesMemoryCaps(env)
  for (const file of Object.keys(HERMES_MEMORY_FILES) as HermesMemoryFile[]) {
    const path = hermesMemoryPath(file, env)
    const cap = caps[file]
    out.push(await withFlock(`${path}.lock`, async () => await syncOne(api, file, path, cap, statePath, `${opts.home}\0hermes-memory\0${path}`), { timeoutMs: opts.lockTimeoutMs }))
  }
  return out
}

const entryKey = (file: string, entry: string): string => `hermes/${file}/${sha256(entry).slice(0, 16)}`

async function syncOne (api: MeshApi, file: HermesMemoryFile, path: string, cap: number, statePath: string, scope: string): Promise<HermesMemoryReport> {
  const raw = await readMemoryFile(path)
  const report: HermesMemoryReport = { file: path, entries: 0, chars: 0, cap, toMesh: 0, fromMesh: 0, removedFromMesh: 0, removedHere: 0, overCap: [], written: false }
  if (!roundTrips(raw)) return { ...report, drift: true }
  const local = parseEntries(raw)
  const base = await loadBase(statePath, scope)
  const mesh = new Map<string, { value: string, updatedAt: number }>()
  for (const e of await api.call('memory.list', { tag: `hermes:${file}` })) if (e.key.startsWith(`hermes/${file}/`)) mesh.set(e.key, e)
  const localKeys = new Set(local.map(e => entryKey(file, e)))
  let next = [...local]
  for (const e of local) {
    const k = entryKey(file, e)
    if (base.has(k) || mesh.has(k)) continue
    await api.call('memory.set', { key: k, value: e, tags: ['hermes', `hermes:${file}`] })
    report.toMesh++
  }
  for (const k of base.keys()) {
    if (!localKeys.has(k) && mesh.has(k)) { await api.call('memory.delete', { key: k }); mesh.delete(k); report.removedFromMesh++ }
  }
  const gone = new Set([...base.keys()].filter(k => localKeys.has(k) && !mesh.has(k)))
  if (gone.size > 0) { next = next.filter(e => !gone.has(entryKey(file, e))); report.removedHere = gone.size }
  const incoming = [...mesh].filter(([k]) => !base.has(k) && !localKeys.has(k)).sort((a, b) => a[1].updatedAt - b[1].updatedAt)
  for (const [, e] of incoming) {
    const value = e.value.trim()
    if (value === '' || next.includes(value)) continue
    if (charCount([...next, value]) > cap) { report.overCap.push(value.length > 60 ? value.slice(0, 60) + '…' : value); continue }
    next.push(value)
    report.fromMesh++
  }
  if (next.length !== local.length || next.some((e, i) => e !== local[i])) { await writeMemoryFile(path, next); report.written = true }
  const newBase = new Map(next.map(e => [entryKey(file, e), sha256(e)]))
  await saveBase(statePath, scope, newBase)
  return { ...report, entries: next.length, chars: charCount(next) }
}

export interface ClaudeMemoryReport {
  project?: string
  pushed: string[]
  pulled: string[]
  same: string[]
  removedFromMesh: string[]
  removedHere: string[]
  conflicts: Array<{ key: string, path: string }>
  tooBig: string[]
}

export async function syncClaudeMemory (api: MeshApi, opts: { home: string, cwd?: string, env?: NodeJS.ProcessEnv, prefer?: 'mesh' | 'local' }): Promise<ClaudeMemoryReport> {
  const env = opts.env ?? process.env
  const statePath = syncStatePath(env)
  // key -> local path
  const places = new Map<string, string>([['claude/user/CLAUDE.md', join(claudeConfigDir(env), 'CLAUDE.md')]])
  let project: string | undefined
  let memDir: string | undefined
  if (opts.cwd !== undefined) {
    const remote = await gitRemote(opts.cwd)
    project = projectName({ gitRemote: remote, cwd: opts.cwd }) as string
    let existing: string[] = []
    try { existing = await readdir(projectsDir(env)) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    memDir = join(projectsDir(env), projectDirName(opts.cwd, existing), 'memory')
    for (const f of await listFiles(memDir)) places.set(`claude/project/${project}/memory/${f}`, join(memDir, ...f.split('/')))
  }
  const scope = `${opts.home}\0claude-memory\0${claudeConfigDir(env)}\0${project ?? ''}`
  const base = await loadBase(statePath, scope)
  const mesh = new Map<string, string>()
  const prefix = project !== undefined ? `claude/project/${project}/memory/` : undefined
  for (const e of await api.call('memory.list', { tag: 'claude' })) {
    if (e.key === 'claude/user/CLAUDE.md' || (prefix !== undefined && e.key.startsWith(prefix))) mesh.set(e.key, e.value)
  }
  for (const k of mesh.keys()) {
    if (places.has(k) || prefix === undefined || !k.startsWith(prefix)) continue
    const rel = k.slice(prefix.length)
    if (rel.split('/').some(s => s === '' || s === '.' || s === '..')) continue
    places.set(k, join(memDir as string, ...rel.split('/')))
  }
  const report: ClaudeMemoryReport = { project, pushed: [], pulled: [], same: [], removedFromMesh: [], removedHere: [], conflicts: [], tooBig: [] }
  for (const [key, path] of [...places].sort(([a], [b]) => a.localeCompare(b))) {
    let local: Buffer | undefined
    try { local = await readFileNoFollow(path) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    const text = local?.toString('utf8')
    const lh = text !== undefined ? sha256(text) : undefined
    const m = mesh.get(key)
    const mh = m !== undefined ? sha256(m) : undefined
    let action = plan3(base.get(key), lh, mh)
    if (action === 'conflict' && opts.prefer !== undefined) action = opts.prefer === 'mesh' ? 'pull' : 'push'
    if (action === 'same') { report.same.push(key); base.set(key, lh as string); continue }
    if (action === 'gone') { base.delete(key); continue }
    if (action === 'conflict') { report.conflicts.push({ key, path }); continue }
    if (action === 'push') {
      if (Buffer.byteLength(text as string) > MAX_VALUE) { report.tooBig.push(path); continue }
      await api.call('memory.set', { key, value: text as string, tags: ['claude', ...(project !== undefined && key.startsWith('claude/project/') ? [`claude:project:${project}`] : ['claude:user'])] })
      report.pushed.push(key)
      base.set(key, lh as string)
    } else if (action === 'pull') {
      await writeFileAtomic(path, m as string)
      report.pulled.push(key)
      base.set(key, mh as string)
    } else if (action === 'delete-mesh') {
      await api.call('memory.delete', { key })
      report.removedFromMesh.push(key)
      base.delete(key)
    } else {
      await rm(path)
      report.removedHere.push(key)
      base.delete(key)
    }
  }
  await saveBase(statePath, scope, base)
  return report
}
