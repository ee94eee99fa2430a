/**
 * Two `mesh join` daemons of one wallet, where a big session on A reaches B only through a proxy
 * that forwards at a slow rate: the session takes seconds to arrive (the tests of what a front-end
 * shows of a session still arriving).
 */
import { join } from 'node:path'
import { expect } from 'vitest'
import { bigSnapshotHome } from './big-snapshot.js'
import { cliEnv, runCli } from './cli.js'
import { cutProxy, type CutProxy } from './cut-proxy.js'
import { startDaemon, type Daemon } from './daemons.js'
import { tempDir } from './tmp.js'

export interface BigHome { dir: string, env: NodeJS.ProcessEnv, wallet: string, n: number }

/** A new wallet and A's home (`dir`/a) holding agent:main:big, `n` messages of ~1 KB as one snapshot. */
export async function bigHome (cleanups: Array<() => Promise<unknown>>, n: number): Promise<BigHome> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  await bigSnapshotHome(join(t.dir, 'a'), wallet, n)
  return { dir: t.dir, env, wallet, n }
}

/**
 * A's daemon (alpha, no HTTP), a proxy to it forwarding what A sends at `rate` bytes a second,
 * and B's daemon (beta, HTTP on a free port) bootstrapped through the proxy. Stopped by pid
 * (SIGKILL) at the cleanups. A test lets the rest come at once (`proxy.setRate(undefined)`) once
 * it has seen what it looks at while the session arrives.
 */
export async function slowArrival (cleanups: Array<() => Promise<unknown>>, home: BigHome, opts: { rate?: number } = {}): Promise<{ a: Daemon, b: Daemon, proxy: CutProxy }> {
  const daemons: Daemon[] = []
  cleanups.push(async () => { for (const d of daemons) await d.proc.stop('SIGKILL') })
  const a = await startDaemon(home.env, { home: join(home.dir, 'a'), wallet: home.wallet, label: 'alpha', http: 'off' }); daemons.push(a)
  const port = Number(/\/tcp\/(\d+)/.exec(a.addr)?.[1])
  const proxy = await cutProxy('127.0.0.1', port, { rateFromTarget: opts.rate ?? 250_000 })
  cleanups.push(async () => { await proxy.close() })
  const b = await startDaemon(home.env, { home: join(home.dir, 'b'), wallet: home.wallet, label: 'beta', bootstrap: `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${a.deviceId}` }); daemons.push(b)
  return { a, b, proxy }
}
