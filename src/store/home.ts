/**
 * The home: one directory per device holding its device key, certificate, vault keys (mode
 * 0600, never the wallet's secret key) and the data store. Default: $MESH_HOME, else
 * $XDG_DATA_HOME/mesh, else ~/.local/share/mesh. (With XDG_CONFIG_HOME the same folder as
 * XDG_DATA_HOME, the wallet mesh generated is `wallet.json` in the default home's folder: the
 * user's, beside the home, never read or judged as part of it.)
 *
 * A home someone else can change is refused before anything in it is read or written: owned by
 * another user, writable by group or others (the home, data/, data/snapshots/, and the home's
 * parents inside the user's home directory), or holding a symbolic link where mesh keeps a file.
 * Whoever can write there could swap the device key or plant a link that makes this process
 * (maybe root) overwrite a file elsewhere. A home others may only read or enter is made owner-only
 * (0700) when opened: nothing in it is for them, and the control socket relies on it.
 */
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { HomeCorruptError, HomeNotInitializedError, HomeUnsafeError } from '../errors.js'
import { generatedWalletPath, xdgDir } from '../xdg.js'
import { atomicWrite, linkError, mkdirDurable, readNoFollow, readOnlyHomeError, unmadeHomeError, writeError } from './files.js'
import { writableBy } from '../file-mode.js'
import { readHomeFormat, writeHomeFormat, HOME_FORMAT_FILE } from './home-format.js'

export function defaultHome (): string {
  if (process.env.MESH_HOME !== undefined && process.env.MESH_HOME !== '') return resolve(process.env.MESH_HOME)
  const base = xdgDir(process.env.XDG_DATA_HOME, join(homedir(), '.local', 'share'))
  return join(base, 'mesh')
}

export const HOME_FILES = {
  deviceKey: 'device.key',
  certificate: 'device.cert',
  vaultKeys: 'vault.keys',
  config: 'config.json',
  peers: 'peers.json',
  /** A blind mirror's home (node/mirror.ts): its wallet; such a home never holds vault.keys. */
  mirror: 'mirror.json',
  /**
   * A pairing under way (node/pair-home.ts): written before anything else of it, removed once its
   * certificate is. Found with no certificate, the home holds only what that pairing began (it
   * stopped: killed, the power lost), which the next `mesh pair` clears before it writes.
   */
  pairing: 'pairing.partial',
  /** What a list with details shows of each session, sealed (src/api/session-summaries.ts): a cache. */
  summaries: 'summaries.sealed',
  /** The home's format number (home-format.ts): read before anything else of the home. */
  format: HOME_FORMAT_FILE,
  data: 'data'
} as const

export const homePath = (home: string, f: keyof typeof HOME_FILES): string => join(home, HOME_FILES[f])

export async function ensureHomeDir (home: string): Promise<void> {
  try {
    await mkdirDurable(home)
  } catch (err: any) {
    // A recursive mkdir on a read-only mount reports ENOENT; a plain one tells the real cause.
    let cause = err
    if (err?.code === 'ENOENT') await mkdir(home, { mode: 0o700 }).catch((e: unknown) => { cause = e })
    // Not there, and not made: nothing to read either (an EEXIST: there, a later step says what of it).
    const there = await stat(home).then(() => true, () => false)
    throw (there ? readOnlyHomeError(home, home, cause) : unmadeHomeError(home, cause)) ?? writeError(home, cause)
  }
  // Before anything is created inside it (a newer mesh's home: not even made owner-only).
  await checkHome(home)
  // A home without the number is of the format every mesh before it wrote (1): read as such, and
  // not given the number on opening (that write could take a full disk's last bytes, which the
  // lock needs to let it be read); a home set up from now on gets it with its certificate.
  await readHomeFormat(home)
  try {
    // A home made before (`mkdir -p` under the usual umask, a restore) may be 0755: others could
    // list it and walk in, and the control socket, chmod-ed to 0600 only once it listens, relies
    // on a home nobody else enters. Ours (checkHome said so), so made owner-only, as api.token is.
    if (((await stat(home)).mode & 0o077) !== 0) await chmod(home, 0o700)
    await mkdirDurable(join(home, HOME_FILES.data))
  } catch (err) {
    throw readOnlyHomeError(home, home, err) ?? writeError(home, err)
  }
}

