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
import { fsyncDir } from '../store/files.js'
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

