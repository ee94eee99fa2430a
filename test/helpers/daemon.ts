/**
 * A `mesh join` daemon for CLI tests, as a Proc with its home and address: the one in
 * daemons.ts (loopback, no mDNS, no DHT, a free port, stopped by its own pid), seen as the
 * process whose lines the tests wait on.
 */
import { startDaemon as start } from './daemons.js'
import type { Proc } from './netns.js'

export interface Daemon extends Proc { home: string, addr: string }

export async function startDaemon (opts: { home: string, wallet: string, label: string, env: NodeJS.ProcessEnv, bootstrap?: string }): Promise<Daemon> {
  const d = await start(opts.env, { home: opts.home, wallet: opts.wallet, label: opts.label, bootstrap: opts.bootstrap })
  return { ...d.proc, home: d.home, addr: d.addr }
}
