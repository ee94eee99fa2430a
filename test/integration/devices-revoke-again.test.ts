/**
 * `mesh devices revoke laptop --yes` run a second time: laptop is revoked already, and the
 * command says so with when and by whom ("nothing to do", INVALID_INPUT, exit 2), where it said
 * "no device of this vault is called laptop" (NOT_FOUND). A name no device ever had is still
 * NOT_FOUND. Two real daemons of one wallet on loopback.
 */
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'

const pair = pairForFile()

const mesh = async (...args: string[]) => await runCli([...args, '--home', pair.a.home], { env: pair.env })

describe('mesh devices revoke of a device revoked already', () => {
  it('says when and by whom it was revoked, and that there is nothing to do', async () => {
    const first = await mesh('devices', 'revoke', 'beta', '--reason', 'stolen', '--yes')
    expect(first.code, first.stderr).toBe(0)

    const again = await mesh('devices', 'revoke', 'beta', '--yes')
    expect(again.code).toBe(2)
    expect(again.stdout).toBe('')
    expect(again.stderr).toMatch(/^mesh: beta was already revoked at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by alpha \(stolen\): nothing to do\n$/)
    // Without --yes it is not asked first (a question about a device revoked already would be idle).
    const asked = await mesh('devices', 'revoke', 'beta')
    expect(asked.code).toBe(2)
    expect(asked.stderr).toBe(again.stderr)
    // By its device id as by its label.
    const byId = await mesh('devices', 'revoke', pair.b.deviceId, '--yes')
    expect(byId.stderr).toContain(`${pair.b.deviceId} was already revoked at `)
    const json = await mesh('devices', 'revoke', 'beta', '--yes', '--json')
    expect(json.code).toBe(2)
    const e = JSON.parse(json.stderr).error
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { deviceId: pair.b.deviceId, reason: 'already-revoked', revoked: { by: ['alpha'], reason: 'stolen' } } })
    expect(typeof e.details.revoked.at).toBe('number')

    const nobody = await mesh('devices', 'revoke', 'nobody', '--yes', '--json')
    expect(nobody.code).toBe(2)
    expect(JSON.parse(nobody.stderr).error).toMatchObject({ code: 'NOT_FOUND', message: 'no device of this vault is called nobody: see `mesh devices`' })
    // An empty name is no device's (it said "no device of this vault is called : see").
    const empty = await mesh('devices', 'revoke', '', '--yes', '--json')
    expect(empty.code).toBe(2)
    expect(JSON.parse(empty.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: 'an empty name is not a device: name one device (its label or id): see `mesh devices`' })
  }, 120_000)
})
