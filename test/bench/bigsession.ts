/**
 * `--only=mesh.bigsession` (about a minute on a quiet machine): a session of 30,000 and of
 * 100,000 × 1 KB messages, held by A as one snapshot, reaches a fresh `mesh join` process B (both
 * real daemons on loopback), timed from B's start to B reporting the snapshot stored; the
 * sender's sync log says how many transfers it began (1 means no restart). Beside it, the floor:
 * the same bytes through one bare TCP socket into another process, measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bigSnapshotHome, brokenSessions, snapshotStarts } from '../helpers/big-snapshot.js'
import { fileURLToPath } from 'node:url'
import { cliEnv } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { fmt, now, report } from './util.js'

const BIN = fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
const VAULT_CHILD = fileURLToPath(new URL('./vault-child.js', import.meta.url))

/** A process's resident memory now and at its peak (VmHWM), from /proc. */
function memoryOf (pid: number): { rss: number, peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** S bytes from this process into a child that reads them over one TCP socket: ms until it has all. */
async function rawTransfer (bytes: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', `const n=${bytes};require('net').createServer(s=>{let g=0;s.on('data',d=>{g+=d.length;if(g>=n)s.end('k')})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const port = Number(await new Promise<string>(resolve => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))))
    const { createConnection } = await import('node:net')
    const chunk = Buffer.alloc(64 * 1024, 7)
    const start = now()
    await new Promise<void>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        let sent = 0
        const pump = (): void => {
          while (sent < bytes) {
            const n = Math.min(chunk.byteLength, bytes - sent)
            sent += n
            if (!s.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) { s.once('drain', pump); return }
          }
        }
        pump()
      })
      s.on('data', () => { s.destroy(); resolve() })
      s.on('error', reject)
    })
    return now() - start
  } finally {
    child.kill('SIGKILL')
  }
}

export async function benchBigSession (dir: string, walletPath: string, opts: { quick: boolean }): Promise<void> {
  const sizes = opts.quick ? [6000] : (process.env.MESH_BIG_SIZES ?? '30000,100000').split(',').map(Number)
  for (const n of sizes) {
    const home = join(dir, `big-${n}`)
    const size = await bigSnapshotHome(home, walletPath, n)
    const env = cliEnv(dir, { DEBUG: 'mesh:sync,mesh:sync:*' })
    const a = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', home, '--label', 'A', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    const procs = [a]
    try {
      const addr = (await a.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1/, 60_000)).split(/\s+/)[1] as string
      const full = `${addr}/p2p/${(await a.waitFor(/^device:/)).split(/\s+/)[1] as string}`
      const start = now()
      const b = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', join(dir, `big-${n}-b`), '--wallet', walletPath, '--label', 'B', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', full], env)
      procs.push(b)
      await b.waitFor(/peer proven\s+A/, 120_000)
      const proven = now() - start
      // The receiver's memory once started (its peak so far: start-up) and at its peak while receiving.
      const before = memoryOf(b.child.pid as number)
      await b.waitFor(/synced\s+agent:main:big from A: snapshot/, 900_000)
      const ms = now() - start
      const after = memoryOf(b.child.pid as number)
      const starts = snapshotStarts(a.lines, size)
      const broken = brokenSessions([...a.lines, ...b.lines]).length
      const raw = await rawTransfer(size)
      report({
        name: `big session to a fresh \`mesh join\` process: ${n.toLocaleString('en')} × 1 KB (a ${fmt(size / 1e6)} MB snapshot), from B's start to the snapshot stored`,
        value: `${fmt(ms / 1000, 1)} s (A proven after ${fmt(proven / 1000, 1)} s), ${starts.fresh} transfer(s) begun, ${starts.resumed} resumed, ${broken} session(s) broken off`,
        baseline: `the same bytes over one bare TCP socket into another process ${fmt(raw, 0)} ms`,
        ratio: `${fmt(ms / raw, 1)}×`,
        target: 'one transfer, no restart',
        ok: starts.fresh === 1 && starts.resumed === 0 && broken === 0
      })
      await b.stop('SIGINT')
      // The received document's heap, opened alone in a fresh process once the receiver stopped.
      const doc = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', VAULT_CHILD, 'memory', join(dir, `big-${n}-b`)], { encoding: 'utf8', env: { ...process.env, MESH_BENCH_KEY: 'agent:main:big' } })) as { bytes: number, messages: number }
      const growth = after.peak - before.rss
      report({
        name: `memory while receiving that session (${doc.messages.toLocaleString('en')} messages): the receiver's peak resident memory over its resident memory before the transfer`,
        value: `${fmt(growth / 1e6, 1)} MB (peak ${fmt(after.peak / 1e6, 1)} MB, before ${fmt(before.rss / 1e6, 1)} MB)`,
        baseline: `the received document's heap, opened alone ${fmt(doc.bytes / 1e6, 1)} MB`,
        ratio: `${fmt(growth / doc.bytes, 2)}×`,
        target: '< 2×',
        ok: growth / doc.bytes < 2
      })
    } finally {
      for (const p of procs) await p.stop('SIGKILL')
    }
  }
}
