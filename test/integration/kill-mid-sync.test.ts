/**
 * A node killed with SIGKILL mid-sync restarts and converges with nothing lost: B starts syncing
 * a large session from A, is killed partway, restarts on the same home, and ends with every
 * message. Loopback only (mDNS off, B bootstraps from A).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, ROOT, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('SIGKILL mid-sync', () => {
  it('restarts and converges with nothing lost', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    await runCli(['wallet', 'new', '--out', wallet], { env })
    const homeA = join(t.dir, 'a')
    const homeB = join(t.dir, 'b')
    const N = 4000
    // Many small entries (50 messages each), so that sync takes a while and the kill lands inside it.
    const w = spawnSync(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'big-session.js'), homeA, wallet, String(N)], { encoding: 'utf8' })
    expect(w.status, w.stderr).toBe(0)
    const procs: Proc[] = []
    cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL') })
    const a = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeA, '--label', 'A', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    procs.push(a)
    const addr = (await a.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1/)).split(/\s+/)[1] as string
    const full = `${addr}/p2p/${(await a.waitFor(/^device:/)).split(/\s+/)[1] as string}`
    const startB = (): Proc => {
      const p = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeB, '--wallet', wallet, '--label', 'B', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', full], env)
      procs.push(p)
      return p
    }
    const b1 = startB()
    await b1.waitFor(/synced\s+agent:main:big from A: \+\d+ entr(y|ies)/, 30_000).catch((err: Error) => { throw new Error(`${err.message}\nA:\n${a.lines.join('\n')}`) })
    await b1.stop('SIGKILL')
    const b2 = startB()
    await b2.waitFor(/peer proven\s+A/)
    const deadline = Date.now() + 60_000
    let count = 0
    while (Date.now() < deadline) {
      const r = await runCli(['session', 'show', 'big', '--home', homeB, '--json', '--tail', '1'], { env })
      if (r.code === 0) { count = JSON.parse(r.stdout).messageCount; if (count === N) break }
      await new Promise(resolve => setTimeout(resolve, 300))
    }
    expect(count).toBe(N)
    const last = JSON.parse((await runCli(['session', 'show', 'big', '--home', homeB, '--json', '--tail', '1'], { env })).stdout)
    expect(last.messages[0].content).toMatch(new RegExp(`^big ${N - 1} `))
    expect(await b2.stop('SIGINT')).toBe(0)
    expect(await a.stop('SIGINT')).toBe(0)
  })
})
