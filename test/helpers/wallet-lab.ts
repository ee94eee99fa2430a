/**
 * What a test of several `mesh` processes starts from: a temporary directory, the CLI's
 * environment there, a new wallet, and processes spawned in a network namespace (or this one),
 * each SIGKILLed by its pid at cleanup unless it ended before. Its cleanups go on the caller's
 * list, run in reverse: the processes first, then the directory.
 */
import { join } from 'node:path'
import { expect } from 'vitest'
import { BIN, cliEnv, runCli } from './cli.js'
import { spawnIn, type Proc } from './netns.js'
import { tempDir } from './tmp.js'

export interface WalletLab {
  dir: string
  env: NodeJS.ProcessEnv
  /** A wallet made with `mesh wallet new`. */
  wallet: string
  /** `node cmd ARGS` in namespace ns (undefined: this one). */
  run: (ns: string | undefined, cmd: string, args: string[], env?: NodeJS.ProcessEnv) => Proc
  /** `mesh ARGS` in namespace ns (undefined: this one). */
  mesh: (ns: string | undefined, args: string[], env?: NodeJS.ProcessEnv) => Proc
}

export async function walletLab (cleanups: Array<() => unknown>): Promise<WalletLab> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  const procs: Proc[] = []
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL') })
  const run = (ns: string | undefined, cmd: string, args: string[], e = env): Proc => {
    const p = spawnIn(ns, process.execPath, [cmd, ...args], e)
    procs.push(p)
    return p
  }
  return { dir: t.dir, env, wallet, run, mesh: (ns, args, e) => run(ns, BIN, args, e) }
}
