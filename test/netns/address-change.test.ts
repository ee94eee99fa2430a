/**
 * A laptop whose address changes under a running `mesh join` (another DHCP lease, a move between
 * access points of one LAN): its connection to a sibling was bound to the address it no longer
 * has, so nothing sent on it arrives, yet both ends showed each other `connected`, `in sync`, until
 * the next liveness ping (up to a minute with the default `pingInterval`) and its 20 s timeout. A
 * session written on the laptop meanwhile reached the desktop some 75 s later. A change of this
 * node's addresses makes every connection suspect: each is checked at once, a dead one dropped
 * and the sibling found again. Two daemons on a bridge, default config, as a user runs them.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { bridgedHosts, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('a sibling whose address changes', () => {
  it('is reached at its new address within seconds, not at the next ping a minute later', async () => {
    const net: Netns = bridgedHosts(2); cleanups.push(net.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const labels = ['desktop', 'laptop']
    const homes = labels.map(l => join(t.dir, l))
    for (const [i, home] of homes.entries()) expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', labels[i] as string], { env })).code).toBe(0)
    const daemons: Proc[] = net.names.map((ns, i) => spawnIn(ns, process.execPath, [BIN, 'join', '--home', homes[i] as string, '--wallet', wallet, '--dht', 'off', '--http', 'off'], env))
    cleanups.push(async () => { for (const d of daemons) await d.stop('SIGKILL') })
    const ids: string[] = []
    for (const d of daemons) ids.push(/^device:\s+(\S+)/.exec(await d.waitFor(/^device:/))?.[1] as string)
    for (const d of daemons) await d.waitFor(/^running/)
    for (const [i, d] of daemons.entries()) await d.waitFor(new RegExp(`peer proven\\s+${labels[1 - i] as string} `), 30_000)

    // The laptop is the one with the greater PeerId: the desktop, the smaller, is the end that
    // opens sync and, of two connections to one sibling, keeps the one sync runs on
    // (one-connection.ts), which is the dead one here. Its address changes: the old one goes (and
    // the routes with it), a new one comes.
    const [d, l] = (ids[0] as string) < (ids[1] as string) ? [0, 1] : [1, 0]
    const laptop = net.names[l] as string
    execFileSync('ip', ['-n', laptop, 'addr', 'del', `${net.addrs[l] as string}/24`, 'dev', 'eth0'])
    execFileSync('ip', ['-n', laptop, 'addr', 'add', '10.250.0.102/24', 'dev', 'eth0'])
    execFileSync('ip', ['-n', laptop, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0'])
    const changedAt = Date.now()
    expect((await runCli(['session', 'new', 'agent:main:moved', '--home', homes[l] as string], { env })).code).toBe(0)
    // Within a ping's timeout and a rediscovery; a minute and more before.
    await daemons[d]?.waitFor(/synced\s+agent:main:moved\b/, 25_000)
    expect(Date.now() - changedAt).toBeLessThan(25_000)
    for (const d of daemons) expect(await d.stop('SIGINT')).toBe(0)
  }, 120_000)
})
