/**
 * `mesh devices approve CODE --dial ADDR` with an address that names no peer, as a newcomer typed
 * it: the refusal pointed to `mesh join` ("`mesh join` on that machine prints its address"), which
 * the new machine does not run yet. It points to the address `mesh pair` prints there.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh devices approve --dial without a peer id', () => {
  it('says to end it with /p2p/ as the addresses `mesh pair` prints do, exit 2, before anything starts', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const r = await runCli(['devices', 'approve', 'K7QM-2XDF', '--yes', '--no-mdns', '--dial', '/ip4/127.0.0.1/tcp/9', '--home', join(t.dir, 'h')], { env, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe('mesh: --dial /ip4/127.0.0.1/tcp/9 names no peer: end it with /p2p/<peer id>, as the addresses `mesh pair` prints on the new machine do (its "waiting:" line)\n')
    expect(r.stdout).toBe('')
    const json = await runCli(['devices', 'approve', 'K7QM-2XDF', '--yes', '--no-mdns', '--dial', '/ip4/127.0.0.1/tcp/9', '--home', join(t.dir, 'h'), '--json'], { env, timeoutMs: 60_000 })
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stderr.trim().split('\n').pop() as string).error).toMatchObject({ code: 'USAGE', details: { flag: '--dial', addr: '/ip4/127.0.0.1/tcp/9' } })
    // A malformed one is said as for every multiaddr flag.
    const bad = await runCli(['devices', 'approve', 'K7QM-2XDF', '--yes', '--no-mdns', '--dial', 'nonsense', '--home', join(t.dir, 'h')], { env, timeoutMs: 60_000 })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^mesh: --dial nonsense is not a multiaddr .*\/p2p\/12D3Koo…\n$/)
  })
})
