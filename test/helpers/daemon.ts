/**
 * `mesh join` daemons for tests on loopback: no mDNS (it would multicast beyond the test), no
 * DHT, a free port; stopped by their own pid in `stop`. A second daemon bootstraps from the first.
 */
import { BIN } from './cli.js'
import { spawnIn, type Proc } from './netns.js'

export interface Daemon extends Proc { home: string, addr: string }

export async function startDaemon (opts: { home: string, wallet: string, label: string, env: NodeJS.ProcessEnv, bootstrap?: string, extra?: string[] }): Promise<Daemon> {
  const args = [BIN, 'join', '--home', opts.home, '--wallet', opts.wallet, '--label', opts.label, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', ...(opts.bootstrap !== undefined ? ['--bootstrap', opts.bootstrap] : []), ...(opts.extra ?? [])]
  const p = spawnIn(undefined, process.execPath, args, opts.env)
  try {
    await p.waitFor(/^running/, 30_000)
  } catch (err) {
    await p.stop('SIGKILL')
    throw err
  }
  const addr = (await p.waitFor(/^listening:/)).replace(/^listening:\s+/, '').trim()
  return { ...p, home: opts.home, addr }
}
