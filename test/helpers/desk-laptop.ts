/**
 * The desk + laptop pair the agent tests share: a temp dir, a wallet made by `mesh wallet new`,
 * and two `mesh join` daemons of that wallet on loopback (desk, then laptop bootstrapping from
 * it). `stop()` kills both by pid, the laptop first, then removes the dir.
 */
import { join } from 'node:path'
import { cliEnv, runCli } from './cli.js'
import { startDaemon, type Daemon } from './daemon.js'
import { tempDir } from './tmp.js'

export interface DeskLaptop {
  dir: string
  /** The CLI's environment (HOME is `dir`). */
  env: NodeJS.ProcessEnv
  wallet: string
  /** The desk (label `desk`). */
  a: Daemon
  /** The laptop (label `laptop`), bootstrapped from the desk. */
  b: Daemon
  stop: () => Promise<void>
}

export async function startDeskLaptop (): Promise<DeskLaptop> {
  const t = await tempDir()
  const undo: Array<() => Promise<unknown>> = [t.cleanup]
  const stop = async (): Promise<void> => { for (const u of undo.splice(0).reverse()) await u() }
  try {
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    const made = await runCli(['wallet', 'new', '--out', wallet], { env })
    if (made.code !== 0) throw new Error(`mesh wallet new failed (exit ${made.code}): ${made.stderr}`)
    const a = await startDaemon({ home: join(t.dir, 'a'), wallet, label: 'desk', env })
    undo.push(async () => { await a.stop('SIGKILL') })
    const b = await startDaemon({ home: join(t.dir, 'b'), wallet, label: 'laptop', env, bootstrap: a.addr })
    undo.push(async () => { await b.stop('SIGKILL') })
    return { dir: t.dir, env, wallet, a, b, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
