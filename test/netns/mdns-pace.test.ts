/**
 * mDNS at rest: three `mesh join` daemons in a network namespace find each other by real mDNS,
 * then stop querying every second once every known sibling is connected, and query fast again
 * when one is lost or a network interface appears. Datagrams are counted by a listener of our
 * own on 5353 inside the namespace (the daemons' own socket shares the port with it).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { loopbackNs, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** Prints `query` or `response` per mDNS datagram seen on 224.0.0.251:5353 (QR bit of the header). */
const COUNTER = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
s.on('message', (m) => { if (m.length >= 12) console.log(m[2] & 0x80 ? 'response' : 'query') })
s.bind(5353, () => { s.addMembership('224.0.0.251'); console.log('counting') })
`

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('mDNS pace (namespace)', () => {
  it('queries slowly once every known sibling is connected, fast again when one is lost', async () => {
    const ns: Netns = loopbackNs(); cleanups.push(ns.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir, { DEBUG: 'mesh:node:pace' })
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const procs: Proc[] = []
    cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL') })
    const counter = spawnIn(ns.names[0], process.execPath, ['-e', COUNTER], env); procs.push(counter)
    await counter.waitFor(/^counting/)
    const queries = (): number => counter.lines.filter(l => l === 'query').length
    const start = (i: number): Proc => {
      const p = spawnIn(ns.names[0], process.execPath, [BIN, 'join', '--home', join(t.dir, `h${i}`), '--wallet', wallet, '--label', `n${i}`, '--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off'], env)
      procs.push(p)
      return p
    }
    const [a, b, c] = [start(0), start(1), start(2)]
    for (const p of [a, b, c]) await p.waitFor(/^running/)
    for (const p of [a, b, c]) {
      await p.waitFor(/peer proven\s+n\d.* via mdns/, 30_000)
      await p.waitFor(/mdns: slow/, 30_000)
    }
    const listening = await Promise.all([a, b, c].map(async p => (await p.waitFor(/^listening:/)).split(/\s+/)[1]?.replace(/\/p2p\/\S+$/, '')))
    // Three nodes at the old fixed 1 s interval send ~18 queries in 6 s; at rest, at most one each.
    const before = queries()
    await sleep(6000)
    expect(queries() - before).toBeLessThanOrEqual(3)
    // Siblings that found each other at once hold one connection each, not one per dialing side.
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['peers', '--json', '--home', join(t.dir, `h${i}`)], { env })
      expect(r.code).toBe(0)
      const peers = (JSON.parse(r.stdout) as Array<{ label: string, state: string, addrs: string[], connections: unknown[] }>).filter(p => p.state === 'connected')
      expect(peers.map(p => `${p.label}:${p.connections.length}`).sort()).toEqual([0, 1, 2].filter(j => j !== i).map(j => `n${j}:1`))
      // Where each can be dialed: its listen address, never the port a connection it opened came from.
      for (const p of peers) expect(p.addrs).toEqual([listening[Number(p.label.slice(1))]])
    }

    // A sibling is lost: the other two look fast again.
    const lostAt = a.lines.length
    await c.stop('SIGKILL')
    await a.waitFor(/fast again \(a sibling was lost\)/)
    expect(a.lines.length).toBeGreaterThan(lostAt)
    const during = queries()
    // Fast, two daemons send four queries within a few seconds; slow (60 s), not four in the 20 s
    // waited for here at most.
    await expect.poll(() => queries() - during, { timeout: 20_000 }).toBeGreaterThanOrEqual(4)

    // It comes back (a fresh start queries fast too), is proven again, and all settle back.
    const c2 = start(2)
    await c2.waitFor(/peer proven/, 30_000)
    await c2.waitFor(/mdns: slow/, 30_000)

    // A network appears (an interface with an address of its own): multicast-dns joins the group
    // on it, and that wakes the settled pace, without waiting for its next slow query.
    const changedAt = a.lines.length
    const ip = (...args: string[]): void => { execFileSync('ip', ['-n', ns.names[0] as string, ...args]) }
    // (A veth pair: this kernel has no dummy interfaces.)
    ip('link', 'add', 'mdnsnew0', 'type', 'veth', 'peer', 'name', 'mdnsnew1')
    ip('link', 'set', 'mdnsnew0', 'multicast', 'on')
    ip('addr', 'add', '10.77.0.1/24', 'dev', 'mdnsnew0')
    ip('link', 'set', 'mdnsnew1', 'up')
    ip('link', 'set', 'mdnsnew0', 'up')
    await a.waitFor(/fast again \(a network interface appeared\)/, 30_000)
    expect(a.lines.slice(changedAt).some(l => /fast again \(a network interface appeared\)/.test(l))).toBe(true)
  }, 150_000)
})
