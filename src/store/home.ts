/**
 * The home: one directory per device holding its device key, certificate, vault keys (mode
 * 0600, never the wallet's secret key) and the data store. Default: $MESH_HOME, else
 * $XDG_DATA_HOME/mesh, else ~/.local/share/mesh.
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { HomeCorruptError, HomeNotInitializedError } from '../errors.js'
import { atomicWrite, writeError } from './files.js'

export function defaultHome (): string {
  if (process.env.MESH_HOME !== undefined && process.env.MESH_HOME !== '') return resolve(process.env.MESH_HOME)
  const base = process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share')
  return join(base, 'mesh')
}

export const HOME_FILES = {
  deviceKey: 'device.key',
  certificate: 'device.cert',
  vaultKeys: 'vault.keys',
  config: 'config.json',
  peers: 'peers.json',
  data: 'data'
} as const

export const homePath = (home: string, f: keyof typeof HOME_FILES): string => join(home, HOME_FILES[f])

export async function ensureHomeDir (home: string): Promise<void> {
  try {
    await mkdir(home, { recursive: true, mode: 0o700 })
    await mkdir(join(home, HOME_FILES.data), { recursive: true, mode: 0o700 })
  } catch (err: any) {
    // A recursive mkdir on a read-only mount reports ENOENT; a plain one tells the real cause.
    let cause = err
    if (err?.code === 'ENOENT') await mkdir(home, { mode: 0o700 }).catch((e: unknown) => { cause = e })
    throw writeError(home, cause)
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
    return new Uint8Array(await readFile(homePath(home, f)))
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw new HomeNotInitializedError(`home ${home} has no ${HOME_FILES[f]}: run \`mesh init\` with your wallet`, { home })
    throw new HomeCorruptError(`cannot read ${homePath(home, f)}: ${err?.code ?? err}`, { home }, { cause: err })
  }
}

export async function writeHomeFile (home: string, f: keyof typeof HOME_FILES, data: Uint8Array | string): Promise<void> {
  await atomicWrite(homePath(home, f), data, 0o600)
  await chmod(homePath(home, f), 0o600)
}
