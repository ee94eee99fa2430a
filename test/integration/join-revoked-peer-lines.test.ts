/**
 * A revoke said once in `mesh join`'s log. When alpha revokes beta while both run, alpha's log
 * said one revocation four times: `peer refused beta (…): revoked`, again as `revoked: beta` (the
 * cut-off that enforces it), `peer lost beta`, and `peer refused 12D3KooW…: revoked: told it so`
 * without the label (beta dialing back before it knew). Now: one line for the revocation, and a
 * refusal of beta coming back, if it does, names it. Two real daemons of one wallet on loopback.
 */
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'

const pair = pairForFile()

describe('mesh join when this device revokes a sibling that is online', () => {
  it('says the revocation once, and names the revoked device on every line about it', async () => {
    await pair.a.proc.waitFor(/^peer proven +beta /, 60_000)
    const from = pair.a.proc.lines.length
    const r = await runCli(['devices', 'revoke', 'beta', '--reason', 'stolen', '--yes', '--home', pair.a.home], { env: pair.env })
    expect(r.code, r.stderr).toBe(0)
    // beta is told (pushed live, or at the gate when it dials back) and dials no one from then on;
    // both stopped, alpha's log is whole.
    await pair.b.proc.waitFor(/^REVOKED /, 30_000)
    expect(await pair.b.proc.stop('SIGINT')).toBe(0)
    expect(await pair.a.proc.stop('SIGINT')).toBe(0)
    const id = pair.b.deviceId
    const about = pair.a.proc.lines.slice(from).filter(l => l.startsWith('peer ') && l.includes(`${id.slice(0, 8)}…${id.slice(-6)}`))
    const named = `beta (${id.slice(0, 8)}…${id.slice(-6)})`
    // The revocation, once; beta dialing back before it knew, refused and told, at most once more.
    expect(about[0]).toBe(`peer refused  ${named}: revoked`)
    expect(about.slice(1).every(l => l === `peer refused  ${named}: revoked: told it so`)).toBe(true)
    expect(about.length).toBeLessThanOrEqual(2)
  }, 120_000)
})
