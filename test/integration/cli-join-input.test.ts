/**
 * What `mesh join` (and `mesh init`) refuse before anything starts, through the real `mesh`: a
 * home too long for the daemon's socket, with the home left as it was; what a member's flags ask of
 * a blind mirror (--follow, --http, another --label), refused rather than dropped; an address the
 * node cannot listen on (UDP, WebSockets), from --listen or from config.json; a label no device
 * could show as it is (empty, control or bidi characters, longer than a certificate holds).
 */
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
const cleanups: Array<() => Promise<unknown> | unknown> = []
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env })
/** What a test's own daemon is given: no discovery, loopback, no HTTP. */
const QUIET = ['--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off']

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = cliEnv(dir)
  wallet = join(dir, 'wallet.json')
  expect((await mesh('wallet', 'new', '--out', wallet)).code).toBe(0)
})
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join refuses before it starts', () => {
  it('a home too long for a unix socket: exit 2 with the length, and the home is not set up', async () => {
    // 100 bytes: neither the socket nor the directory it is bound in first would fit.
    const home = join(dir, 'h'.repeat(Math.max(1, 100 - dir.length - 1)))
    expect(Buffer.byteLength(home)).toBeGreaterThanOrEqual(100)
    const r = await mesh('join', '--home', home, '--wallet', wallet, ...QUIET)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/^mesh: home path too long for a unix socket \(\d+ > 10[37] bytes\): use a shorter --home/)
    expect(await readdir(home).catch(() => [])).toEqual([])
  })
})

describe('mesh join --follow', () => {
  it('says each agent it follows once, as it takes them (an empty or repeated name in the list is no agent)', async () => {
    const { startDaemon } = await import('../helpers/daemons.js')
    const d = await startDaemon(env, { home: join(dir, 'follows'), wallet, label: 'f', http: 'off', args: ['--follow', ',claude,claude, codex'] })
    cleanups.push(async () => await d.proc.stop('SIGKILL'))
    expect(await d.proc.waitFor(/^following/)).toBe('following     claude,codex')
    expect(await d.proc.stop('SIGINT')).toBe(0)
  })

  it('refuses a bad MESH_FOLLOW_RELEASE_MS before anything starts (exit 2, no home made)', async () => {
    const home = join(dir, 'bad-quiet')
    const r = await runCli(['join', '--home', home, '--wallet', wallet, ...QUIET, '--follow', 'codex'], { env: { ...env, MESH_FOLLOW_RELEASE_MS: 'abc' } })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe('mesh: MESH_FOLLOW_RELEASE_MS=abc: a number of milliseconds (0 to 999999999)\n')
    expect(await readdir(home).catch(() => [])).toEqual([])
  })
})

