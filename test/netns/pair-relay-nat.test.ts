/**
 * Pairing by code across two NATs through the owner's own relay (`mesh join --mirror --relay` on a
 * public host): the new device, behind one NAT with no wallet, runs `mesh pair --via RELAY`, which
 * registers it at the relay under its code's nameplate; the desktop, behind another NAT and
 * connected to the relay (`--relay-via`), approves the code with `mesh devices approve`, which
 * finds the device at the relay and reaches it by circuit. The new device then joins through the
 * relay and replicates with the desktop. A stranger behind a third NAT gets no reservation without
 * registering, no answer to the members' lookup, and once registered (a pairing slot, 10 minutes
 * at most) reaches neither the desktop nor the device being paired through the relay.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, cliEnv, runCli } from '../helpers/cli.js'
import { natHosts, type NatLab } from '../helpers/netns.js'
import { walletLab } from '../helpers/wallet-lab.js'

const STRANGER = join(ROOT, 'dist', 'test', 'helpers', 'pair-relay-stranger.js')
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('pairing across two NATs through the own relay', () => {
  it('pairs a NATed device with a NATed desktop by code through the relay; a stranger reserves only a pairing slot and reaches nobody', async () => {
    const lab: NatLab = natHosts(3); cleanups.push(lab.teardown)
    const { dir, env, wallet, run, mesh: spawn } = await walletLab(cleanups)
    const homes = { m: join(dir, 'm'), a: join(dir, 'a'), n: join(dir, 'n') }
    expect((await runCli(['init', '--mirror', '--home', homes.m, '--wallet', wallet, '--label', 'relay'], { env })).code).toBe(0)
    const m = spawn(lab.pub.ns, ['join', '--mirror', '--home', homes.m, '--no-mdns', '--http', 'off', '--relay', '--listen', '/ip4/0.0.0.0/tcp/4001'])
    const mId = (await m.waitFor(/^device:\s+\S+/)).split(/\s+/)[1] as string
    await m.waitFor(/^running/)
    const via = `/ip4/${lab.pub.addr}/tcp/4001/p2p/${mId}`
    const [na, nb, ns] = lab.natted as [NatLab['natted'][0], NatLab['natted'][0], NatLab['natted'][0]]

    const a = spawn(na.ns, ['join', '--home', homes.a, '--wallet', wallet, '--label', 'desktop', '--no-mdns', '--http', 'off', '--relay-via', via])
    const aId = (await a.waitFor(/^device:\s+\S+/)).split(/\s+/)[1] as string
    await a.waitFor(/peer proven\s+relay /, 60_000)
    expect((await runCli(['session', 'new', 'agent:main:far', '--home', homes.a, '--goal', 'written before pairing'], { env })).code).toBe(0)

    // The new device: no wallet anywhere, behind its own NAT; the relay is all it knows.
    const envN = cliEnv(join(dir, 'laptop-user'))
    const n = spawn(nb.ns, ['pair', '--home', homes.n, '--label', 'laptop', '--no-mdns', '--via', via], envN)
    const code = ((await n.waitFor(/^pairing code: /)).match(/([0-9A-Z]{4}-[0-9A-Z]{4})/) as RegExpMatchArray)[1] as string
    await n.waitFor(new RegExp(`^waiting at relay ${mId}`), 30_000)

    // The stranger first, while the device waits: nothing but a pairing slot of its own.
    const s = run(ns.ns, STRANGER, [via, code.slice(0, 2), aId])
    expect(await s.exited).toBe(0)
    const r = JSON.parse(s.lines.find(l => l.startsWith('{')) as string)
    expect(r.reserveUnregistered).toMatch(/^refused/)
    expect(r.lookup).toMatch(/^refused/)
    expect(r.registered).toMatch(/^ok/)
    expect(r.reservation).toBe('ok')
    // Whole seconds, rounded: a 2-hour member reservation would say 7200.
    expect(r.expiresInS).toBeLessThanOrEqual(601)
    expect(r.reach[aId]).toMatch(/^refused.*PERMISSION_DENIED/)

    // The desktop approves through its daemon, which asks the relay for the nameplate.
    const approve = await runCli(['devices', 'approve', code, '--home', homes.a, '--yes', '--no-mdns'], { env })
    expect(approve.code).toBe(0)
    expect(approve.stdout).toMatch(new RegExp(`reached at:\\s+/ip4/203\\.0\\.113\\.100/tcp/4001/p2p/${mId}/p2p-circuit \\(relay\\)`))
    // The owner also sees where the device came from: its router's public address, as the relay saw it.
    expect(approve.stdout).toMatch(/comes from:\s+\/ip4\/203\.0\.113\.2\/tcp\/\d+ \(as the relay saw it\)/)
    expect(approve.stdout).toMatch(/approved: 'laptop'/)
    expect(await n.exited).toBe(0)
    expect(n.lines.join('\n')).toMatch(/paired with vault \S+ as 'laptop' \[read, write\], approved by desktop/)

    // The laptop joins through the same relay and gets what the desktop wrote.
    const ln = spawn(nb.ns, ['join', '--home', homes.n, '--no-mdns', '--http', 'off', '--relay-via', via], envN)
    await ln.waitFor(/peer proven\s+desktop/, 60_000)
    await ln.waitFor(/synced\s+agent:main:far/, 60_000)
    for (const d of [ln, a, m]) expect(await d.stop('SIGINT')).toBe(0)
  }, 300_000)
})
