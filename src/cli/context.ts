/** What every command gets: parsed global flags, output helpers, and the way to open the vault. */
import { resolve } from 'node:path'
import { HomeNotInitializedError } from '../errors.js'
import { isInitialized, defaultHome } from '../store/index.js'
import { openVault, resolveWallet, type MeshVault } from '../sdk/index.js'

export interface Globals { home: string, wallet?: string, json: boolean }

export interface Out {
  line: (s?: string) => void
  json: (v: unknown) => void
  err: (s: string) => void
}

export const stdout: Out = {
  line: (s = '') => { process.stdout.write(s + '\n') },
  json: (v) => { process.stdout.write(JSON.stringify(v, null, 2) + '\n') },
  err: (s) => { process.stderr.write(s + '\n') }
}

export function globalsFrom (values: { home?: string, wallet?: string, json?: boolean }): Globals {
  return { home: resolve(values.home ?? defaultHome()), wallet: values.wallet, json: values.json === true }
}

/**
 * Opens the home. A home that does not exist yet is created when a wallet is available
 * (--wallet, $MESH_WALLET, or a default wallet file); otherwise the user is told how.
 */
export async function withVault<T> (g: Globals, fn: (v: MeshVault) => Promise<T>): Promise<T> {
  let wallet
  if (g.wallet !== undefined || !(await isInitialized(g.home))) wallet = await resolveWallet({ path: g.wallet })
  if (wallet === undefined && !(await isInitialized(g.home))) {
    throw new HomeNotInitializedError(`home ${g.home} is not set up yet and no wallet was found: run \`mesh init\` (it generates a wallet if you have none) or pass --wallet PATH`, { home: g.home })
  }
  const v = await openVault({ home: g.home, wallet })
  try {
    return await fn(v)
  } finally {
    await v.close()
  }
}
