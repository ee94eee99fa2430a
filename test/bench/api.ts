/**
 * The local API's figures: a CLI command against a running daemon beside a bare `node -e 0`
 * (the command must not load libp2p, Yjs or the store), and one method's round trip over the
 * home's unix socket beside the same call in-process.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectRpc, createLocalApi, openVault } from '../../src/api/index.js'
import { writeNewWallet } from '../../src/identity/index.js'
import { fmt, median, now, percentile, report, text } from './util.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const BIN = join(ROOT, 'bin', 'mesh.js')

export async function benchApi (dir: string, opts: { quick: boolean, part?: string }): Promise<void> {
  await mkdir(dir, { recursive: true })
  const home = join(dir, 'home')
  const walletPath = join(dir, 'wallet.json')
  await writeNewWallet(walletPath)
  // A session with some history, written before the daemon takes the home.
  const v = await openVault({ home, wallet: walletPath, label: 'bench' })
  const s = await v.sessions.create('agent:main:bench')
  for (let i = 0; i < 10; i++) await s.append(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `${i}.${j} ${text(200)}` })))
  await s.close()
  // The in-process baseline: the same method on the same data, no socket.
  const local = await createLocalApi({ vault: v })
  const n = opts.quick ? 100 : 500
  const inproc: number[] = []
  for (let i = 0; i < n; i++) { const t = now(); await local.call('sessions.show', { key: 'bench', tail: 20 }); inproc.push(now() - t) }
  await local.close()
  await v.close()

  const env = { ...process.env, HOME: dir }
  const daemon = spawn(process.execPath, [BIN, 'join', '--home', home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ''
      daemon.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/^running/m.test(out)) resolve() })
      daemon.once('exit', (code) => { reject(new Error(`mesh join exited ${String(code)}: ${out}`)) })
    })
    if (opts.part === undefined || opts.part === 'cli') {
      const runs = opts.quick ? 5 : 15
      const time = (args: string[]): number => {
        const t = now()
        const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
        if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`)
        return now() - t
      }
      time(['-e', '0']); time([BIN, 'session', 'show', 'bench', '--home', home, '--tail', '20'])
      const bare: number[] = []
      const cli: number[] = []
      // Interleaved, so both see the same machine.
      for (let i = 0; i < runs; i++) {
        bare.push(time(['-e', '0']))
        cli.push(time([BIN, 'session', 'show', 'bench', '--home', home, '--tail', '20']))
      }
      const ratio = median(cli) / median(bare)
      report({ name: '`mesh session show KEY --tail 20` against a running daemon (process start to exit)', value: `${fmt(median(cli))} ms (p90 ${fmt(percentile(cli, 90))} ms)`, baseline: `node -e 0: ${fmt(median(bare))} ms`, ratio: `${fmt(ratio, 2)}×`, target: '≤ 2×', ok: ratio <= 2 })
    }
    if (opts.part === undefined || opts.part === 'rpc') {
      const rpc = await connectRpc(home)
      if (rpc === undefined) throw new Error('no daemon answered')
      const over: number[] = []
      for (let i = 0; i < n; i++) { const t = now(); await rpc.call('sessions.show', { key: 'bench', tail: 20 }); over.push(now() - t) }
      await rpc.close()
      const ratio = median(over) / median(inproc)
      report({ name: 'API round trip over the unix socket: sessions.show, tail 20', value: `p50 ${fmt(median(over), 2)} ms, p99 ${fmt(percentile(over, 99), 2)} ms`, baseline: `the same call in-process: p50 ${fmt(median(inproc), 2)} ms`, ratio: `${fmt(ratio, 2)}×`, target: 'reported', ok: undefined })
    }
  } finally {
    daemon.kill('SIGINT')
    await new Promise(resolve => daemon.once('exit', resolve))
  }
}
