/**
 * `mesh pair` killed while it writes the new home (the power lost, a SIGKILL), just after the
 * vault's keys and before the certificate: the home was left refused for good ("lost its
 * certificate", and a paired device has no wallet to certify itself again). The pairing now marks
 * the home before it writes (pairing.partial): every other command says the pairing stopped, and
 * the next `mesh pair` takes the home up again, clears what the first one wrote, keeps what was
 * there before it (a config.json), and pairs. Real processes on loopback: an admin's `mesh join`,
 * `mesh pair` killed by its pid as the keys file appears.
 */
import { watch } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh pair killed while it writes the home', () => {
  it('leaves a home the next mesh pair takes up again; other commands say the pairing stopped', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'n')
    // Written before pairing, for the `mesh join` to come: it stays through both pairings.
    await mkdir(home, { recursive: true, mode: 0o700 })
    await writeFile(join(home, 'config.json'), '{ "mdns": false }\n')
    const { env, admin, candidate, code, addr, stop } = await startPairing(t.dir, { home, pairArgs: ['--label', 'laptop'] })
    cleanups.push(stop)
    // Killed the moment the vault's keys are in place (inotify), before the rest of the home is.
    const watcher = watch(home, (_e, name) => { if (name === 'vault.keys') candidate.child.kill('SIGKILL') })
    cleanups.push(() => { watcher.close() })
    const first = await runCli(['devices', 'approve', code, '--yes', '--no-mdns', '--dial', addr, '--home', admin.home], { env, timeoutMs: 60_000 })
    expect(first.code, first.stderr).toBe(0)
    // The grant reached it: it writes the home, and is killed there.
    expect(await candidate.exited).toBe(null)
    expect(candidate.child.signalCode).toBe('SIGKILL')
    watcher.close()
    const left = await readdir(home)
    expect(left).toContain('pairing.partial')
    expect(left).not.toContain('device.cert')

    const status = await runCli(['status', '--home', home], { env })
    expect(status.code).not.toBe(0)
    expect(status.stderr).toContain(`home ${home} is not set up: a pairing into it stopped before it finished (no certificate was written). Pair this machine again: \`mesh pair --home ${home}\``)
    expect(status.stderr).not.toMatch(/lost its certificate/)

    // Paired again into the same home.
    const again = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--label', 'laptop'], env)
    cleanups.push(async () => { await again.stop('SIGKILL') })
    expect(await again.waitFor(/^an earlier pairing into /)).toContain('stopped before it finished')
    const code2 = (await again.waitFor(/^pairing code: /)).match(/pairing code: (\S+)/)?.[1] as string
    const addr2 = (await again.waitFor(/^waiting/)).match(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+/)?.[0].replace(/\)$/, '') as string
    const ok = await runCli(['devices', 'approve', code2, '--yes', '--no-mdns', '--dial', addr2, '--home', admin.home], { env, timeoutMs: 60_000 })
    expect(ok.code, ok.stderr).toBe(0)
    expect(await again.exited).toBe(0)

    const st = await runCli(['status', '--home', home, '--json'], { env })
    expect(st.code, st.stderr).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ label: 'laptop' })
    expect(await readdir(home)).not.toContain('pairing.partial')
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe('{ "mdns": false }\n')
  }, 180_000)
})
