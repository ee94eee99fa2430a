/**
 * Revocation across separate hosts (issue 14 §3, §6), with real `mesh join` daemons in network
 * namespaces: the own blind mirror and relay on a public host (`mesh join --mirror --relay`), a
 * desktop, a laptop and a tablet each behind a NAT of its own, finding each other through the
 * relay's DHT. What loopback (test/integration/revocation.test.ts) cannot show:
 *
 * - The laptop and the tablet are offline while the desktop revokes the laptop and rotates.
 * - Both come back on the laptop's network, stale, with no relay: the tablet takes the laptop's
 *   new entries (neither knows yet). Moved back home with the relay, the tablet learns the
 *   revocation from the mirror before anything else, drops those entries and forwards none: the
 *   desktop and the mirror never hold them.
 * - The tablet missed the rotation and has forgotten every address (its peer book is gone): it
 *   reaches the mirror by `--relay-via`, learns its wrap of the new epoch there, and then finds the
 *   desktop on another NAT by the DHT rendezvous of the new epoch, and reads what was written after
 *   the rotation.
 * - The laptop, back online through the same relay, is refused by the mirror and the relay, is
 *   proven by nobody, and receives nothing written after the rotation.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { natHosts, type NatLab, type Proc } from '../helpers/netns.js'
import { walletLab } from '../helpers/wallet-lab.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('revocation across NATs, through the own mirror and relay', () => {
  it('a revoked laptop back online gets nothing new and its late entries reach no one, also through a stale member and the mirror; a member that missed the rotation finds the mesh again by the new rendezvous', async () => {
    const lab: NatLab = natHosts(3); cleanups.push(lab.teardown)
    const { dir, env, wallet, mesh } = await walletLab(cleanups)
    const homes = { m: join(dir, 'm'), a: join(dir, 'a'), l: join(dir, 'l'), c: join(dir, 'c') }
    const join_ = (ns: string, home: string, args: string[]): Proc => mesh(ns, ['join', '--home', home, '--no-mdns', '--http', 'off', ...args])
    const shown = async (home: string): Promise<string[]> => {
      const r = await runCli(['session', 'show', 'rev', '--home', home, '--json'], { env })
      return r.code === 0 ? JSON.parse(r.stdout).messages.map((x: any) => x.content) : []
    }
    const waitShown = async (home: string, text: string, ms = 60_000): Promise<void> => {
      const end = Date.now() + ms
      while (!(await shown(home)).includes(text)) {
        if (Date.now() > end) throw new Error(`${home} never showed '${text}': ${JSON.stringify(await shown(home))}`)
        await sleep(250)
      }
    }
    const entries = async (home: string): Promise<number> => JSON.parse((await runCli(['status', '--home', home, '--json'], { env })).stdout).store.entries

    expect((await runCli(['init', '--mirror', '--home', homes.m, '--wallet', wallet, '--label', 'relay'], { env })).code).toBe(0)
    const m = join_(lab.pub.ns, homes.m, ['--mirror', '--relay', '--listen', '/ip4/0.0.0.0/tcp/4001'])
    const mId = (await m.waitFor(/^device:\s+\S+/)).split(/\s+/)[1] as string
    await m.waitFor(/^running/)
    const via = `/ip4/${lab.pub.addr}/tcp/4001/p2p/${mId}`
    const [na, nl, nc] = lab.natted as [NatLab['natted'][0], NatLab['natted'][0], NatLab['natted'][0]]

    // Everyone online, each behind its own NAT, found through the relay's DHT.
    const a = join_(na.ns, homes.a, ['--wallet', wallet, '--label', 'desktop', '--relay-via', via])
    const l1 = join_(nl.ns, homes.l, ['--wallet', wallet, '--label', 'laptop', '--relay-via', via])
    const c1 = join_(nc.ns, homes.c, ['--wallet', wallet, '--label', 'tablet', '--relay-via', via])
    await a.waitFor(/peer proven\s+laptop /, 90_000)
    await a.waitFor(/peer proven\s+tablet /, 90_000)
    expect((await runCli(['session', 'new', 'agent:main:rev', '--home', homes.a, '--goal', 'revocation across NATs'], { env })).code).toBe(0)
    expect((await runCli(['session', 'append', 'rev', '--home', homes.a, '--role', 'user', '--text', 'before'], { env })).code).toBe(0)
    await waitShown(homes.l, 'before')
    await waitShown(homes.c, 'before')

    // Laptop and tablet go offline; the desktop revokes the laptop and rotates, then writes.
    await l1.stop('SIGKILL')
    await c1.stop('SIGKILL')
    const revoke = await runCli(['devices', 'revoke', 'laptop', '--home', homes.a, '--yes'], { env })
    expect(revoke.code).toBe(0)
    expect(revoke.stdout).toMatch(/vault key rotated \(rotation 1\)/)
    expect((await runCli(['session', 'append', 'rev', '--home', homes.a, '--role', 'user', '--text', 'after rotation'], { env })).code).toBe(0)
    const aEntries = await entries(homes.a)
    const until = Date.now() + 30_000
    while ((await entries(homes.m)) < aEntries && Date.now() < until) await sleep(200)
    expect(await entries(homes.m)).toBe(aEntries)

    // Stale, on the laptop's network without the relay: the tablet takes the laptop's late entries.
    // Its peer book is dropped too: through it the laptop would reach the mirror, be told of its
    // revocation and refuse its own writes (revoked-told.test.ts); a thief's modified code would not.
    await rm(join(homes.l, 'peers.json'))
    const l2 = join_(nl.ns, homes.l, ['--dht', 'off', '--listen', '/ip4/0.0.0.0/tcp/4100'])
    const lId = (await l2.waitFor(/^device:\s+\S+/)).split(/\s+/)[1] as string
    await l2.waitFor(/^running/)
    await rm(join(homes.c, 'peers.json'))
    const c2 = join_(nl.ns, homes.c, ['--dht', 'off', '--bootstrap', `/ip4/127.0.0.1/tcp/4100/p2p/${lId}`])
    await c2.waitFor(/peer proven\s+laptop /, 30_000)
    expect((await runCli(['session', 'append', 'rev', '--home', homes.l, '--role', 'user', '--text', 'late from laptop'], { env })).code).toBe(0)
    await waitShown(homes.c, 'late from laptop', 30_000)
    expect(await shown(homes.l)).not.toContain('after rotation')
    await l2.stop('SIGKILL')
    await c2.stop('SIGKILL')

    // The desktop and the tablet both forget every address (the desktop restarts; the tablet
    // goes home): only --relay-via is left, so they can meet only at the relay's DHT. The tablet
    // learns the revocation and its wrap of the new epoch key from the mirror, and then both look
    // up the new epoch's rendezvous.
    expect(await a.stop('SIGINT')).toBe(0)
    await rm(join(homes.a, 'peers.json'))
    const a2 = join_(na.ns, homes.a, ['--relay-via', via])
    await a2.waitFor(/peer proven\s+relay /, 60_000)
    await rm(join(homes.c, 'peers.json'))
    const c3 = join_(nc.ns, homes.c, ['--relay-via', via])
    await c3.waitFor(/peer proven\s+relay /, 60_000)
    await c3.waitFor(/peer proven\s+desktop /, 90_000)
    // Each side proves the other in its own time: the dialer's line may come after the other's.
    await a2.waitFor(/peer proven\s+tablet /, 30_000)
    // Whichever side dialed, it found the other by the DHT: no other way is left.
    expect([...c3.lines, ...a2.lines].some(x => /peer proven\s+(desktop|tablet) .* via dht/.test(x))).toBe(true)
    await waitShown(homes.c, 'after rotation')
    // What the laptop wrote after its revocation is dropped by the tablet and reached no one.
    const cEnd = Date.now() + 30_000
    while ((await shown(homes.c)).includes('late from laptop') && Date.now() < cEnd) await sleep(250)
    expect(await shown(homes.c)).not.toContain('late from laptop')
    expect((await runCli(['session', 'append', 'rev', '--home', homes.c, '--role', 'user', '--text', 'tablet is back'], { env })).code).toBe(0)
    await waitShown(homes.a, 'tablet is back')
    expect(await shown(homes.a)).toEqual(['before', 'after rotation', 'tablet is back'])
    // The mirror holds what the desktop and the tablet wrote, not one entry more.
    const mEnd = Date.now() + 30_000
    while ((await entries(homes.m)) !== (await entries(homes.a)) && Date.now() < mEnd) await sleep(250)
    expect(await entries(homes.m)).toBe(await entries(homes.a))

    // The laptop comes back through the same relay: refused by the mirror, proven by nobody.
    const l3 = join_(nl.ns, homes.l, ['--relay-via', via])
    await l3.waitFor(/^running/)
    await l3.waitFor(/peer refused/, 60_000)
    await sleep(5000)
    for (const p of [a2, c3]) expect(p.lines.some(x => /peer proven\s+laptop /.test(x))).toBe(false)
    // The mirror proved it once, before the revocation.
    expect(m.lines.filter(x => /peer proven\s+laptop /.test(x))).toHaveLength(1)
    expect(l3.lines.some(x => /peer proven/.test(x))).toBe(false)
    expect(await shown(homes.l)).not.toContain('after rotation')
    expect(await shown(homes.l)).not.toContain('tablet is back')
    const status = JSON.parse((await runCli(['status', '--home', homes.l, '--json'], { env })).stdout)
    expect(status.daemon.relayVia[0].state).toBe('trying')
    for (const d of [l3, c3, a2, m]) expect(await d.stop('SIGINT')).toBe(0)
  }, 420_000)
})
