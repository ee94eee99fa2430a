/**
 * A blind mirror enrolled by pairing, through the CLI as a user types it, with real daemons on
 * loopback: `mesh pair --mirror --via ADDR` on a fresh home (no wallet there), `mesh devices
 * approve CODE --mirror --yes --listen ADDR` against an admin's running daemon; the review says
 * the device asks for the mirror capability and gets only that. `mesh join --mirror` then starts
 * that home as a mirror without any wallet, `mesh status` there says so, its home holds no vault
 * key, and A's session reaches B, never online with A, through it alone. The same flow with
 * protocol calls: test/protocol/pair-mirror.test.ts; a mirror made with `mesh init --mirror` and
 * its memory scan: test/integration/mirror.test.ts.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemons.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { freePort } from '../helpers/free-port.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(dir)) {
    const p = join(dir, name)
    if ((await stat(p)).isDirectory()) out.push(...(await filesUnder(p)).map(f => join(name, f)))
    else out.push(name)
  }
  return out
}

async function poll<T> (f: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (ok(v) || Date.now() > end) { if (!ok(v)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`); return v }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

describe('mesh pair --mirror and mesh devices approve --mirror', () => {
  it('pairs a fresh home as a blind mirror, which starts as one with no vault key and hands A\'s session to B', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const homes = { a: join(t.dir, 'a'), b: join(t.dir, 'b'), m: join(t.dir, 'vps') }
    const procs: Proc[] = []
    cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL') })
    const local = ['--no-mdns', '--dht', 'off', '--http', 'off', '--listen', '/ip4/127.0.0.1/tcp/0']

    // B is a member from the start, but runs only once A is gone.
    expect((await runCli(['init', '--home', homes.b, '--wallet', wallet, '--label', 'beta'], { env })).code).toBe(0)
    const a = await startDaemon(env, { home: homes.a, wallet, label: 'alpha', http: 'off' })
    procs.push(a.proc)

    // On the box: `mesh pair --mirror`, no wallet, dialing where the admin will listen.
    const listen = `/ip4/127.0.0.1/tcp/${await freePort()}`
    const p = spawnIn(undefined, process.execPath, [BIN, 'pair', '--mirror', '--home', homes.m, '--label', 'vps', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--via', listen], env)
    procs.push(p)
    const shown = (await p.waitFor(/^pairing code: /)).match(/pairing code: (\S+)\s.*this device: (\S+)/) as RegExpMatchArray
    const [, code, fingerprint] = shown as unknown as [string, string, string]

    // On the admin: approve it as a mirror through its running daemon.
    const approved = await runCli(['devices', 'approve', code, '--mirror', '--yes', '--listen', listen, '--no-mdns', '--home', homes.a], { env, timeoutMs: 60_000 })
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stdout).toMatch(/label:\s+vps/)
    expect(approved.stdout).toContain(`fingerprint:  ${fingerprint}`)
    expect(approved.stdout).toMatch(/asks for:\s+mirror$/m)
    expect(approved.stdout).toMatch(/will get:\s+mirror$/m)
    expect(approved.stdout).toMatch(/^approved: 'vps' \(\S+\) \[mirror\]$/m)
    // --via straight to the approver (no relay there) is said as such, not as a relay's refusal.
    expect(await p.waitFor(/^reached \S+: no relay but an approver listening there; waiting for it to approve$/)).toBeDefined()
    expect(p.lines.join('\n')).not.toMatch(/took no pairing slot/)
    // The daemon the approval went through says so in its log.
    await a.proc.waitFor(/^device added\s+vps \(\S+\) \[mirror\], enrolled by alpha$/, 10_000)
    expect(await p.exited).toBe(0)
    expect(p.lines.join('\n')).toMatch(/paired with vault \S+ as 'vps' \[mirror\], approved by alpha; no wallet is needed on this machine\. Start it: mesh join --mirror --home/)

    // Its home is a mirror's: the membership key in mirror.json, no vault key, no wallet.
    const files = await filesUnder(homes.m)
    expect(files).toContain('mirror.json')
    expect(files).not.toContain('vault.keys')
    expect(files.filter(f => /wallet/i.test(f))).toEqual([])

    // `mesh join --mirror` there, without the wallet: it runs as a blind mirror, and A proves it.
    const m = spawnIn(undefined, process.execPath, [BIN, 'join', '--mirror', '--home', homes.m, ...local, '--bootstrap', a.addr], env)
    procs.push(m)
    await m.waitFor(/^role:\s+blind mirror/)
    const mAddr = (await m.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1\//)).split(/\s+/)[1] as string
    await m.waitFor(/^running/)
    expect(m.lines.some(l => /mirror home created/.test(l))).toBe(false)
    await a.proc.waitFor(/peer proven\s+vps .*\[mirror\]/, 30_000)
    const human = await runCli(['status', '--home', homes.m], { env })
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^role:\s+blind mirror \(holds no vault key/m)
    const status = async (home: string): Promise<any> => JSON.parse((await runCli(['status', '--home', home, '--json'], { env })).stdout)
    const ms = await status(homes.m)
    expect(ms.daemon.mirror).toBe(true)
    expect(ms.certificate.writable).toBe(false)
    expect(ms.capabilities).toEqual(['mirror'])

    // A writes and goes offline for good; the mirror holds every entry first.
    expect((await runCli(['session', 'new', 'agent:main:handoff', '--home', homes.a, '--title', 'via the paired mirror'], { env })).code).toBe(0)
    const texts = ['first', 'second', 'last']
    for (const text of texts) expect((await runCli(['session', 'append', 'handoff', '--home', homes.a, '--role', 'user', '--text', text], { env })).code).toBe(0)
    const aEntries = (await status(homes.a)).store.entries
    await poll(async () => (await status(homes.m)).store.entries, n => n === aEntries, 'the mirror to hold A\'s entries')
    await a.proc.stop('SIGKILL')
    // What needs the key is refused on the mirror: it has none.
    const refused = await runCli(['session', 'show', 'handoff', '--home', homes.m, '--json'], { env })
    expect(refused.code).not.toBe(0)
    expect(JSON.parse(refused.stderr).error.code).toBe('MISSING_CAPABILITY')

    // B, never online with A, gets everything from the paired mirror alone.
    const b = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homes.b, ...local, '--bootstrap', mAddr], env)
    procs.push(b)
    await b.waitFor(/peer proven\s+vps /, 30_000)
    const messages = async (): Promise<string[]> => {
      const r = await runCli(['session', 'show', 'handoff', '--home', homes.b, '--json'], { env })
      return r.code === 0 ? JSON.parse(r.stdout).messages.map((x: any) => x.content) : []
    }
    expect(await poll(messages, v => v.length >= texts.length, 'B to get A\'s session')).toEqual(texts)
    // B never met alpha: it only learned from the registry, through the mirror, who enrolled whom.
    expect(b.lines.filter(l => /alpha/.test(l) && !/^device added /.test(l))).toEqual([])
    expect(b.lines).toContainEqual(expect.stringMatching(/^device added\s+vps \(\S+\) \[mirror\], enrolled by alpha$/))
    // Still no vault key on the mirror's disk after it stored and forwarded all that.
    expect(await filesUnder(homes.m)).not.toContain('vault.keys')
  }, 180_000)
})
