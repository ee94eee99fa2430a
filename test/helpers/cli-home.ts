/**
 * A home of its own for a file of CLI tests, as a user sets one up: a temp folder, a new wallet,
 * `mesh init`, and a user folder for the agents' homes (`env(dir)` adds their variables, e.g.
 * CODEX_HOME under the folder). It registers its own beforeAll and afterAll (processes it was
 * given are killed, the folder removed); its fields are read inside the tests.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { BIN, cliEnv, runCli, type RunResult } from './cli.js'
import { spawnIn, type Proc } from './netns.js'
import { tempDir } from './tmp.js'

export interface CliHome {
  /** The temp folder (the home, the wallet and the user folder are in it). */
  readonly dir: string
  readonly home: string
  readonly env: NodeJS.ProcessEnv
  /** Processes a test started: killed after the file's tests. */
  readonly procs: Proc[]
  /** Runs `mesh ARGS --home HOME`. */
  mesh: (...args: string[]) => Promise<RunResult>
  /**
   * Starts `mesh join` on the home, kept to loopback (no mDNS, no DHT, no HTTP), with `flags`
   * (`--follow codex`); killed after the file's tests if the test has not stopped it.
   */
  join: (...flags: string[]) => Proc
}

export function cliHome (env: (dir: string) => Record<string, string> = () => ({})): CliHome {
  let t: { dir: string, cleanup: () => Promise<void> } | undefined
  let vars: NodeJS.ProcessEnv = {}
  const procs: Proc[] = []
  const h: CliHome = {
    get dir () { return (t as { dir: string }).dir },
    get home () { return join(h.dir, 'home') },
    get env () { return vars },
    procs,
    mesh: async (...args) => await runCli([...args, '--home', h.home], { env: vars }),
    join: (...flags) => {
      const p = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', h.home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', ...flags], vars)
      procs.push(p)
      return p
    }
  }
  beforeAll(async () => {
    t = await tempDir()
    const wallet = join(t.dir, 'wallet.json')
    await writeNewWallet(wallet)
    await mkdir(join(t.dir, 'user'), { recursive: true })
    vars = cliEnv(join(t.dir, 'user'), env(t.dir))
    const init = await h.mesh('init', '--wallet', wallet)
    expect(init.code, init.stderr).toBe(0)
  }, 60_000)
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL')
    await t?.cleanup()
  })
  return h
}
