/**
 * A network that carries no multicast (an interface, but no route for multicast: a container, a
 * VPN-only host): `mesh join` with mDNS on cannot send a query, and says so once, with the
 * system's reason and what reaches a sibling instead, rather than only `discovery: mdns on` while nothing can find it. Once the
 * network carries multicast (the route added in the namespace), it says its queries go out again.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { hostWithoutMulticast, spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mDNS on a network without multicast (namespace)', () => {
  it('says once that queries cannot be sent and why, then that they go out again once they can', async () => {
    const ns = hostWithoutMulticast(); cleanups.push(ns.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const name = ns.names[0] as string
    const node: Proc = spawnIn(name, process.execPath, [BIN, 'join', '--home', join(t.dir, 'home'), '--wallet', wallet, '--label', 'alone', '--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off', '--http', 'off'], env)
    cleanups.push(async () => { await node.stop('SIGKILL') })
    await node.waitFor(/^running/)
    expect(node.lines.some(l => /^discovery:.*mdns/.test(l))).toBe(true)
    const failing = await node.waitFor(/^mdns\s+cannot send/, 30_000)
    expect(failing).toMatch(/^mdns\s+cannot send on this network \(E[A-Z]+: no multicast route or interface\?\): siblings on this LAN cannot find this device by mDNS, nor it them; it keeps trying\. Reach one directly with --bootstrap ADDR/)

    ns.allowMulticast()
    await node.waitFor(/^mdns\s+queries go out again/, 30_000)
    // Said once for the failing stretch, however many queries failed in it (one a second).
    expect(node.lines.filter(l => /^mdns\s+cannot send/.test(l))).toHaveLength(1)
    expect(await node.stop('SIGINT')).toBe(0)
  }, 90_000)
})
