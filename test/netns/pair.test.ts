/**
 * Pairing by code between hosts of a bridged LAN (network namespaces, real mDNS), through the
 * CLI: a desktop daemon enrolled with the wallet approves a laptop that has no wallet (the wallet
 * files a search would find are never read); the review prompt runs in a real terminal (tmux);
 * a wrong code burns; a hostile host's bounded brute-force gets nothing; then the laptop joins,
 * replicates with the desktop, and a third member that never met the desktop's approval
 * accepts it by its certificate chain.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, cliEnv, runCli } from '../helpers/cli.js'
import { bridgedHosts, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { walletLab } from '../helpers/wallet-lab.js'

const HOSTILE = join(ROOT, 'dist', 'test', 'helpers', 'pair-hostile.js')
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** Runs the CLI inside a namespace and waits for it to exit. */
async function cliIn (ns: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null, out: string }> {
  const p = spawnIn(ns, process.execPath, [BIN, ...args], env)
  cleanups.push(async () => { await p.stop('SIGKILL') })
  const code = await p.exited
  return { code, out: p.lines.join('\n') }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('pairing by code on a LAN (network namespaces)', () => {
  it('pairs a machine with no wallet, reviewed in a terminal; wrong codes and a hostile host get nothing; the new device joins and a third member accepts it', async () => {
    const net: Netns = bridgedHosts(4); cleanups.push(net.teardown)
    const [desk, laptop, third, hostile] = net.names as [string, string, string, string]
    const { dir, env, wallet, run, mesh } = await walletLab(cleanups)
    const join_ = (ns: string, home: string, extra: string[], e = env): Proc => mesh(ns, ['join', '--home', home, '--listen', '/ip4/0.0.0.0/tcp/0', '--dht', 'off', ...extra], e)
    const homeA = join(dir, 'desktop')
    const a = join_(desk, homeA, ['--wallet', wallet, '--label', 'desktop'])
    await a.waitFor(/^running/)
    expect((await runCli(['session', 'new', 'agent:main:paired', '--home', homeA, '--goal', 'written before pairing'], { env })).code).toBe(0)

    // The laptop: a user home of its own holding wallets a search would find, never to be read.
    const laptopUser = join(dir, 'laptop-user')
    const decoys = [join(laptopUser, '.config', 'solana', 'id.json'), join(laptopUser, '.config', 'mesh', 'wallet.json'), join(laptopUser, 'env-wallet.json')]
    for (const d of decoys) {
      await mkdir(join(d, '..'), { recursive: true })
      await writeFile(d, JSON.stringify(Array.from({ length: 64 }, (_, i) => i)))
      // A read sets atime under relatime when it is older than a day: 1970 is.
      await utimes(d, 1000, 1000)
    }
    const envN = cliEnv(laptopUser, { MESH_WALLET: decoys[2] as string })
    const homeN = join(dir, 'laptop')
    const n = mesh(laptop, ['pair', '--home', homeN, '--label', 'laptop'], envN)
    const first = (await n.waitFor(/^pairing code: /)).match(/pairing code: (\S+)\s.*this device: (\S+)/) as RegExpMatchArray
    const fingerprint = first[2] as string
    const listening = (await n.waitFor(/^waiting/)).match(/\/ip4\/10\.250\.0\.2\/tcp\/\d+\/p2p\/[^\s)]+/)?.[0] as string

    // A wrong code with the right nameplate: the device burns it and shows a fresh one.
    const wrong = first[1]!.slice(0, 2) + (first[1]!.slice(2, 4) === 'ZZ' ? 'YY' : 'ZZ') + '-' + first[1]!.slice(5)
    const w = await cliIn(desk, ['devices', 'approve', wrong, '--home', homeA, '--yes'], env)
    // The user's typo: exit 2, as for a bad argument.
    expect(w.code).toBe(2)
    expect(w.out).toMatch(/did not match/)
    const fresh = (await n.waitFor(/^someone tried a wrong code; new code: /)).match(/new code: (\S+)/)?.[1] as string
    // With the line that approves it: the one printed before no longer does.
    await n.waitFor(new RegExp(`^on a device already in your mesh run: mesh devices approve ${fresh}$`))
    // The old right code is gone with it: no device shows it (1), or a wrong code for the new one
    // when that one happens to share its nameplate (2).
    expect([1, 2]).toContain((await cliIn(desk, ['devices', 'approve', first[1] as string, '--home', homeA, '--yes', '--no-mdns', '--dial', listening], env)).code)

    // A hostile host: a bounded brute force with random codes. Nothing comes out of the device.
    const h = run(hostile, HOSTILE, ['200', listening])
    expect(await h.exited).toBe(0)
    const report = JSON.parse(h.lines.find(l => l.startsWith('{')) as string)
    expect(report.requests).toBe(0)
    expect(report.attempts).toBe(200)
    // Refused after a few wrong nameplates, said on the device, and no code replaced by it.
    expect(n.lines.some(l => /^someone is probing for the code: 4 failed attempts from 10\.250\.0\.\d+; refusing it until /.test(l))).toBe(true)
    expect(n.lines.some(l => /^someone probed for codes; new code: /.test(l))).toBe(false)

    // The real approval, reviewed in a terminal.
    const codeLine = [...n.lines].reverse().find(l => /(code|new code): [0-9A-Z]{4}-[0-9A-Z]{4}/.test(l)) as string
    const code = codeLine.match(/([0-9A-Z]{4}-[0-9A-Z]{4})/)?.[1] as string
    const sock = `mesh-pair-${process.pid}`
    const tmux = (...args: string[]): string => execFileSync('ip', ['netns', 'exec', desk, 'tmux', '-L', sock, ...args], { encoding: 'utf8', env })
    cleanups.push(() => { try { tmux('kill-server') } catch { /* gone */ } })
    tmux('new-session', '-d', '-x', '200', '-y', '50', `${process.execPath} ${BIN} devices approve ${code} --home ${homeA}; echo "exit=$?"; sleep 600`)
    let screen = ''
    for (let i = 0; i < 600 && !/\[y\/N\]/.test(screen); i++) { await sleep(100); screen = tmux('capture-pane', '-p') }
    expect(screen).toMatch(/label:\s+laptop/)
    expect(screen).toMatch(new RegExp(`fingerprint:\\s+${fingerprint}`))
    expect(screen).toMatch(/reached at:\s+\/ip4\/10\.250\.0\.2\/tcp\/\d+ \(mdns\)/)
    expect(screen).toMatch(/host:\s+\S+ \(claimed\)/)
    tmux('send-keys', 'y', 'Enter')
    for (let i = 0; i < 600 && !/exit=\d/.test(screen); i++) { await sleep(100); screen = tmux('capture-pane', '-p') }
    expect(screen).toMatch(/approved: 'laptop'/)
    expect(screen).toMatch(/exit=0/)
    expect(await n.exited).toBe(0)
    expect(n.lines.join('\n')).toMatch(/paired with vault \S+ as 'laptop' \[read, write\], approved by desktop/)
    await a.waitFor(/^device added\s+laptop \(\S+\) \[read, write\], enrolled by desktop$/, 10_000)
    expect(n.lines.join('\n')).not.toMatch(/\(wallet: /)
    for (const d of decoys) expect((await stat(d)).atimeMs).toBe(1_000_000)
    // It never had the wallet: a new label is a new certificate, and it is told to pair again,
    // not to give a wallet it never had.
    const relabel = await runCli(['init', '--label', 'laptop2', '--home', homeN], { env: cliEnv(join(dir, 'no-wallet-user')) })
    expect(relabel.code).toBe(2)
    expect(relabel.stderr).toMatch(/paired from another device of yours: .*Pair it again/)

    // The laptop joins with no wallet, replicates both ways with the desktop.
    const ln = join_(laptop, homeN, [], envN)
    await ln.waitFor(/^running/)
    await ln.waitFor(/peer proven\s+desktop/, 30_000)
    await ln.waitFor(/synced\s+agent:main:paired from desktop/, 30_000)
    expect((await runCli(['session', 'append', 'paired', '--home', homeN, '--role', 'user', '--text', 'hello from the paired laptop'], { env: envN })).code).toBe(0)
    await a.waitFor(/synced\s+agent:main:paired from laptop/, 30_000)
    const shown = JSON.parse((await runCli(['session', 'show', 'paired', '--home', homeA, '--json'], { env })).stdout)
    expect(shown.messages.map((m: any) => m.content)).toContain('hello from the paired laptop')

    // A third member, enrolled with the wallet, accepts the laptop by its chain.
    const c = join_(third, join(dir, 'third'), ['--wallet', wallet, '--label', 'third'])
    await c.waitFor(/peer proven\s+laptop/, 30_000)
    for (const d of decoys) expect((await stat(d)).atimeMs).toBe(1_000_000)
  })
})
