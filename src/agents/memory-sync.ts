/**
 * `mesh agent memory sync AGENT`: an agent's memory files as mesh memory entries and back.
 *
 * - Hermes: each entry of `memories/MEMORY.md` / `USER.md` is one mesh entry
 *   `hermes/<FILE>/<first 16 hex of sha256(entry)>` (tags `hermes`, `hermes:<FILE>`). Entries
 *   added on either side since the last sync are added to the other, entries removed on one side
 *   are removed from the other; the file is rewritten under Hermes's lock, atomically, only up to
 *   its character cap (the user's from config.yaml, else Hermes's default) (entries that do not fit stay in mesh and are reported), and never when it
 *   has drifted from Hermes's own format. An entry from mesh that holds Hermes's separator (a
 *   line of only `§`) would not read back as one entry: it stays in mesh too, and is reported.
 * - Claude Code and OpenClaw: whole files (memory-claude.ts, memory-openclaw.ts).
 */
import type { MeshApi } from '../api/api.js'
import { HERMES_MESH_OWN, hermesHome } from './hermes/home.js'
import { requireAgentFolder } from './installed.js'
import { charCount, HERMES_MEMORY_FILES, hermesMemoryCaps, hermesMemoryPath, hermesDrift, parseEntries, readMemoryFile, readsBack, separable, withFlock, writeMemoryFile, type HermesMemoryFile } from './memory-hermes.js'
import { loadBase, saveBase, sha256, syncStatePath } from './sync-state.js'

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
  /**
   * Entries from mesh that would not stay one entry in the file (they hold Hermes's separator
   * "\n§\n", or make one where they are joined): kept in mesh, not written.
   */
  unseparable: string[]
  /** The file was edited outside Hermes's memory tool: left untouched, nothing synced. */
  drift?: boolean
  /** What drifted, the first thing found (hermesDrift): what the user has to fix. */
  why?: string
  written: boolean
}

export async function syncHermesMemory (api: MeshApi, opts: { home: string, env?: NodeJS.ProcessEnv, lockTimeoutMs?: number }): Promise<HermesMemoryReport[]> {
  const env = opts.env ?? process.env
  // Hermes not installed here (no ~/.hermes): nothing to sync with, and no folder or lock made for it.
  await requireAgentFolder(hermesHome(env), 'Hermes', 'HERMES_HOME', env, { meshOwn: HERMES_MESH_OWN })
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
  const found = await readMemoryFile(path)
  const raw = found ?? ''
  const report: HermesMemoryReport = { file: path, entries: 0, chars: 0, cap, toMesh: 0, fromMesh: 0, removedFromMesh: 0, removedHere: 0, overCap: [], unseparable: [], written: false }
  const why = hermesDrift(raw)
  if (why !== undefined) return { ...report, drift: true, why }
  const local = parseEntries(raw)
  // No file at all (Hermes set up again, its folder moved or restored from elsewhere) is not a
  // file whose every entry was removed: what the last sync here saw is not compared with it, so
  // nothing is removed from mesh, and mesh's entries come back into a new file.
  const base = found === undefined ? new Map<string, string>() : await loadBase(statePath, scope)
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
    // Also after this file's last entry: one Hermes wrote ending in "\n§" is whole only while last.
    if (!separable(value) || !readsBack([...next, value])) { report.unseparable.push(short(value)); continue }
    if (charCount([...next, value]) > cap) { report.overCap.push(short(value)); continue }
    next.push(value)
    report.fromMesh++
  }
  if (next.length !== local.length || next.some((e, i) => e !== local[i])) { await writeMemoryFile(path, next); report.written = true }
  const newBase = new Map(next.map(e => [entryKey(file, e), sha256(e)]))
  await saveBase(statePath, scope, newBase)
  return { ...report, entries: next.length, chars: charCount(next) }
}

function short (entry: string): string { return entry.length > 60 ? entry.slice(0, 60) + '…' : entry }
