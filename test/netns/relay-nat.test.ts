/**
 * Two members behind different NATs (each in a private network behind a router namespace that
 * masquerades with nftables and lets nothing in) reach each other only through a third member's
 * relay on a public address: `mesh join --mirror --relay` there (a blind mirror that is also the
 * relay), `--relay-via` on each, the DHT on the relay tells each where the other is, and a
 * session written on one arrives at the other over the relayed connection. Then B stops, A writes
 * more and is killed, and B, started again, gets it from the mirror: a handoff across two NATs
 * between devices not online together. A stranger (another wallet) behind a third NAT asks the
 * same relay for a reservation and is refused.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { natHosts, spawnIn, type NatLab, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('two NATed members through their own mirror and relay', () => {
  it('connect through the relay and replicate, hand off through the mirror; a stranger cannot reserve', async () => {
    const lab: NatLab = natHosts(3); cleanups.push(lab.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    const strangerWallet = join(t.dir, 'stranger.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    expect((await runCli(['wallet', 'new', '--out', strangerWallet], { env })).code).toBe(0)
    const daemons: Proc[] = []
    cleanups.push(async () => { for (const d of daemons) await d.stop('SIGKILL') })
    const join_ = (ns: string, home: string, args: string[], w = wallet): Proc => {
      const p = spawnIn(ns, process.execPath, [BIN, 'join', '--home', home, '--wallet', w, '--no-mdns', '--http', 'off', ...args], env)
      daemons.push(p)
      return p
    }
    const homes = { m: join(t.dir, 'm'), a: join(t.dir, 'a'), b: join(t.dir, 'b'), s: join(t.dir, 's') }
    expect((await runCli(['init', '--mirror', '--home', homes.m, '--wallet', wallet, '--label', 'relay'], { env })).code).toBe(0)
    const m = spawnIn(lab.pub.ns, process.execPath, [BIN, 'join', '--mirror', '--home', homes.m, '--no-mdns', '--http', 'off', '--relay', '--listen', '/ip4/0.0.0.0/tcp/4001'], env)
    daemons.push(m)
    const mId = (await m.waitFor(/^device:\s+\S+/)).split(/\s+/)[1] as string
    await m.waitFor(/^relay:\s+serving members only/)
    await m.waitFor(/^running/)
    const via = `/ip4/${lab.pub.addr}/tcp/4001/p2p/${mId}`
    const [na, nb, ns] = lab.natted as [NatLab['natted'][0], NatLab['natted'][0], NatLab['natted'][0]]
    const a = join_(na.ns, homes.a, ['--label', 'alpha', '--relay-via', via])
    const b = join_(nb.ns, homes.b, ['--label', 'beta', '--relay-via', via])
    for (const d of [a, b]) {
      await d.waitFor(/^running/)
      await d.waitFor(/peer proven\s+relay /)
    }
    const status = async (home: string): Promise<any> => JSON.parse((await runCli(['status', '--home', home, '--json'], { env })).stdout)
    // The relay sees each member from its router's public address: both are masqueraded.
    const mPeers = JSON.parse((await runCli(['peers', '--home', homes.m, '--json'], { env })).stdout)
    expect(mPeers.filter((p: any) => p.state === 'connected').flatMap((p: any) => p.connections.map((c: any) => c.addr)).every((x: string) => x.startsWith('/ip4/203.0.113.'))).toBe(true)

    // Each finds the other at the relay's DHT, by the circuit address it announces, and is proven through it.
    await a.waitFor(/peer proven\s+beta /, 60_000)
    await b.waitFor(/peer proven\s+alpha /, 60_000)
    const relayStatus = (await status(homes.m)).daemon.relay
    expect(relayStatus.reservations).toHaveLength(2)
    expect(relayStatus.circuits).toBeGreaterThan(0)

    expect((await runCli(['session', 'new', 'agent:main:nat', '--home', homes.a, '--title', 'through two NATs'], { env })).code).toBe(0)
    for (let i = 0; i < 3; i++) expect((await runCli(['session', 'append', 'nat', '--home', homes.a, '--role', 'user', '--text', `n${i}`], { env })).code).toBe(0)
    await b.waitFor(/synced\s+agent:main:nat/)
    const shown = async (): Promise<string[]> => JSON.parse((await runCli(['session', 'show', 'nat', '--home', homes.b, '--json'], { env })).stdout).messages.map((x: any) => x.content)
    const end = Date.now() + 30_000
    while ((await shown()).length < 3 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await shown()).toEqual(['n0', 'n1', 'n2'])
    // B holds A only by the relayed address: the private networks cannot reach each other.
    const bPeers = JSON.parse((await runCli(['peers', '--home', homes.b, '--json'], { env })).stdout)
    const alpha = bPeers.find((p: any) => p.label === 'alpha')
    expect(alpha.state).toBe('connected')
    expect(alpha.connections.length).toBeGreaterThan(0)
    expect(alpha.connections.every((c: any) => c.addr.includes(`/p2p/${mId}/p2p-circuit`))).toBe(true)
    // Where it can be dialed: its relayed address is among what it reported.
    expect(alpha.addrs.some((x: string) => x.includes(`/p2p/${mId}/p2p-circuit`))).toBe(true)

    // A stranger behind the third NAT, another wallet, asks the relay for a slot: refused.
    const s = join_(ns.ns, homes.s, ['--label', 'stranger', '--relay-via', via], strangerWallet)
    await s.waitFor(/^relay via:\s+\S+ not reserved yet/)
    const sState = (await status(homes.s)).daemon.relayVia[0]
    expect(sState.state).toBe('trying')
    const after = (await status(homes.m)).daemon.relay
    expect(after.refused).toBeGreaterThan(0)
    expect(after.reservations).toHaveLength(2)
    expect(after.reservations).not.toContain((await status(homes.s)).deviceId)

    // Handoff across both NATs through the mirror: B goes, A writes and dies, B comes back.
    expect(await b.stop('SIGINT')).toBe(0)
    for (let i = 3; i < 5; i++) expect((await runCli(['session', 'append', 'nat', '--home', homes.a, '--role', 'user', '--text', `n${i}`], { env })).code).toBe(0)
    const aEntries = (await status(homes.a)).store.entries
    const until = Date.now() + 30_000
    while ((await status(homes.m)).store.entries < aEntries && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 200))
    expect((await status(homes.m)).store.entries).toBe(aEntries)
    await a.stop('SIGKILL')
    const b2 = join_(nb.ns, homes.b, ['--label', 'beta', '--relay-via', via])
    await b2.waitFor(/peer proven\s+relay /)
    const end2 = Date.now() + 30_000
    while ((await shown()).length < 5 && Date.now() < end2) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await shown()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4'])

    for (const d of [m, s, b2]) expect(await d.stop('SIGINT')).toBe(0)
  })
})
