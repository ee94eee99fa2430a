/**
 * Pairing through the CLI where it used to go wrong, with real processes on loopback: an
 * admin's `mesh join`, a non-admin device, and a fresh home running `mesh pair --read-only
 * --no-mdns` whose address the approvers dial.
 * - A device that is no admin says so before the code is used: the new device keeps its code.
 * - Off a terminal a piped "y" approves nothing (only --yes does), and the code stays good.
 * - A plain approve, answered at a terminal, grants what the device asked for (read), not read-write.
 * - A grant the new device cannot write to its home (here its `data` is a file) ends `mesh pair`
 *   with the reason and what to do, instead of waiting for ever.
 * - A device just paired lists its approver as never seen, with its capabilities (not `[]`).
 * - A device asking for a label an enrolled device has already is said in the review (`sameLabel`).
 */
import { spawn } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh devices approve and mesh pair, at the edges', () => {
  it('a non-admin refuses before the code is used; a plain approve grants what was asked; a home that cannot be written ends mesh pair with why', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    // The new machine's home: its `data` is a file, so the grant's store cannot be opened there.
    const home = join(t.dir, 'n')
    await mkdir(home)
    await writeFile(join(home, 'data'), 'not a folder')
    const { env, wallet, admin: a, candidate: n, code, addr, stop } = await startPairing(t.dir, { home, pairArgs: ['--label', 'tablet', '--read-only'] })
    cleanups.push(stop)
    // A read-only device of the same vault: no admin.
    const ro = join(t.dir, 'watcher')
    expect((await runCli(['init', '--home', ro, '--wallet', wallet, '--label', 'watcher', '--read-only'], { env })).code).toBe(0)

    const notAdmin = await runCli(['devices', 'approve', code, '--yes', '--no-mdns', '--dial', addr, '--home', ro], { env, timeoutMs: 60_000 })
    expect(notAdmin.code).toBe(2)
    expect(notAdmin.stderr).toMatch(/this device \(watcher\) is not an admin: it cannot enrol devices.*: approve the code on an admin device .*the new machine's code is still good/)
    // No search is said to start where none does.
    expect(notAdmin.stdout).not.toMatch(/looking for the device/)
    expect(n.lines.some(l => /new code: /.test(l))).toBe(false)

    // Off a terminal, a "y" piped in approves nothing: only --yes does (as revoke), refused before the code is used.
    const piped = await runCli(['devices', 'approve', code, '--no-mdns', '--dial', addr, '--home', a.home], { env, timeoutMs: 60_000, input: 'y\n' })
    expect(piped.code, piped.stderr).toBe(2)
    expect(piped.stderr).toMatch(/approving lets that machine into your mesh: answer the question at a terminal .*or pass --yes to approve when not at a terminal/)
    expect(piped.stdout).not.toMatch(/approved/)
    expect(n.lines.some(l => /new code: /.test(l))).toBe(false)

    // The same code, from the admin at a terminal (a pseudo-terminal, util-linux `script`): the
    // review shows what is asked and what is granted, alike, and the question names what it grants.
    const quote = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`
    const line = [process.execPath, BIN, 'devices', 'approve', code, '--no-mdns', '--dial', addr, '--home', a.home].map(quote).join(' ')
    const asking = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let screen = ''
    asking.stdout.on('data', (d: Buffer) => { screen += d.toString() })
    asking.stderr.on('data', (d: Buffer) => { screen += d.toString() })
    const done = new Promise<number | null>(resolve => asking.on('close', resolve))
    try {
      await until(() => screen.includes('[y/N]'), 'mesh devices approve to ask', 60_000)
      asking.stdin.write('y\r')
      expect(await done, screen).toBe(0)
    } finally {
      if (asking.exitCode === null) asking.kill('SIGKILL')
    }
    expect(screen).toMatch(/Approve 'tablet' \(\S+\) with read\? \[y\/N\]/)
    expect(screen).toMatch(/asks for:\s+read\r?$/m)
    expect(screen).toMatch(/will get:\s+read\r?$/m)
    expect(screen).toMatch(/^approved: 'tablet' \(\S+\) \[read\]\r?$/m)

    // The new machine cannot write its home: it ends, says why and what to do on the approver.
    const exit = await Promise.race([n.exited, new Promise(resolve => setTimeout(() => resolve('still running'), 20_000))])
    expect(exit).toBe(1)
    const said = n.lines.join('\n')
    expect(said).toMatch(/the owner approved this device as 'tablet', but its home .* could not be written/)
    expect(said).toMatch(/mesh devices revoke tablet/)
    // What the run had written (the device key, the vault's keys) was taken back; what was there stays.
    expect(said).toMatch(/What this run had written there was removed/)
    expect(await readdir(home)).toEqual(['data'])
  }, 120_000)

  it('a device just paired lists its approver as never seen, not as seen in 1970, and with its capabilities; a label taken already is said', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    // Called as the approver is: the review says so (the approve said nothing, and both listed as alpha).
    const { env, admin, candidate, code, addr, stop } = await startPairing(t.dir, { pairArgs: ['--label', 'alpha'] })
    cleanups.push(stop)
    const ok = await runCli(['devices', 'approve', code, '--yes', '--no-mdns', '--dial', addr, '--home', admin.home, '--json'], { env, timeoutMs: 60_000 })
    expect(ok.code, ok.stderr).toBe(0)
    // --json: a JSON object per line, the review and then the decision (as mesh pair says its events).
    const events = ok.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(events).toMatchObject([{ event: 'review', label: 'alpha', pairing: expect.any(String) }, { event: 'decision', approved: true, label: 'alpha' }])
    const approver = JSON.parse((await runCli(['devices', '--home', admin.home, '--json'], { env })).stdout).find((d: any) => d.self)
    expect(events[0].sameLabel).toEqual([{ deviceId: approver.deviceId }])
    expect(await candidate.exited).toBe(0)
    const listed = await runCli(['devices', '--home', join(t.dir, 'n'), '--json'], { env })
    expect(listed.code, listed.stderr).toBe(0)
    const alpha = JSON.parse(listed.stdout).find((d: any) => d.label === 'alpha' && d.self !== true)
    expect(alpha).toBeDefined()
    expect(alpha).not.toHaveProperty('lastSeen')
    expect((await runCli(['devices', '--home', join(t.dir, 'n')], { env })).stdout).toMatch(/^alpha\t.*\tnever seen$/m)
    // mesh peers names its capabilities from its certificate, though it was never proven here yet.
    const peers = await runCli(['peers', '--home', join(t.dir, 'n'), '--json'], { env })
    expect(peers.code, peers.stderr).toBe(0)
    expect(JSON.parse(peers.stdout).find((p: any) => p.label === 'alpha')?.capabilities).toEqual(['read', 'write', 'admin'])
  }, 120_000)
})
