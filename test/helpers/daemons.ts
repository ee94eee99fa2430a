/**
 * Real `mesh join` daemons on loopback (mDNS off, the second bootstraps from the first), each
 * serving its HTTP API on a free port: what the HTTP, dashboard and bench tests drive.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIN, cliEnv } from './cli.js'
import { spawnIn, type Proc } from './netns.js'

// From the sources (vitest) BIN is right; compiled (the bench runs dist/test/...) it is one level up.
const BIN_PATH = existsSync(BIN) ? BIN : fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))

export interface Daemon {
  label: string
  home: string
  proc: Proc
  /** Its libp2p address with /p2p/, to bootstrap from. */
  addr: string
  deviceId: string
  /** http://127.0.0.1:PORT */
  url: string
  port: number
  token: string
}

export interface Pair { a: Daemon, b: Daemon, wallet: string, env: NodeJS.ProcessEnv, stop: () => Promise<void> }

/** `http`: the --http flag (default 0: any free port); with 'off', url/port/token are empty. */
/** `args`: more flags of `mesh join` (e.g. --follow claude). */
export async function startDaemon (env: NodeJS.ProcessEnv, opts: { home: string, wallet: string, label: string, bootstrap?: string, http?: string, args?: string[] }): Promise<Daemon> {
  const args = [BIN_PATH, 'join', '--home', opts.home, '--wallet', opts.wallet, '--label', opts.label, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', opts.http ?? '0']
  if (opts.bootstrap !== undefined) args.push('--bootstrap', opts.bootstrap)
  args.push(...(opts.args ?? []))
  const proc = spawnIn(undefined, process.execPath, args, env)
  try {
    await proc.waitFor(/^running/, 30_000)
    const listen = (await proc.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1/)).split(/\s+/)[1] as string
    const deviceId = (await proc.waitFor(/^device:/)).split(/\s+/)[1] as string
    const base = { label: opts.label, home: opts.home, proc, addr: listen.includes("/p2p/") ? listen : `${listen}/p2p/${deviceId}`, deviceId }
    if (opts.http === 'off') return { ...base, url: '', port: 0, token: '' }
    const info = JSON.parse(await readFile(join(opts.home, 'api.json'), 'utf8')) as { url: string, port: number }
    const token = (await readFile(join(opts.home, 'api.token'), 'utf8')).trim()
    return { ...base, url: info.url, port: info.port, token }
  } catch (err) {
    await proc.stop('SIGKILL')
    throw err
  }
}

/** Two daemons of one wallet in `dir`, proven to each other. Stop them with `stop()` (by pid). */
export async function startPair (dir: string): Promise<Pair> {
  const env = cliEnv(dir)
  const wallet = join(dir, 'wallet.json')
  const made = spawnSync(process.execPath, [BIN_PATH, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`mesh wallet new failed: ${made.stderr}`)
  const started: Daemon[] = []
  const stop = async (): Promise<void> => { for (const d of started.reverse()) await d.proc.stop('SIGKILL') }
  try {
    const a = await startDaemon(env, { home: join(dir, 'a'), wallet, label: 'alpha' })
    started.push(a)
    const b = await startDaemon(env, { home: join(dir, 'b'), wallet, label: 'beta', bootstrap: a.addr })
    started.push(b)
    await a.proc.waitFor(/peer proven\s+beta/, 30_000)
    await b.proc.waitFor(/peer proven\s+alpha/, 30_000)
    return { a, b, wallet, env, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** One authorised JSON request to a daemon's HTTP API. */
export async function api (d: Daemon, verb: string, path: string, body?: unknown, token = d.token): Promise<{ status: number, body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(d.url + path, { method: verb, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}
