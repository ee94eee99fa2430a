/**
 * What the CLI pairing tests start: a wallet, an admin's `mesh join` on loopback, and a fresh home
 * running `mesh pair --no-mdns` with its code and the address an approver dials (--dial).
 */
import { join } from 'node:path'
import { BIN, cliEnv, runCli } from './cli.js'
import { startDaemon, type Daemon } from './daemons.js'
import { spawnIn, type Proc } from './netns.js'

export interface Pairing { env: NodeJS.ProcessEnv, wallet: string, admin: Daemon, candidate: Proc, code: string, addr: string }

/** In `dir`; `pairArgs` go to `mesh pair` (its home is `home`, default dir/n). Stop both with `stop`. */
export async function startPairing (dir: string, opts: { pairArgs?: string[], home?: string } = {}): Promise<Pairing & { stop: () => Promise<void> }> {
  const env = cliEnv(dir)
  const wallet = join(dir, 'wallet.json')
  const made = await runCli(['wallet', 'new', '--out', wallet], { env })
  if (made.code !== 0) throw new Error(`mesh wallet new failed: ${made.stderr}`)
  const admin = await startDaemon(env, { home: join(dir, 'a'), wallet, label: 'alpha' })
  const candidate = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', opts.home ?? join(dir, 'n'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...(opts.pairArgs ?? [])], env)
  const stop = async (): Promise<void> => { await candidate.stop('SIGKILL'); await admin.proc.stop('SIGKILL') }
  try {
    const code = (await candidate.waitFor(/^pairing code: /)).match(/pairing code: (\S+)/)?.[1] as string
    const addr = (await candidate.waitFor(/^waiting/)).match(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+/)?.[0].replace(/\)$/, '') as string
    return { env, wallet, admin, candidate, code, addr, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