/** Throws HomeUnsafeError naming the problem and the command that fixes it (see the module comment). */
export async function checkHome (home: string): Promise<void> {
  const uid = process.getuid?.()
  if (uid === undefined) return // no POSIX owners (Windows): nothing to compare
  const abs = resolve(home)
  const dirs = [abs, join(abs, HOME_FILES.data), join(abs, HOME_FILES.data, 'snapshots')]
  const user = resolve(homedir())
  for (let p = dirname(abs); p.startsWith(user + sep); p = dirname(p)) dirs.push(p)
  for (const d of dirs) {
    let st
    try {
      // The home itself may be a link the user made (to another disk): judged by its target.
      // Inside it, a link is refused.
      st = d === abs || !d.startsWith(abs + sep) ? await stat(d) : await lstat(d)
    } catch (err: any) {
      if (err?.code === 'ENOENT') continue
      throw err
    }
    if (st.isSymbolicLink()) throw linkError(d)
    // A parent owned by root is as safe as one owned by the user: root can change anything anyway.
    if (st.uid !== uid && !(st.uid === 0 && d !== abs && !d.startsWith(abs + sep))) {
      throw new HomeUnsafeError(`${d} is owned by uid ${st.uid}, not by you (uid ${uid}): another user could change this mesh home. If it is yours, run \`chown -R ${uid} ${d}\`; otherwise use another home (--home or MESH_HOME)`, { home: abs, path: d, owner: st.uid, uid })
    }
    if ((st.mode & 0o022) !== 0) {
      throw new HomeUnsafeError(`${d} is writable by ${writableBy(st.mode)} (mode ${(st.mode & 0o777).toString(8)}): another user could change this mesh home. Run \`chmod go-w ${d}\``, { home: abs, path: d, mode: st.mode & 0o777 })
    }
  }
  // Every directory mesh reads files from: the home, data/, snapshots/ and its per-document
  // directories (a link there would be followed by a plain open; a directory is judged like the home).
  const scan = [abs, join(abs, HOME_FILES.data), join(abs, HOME_FILES.data, 'snapshots')]
  const wallet = resolve(generatedWalletPath())
  for (let i = 0; i < scan.length; i++) {
    const d = scan[i] as string
    let entries
    try { entries = await readdir(d, { withFileTypes: true }) } catch (err: any) { if (err?.code === 'ENOENT') continue; throw err }
    for (const e of entries) {
      const p = join(d, e.name)
      // The wallet mesh generated, here when XDG_CONFIG_HOME and XDG_DATA_HOME are one folder: no
      // file of the home, judged where it is read (identity/wallet-place.ts: a link the user made
      // to a stick is fine there). Refused as a link of the home, every command refused the home
      // and said to remove it.
      if (i === 0 && p === wallet) continue
      if (e.isSymbolicLink()) throw linkError(p)
      if (i === 2 && e.isDirectory()) {
        const st = await lstat(p)
        if (st.uid !== uid || (st.mode & 0o022) !== 0) throw new HomeUnsafeError(`${p} is owned by uid ${st.uid} with mode ${(st.mode & 0o777).toString(8)}: another user could change this mesh home. Run \`chown -R ${uid} ${p} && chmod go-w ${p}\``, { home: abs, path: p })
        scan.push(p)
      }
    }
  }
}

export async function isInitialized (home: string): Promise<boolean> {
  try {
    await stat(homePath(home, 'certificate'))
    return true
  } catch {
    return false
  }
}

export async function readHomeFile (home: string, f: keyof typeof HOME_FILES): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readNoFollow(homePath(home, f)))
  } catch (err: any) {
    if (err instanceof HomeUnsafeError) throw err
    if (err?.code === 'ENOENT') throw new HomeNotInitializedError(`home ${home} has no ${HOME_FILES[f]}: run \`mesh init\` with your wallet`, { home })
    throw cannotRead(homePath(home, f), err, { home })
  }
}

/**
 * A file of the home that is there and cannot be read, named, and said as what is wrong with it:
 * a bare EISDIR named no file, and stopped every command.
 */
export function cannotRead (path: string, err: any, details: Record<string, unknown> = {}): HomeCorruptError {
  const what = err?.code === 'EISDIR'
    ? 'it is a folder, where mesh keeps a file: move it aside'
    : err?.code === 'ENOTREG' ? 'it is not a regular file (a FIFO, a socket or a device), where mesh keeps a file: move it aside' : err?.code === 'EACCES' ? 'permission denied' : String(err?.code ?? err)
  return new HomeCorruptError(`cannot read ${path}: ${what}`, { ...details, file: path }, { cause: err })
}

/** A home file's text, or undefined if it does not exist yet; never through a symbolic link. */
export async function readHomeText (home: string, f: keyof typeof HOME_FILES): Promise<string | undefined> {
  try {
    return (await readNoFollow(homePath(home, f))).toString('utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    if (err instanceof HomeUnsafeError) throw err
    throw cannotRead(homePath(home, f), err, { home })
  }
}

export async function writeHomeFile (home: string, f: keyof typeof HOME_FILES, data: Uint8Array | string): Promise<void> {
  // The certificate marks a home set up (isInitialized): the home's format number goes before it,
  // so every home set up (init, pairing, a mirror) and re-certified carries it.
  if (f === 'certificate') await writeHomeFormat(home)
  await atomicWrite(homePath(home, f), data, 0o600)
}
