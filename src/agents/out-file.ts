/**
 * Writing a file the user named (`mesh agent export --out FILE`, a Hermes resume's `--out FILE`):
 * never over a file that is there unless asked (`force`), and never half-written. The bytes go to
 * a temp file beside it, fsynced, then take the name: with `force` by rename (the old file, or
 * the symlink there, is replaced whole), else by link, which fails when the name exists at that
 * moment, so a file that appeared since any check is refused too, not replaced. A crash leaves
 * the old file or the new one, at worst a stray temp file beside it, never a torn FILE.
 */
import { link, lstat, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { FileExistsError, InvalidInputError } from '../errors.js'
import { NAME_MAX, writeBeside } from './write-beside.js'

export interface OutFileOptions {
  /** Replace a file that is there. */
  force?: boolean
  /** Make the folder (mode 0700) when it is not there, durably (mkdirDurable); else that is an error. */
  mkdir?: boolean
}

/** Writes `data` to `path` (absolute) as OutFileOptions says; FileExistsError, or InvalidInputError saying why in words. */
export async function writeOutFile (path: string, data: string | Buffer, opts: OutFileOptions = {}): Promise<void> {
  try {
    if (opts.mkdir === true) await mkdirDurable(dirname(path))
    // 0600 (writeBeside's): a session is private.
    await writeBeside(path, data, async (tmp) => { if (opts.force === true) await rename(tmp, path); else await linkNew(tmp, path) })
  } catch (err) {
    throw await inWords(err, path)
  }
}

/**
 * Refuses (FileExistsError) a file, or a symlink, already at `path` unless `force`: checked before
 * the work that makes the bytes, so a long export is not made to be refused. writeOutFile's link
 * still refuses one that appears meanwhile.
 */
export async function refuseTaken (path: string, force: boolean | undefined): Promise<void> {
  if (force === true) return
  const st = await lstat(path).catch(async (err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined; throw await inWords(err, path) })
  if (st !== undefined && !st.isDirectory()) throw FileExistsError.forPath(path)
}

/** `tmp` under the name `path` only if none is there; a filesystem without hard links checks, then renames. */
async function linkNew (tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err
    if (await lstat(path).then(() => true, (e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return false; throw e })) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST' })
    await rename(tmp, path)
  }
}

/** The error as the user can act on it: the file is there (FILE_EXISTS), or why it cannot be written (bad input). */
async function inWords (err: unknown, path: string): Promise<unknown> {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === undefined) return err
  const folder = await lstat(path).then(s => s.isDirectory(), () => false)
  if (code === 'EEXIST' && !folder) return FileExistsError.forPath(path)
  const why = folder || code === 'EISDIR'
    ? 'it is a folder'
    : code === 'ENOENT' || code === 'ENOTDIR' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it may not be written here' : code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : code === 'ENAMETOOLONG' ? `its name is longer than a folder takes (${NAME_MAX} bytes)` : (err as Error).message
  return new InvalidInputError(`cannot write --out ${path}: ${why}`, { path }, { cause: err })
}
