/**
 * `npm start`, the README's quick start, stops cleanly when its own pid is signalled, as a
 * supervisor, `timeout`, `docker stop` or a `kill` from another shell signals it: npm passes
 * SIGINT and SIGTERM to the script's process, and the script's shell hands its place to
 * `mesh join` (exec) so the signal reaches the node. Before, dash kept the shell between them:
 * SIGINT did nothing, and SIGTERM ended npm and left the node running with the home held.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readLockPid } from '../../src/store/lock.js'
import { cliEnv, ROOT, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

describe('npm start', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops mesh join, its store flushed and its home free, on ${signal} to npm's own pid`, async () => {
      const t = await tempDir()
      cleanups.push(t.cleanup)
      const env = cliEnv(t.dir)
      const wallet = join(t.dir, 'wallet.json')
      expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
      const home = join(t.dir, 'home')
      const npm = spawn('npm', ['start', '--', '--home', home, '--wallet', wallet, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      npm.stdout.on('data', (d: Buffer) => { out += d.toString() })
      npm.stderr.on('data', (d: Buffer) => { out += d.toString() })
      let node: number | undefined
      cleanups.push(async () => {
        // Whatever is left of this test's own processes, by their pids.
        if (npm.exitCode === null) npm.kill('SIGKILL')
        if (node !== undefined && alive(node)) process.kill(node, 'SIGKILL')
      })
      await until(() => /^running/m.test(out), `mesh join running under npm start\n${out}`, 60_000)
      node = await readLockPid(home)
      expect(node, 'the node holds its home').toBeTypeOf('number')
      expect(node).not.toBe(npm.pid)

      npm.kill(signal)
      await until(() => npm.exitCode !== null || npm.signalCode !== null, `npm start ended after ${signal}\n${out}`, 30_000)
      await until(() => !alive(node as number), `mesh join (pid ${node}) ended after ${signal} to npm\n${out}`, 30_000)
      expect(out).toMatch(/stopped; store flushed/)
      expect(await readLockPid(home)).toBeUndefined()
    }, 90_000)
  }
})
