/**
 * A big session crosses a slow, lossy link between two hosts (network namespaces on a bridge):
 * each host's link is rate limited to 10 Mbit/s (`tc tbf`) and the switch drops 1% of frames at
 * random (an nftables `bridge` rule; needs the nftables package, netem is not in this kernel).
 * A fresh `mesh join` node receives it in one snapshot transfer with no restart.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bigSnapshotHome, brokenSessions, snapshotStarts } from '../helpers/big-snapshot.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { bridgedHosts, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const N = Number(process.env.MESH_BIG_N ?? 6000)
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

function run (ns: string, cmd: string, ...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('a big session over a slow, lossy link', () => {
  it('reaches a fresh node in one transfer with no restart (10 Mbit/s, 1% loss)', async () => {
    const net: Netns = bridgedHosts(2); cleanups.push(net.teardown)
    const [h1, h2] = net.names as [string, string]
    // The switch's namespace is named after the hosts' (netns.ts): mesh-h1-<tag> -> mesh-sw-<tag>.
    const sw = h1.replace(/^mesh-h1-/, 'mesh-sw-')
    for (const h of [h1, h2]) run(h, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', '10mbit', 'burst', '32kbit', 'latency', '50ms')
    run(sw, 'nft', 'add', 'table', 'bridge', 'meshloss')
    run(sw, 'nft', 'add', 'chain', 'bridge', 'meshloss', 'lossy', '{ type filter hook forward priority 0 ; }')
    run(sw, 'nft', 'add', 'rule', 'bridge', 'meshloss', 'lossy', 'numgen', 'random', 'mod', '100', '<', '1', 'counter', 'drop')

    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir, { DEBUG: 'mesh:sync,mesh:sync:*' })
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const homeA = join(t.dir, 'a')
    const homeB = join(t.dir, 'b')
    const size = await bigSnapshotHome(homeA, wallet, N)
    const procs: Proc[] = []
    try {
      const a = spawnIn(h1, process.execPath, [BIN, 'join', '--home', homeA, '--label', 'A', '--no-mdns', '--dht', 'off', '--listen', `/ip4/${net.addrs[0] as string}/tcp/0`], env)
      procs.push(a)
      const addr = (await a.waitFor(/^listening:\s+\/ip4\/10\.250/, 60_000)).split(/\s+/)[1] as string
      const full = `${addr}/p2p/${(await a.waitFor(/^device:/)).split(/\s+/)[1] as string}`
      const b = spawnIn(h2, process.execPath, [BIN, 'join', '--home', homeB, '--wallet', wallet, '--label', 'B', '--no-mdns', '--dht', 'off', '--listen', `/ip4/${net.addrs[1] as string}/tcp/0`, '--bootstrap', full], env)
      procs.push(b)
      await b.waitFor(/synced\s+agent:main:big from A: snapshot/, 240_000).catch((err: Error) => { throw new Error(`${err.message}\nA:\n${a.lines.slice(-40).join('\n')}`) })
      const r = await runCli(['session', 'show', 'big', '--home', homeB, '--json', '--tail', '1'], { env, timeoutMs: 60_000 })
      expect(JSON.parse(r.stdout).messageCount).toBe(N)
      expect(snapshotStarts(a.lines, size)).toEqual({ fresh: 1, resumed: 0 })
      expect(brokenSessions([...a.lines, ...b.lines])).toEqual([])
      // The link did drop frames: the rule's counter moved.
      const dropped = Number(/packets (\d+)/.exec(run(sw, 'nft', 'list', 'chain', 'bridge', 'meshloss', 'lossy'))?.[1] ?? 0)
      expect(dropped).toBeGreaterThan(0)
      expect(await b.stop('SIGINT')).toBe(0)
      expect(await a.stop('SIGINT')).toBe(0)
    } finally {
      for (const p of procs) await p.stop('SIGKILL')
    }
  }, 300_000)
})
