/**
 * The home's format number, in `format.json` (`{"format": 1}`): what a mesh reads before anything
 * else of a home, so that a home written by a newer mesh, whose files this one would read in part
 * (a rewritten log's records it does not know, files it does not look for), is refused whole
 * instead of shown in part. A home without the file (made before the number existed) is taken as
 * this format and given the number with its first write. A mesh that changes what the home holds
 * in a way an older one would misread raises HOME_FORMAT.
 *
 * @example
 * const f = await readHomeFormat(home) // HomeTooNewError for a newer home; undefined: none yet
 * if (f === undefined) await writeHomeFormat(home)
 */
import { join } from 'node:path'
import { HomeCorruptError, HomeTooNewError, HomeUnsafeError } from '../errors.js'
import { atomicWrite, readNoFollow } from './files.js'

/** The format of the homes this mesh writes, and the newest it reads. */
export const HOME_FORMAT = 1
export const HOME_FORMAT_FILE = 'format.json'

/**
 * The home's format number (undefined: no number yet). HomeTooNewError for one newer than
 * HOME_FORMAT; HomeCorruptError for a file that holds no number.
 */
export async function readHomeFormat (home: string): Promise<number | undefined> {
  const path = join(home, HOME_FORMAT_FILE)
  let text: string
  try {
    text = (await readNoFollow(path)).toString('utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    if (err instanceof HomeUnsafeError) throw err // a link there (files.ts linkError)
    throw new HomeCorruptError(`cannot read ${path}: ${String(err?.code ?? err)}`, { home, file: path }, { cause: err })
  }
  let format: unknown
  try { format = (JSON.parse(text) as { format?: unknown } | null)?.format } catch { format = undefined }
  if (typeof format !== 'number' || !Number.isSafeInteger(format) || format < 1) {
    throw new HomeCorruptError(`${path} holds no home format number (it should read {"format": ${HOME_FORMAT}}): if you did not change it, a newer mesh may have written it; upgrade mesh on this machine`, { home, file: path })
  }
  if (format > HOME_FORMAT) {
    throw new HomeTooNewError(`this home was written by a newer mesh (home format ${format}; this mesh reads up to ${HOME_FORMAT})`, { home, format, reads: HOME_FORMAT }, {
      hint: { sep: ': ', cli: 'upgrade mesh on this machine', mcp: 'upgrade mesh on this machine' }
    })
  }
  return format
}

/** Gives the home this mesh's format number (whole-file write: temp, fsync, rename, directory fsync). */
export async function writeHomeFormat (home: string): Promise<void> {
  await atomicWrite(join(home, HOME_FORMAT_FILE), `{"format": ${HOME_FORMAT}}\n`, 0o600, { makeDir: false })
}
