/**
 * Daemons for a test file (daemons.ts): started before its tests, stopped by their pids and their
 * folder removed after them. Read their fields inside the tests (they exist once the file's
 * set-up ran). Apart from daemons.ts, which the benchmark also runs outside vitest.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { BIN, cliEnv } from './cli.js'
import { startDaemon, startPair, type Daemon, type Pair } from './daemons.js'
import { tempDir } from './tmp.js'

/** One daemon of a new wallet (label `solo`), its HTTP API on a free port. */
export function daemonForFile (): { readonly d: Daemon, readonly dir: string } {
  let d: Daemon | undefined
  let t: { dir: string, cleanup: () => Promise<void> } | undefined
  beforeAll(async () => {
    t = await tempDir()
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    const made = spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
    if (made.status !== 0) throw new Error(`mesh wallet new failed: ${made.stderr}`)
    d = await startDaemon(env, { home: join(t.dir, 'home'), wallet, label: 'solo' })
  }, 60_000)
  afterAll(async () => {
    await d?.proc.stop('SIGKILL')
    await t?.cleanup()
  })
  return {
    get d () { if (d === undefined) throw new Error('the daemon is started in beforeAll: read it inside a test'); return d },
    get dir () { return (t as { dir: string }).dir }
  }
}

/** Two daemons of one wallet, proven to each other. */
export function pairForFile (): Pair & { dir: string } {
  let pair: Pair | undefined
  let t: { dir: string, cleanup: () => Promise<void> } | undefined
  const got = (): Pair => { if (pair === undefined) throw new Error('the pair is started in beforeAll: read it inside a test'); return pair }
  beforeAll(async () => {
    t = await tempDir()
    pair = await startPair(t.dir)
  }, 120_000)
  afterAll(async () => {
    await pair?.stop()
    await t?.cleanup()
  })
  return {
    get a () { return got().a },
    get b () { return got().b },
    get wallet () { return got().wallet },
    get env () { return got().env },
    get dir () { return (t as { dir: string }).dir },
    stop: async () => { await got().stop() }
  }
}
