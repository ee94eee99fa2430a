/**
 * Replacing a user's file (CLAUDE.md, a memory note, a skill's file) the safe way: the new bytes
 * go to a temp file beside it, fsynced, with the old file's mode (a CLAUDE.md stays 0644, a
 * script stays executable), and are renamed over it only if the file still holds what sync read
 * (`expect`): an edit made by the user between the read and the write is never lost, it is
 * reported as a conflict instead. A symlink is never replaced (it belongs to what it points at).
 */
import { lstat, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { readFileNoFollow } from './bundle.js'
import { sha256 } from './sync-state.js'
import { writeBeside } from './write-beside.js'

/** The file changed (or appeared, or became a symlink) after sync read it. */
export class ChangedUnderfootError extends Error {
  static readonly code = 'CHANGED_UNDERFOOT'
  readonly code = ChangedUnderfootError.code
  constructor (readonly path: string) { super(`${path} changed while mesh was syncing it: left as it is`) }
}

/** The hash of the file's text as sync compares it, undefined when absent; refuses a symlink (InvalidInputError, details.errno ELOOP: see isLinkRefused). */
export async function hashOf (path: string): Promise<string | undefined> {
  try { return sha256((await readFileNoFollow(path)).toString('utf8')) } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
}

async function modeOf (path: string): Promise<number | undefined> {
  try {
    const st = await lstat(path)
    if (st.isSymbolicLink()) throw new ChangedUnderfootError(path)
    return st.mode & 0o7777
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Writes `data` to `path` atomically, keeping the mode of the file it replaces (else `mode`).
 * `expect`: the hash the file must still have (undefined: it must still be absent).
 */
export async function replaceFile (path: string, data: string | Buffer, opts: { mode?: number, dirMode?: number, expect?: string | undefined, checkExpect?: boolean } = {}): Promise<void> {
  await mkdirDurable(dirname(path), opts.dirMode ?? 0o700)
  const mode = (await modeOf(path)) ?? opts.mode ?? 0o644
  await writeBeside(path, data, async (tmp) => {
    if (opts.checkExpect === true && (await hashOf(path)) !== opts.expect) throw new ChangedUnderfootError(path)
    await rename(tmp, path)
  }, mode)
}

/** Removes `path` if it still has the hash sync read. */
export async function removeFileIf (path: string, expect: string): Promise<void> {
  if ((await hashOf(path)) !== expect) throw new ChangedUnderfootError(path)
  await rm(path)
}
