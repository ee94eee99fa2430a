/** What every command gets: parsed global flags, output helpers, and the way to open the vault. */
import { AsyncLocalStorage } from 'node:async_hooks'
import { resolve } from 'node:path'
import { HomeNotInitializedError } from '../errors.js'
import type { MeshNode } from '../node/mesh.js'
import { isInitialized, defaultHome } from '../store/index.js'
import { openVault, resolveWallet, type MeshVault } from '../sdk/index.js'

export interface Globals { home: string, wallet?: string, json: boolean }

export interface Out {
  line: (s?: string) => void
  json: (v: unknown) => void
  err: (s: string) => void
}

/**
 * What a command runs inside: in the daemon, each request gets its own output, the daemon's open
 * vault and node, and a signal that aborts when the client goes away.
 */
export interface Ambient { out: Out, vault?: MeshVault, node?: MeshNode, signal?: AbortSignal }
export const ambient = new AsyncLocalStorage<Ambient>()

const processOut: Out = {
  line: (s = '') => { process.stdout.write(s + '\n') },
  json: (v) => { process.stdout.write(JSON.stringify(v, null, 2) + '\n') },
  err: (s) => { process.stderr.write(s + '\n') }
}

/** Output of the command running now: the process's, or the daemon client's. */
export const stdout: Out = {
  line: (s) => { currentOut().line(s) },
  json: (v) => { currentOut().json(v) },
  err: (s) => { currentOut().err(s) }
}

/** The output of the command running now, fixed: for callbacks that fire in another request's context. */
export function currentOut (): Out { return ambient.getStore()?.out ?? processOut }

/** Resolves when the command should stop waiting: the client left, or SIGINT/SIGTERM. */
export function untilStopped (): Promise<void> {
  const signal = ambient.getStore()?.signal
  return new Promise<void>(resolve => {
    if (signal !== undefined) {
      if (signal.aborted) { resolve(); return }
      signal.addEventListener('abort', () => { resolve() }, { once: true })
      return
    }
    // Signal listeners alone do not keep Node's event loop alive: this timer does, until stop.
    const keepAlive = setInterval(() => {}, 1 << 30)
    const stop = (): void => { clearInterval(keepAlive); process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

export function globalsFrom (values: { home?: string, wallet?: string, json?: boolean }): Globals {
  return { home: resolve(values.home ?? defaultHome()), wallet: values.wallet, json: values.json === true }
}

/**
 * Opens the home. A home that does not exist yet is created when a wallet is available
 * (--wallet, $MESH_WALLET, or a default wallet file); otherwise the user is told how.
 */
export async function withVault<T> (g: Globals, fn: (v: MeshVault) => Promise<T>): Promise<T> {
  const shared = ambient.getStore()?.vault
  if (shared !== undefined) return await fn(shared)
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
