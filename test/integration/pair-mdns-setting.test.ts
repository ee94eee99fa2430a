/**
 * Pairing follows the device's own mDNS setting, with real processes on loopback. A newcomer's
 * walk found `mesh devices approve CODE --yes` searching the LAN by mDNS although the running
 * `mesh join` had been started with --no-mdns (and, read in the code, where config.json said
 * "mdns": false): only the approve's own --no-mdns turned it off. Now, with nothing else to look
 * with, such an approve is refused at once (exit 2), saying why mDNS is off and what to pass;
 * `mesh pair` on a home whose config.json says "mdns": false does not announce itself.
 * "No mDNS" is proven by the refusal and by what the commands report, never by listening on the
 * LAN (nothing here multicasts once fixed).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('pairing and the device\'s mDNS setting', () => {
  it('approve without --no-mdns follows the daemon\'s --no-mdns, and the home\'s config.json without a daemon; mesh pair follows config.json', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    // The admin's `mesh join` runs with --no-mdns (and the DHT off, no relay known).
    const { env, wallet, admin: a, candidate: n, stop } = await startPairing(t.dir)
    cleanups.push(stop)

    const viaDaemon = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', a.home, '--yes'], { env, timeoutMs: 120_000 })
    expect(viaDaemon.code, viaDaemon.stderr).toBe(2)
    expect(viaDaemon.stderr).toBe('mesh: nothing to look for the device showing ZZ1H-CCSF with: mDNS is off (this device\'s `mesh join` runs with it off: --no-mdns, or "mdns": false in its config.json), there is no address to dial or to listen on, and this device knows no relay the device could wait at. Pass --dial with one of the addresses `mesh pair` printed on the new machine, or --listen ADDR here with `mesh pair --via ADDR` there (on the same network, start `mesh join` here with mDNS on)\n')
    expect(viaDaemon.stdout).toBe('')
    const json = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', a.home, '--yes', '--json'], { env, timeoutMs: 120_000 })
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stderr.trim().split('\n').pop() as string).error).toMatchObject({ code: 'INVALID_INPUT', details: { mdns: false, mdnsOffBy: 'daemon' } })

    // No daemon: an admin home of the same vault whose config.json says "mdns": false.
    const solo = join(t.dir, 'solo')
    expect((await runCli(['init', '--home', solo, '--wallet', wallet, '--label', 'solo'], { env })).code).toBe(0)
    const file = join(solo, 'config.json')
    await writeFile(file, JSON.stringify({ mdns: false }) + '\n')
    const alone = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', solo, '--yes'], { env, timeoutMs: 120_000 })
    expect(alone.code, alone.stderr).toBe(2)
    expect(alone.stderr).toContain(`mDNS is off ("mdns": false in ${file}), there is no address to dial`)
    expect(alone.stderr).toContain(`(on the same network, set "mdns": true in ${file})`)
    expect(alone.stdout).toBe('')
    // --no-mdns says it as before.
    const flag = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', solo, '--no-mdns', '--yes'], { env, timeoutMs: 120_000 })
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/with: mDNS is off, there is no address .*\(on the same network, leave out --no-mdns\)\n$/)
    // The device's code was not touched by any of them.
    expect(n.lines.some(l => /new code: /.test(l))).toBe(false)

    // The other side: `mesh pair` on a home whose config.json says "mdns": false (written before
    // pairing, for its `mesh join`) is not announced on the LAN, and says so.
    const fresh = join(t.dir, 'fresh')
    await mkdir(fresh, { recursive: true })
    await writeFile(join(fresh, 'config.json'), JSON.stringify({ mdns: false }) + '\n')
    const p = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', fresh, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], env)
    cleanups.push(async () => await p.stop('SIGKILL'))
    const waiting = JSON.parse(await p.waitFor(/"event":"waiting"/, 60_000))
    expect(waiting).toMatchObject({ event: 'waiting', mdns: false })
    await p.stop('SIGKILL')
    const text = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', fresh, '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    cleanups.push(async () => await text.stop('SIGKILL'))
    const line = await text.waitFor(/^waiting: /, 60_000)
    expect(line).not.toContain('mDNS')
    await text.stop('SIGKILL')
  })
})