describe('mesh join on a mirror refuses what a mirror cannot do', () => {
  const LOOP = ['--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0']
  it('--follow, --http and another --label: exit 2 naming the flag, on a new mirror home and on one set up', async () => {
    const fresh = join(dir, 'fresh-mirror')
    const follow = await mesh('join', '--mirror', '--home', fresh, '--wallet', wallet, '--follow', 'claude', ...QUIET)
    expect(follow.code, follow.stderr).toBe(2)
    expect(follow.stderr).toContain('--mirror and --follow: a mirror holds no vault key')
    expect(await readdir(fresh).catch(() => [])).toEqual([])

    const m = join(dir, 'mirror')
    expect((await mesh('init', '--mirror', '--home', m, '--wallet', wallet, '--label', 'vps')).code).toBe(0)
    // Its home runs as a mirror without --mirror: said as such.
    const http = await mesh('join', '--home', m, ...LOOP, '--http', '0')
    expect(http.code, http.stderr).toBe(2)
    expect(http.stderr).toContain(`home ${m} is a blind mirror's (mesh join runs it as one) and takes no --http: a mirror serves no HTTP API`)
    const label = await mesh('join', '--mirror', '--home', m, '--label', 'other', ...QUIET)
    expect(label.code, label.stderr).toBe(2)
    expect(label.stderr).toContain('this mirror is called vps in its certificate, which join does not reissue')
    const followSet = await mesh('join', '--home', m, '--follow', 'codex', ...QUIET, '--json')
    expect(followSet.code).toBe(2)
    expect(JSON.parse(followSet.stderr).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--follow') })
  })
})

describe('an address mesh cannot listen on', () => {
  it('--listen of UDP, WebSockets or a DNS name: exit 2 naming it and saying a listen address is an IP address with TCP, before the home is set up; the same from config.json, without a stack', async () => {
    const home = join(dir, 'listen')
    for (const addr of ['/ip4/127.0.0.1/udp/5', '/ip4/127.0.0.1/tcp/0/ws', '/dns4/localhost/tcp/0']) {
      const r = await mesh('join', '--home', home, '--wallet', wallet, '--no-mdns', '--dht', 'off', '--http', 'off', '--listen', addr)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(`mesh: cannot listen on ${addr} (--listen): a listen address must be an IP address (/ip4 or /ip6) with TCP, e.g. /ip4/0.0.0.0/tcp/4001 (no DNS name, UDP or WebSockets)\n`)
    }
    expect(await readdir(home).catch(() => [])).toEqual([])

    expect((await mesh('init', '--home', home, '--wallet', wallet)).code).toBe(0)
    await writeFile(join(home, 'config.json'), JSON.stringify({ listen: ['/ip4/127.0.0.1/udp/5'] }))
    const r = await mesh('join', '--home', home, '--no-mdns', '--dht', 'off', '--http', 'off', '--json')
    expect(r.code, r.stderr).toBe(2)
    const error = JSON.parse(r.stderr).error
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { unsupported: ['/ip4/127.0.0.1/udp/5'] } })
    expect(error.message).toMatch(/^cannot listen on \/ip4\/127\.0\.0\.1\/udp\/5: a listen address must be an IP address \(\/ip4 or \/ip6\) with TCP/)
    expect(error.message).not.toMatch(/\n\s+at /)
  })

  it('a --bootstrap or --relay-via whose /p2p/ is no peer id, or such a bootstrap in config.json: exit 2 naming it, not a multibase decoder\'s words', async () => {
    const home = join(dir, 'peer-ids')
    for (const flag of ['--bootstrap', '--relay-via']) {
      const r = await mesh('join', '--home', home, '--wallet', wallet, ...QUIET, flag, '/ip4/127.0.0.1/tcp/4001/p2p/notapeerid')
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(`mesh: ${flag} /ip4/127.0.0.1/tcp/4001/p2p/notapeerid: "notapeerid" is not a peer id (a device's id starts 12D3KooW…, as \`mesh join\` prints it on its listening: line)\n`)
    }
    expect(await readdir(home).catch(() => [])).toEqual([])

    expect((await mesh('init', '--home', home, '--wallet', wallet)).code).toBe(0)
    await writeFile(join(home, 'config.json'), JSON.stringify({ bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/notapeerid'] }))
    const r = await mesh('join', '--home', home, ...QUIET, '--json')
    expect(r.code, r.stderr).toBe(2)
    const error = JSON.parse(r.stderr).error
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { key: 'bootstrap', value: '/ip4/127.0.0.1/tcp/4001/p2p/notapeerid' } })
    expect(error.message).toContain('"notapeerid" is not a peer id')
  })
})

describe('a label no device could show as it is', () => {
  it('mesh init, mesh join and mesh pair refuse an empty one, one with control or bidi characters and one over 128 characters, exit 2, before the home is set up', async () => {
    const home = join(dir, 'labels')
    const refused: Array<[string[], string]> = [
      [['init', '--label', ''], '--label "" is empty'],
      [['init', '--label', '   '], '--label "   " is empty'],
      // A control or bidi character is named as every other refusal names one: U+ and where.
      [['init', '--label', 'desk\u001b[2Jtop'], '--label has a control or bidi character (U+001B) at character 5, which a terminal showing it would obey; write the label without it'],
      [['init', '--label', 'desk\ttop'], '--label has a control or bidi character (U+0009) at character 5'],
      [['join', '--label', 'de\u{1f600}sk\u202etop', ...QUIET], '--label has a control or bidi character (U+202E) at character 6'],
      [['init', '--label', 'x'.repeat(129)], `--label "${'x'.repeat(40)}…" is 129 characters long, over the 128 a certificate holds`],
      [['join', '--mirror', '--label', '', ...QUIET], '--label "" is empty'],
      // mesh pair: its approver would refuse the request; said before anything starts.
      [['pair', '--label', '', '--no-mdns'], '--label "" is empty'],
      [['pair', '--label', 'x'.repeat(129), '--no-mdns'], `--label "${'x'.repeat(40)}…" is 129 characters long`]
    ]
    for (const [args, said] of refused) {
      const r = await mesh(...args, '--home', home, '--wallet', wallet)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr.startsWith(`mesh: ${said}`), r.stderr).toBe(true)
      // What the terminal is sent holds none of them.
      expect(r.stderr).not.toMatch(/[\u001b\u202e\t]/u)
      expect(r.stderr).not.toContain('\\u{')
    }
    expect(await readdir(home).catch(() => [])).toEqual([])
    // 128 characters is a label a certificate holds, kept whole.
    const full = await mesh('init', '--home', home, '--wallet', wallet, '--label', 'y'.repeat(128), '--json')
    expect(full.code, full.stderr).toBe(0)
    expect(JSON.parse(full.stdout).label).toBe('y'.repeat(128))
  })
})
