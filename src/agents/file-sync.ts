/**
 * Whole files two ways with mesh memory entries, decided per key against the base
 * (sync-state.ts): pushed when only this side changed, written here when only mesh changed,
 * removed from the side that kept an unchanged copy when the other removed it, and reported as a
 * conflict (both sides left as they are) when both changed, unless `prefer` picks a side. Every
 * write is atomic and keeps the file's mode, and happens only if the file still holds what was
 * read (replace-file.ts); a symlink is reported, never followed or replaced.
 */
import { MAX_MEMORY_KEY } from '../../crdt/content-limit.js'
import type { MeshApi } from '../api/api.js'
import { firstControl } from '../api/schema-text.js'
import { ChangedUnderfootError, removeFileIf, replaceFile } from './replace-file.js'
import { isLinkRefused, readFileNoFollow } from './bundle.js'
import { plan3, sha256 } from './sync-state.js'

/** A mesh memory value is at most this many bytes (crdt/memory.ts). */
export const MAX_VALUE = 256 * 1024

export interface Place {
  path: string
  tags: string[]
  /** The mode of a file created here (an existing file keeps its own). */
  mode?: number
  /** Why this file is not synced here (e.g. git tracks a personal file): reported, never touched. */
  skip?: string
  /** Runs before the file is first created here (e.g. keeping it out of commits). */
  beforeCreate?: () => Promise<void>
}

export interface FilesReport {
  pushed: string[]
  pulled: string[]
  same: string[]
  removedFromMesh: string[]
  removedHere: string[]
  conflicts: Array<{ key: string, path: string }>
  tooBig: string[]
  skipped: Array<{ key: string, path: string, why: string }>
}

export const emptyReport = (): FilesReport => ({ pushed: [], pulled: [], same: [], removedFromMesh: [], removedHere: [], conflicts: [], tooBig: [], skipped: [] })

async function readLocal (path: string): Promise<{ text?: string, symlink?: true }> {
  try { return { text: (await readFileNoFollow(path)).toString('utf8') } } catch (err: any) {
    if (err?.code === 'ENOENT') return {}
    if (isLinkRefused(err)) return { symlink: true }
    throw err
  }
}

/**
 * Why a file's name makes no memory key (memory.set refuses it: a control character such as a
 * newline, or too long), in words; undefined for a name that does. Such a file is skipped and
 * said, as one that cannot be read is: refused at its memory.set, it failed the whole sync.
 */
function keyProblem (key: string): string | undefined {
  const c = firstControl(key)
  if (c !== undefined) return `its name holds a control character (${c.cp}), which a mesh memory key cannot hold: rename the file to sync it`
  const n = [...key].length
  if (n > MAX_MEMORY_KEY) return `its mesh key would be ${n} characters (${key.slice(0, 40)}…), past the ${MAX_MEMORY_KEY} a memory key holds: give the file a shorter name to sync it`
  return undefined
}

/** Why a file was left alone: the file system's error code and message. */
function cannot (what: string, err: unknown): string {
  const e = err as { code?: unknown, message?: unknown }
  return `cannot ${what} it here (${String(e?.code ?? 'error')}: ${String(e?.message ?? err)})`
}

/**
 * Syncs each place with the mesh value of its key; `base` is updated in place. A base entry is
 * the pair (key, path): two clones of one repository on this machine each have their own, and
 * syncing from a subfolder or the top of a repository shares one.
 */
export async function syncFiles (api: MeshApi, places: ReadonlyMap<string, Place>, mesh: ReadonlyMap<string, string>, base: Map<string, string>, opts: { prefer?: 'mesh' | 'local' } = {}, report: FilesReport = emptyReport()): Promise<FilesReport> {
  for (const [key, place] of [...places].sort(([a], [b]) => a.localeCompare(b))) {
    const { path } = place
    if (place.skip !== undefined) { report.skipped.push({ key, path, why: place.skip }); continue }
    let local: { text?: string, symlink?: true }
    try {
      local = await readLocal(path)
    } catch (err) {
      // One file this machine cannot open (a name it refuses, no permission) is reported, and the others sync.
      report.skipped.push({ key, path, why: cannot('read', err) })
      continue
    }
    if (local.symlink === true) { report.skipped.push({ key, path, why: 'a symlink, not followed' }); continue }
    const lh = local.text !== undefined ? sha256(local.text) : undefined
    const m = mesh.get(key)
    const mh = m !== undefined ? sha256(m) : undefined
    const bk = `${key}\0${path}`
    let action = plan3(base.get(bk), lh, mh)
    if (action === 'conflict' && opts.prefer !== undefined) action = opts.prefer === 'mesh' ? 'pull' : 'push'
    try {
      if (action === 'same') { report.same.push(key); base.set(bk, lh as string) } else if (action === 'gone') base.delete(bk)
      else if (action === 'conflict') report.conflicts.push({ key, path })
      else if (action === 'push') {
        // Only a key set is held to it (memory.set): one already in mesh is pulled and removed as any other.
        const badKey = keyProblem(key)
        if (badKey !== undefined) { report.skipped.push({ key, path, why: badKey }); continue }
        if (Buffer.byteLength(local.text as string) > MAX_VALUE) { report.tooBig.push(path); continue }
        await api.call('memory.set', { key, value: local.text as string, tags: place.tags })
        report.pushed.push(key)
        base.set(bk, lh as string)
      } else if (action === 'pull') {
        try {
          if (lh === undefined) await place.beforeCreate?.()
          await replaceFile(path, m as string, { mode: place.mode, expect: lh, checkExpect: true })
        } catch (err) {
          if (err instanceof ChangedUnderfootError) throw err
          report.skipped.push({ key, path, why: cannot('write', err) })
          continue
        }
        report.pulled.push(key)
        base.set(bk, mh as string)
      } else if (action === 'delete-mesh') {
        await api.call('memory.delete', { key })
        report.removedFromMesh.push(key)
        base.delete(bk)
      } else {
        try {
          await removeFileIf(path, lh as string)
        } catch (err) {
          if (err instanceof ChangedUnderfootError) throw err
          report.skipped.push({ key, path, why: cannot('remove', err) })
          continue
        }
        report.removedHere.push(key)
        base.delete(bk)
      }
    } catch (err) {
      // Edited by the user while we synced: their edit stays, the next sync decides again.
      if (!(err instanceof ChangedUnderfootError)) throw err
      report.conflicts.push({ key, path })
    }
  }
  return report
}

/** The mesh entries under any of `prefixes` (or equal to one of `keys`) carrying `tag`. */
export async function meshEntries (api: MeshApi, tag: string, match: (key: string) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const e of await api.call('memory.list', { tag })) if (match(e.key)) out.set(e.key, e.value)
  return out
}

