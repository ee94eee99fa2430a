/**
 * Whether another user could have put the wallet file where mesh reads it, or could swap it: the
 * wallet certifies devices and its signature derives the vault key, so a wallet another user
 * planted (in a `~/.config/mesh` left writable, say) and mesh then used would give them the
 * vault. Judged as the home is (store/home.ts): the file, its folder and the folders above it
 * inside the user's home directory must be the user's (or root's) and writable by no one else;
 * a sticky folder (/tmp) is fine, since there only a file's owner may rename or remove it.
 *
 * @example
 * await checkWalletPlace('/home/me/.config/mesh/wallet.json') // throws HomeUnsafeError if unsafe
 */
import type { Stats } from 'node:fs'
import { lstat, realpath, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, resolve, sep } from 'node:path'
import { HomeUnsafeError } from '../errors.js'
import { writableBy } from '../file-mode.js'

const STICKY = 0o1000

/**
 * Throws HomeUnsafeError naming the path and the command that fixes it. A file not there yet is
 * judged by its folders. Returns who else may read the file, if anyone: that is a leak, not a
 * plant, and a wallet on a file system without modes (a vfat stick shows the mount's) cannot be
 * chmod-ed, so it is the caller's to warn about, not a refusal.
 */
export async function checkWalletPlace (path: string, opened?: Stats): Promise<{ readableBy?: 'group' | 'others' }> {
  const uid = process.getuid?.()
  if (uid === undefined) return {} // no POSIX owners (Windows): nothing to compare
  const abs = resolve(path)
  // A link the user made (to another disk) is judged with its target: both could be swapped.
  const real = await realpath(abs).catch(() => abs)
  const user = resolve(homedir())
  const dirs = new Set<string>()
  for (const f of [abs, real]) {
    dirs.add(dirname(f))
    for (let p = dirname(dirname(f)); p.startsWith(user + sep); p = dirname(p)) dirs.add(p)
  }
  const mine = (owner: number): boolean => owner === uid || owner === 0
  // `opened`: the file as the caller opened it (fstat), judged instead of what the path names now.
  const file = opened ?? await stat(real).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
  // A link at the path is judged by its own owner too: in a shared sticky folder another user may
  // place one where the wallet is looked for, and point it at a file of the user's or of root's.
  const link = await lstat(abs).catch(() => undefined)
  if (link?.isSymbolicLink() === true && !mine(link.uid)) throw new HomeUnsafeError(`wallet ${abs} is a link owned by uid ${link.uid}, not by you (uid ${uid}): another user may have put it there, and mesh will not use it`, { path: abs, owner: link.uid, uid })
  if (file !== undefined) {
    if (!mine(file.uid)) throw new HomeUnsafeError(`wallet ${abs} is owned by uid ${file.uid}, not by you (uid ${uid}): another user may have put it there, and mesh will not use it. If it is yours, run \`chown ${uid} ${real}\``, { path: abs, owner: file.uid, uid })
    if ((file.mode & 0o022) !== 0) throw new HomeUnsafeError(`wallet ${abs} is writable by ${writableBy(file.mode)} (mode ${(file.mode & 0o777).toString(8)}): another user could replace it, and mesh will not use it. Run \`chmod 600 ${real}\``, { path: abs, mode: file.mode & 0o777 })
  }
  for (const d of dirs) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
    if (st === undefined) continue
    if (!mine(st.uid)) throw new HomeUnsafeError(`${d}, which holds the wallet ${abs}, is owned by uid ${st.uid}, not by you (uid ${uid}): another user could swap the wallet, and mesh will not use it there. Keep it in a folder of your own`, { path: abs, dir: d, owner: st.uid, uid })
    if ((st.mode & 0o022) !== 0 && (st.mode & STICKY) === 0) throw new HomeUnsafeError(`${d}, which holds the wallet ${abs}, is writable by ${writableBy(st.mode)} (mode ${(st.mode & 0o777).toString(8)}): another user could swap the wallet, and mesh will not use it there. Run \`chmod go-w ${d}\``, { path: abs, dir: d, mode: st.mode & 0o777 })
  }
  if (file === undefined || (file.mode & 0o044) === 0) return {}
  return { readableBy: (file.mode & 0o004) !== 0 ? 'others' : 'group' }
}
