/**
 * `mesh pair` on a home whose device was revoked said "already set up (it is a device of a vault
 * already…)": it says this device was revoked, by whom and when, and how to pair this machine
 * again. Real processes on loopback: two `mesh join` daemons of one wallet, one revoked by the other.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startPair } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh pair on a home that is set up', () => {
  it('mesh pair on a revoked device\'s home says it was revoked, by whom and when, and how to pair the machine again', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { a, b, env, stop } = await startPair(t.dir)
    cleanups.push(stop)
    const revoked = await runCli(['devices', 'revoke', 'beta', '--home', a.home, '--yes', '--reason', 'lost'], { env, timeoutMs: 60_000 })
    expect(revoked.code, revoked.stderr).toBe(0)
    await b.proc.waitFor(/^REVOKED\s+this device was revoked by alpha/, 30_000)

    const again = await runCli(['pair', '--home', b.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { env, timeoutMs: 60_000 })
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(new RegExp(`^mesh: this device \\(beta, home ${b.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) was revoked by alpha at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} \\S+ \\(lost\\): its key can never rejoin the vault, so this home cannot be paired again\\. To pair this machine again, pair a new home: \`mesh pair --home NEWDIR\``))
    expect(again.stderr).toMatch(/or move .* aside \(it keeps what this device held; stop its `mesh join` first\) and run `mesh pair --home .*` again\n$/)
    expect(again.stderr).not.toMatch(/already set up/)
    // Without its daemon too (the home opened here).
    await b.proc.stop('SIGTERM')
    const offline = await runCli(['pair', '--home', b.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], { env, timeoutMs: 60_000 })
    expect(offline.code).toBe(2)
    expect(JSON.parse(offline.stderr.trim().split('\n').pop() as string).error).toMatchObject({ code: 'USAGE', details: { revoked: true }, message: expect.stringMatching(/^this device \(beta, home .*\) was revoked by alpha at /) })

    // A device still in the vault: a device of a vault already, as before.
    const member = await runCli(['pair', '--home', a.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { env, timeoutMs: 60_000 })
    expect(member.code).toBe(2)
    expect(member.stderr).toMatch(/is already set up \(it is a device of a vault already/)
  })
})
