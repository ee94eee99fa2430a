/**
 * A link cut under two siblings (`ip link set eth0 down` on one host: no FIN, no RST, nobody
 * exits) is seen by both ends, as a user meets it on two machines. Two `mesh join` daemons in two
 * network namespaces joined by a bridge, a ping every 2 s (config.json `pingInterval`). The end
 * whose PeerId is smaller pings and loses its answer; the other end only hears, and keeps writing
 * into the cut link (a session made on it is pushed to the sibling; TCP retransmits are invisible
 * to it). A socket's own inactivity timeout counts those writes, so that end used to show its
 * sibling `connected`, `inSync: true` for as long as it wrote: it must judge by what it heard.
 * Both must show the other offline within two silences (2 x 2 intervals) of the cut, while the
 * silent end writes throughout; when the link comes back they find each other again.
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { bridgedHosts, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const PING_INTERVAL = 2000
/** What the silent end waits for (silenceMs), and the pinging end at most (an interval and the ping's timeout). */
const SILENCE = 2 * PING_INTERVAL

interface PeerRow { label: string, state: string, inSync: boolean }

describe('a link cut under two siblings', () => {
  it('is seen by the end that pings and by the silent end that keeps writing into it', async () => {
    const net: Netns = bridgedHosts(2); cleanups.push(net.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const labels = ['h1', 'h2']
    const homes = labels.map(l => join(t.dir, l))
    for (const [i, home] of homes.entries()) {
      expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', labels[i] as string], { env })).code).toBe(0)
      await writeFile(join(home, 'config.json'), JSON.stringify({ pingInterval: PING_INTERVAL }))
    }
    const daemons: Proc[] = net.names.map((ns, i) => spawnIn(ns, process.execPath, [BIN, 'join', '--home', homes[i] as string, '--wallet', wallet, '--dht', 'off'], env))
    cleanups.push(async () => { for (const d of daemons) await d.stop('SIGKILL') })
    const ids: string[] = []
    for (const d of daemons) ids.push(/^device:\s+(\S+)/.exec(await d.waitFor(/^device:/))?.[1] as string)
    for (const d of daemons) await d.waitFor(/^running/)
    for (const [i, d] of daemons.entries()) await d.waitFor(new RegExp(`peer proven\\s+${labels[1 - i] as string} `), 30_000)

    // The smaller PeerId pings (src/node/liveness.ts); its link is the one cut, as in the walk.
    const [p, s] = (ids[0] as string) < (ids[1] as string) ? [0, 1] : [1, 0]
    const pinger = { ns: net.names[p] as string, home: homes[p] as string, label: labels[p] as string }
    const silent = { ns: net.names[s] as string, home: homes[s] as string, label: labels[s] as string }
    const peers = async (home: string): Promise<PeerRow[]> => {
      const r = await runCli(['peers', '--home', home, '--json'], { env })
      expect(r.code).toBe(0)
      return JSON.parse(r.stdout) as PeerRow[]
    }
    const seen = async (home: string, label: string): Promise<PeerRow | undefined> => (await peers(home)).find(r => r.label === label)
    // In sync before the cut: what "in sync" promises is only ever shown of a live sibling.
    expect((await runCli(['session', 'new', 'agent:main:before', '--home', silent.home], { env })).code).toBe(0)
    for (const [home, label] of [[pinger.home, silent.label], [silent.home, pinger.label]] as const) {
      const end = Date.now() + 20_000
      while ((await seen(home, label))?.inSync !== true) {
        if (Date.now() > end) throw new Error(`${label} not in sync on ${home}: ${JSON.stringify(await peers(home))}`)
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }

    // The cut. The silent end writes all along: a new session every few hundred ms, each pushed to
    // the sibling it still believes connected, well within a silence of the one before.
    execFileSync('ip', ['-n', pinger.ns, 'link', 'set', 'eth0', 'down'])
    const cutAt = Date.now()
    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) {
        const r = await runCli(['session', 'new', `agent:main:cut-${written}`, '--home', silent.home], { env })
        expect(r.code).toBe(0)
        written++
      }
    })()
    cleanups.push(async () => { writing = false; await writer.catch(() => undefined) })

    // Both ends show the other offline, never in sync: the pinger within an interval and a
    // timeout, the silent end within a silence of the last ping it heard. Bounded by two silences.
    const offlineAt: Record<string, number> = {}
    const deadline = cutAt + 2 * SILENCE + 2000
    while (Object.keys(offlineAt).length < 2 && Date.now() < deadline) {
      await Promise.all(([['pinger', pinger.home, silent.label], ['silent', silent.home, pinger.label]] as const).map(async ([who, home, label]) => {
        if (offlineAt[who] !== undefined) return
        const row = await seen(home, label)
        if (row?.state === 'offline') { expect(row.inSync).toBe(false); offlineAt[who] = Date.now() - cutAt }
      }))
    }
    writing = false
    await writer
    const last = { pinger: await seen(pinger.home, silent.label), silent: await seen(silent.home, pinger.label) }
    expect(written, 'the silent end wrote during the cut').toBeGreaterThanOrEqual(3)
    expect({ pinger: last.pinger?.state, silent: last.silent?.state, offlineAt }).toMatchObject({ pinger: 'offline', silent: 'offline' })
    expect(last.pinger?.inSync).toBe(false)
    expect(last.silent?.inSync).toBe(false)
    expect(offlineAt.pinger).toBeLessThanOrEqual(2 * SILENCE + 2000)
    expect(offlineAt.silent).toBeLessThanOrEqual(2 * SILENCE + 2000)

    // The link comes back: they find each other again, and what the silent end wrote arrives.
    const marks = daemons.map(d => d.lines.length)
    execFileSync('ip', ['-n', pinger.ns, 'link', 'set', 'eth0', 'up'])
    for (const [i, d] of daemons.entries()) {
      const end = Date.now() + 30_000
      while (!d.lines.slice(marks[i]).some(l => new RegExp(`peer proven\\s+${labels[1 - i] as string} `).test(l))) {
        if (Date.now() > end) throw new Error(`not proven again after the link came back; output:\n${d.lines.join('\n')}`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    await daemons[p]?.waitFor(new RegExp(`synced\\s+agent:main:cut-${written - 1}\\b`), 30_000)
    for (const d of daemons) expect(await d.stop('SIGINT')).toBe(0)
  }, 180_000)
})
