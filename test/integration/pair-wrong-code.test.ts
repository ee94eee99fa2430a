/**
 * A pairing code typed wrong is the user's input, not a failed run: `mesh devices approve` exits
 * 2 for it (as for a bad argument) and the HTTP API answers 400, both still with the stable code
 * PAIRING_FAILED and reason wrong-code. Real processes on loopback: an admin's `mesh join`, and a
 * fresh home running `mesh pair --no-mdns` whose address the approver dials. A device nobody can
 * reach stays a failure: exit 1, HTTP 409.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { api } from '../helpers/daemons.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** The code with the same nameplate (its first two characters, which pick the device) and the rest changed. */
function mistyped (code: string): string {
  return code.slice(0, 2) + (code.slice(2, 4) === 'ZZ' ? 'YY' : 'ZZ') + code.slice(4)
}

describe('a wrong pairing code', () => {
  it('is bad input: mesh devices approve exits 2 and HTTP answers 400, with PAIRING_FAILED wrong-code; a device gone stays exit 1 / 409', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { env, admin: a, candidate: n, code, addr, stop } = await startPairing(t.dir, { pairArgs: ['--label', 'laptop'] })
    cleanups.push(stop)
    expect(addr).toBeDefined()

    // Each wrong guess burns the device's code: the next one is read from its next `new code:` line.
    let burned = 0
    const next = async (): Promise<string> => {
      burned++
      while (n.lines.filter(l => /new code: /.test(l)).length < burned) await new Promise(resolve => setTimeout(resolve, 50))
      return n.lines.filter(l => /new code: /.test(l))[burned - 1]?.match(/new code: (\S+)/)?.[1] as string
    }

    // Another nameplate (the first two characters): the device dialed is not the one the code
    // names. Said with what to check, the code on its screen and the address of its run now.
    const other = (code.startsWith('ZZ') ? 'YY' : 'ZZ') + code.slice(2)
    const plate = await runCli(['devices', 'approve', other, '--yes', '--no-mdns', '--dial', addr, '--home', a.home], { env, timeoutMs: 60_000 })
    expect(plate.code, plate.stderr).not.toBe(0)
    expect(plate.stderr).toContain(`no device at ${addr} shows ${other}. Check the code against the device's screen`)

    const cli = await runCli(['devices', 'approve', mistyped(code), '--yes', '--no-mdns', '--dial', addr, '--home', a.home], { env, timeoutMs: 60_000 })
    expect(cli.code, cli.stderr).toBe(2)
    expect(cli.stderr).toMatch(/did not match/)
    const json = await runCli(['devices', 'approve', mistyped(await next()), '--yes', '--no-mdns', '--dial', addr, '--home', a.home, '--json'], { env, timeoutMs: 60_000 })
    expect(json.code, json.stderr).toBe(2)
    expect(JSON.parse(json.stderr.trim().split('\n').pop() as string).error.code).toBe('PAIRING_FAILED')

    const viaHttp = await api(a, 'POST', '/api/devices/approve', { code: mistyped(await next()), dial: [addr], mdns: false, relays: false })
    expect(viaHttp.status, JSON.stringify(viaHttp.body)).toBe(400)
    expect(viaHttp.body.error).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'wrong-code' } })

    // The device gone: a failure of the run, not of what was typed.
    await n.stop('SIGKILL')
    const gone = await runCli(['devices', 'approve', code, '--yes', '--no-mdns', '--dial', addr, '--home', a.home], { env, timeoutMs: 60_000 })
    expect(gone.code, gone.stderr).toBe(1)
    const goneHttp = await api(a, 'POST', '/api/devices/approve', { code: mistyped(code), dial: [addr], mdns: false, relays: false })
    expect(goneHttp.status, JSON.stringify(goneHttp.body)).toBe(409)
    expect(goneHttp.body.error.details.reason).toBe('not-found')
  })
})
