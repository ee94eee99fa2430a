/**
 * `mesh init --label NAME --wallet W` on a device that was paired read+write made it an admin
 * (read, write, admin: it could then enrol and revoke devices), said only as "label changed". A new
 * label keeps the device's rights: a paired writer stays a writer, the wallet's own admin stays an
 * admin. Real processes on loopback: an admin's `mesh join`, a tablet paired to it by code.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh init --label on a set-up home', () => {
  it('keeps the device\'s capabilities: a paired writer relabelled with the wallet is not made an admin', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const tab = join(t.dir, 'tab')
    const { env, wallet, admin: a, candidate, code, addr, stop } = await startPairing(t.dir, { home: tab, pairArgs: ['--label', 'tablet'] })
    cleanups.push(stop)
    const approved = await runCli(['devices', 'approve', code, '--dial', addr, '--yes', '--no-mdns', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(approved.code, approved.stderr).toBe(0)
    expect(await candidate.exited).toBe(0)

    const relabel = await runCli(['init', '--label', 'tablet2', '--wallet', wallet, '--home', tab], { env, timeoutMs: 60_000 })
    expect(relabel.code, relabel.stderr).toBe(0)
    expect(relabel.stdout).toMatch(/^label changed: tablet → tablet2$/m)
    expect(relabel.stdout).toMatch(/^capabilities: read, write$/m)
    const s = JSON.parse((await runCli(['status', '--json', '--home', tab], { env })).stdout)
    expect(s).toMatchObject({ label: 'tablet2', capabilities: ['read', 'write'] })
    const notAdmin = await runCli(['devices', 'revoke', 'alpha', '--yes', '--home', tab], { env, timeoutMs: 60_000 })
    expect(notAdmin.code).toBe(2)
    expect(JSON.parse((await runCli(['devices', 'revoke', 'alpha', '--yes', '--json', '--home', tab], { env, timeoutMs: 60_000 })).stderr.trim().split('\n').pop() as string).error.code).toBe('NOT_ADMIN')

    // The wallet's own admin keeps being one (its node stopped first: init re-certifies only then).
    expect(await a.proc.stop('SIGINT')).toBe(0)
    const desk = await runCli(['init', '--label', 'desk', '--wallet', wallet, '--json', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(desk.code, desk.stderr).toBe(0)
    expect(JSON.parse(desk.stdout)).toMatchObject({ label: 'desk', capabilities: ['read', 'write', 'admin'] })
  }, 120_000)
})
