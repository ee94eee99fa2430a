/**
 * Three hosts in three network namespaces joined by a bridge (in a namespace of its own), real
 * mDNS multicast between them, `mesh join` on each with its default listen address. A session
 * written on host 1 reaches hosts 2 and 3; host 3 (read-only) watches it, and its forged write
 * attempt is refused by the CLI before it tries.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { bridgedHosts, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('three hosts on a bridge', () => {
  it('find each other by mDNS across the bridge and converge', async () => {
    const net: Netns = bridgedHosts(3); cleanups.push(net.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const homes = [1, 2, 3].map(i => join(t.dir, `host${i}`))
    expect((await runCli(['init', '--home', homes[2] as string, '--wallet', wallet, '--read-only', '--label', 'host3'], { env })).code).toBe(0)
    const daemons: Proc[] = []
    cleanups.push(async () => { for (const d of daemons) await d.stop('SIGKILL') })
    net.names.forEach((ns, i) => {
      daemons.push(spawnIn(ns, process.execPath, [BIN, 'join', '--home', homes[i] as string, '--wallet', wallet, '--label', `host${i + 1}`, '--dht', 'off'], env))
    })
    for (const d of daemons) await d.waitFor(/^running/)
    // Each host proves the other two, found by multicast across the bridge.
    for (const [i, d] of daemons.entries()) {
      for (const j of [1, 2, 3].filter(x => x !== i + 1)) await d.waitFor(new RegExp(`peer proven\\s+host${j} .* via (mdns|inbound)`), 30_000)
    }
    const h1 = homes[0] as string
    const h3 = homes[2] as string
    expect((await runCli(['session', 'new', 'agent:main:bridge', '--home', h1, '--title', 'over the bridge'], { env })).code).toBe(0)
    await daemons[2]?.waitFor(/synced\s+agent:main:bridge/)
    const watch = spawnIn(undefined, process.execPath, [BIN, 'watch', 'bridge', '--home', h3], env)
    cleanups.push(async () => { await watch.stop('SIGKILL') })
    for (let i = 0; i < 5; i++) {
      expect((await runCli(['session', 'append', 'bridge', '--home', h1, '--role', 'user', '--text', `m${i}`], { env })).code).toBe(0)
    }
    await watch.waitFor(/: m4$/)
    const ro = await runCli(['session', 'append', 'bridge', '--home', h3, '--role', 'user', '--text', 'nope', '--json'], { env })
    expect(ro.code).toBe(2)
    expect(JSON.parse(ro.stderr).error.code).toBe('READ_ONLY')
    const two = JSON.parse((await runCli(['session', 'show', 'bridge', '--home', homes[1] as string, '--json'], { env })).stdout)
    expect(two.messages.map((m: any) => m.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
    const peers = JSON.parse((await runCli(['peers', '--home', h1, '--json'], { env })).stdout)
    expect(peers.map((p: any) => p.label).sort()).toEqual(['host2', 'host3'])
    expect(peers.every((p: any) => p.addrs.some((a: string) => a.startsWith('/ip4/10.250.0.')))).toBe(true)
    await watch.stop('SIGINT')
    for (const d of daemons) expect(await d.stop('SIGINT')).toBe(0)
  })
})
