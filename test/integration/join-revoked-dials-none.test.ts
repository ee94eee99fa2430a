/**
 * A revoked device's `mesh join` dials no one, as its REVOKED line says ("dials no sibling from
 * now on"). Restarted after its revocation with `--bootstrap` (a newcomer's tablet), it said so
 * and dialed the bootstrap address all the same: the CLI dialed each --bootstrap address itself
 * after the node had stopped looking, and the revoker logged `peer refused tablet: revoked: told
 * it so`. A `--relay-via` relay was dialed (and retried) the same way. Two real daemons of one
 * wallet on loopback, the first a relay.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemons.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join on a revoked device', () => {
  it('restarted with --bootstrap and --relay-via, it says it is revoked and dials neither: the revoker sees no attempt', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const a = await startDaemon(env, { home: join(t.dir, 'a'), wallet, label: 'alpha', http: 'off', args: ['--relay'] })
    cleanups.push(async () => await a.proc.stop('SIGKILL'))
    const b = await startDaemon(env, { home: join(t.dir, 'b'), wallet, label: 'beta', http: 'off', bootstrap: a.addr })
    cleanups.push(async () => await b.proc.stop('SIGKILL'))
    await a.proc.waitFor(/^peer proven +beta /, 30_000)
    const revoked = await runCli(['devices', 'revoke', 'beta', '--reason', 'lost', '--yes', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(revoked.code, revoked.stderr).toBe(0)
    await b.proc.waitFor(/^REVOKED /, 30_000)
    expect(await b.proc.stop('SIGINT')).toBe(0)

    const from = a.proc.lines.length
    const again = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', b.home, '--bootstrap', a.addr, '--relay-via', a.addr, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], env)
    cleanups.push(async () => await again.stop('SIGKILL'))
    await again.waitFor(/^REVOKED +this device was revoked by alpha at .* \(lost\): it keeps what it holds, can write nothing, and dials no sibling from now on$/, 30_000)
    await again.waitFor(/^running /, 30_000)
    // It would have dialed by now (a loopback dial takes milliseconds; a relay is retried within seconds).
    await new Promise(resolve => setTimeout(resolve, 4000))
    expect(await again.stop('SIGINT')).toBe(0)
    const short = `${b.deviceId.slice(0, 8)}…${b.deviceId.slice(-6)}`
    expect(a.proc.lines.slice(from).filter(l => l.includes(short))).toEqual([])
    expect(again.lines.filter(l => /^(peer |bootstrap |unreachable)/.test(l))).toEqual([])
    expect(again.lines.filter(l => l.startsWith('relay via:'))).toEqual([`relay via:    ${a.addr} not dialed: this device was revoked`])
    // Nor is it told to give a --bootstrap address: it looks for no one.
    expect(again.lines.find(l => l.startsWith('discovery:'))).toBe('discovery:    mdns off, dht off')
  }, 120_000)
})
