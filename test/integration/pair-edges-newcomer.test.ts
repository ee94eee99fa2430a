/**
 * Pairing where a newcomer's walk through it went wrong, with real processes on loopback (an
 * admin's `mesh join` with mDNS and the DHT off, `mesh pair --no-mdns`):
 * - `approve --no-mdns` with nothing to dial or listen on and no relay known waited out its
 *   minute saying only "looking for…": it is refused at once, naming what to pass.
 *   Refused before anything is said: it said "looking for…" on stdout first, through the daemon
 *   and without one. That line comes only when a search really waits (here: listening for a
 *   device that never comes).
 * - An approval from an address the pairing device refuses (after wrong codes from it) said
 *   `not-found` in --json, like "no device": it is `refused` (exit 1, try again later).
 * `mesh pair` on a revoked device's home: test/integration/pair-edges-revoked.test.ts.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCandidate } from '../../src/node/pair-find.js'
import { CROCKFORD } from '../../src/identity/pair-code.js'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh devices approve, as a newcomer meets it', () => {
  it('nothing to look with is refused at once, naming what to pass; an address the device refuses is `refused`, exit 1', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { env, wallet, admin: a, candidate: n, code, addr, stop } = await startPairing(t.dir)
    cleanups.push(stop)

    // The daemon runs with mDNS and the DHT off and knows no relay; approve has no --dial or --listen.
    const none = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', a.home, '--no-mdns', '--yes'], { env, timeoutMs: 120_000 })
    expect(none.code, none.stderr).toBe(2)
    const refusal = 'mesh: nothing to look for the device showing ZZ1H-CCSF with: mDNS is off, there is no address to dial or to listen on, and this device knows no relay the device could wait at. Pass --dial with one of the addresses `mesh pair` printed on the new machine, or --listen ADDR here with `mesh pair --via ADDR` there (on the same network, leave out --no-mdns)\n'
    expect(none.stderr).toBe(refusal)
    // No search is said where none starts.
    expect(none.stdout).toBe('')
    // The same without a daemon: an admin home of the same vault, opened by the command itself.
    const solo = join(t.dir, 'solo')
    expect((await runCli(['init', '--home', solo, '--wallet', wallet, '--label', 'solo'], { env })).code).toBe(0)
    const alone = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', solo, '--no-mdns', '--yes'], { env, timeoutMs: 120_000 })
    expect(alone.code, alone.stderr).toBe(2)
    expect(alone.stderr).toBe(refusal)
    expect(alone.stdout).toBe('')
    // A search that waits (listening for a device started with --via, which never comes) says so.
    const waiting = spawnIn(undefined, process.execPath, [BIN, 'devices', 'approve', 'ZZ1H-CCSF', '--home', a.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--yes'], env)
    cleanups.push(async () => await waiting.stop('SIGKILL'))
    await waiting.waitFor(/^looking for the device showing ZZ1H-CCSF…$/, 60_000)
    await waiting.stop('SIGKILL')
    const noneJson = await runCli(['devices', 'approve', 'ZZ1H-CCSF', '--home', a.home, '--no-mdns', '--yes', '--json'], { env, timeoutMs: 120_000 })
    expect(noneJson.code).toBe(2)
    expect(JSON.parse(noneJson.stderr.trim().split('\n').pop() as string).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^nothing to look for the device showing ZZ1H-CCSF with/) })
    // The device's code was not touched.
    expect(n.lines.some(l => /new code: /.test(l))).toBe(false)

    // Wrong nameplates from 127.0.0.1 until the device refuses that address (its 4th strike).
    for (let i = 0; i < 24 && !n.lines.some(l => /^someone is probing for the code: /.test(l)); i++) {
      const np = (CROCKFORD[i >> 5] as string) + (CROCKFORD[i & 31] as string)
      if (np === code.slice(0, 2)) continue
      await findCandidate({ code: `${np}QM2XDF`, mdns: false, dial: [addr], timeoutMs: 5000 }).then(async f => { await f.close() }, () => {})
    }
    await n.waitFor(/^someone is probing for the code: 4 failed attempts from 127\.0\.0\.1; refusing it until /)
    // The owner approves the right code from that address: a reason of its own, not "no device".
    const cut = await runCli(['devices', 'approve', code, '--home', a.home, '--no-mdns', '--dial', addr, '--yes', '--json'], { env, timeoutMs: 120_000 })
    expect(cut.code, cut.stderr).toBe(1)
    const err = JSON.parse(cut.stderr.trim().split('\n').pop() as string).error
    expect(err, cut.stderr).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'refused' } })
    expect(err.message).toMatch(/The device took the connection and closed it: a pairing device does so for a minute to an address that tried wrong codes/)
    const cutText = await runCli(['devices', 'approve', code, '--home', a.home, '--no-mdns', '--dial', addr, '--yes'], { env, timeoutMs: 120_000 })
    expect(cutText.code).toBe(1)
    expect(cutText.stderr, cutText.stderr).toMatch(/Check the code on its screen and approve again once that time is past/)
  })
})
