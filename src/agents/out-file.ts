/**
 * Writing a file the user named (`mesh agent export --out FILE`, a Hermes resume's `--out FILE`):
 * never over a file that is there unless asked (`force`), and never half-written. The bytes go to
 * a temp file beside it, fsynced, then take the name: with `force` by rename (the old file, or
 * the symlink there, is replaced whole), else by link, which fails when the name exists at that
 * moment, so a file that appeared since any check is refused too, not replaced. A crash leaves
 * the old file or the new one, at worst a stray temp file beside it (removed by the next write of
 * that file), never a torn FILE.
 */
import { constants } from 'node:fs'
import { access, link, lstat, rename, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { FileExistsError, InvalidInputError } from '../errors.js'
import { NAME_MAX, removeStaleTemps, writeBeside } from './write-beside.js'

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
  // What an earlier write of this file left when it was killed: nothing else removes it there.
  // Not an error of this write, which is done: a temp that cannot go now goes with the next one.
  await removeStaleTemps([dirname(path)], { of: path }).catch(() => {})
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

/** `tmp` under the name `path` only if none is there (else EEXIST); a filesystem without hard links checks, then renames. */
export async function linkNew (tmp: string, path: string): Promise<void> {
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
  return new InvalidInputError(`cannot write --out ${path}: ${await whyNot(err as NodeJS.ErrnoException, path, false)}`, { path }, { cause: err })
}

/**
 * Why a file cannot be written at `path`, in words, from the filesystem's error. `mkdir`: its
 * folders are made when missing (an agent's file), so a missing one is no reason, and a file
 * where one of them would be is named.
 */
async function whyNot (err: NodeJS.ErrnoException, path: string, mkdir: boolean): Promise<string> {
  const code = err.code
  if (await lstat(path).then(s => s.isDirectory(), () => false) || code === 'EISDIR') return 'it is a folder'
  if (code === 'ENOENT' || code === 'ENOTDIR' || (mkdir && code === 'EEXIST')) {
    const inWay = mkdir ? await fileInTheWay(path) : undefined
    return inWay !== undefined ? `${inWay} is a file, where its folder would be` : 'its folder does not exist'
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'it may not be written here'
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full'
  if (code === 'ENAMETOOLONG') return `its name is longer than a folder takes (${NAME_MAX} bytes)`
  return err.message
}

/** The nearest folder above `path` that is there, and whether it is a folder (undefined: none is). */
async function nearestAbove (path: string): Promise<{ at: string, folder: boolean } | undefined> {
  for (let d = dirname(path); ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined; throw e })
    if (st !== undefined) return { at: d, folder: st.isDirectory() }
    if (dirname(d) === d) return undefined
  }
}

/** The file that stands where one of `path`'s folders would be made, if one does. */
async function fileInTheWay (path: string): Promise<string | undefined> {
  const near = await nearestAbove(path).catch(() => undefined)
  return near !== undefined && !near.folder ? near.at : undefined
}

/**
 * A filesystem error of writing an agent's file (its folders made when missing) as the user can
 * act on it: INVALID_INPUT naming the file and why, as `--out` says it; `also` is added to the
 * message (what was written before it failed). Not a filesystem error: returned as it is.
 */
export async function writeFailed (err: unknown, path: string, also = '', opts: { out?: boolean } = {}): Promise<unknown> {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return err
  return new InvalidInputError(`cannot write ${opts.out === true ? '--out ' : ''}${path}: ${await whyNot(err as NodeJS.ErrnoException, path, true)}${also}`, { path, errno: code }, { cause: err })
}

/**
 * Refuses, before anything is written (and before a resume takes the session's lease), files
 * that could not be written: one whose name is a folder, one where a file stands in the way of
 * its folders, or whose nearest folder is not writable here. Said as writeFailed says it. A full
 * disk is found only by writing: the writer words that error too.
 */
export async function checkWritable (paths: Iterable<string>, opts: { out?: boolean } = {}): Promise<void> {
  const failed = async (err: unknown, path: string): Promise<unknown> => await writeFailed(err, path, '', opts)
  const seen = new Set<string>()
  for (const path of paths) {
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined
      if (e.code === 'ENOTDIR') return 'in-the-way' as const
      throw e
    }).catch(async (e: unknown) => { throw await failed(e, path) })
    if (st !== undefined && st !== 'in-the-way' && st.isDirectory()) throw await failed(Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' }), path)
    const near = await nearestAbove(path)
    if (near === undefined || seen.has(near.at)) continue
    if (!near.folder) throw await failed(Object.assign(new Error(`${near.at} is not a folder`), { code: 'ENOTDIR' }), path)
    try { await access(near.at, constants.W_OK | constants.X_OK) } catch (e) { throw await failed(e, path) }
    seen.add(near.at)
  }
}
