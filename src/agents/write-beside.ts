/**
 * The one way mesh writes a whole file it hands to an agent or a user: the bytes go to a new
 * temp file beside it (0600, or `mode` exactly), fsynced, and `place` gives the temp file its
 * name (a rename, a link that refuses a name taken, a check first); the temp file is removed
 * whatever happens, and the folder is synced once the name is given, so the new name survives a
 * crash. A crash leaves the old file or the new one, at worst a stray temp file, never a torn one.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import { fsyncDir, removeTempsOfGone } from '../store/files.js'
import { basename, dirname, join } from 'node:path'

/** The longest name a folder entry may have (NAME_MAX of Linux, macOS and Windows alike), in bytes. */
export const NAME_MAX = 255

export async function writeBeside (path: string, data: string | Buffer, place: (tmp: string) => Promise<void>, mode?: number): Promise<void> {
  const tmp = tempBeside(path)
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  try {
    try {
      await fh.writeFile(data)
      // The umask does not apply to chmod: the mode is exactly the one asked for.
      if (mode !== undefined) await fh.chmod(mode)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await place(tmp)
  } finally {
    // Placed by a rename, it is gone; by a link, or not placed, it is removed here.
    await unlink(tmp).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e })
  }
  await fsyncDir(dirname(path))
}

/** The name of a temp file tempBeside gives: `<name>.mesh-<pid>-<8 hex>.tmp`; the pid is group 1. */
const TEMP = /^.+\.mesh-(\d{1,10})-[0-9a-f]{8}\.tmp$/

/** Whether a folder entry's name is one of mesh's temp files (never a file of the agent's). */
export function isMeshTemp (name: string): boolean { return TEMP.test(name) }

/**
 * Removes the temp files a mesh process killed mid-write left in `dirs` (its pid is gone): only
 * regular files named exactly as tempBeside names them, never anything else; with `of`, only the
 * temps of that file. A folder that is not there is skipped. Returns the paths removed.
 */
export async function removeStaleTemps (dirs: Iterable<string>, opts: { of?: string } = {}): Promise<string[]> {
  const of = opts.of !== undefined ? basename(opts.of) : undefined
  // Only the temps of that one file (its name, maybe cut to fit): in a folder of the user's.
  return await removeTempsOfGone(dirs, TEMP, of === undefined ? {} : { only: n => of.startsWith(n.slice(0, n.lastIndexOf('.mesh-'))) })
}

/**
 * A temp name beside `path`: its name, cut (at a character, never inside one) so that the name
 * with its suffix fits NAME_MAX. A name the folder takes must not make a temp name it refuses.
 */
export function tempBeside (path: string): string {
  const suffix = `.mesh-${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  const room = NAME_MAX - Buffer.byteLength(suffix)
  let name = basename(path)
  if (Buffer.byteLength(name) > room) {
    const cut = Buffer.from(name).subarray(0, room).toString('utf8')
    // A character cut in half decodes as U+FFFD: dropped, with the rest of it.
    name = cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut
  }
  return join(dirname(path), name + suffix)
}

