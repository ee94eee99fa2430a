/**
 * `mesh join` with mDNS off and nothing to dial (no --bootstrap, no relay, no sibling remembered
 * by an address: a device paired by an approval that ran without a daemon has none) says so and
 * what to pass, instead of waiting in silence. Given a sibling's address (by flag or in the home's
 * config.json), or once it remembers one, it says nothing of the kind. Real daemons on loopback.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

// Said on the one `discovery:` line, and the address it asks for is a `listening:` line as printed (it ends in /p2p/ and the device id).
const NOTHING = /^discovery: +mdns off, dht off; nothing to find siblings with: no sibling is known by an address\. Give one with --bootstrap \/ip4\/…\/tcp\/…\/p2p\/… \(a sibling's `listening:` address as it prints it\)/

describe('mesh join with nothing to find siblings with', () => {
  it('says so and what to pass; not with --bootstrap, nor once it remembers a sibling', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const join_ = (home: string, label: string, ...extra: string[]): Proc => {
      const p = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', join(t.dir, home), '--wallet', wallet, '--label', label, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', ...extra], env)
      cleanups.push(async () => { await p.stop('SIGKILL') })
      return p
    }

    // A fresh home: nothing to dial.
    const a = join_('a', 'A')
    await a.waitFor(NOTHING, 60_000)
    const full = (await a.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1/)).split(/\s+/)[1] as string
    expect(full.endsWith(`/p2p/${(a.lines.find(l => l.startsWith('device:')) as string).split(/\s+/)[1] as string}`)).toBe(true)
    await a.waitFor(/^running/)
    expect(a.lines.filter(l => l.startsWith('discovery:'))).toHaveLength(1)

    // Given A's address: not said, and B proves A.
    const b = join_('b', 'B', '--bootstrap', full)
    await b.waitFor(/^peer proven +A /, 60_000)
    expect(b.lines.filter(l => NOTHING.test(l))).toEqual([])
    expect(b.lines.filter(l => l.startsWith('discovery:'))).toEqual(['discovery:    mdns off, dht off'])
    expect(await b.stop('SIGINT')).toBe(0)

    // Started again without it: B remembers A by its address, and says nothing of the kind.
    const again = join_('b', 'B')
    await again.waitFor(/^peer proven +A /, 60_000)
    expect(again.lines.filter(l => NOTHING.test(l))).toEqual([])
    expect(await again.stop('SIGINT')).toBe(0)
    // A bootstrap peer in the home's config.json, not on the command line: not said either.
    await mkdir(join(t.dir, 'd'), { recursive: true })
    await writeFile(join(t.dir, 'd', 'config.json'), JSON.stringify({ bootstrap: [full] }))
    const configured = join_('d', 'D')
    await configured.waitFor(/^peer proven +A /, 60_000)
    expect(configured.lines.filter(l => NOTHING.test(l))).toEqual([])
    expect(await configured.stop('SIGINT')).toBe(0)
    // --json says it as an event.
    expect(await a.stop('SIGINT')).toBe(0)
    const json = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', join(t.dir, 'c'), '--wallet', wallet, '--label', 'C', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', '--json'], env)
    cleanups.push(async () => { await json.stop('SIGKILL') })
    expect(JSON.parse(await json.waitFor(/"event":"nothing-to-dial"/, 60_000))).toEqual({ event: 'nothing-to-dial' })
    expect(await json.stop('SIGINT')).toBe(0)
    // Ctrl-C as soon as the first line is out (a script that stops the node once it started):
    // taken and obeyed cleanly, not the process killed mid-start.
    const early = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', join(t.dir, 'c'), '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', '--json'], env)
    cleanups.push(async () => { await early.stop('SIGKILL') })
    await early.waitFor(/"event":"started"/, 60_000)
    expect(await early.stop('SIGINT')).toBe(0)
    expect(early.lines.at(-1)).toBe('{"event":"stopped"}')
  }, 180_000)
})
