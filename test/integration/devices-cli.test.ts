/**
 * `mesh devices` and `mesh devices revoke` as a user types them, against two real daemons of one
 * wallet on loopback: the list says who enrolled each device and whether it is online; revoking
 * without --yes away from a terminal refuses (it cannot be undone); with --yes the other daemon is
 * cut off at once, listed as revoked by this device, and its daemon says it was refused; the
 * revoked daemon is told: it says so once, mesh status and mesh devices there name who revoked it
 * and when, and its writes exit 2 with DEVICE_REVOKED.
 */
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'

const pair = pairForFile()

const mesh = async (...args: string[]) => await runCli([...args, '--home', pair.a.home], { env: pair.env })

describe('mesh devices', () => {
  it('lists, refuses to revoke unconfirmed, revokes with --yes: the other daemon is cut off and listed as revoked', async () => {
    const list = JSON.parse((await mesh('devices', '--json')).stdout)
    expect(list.map((d: any) => [d.label, d.enrolledBy, d.online, d.capabilities]).sort()).toEqual([
      ['alpha', 'wallet', true, ['read', 'write', 'admin']],
      ['beta', 'wallet', true, ['read', 'write', 'admin']]
    ])
    const human = (await mesh('devices')).stdout
    expect(human).toMatch(/beta\t\S+\t\[read, write, admin\]\tenrolled by wallet .*\tonline now/)

    const unconfirmed = await mesh('devices', 'revoke', 'beta')
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/--yes/)
    expect((await mesh('devices', 'revoke', 'nobody', '--yes')).code).toBe(2)
    // A name that picks no revocable device says why at once, not "pass --yes" to a typo.
    const typo = await mesh('devices', 'revoke', 'nobody', '--json')
    expect(typo.code).toBe(2)
    expect(JSON.parse(typo.stderr).error.code).toBe('NOT_FOUND')
    const self = await mesh('devices', 'revoke', 'alpha')
    expect(self.code).toBe(2)
    expect(self.stderr).toContain('the device you are on')

    // beta drives a session: alpha's plain append is refused while beta holds the lease.
    const meshB = async (...args: string[]) => await runCli([...args, '--home', pair.b.home], { env: pair.env })
    expect((await meshB('session', 'new', 'drive')).code).toBe(0)
    expect((await meshB('resume', 'drive')).code).toBe(0)
    for (let i = 0; i < 100; i++) {
      const shown = await mesh('session', 'show', 'drive', '--json')
      if (shown.code === 0 && JSON.parse(shown.stdout).lease?.label === 'beta') break
      await new Promise(resolve => setTimeout(resolve, 300))
    }
    const held = await mesh('session', 'append', 'drive', '--role', 'user', '--text', 'mine now?', '--json')
    expect(JSON.parse(held.stderr).error.code).toBe('LEASE_HELD')

    const r = await mesh('devices', 'revoke', 'beta', '--reason', 'stolen', '--yes')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/revoked beta/)
    expect(r.stdout).toMatch(/vault key rotated \(rotation 1\)/)
    // beta's daemon is hung up by alpha and refused when it redials.
    await pair.b.proc.waitFor(/peer lost\s+alpha|lost\s+alpha/, 30_000)
    const after = JSON.parse((await mesh('devices', '--json')).stdout)
    expect(after.find((d: any) => d.label === 'beta')).toMatchObject({ online: false, revoked: { by: ['alpha'], reason: 'stolen' } })
    // A revoked device drives nothing: its lease ended with the revocation.
    const freed = await mesh('session', 'append', 'drive', '--role', 'user', '--text', 'mine now', '--json')
    expect(freed.code, freed.stderr).toBe(0)
    const again = await mesh('devices', 'revoke', '--all-but-this', '--yes', '--json')
    expect(JSON.parse(again.stdout)).toMatchObject({ revoked: [] })

    // beta is told (the revoke pushed live, or sent at the gate when it redials): its daemon says so
    // once, its status and device list say who revoked it and when, and its writes are refused.
    await pair.b.proc.waitFor(/^REVOKED\s+this device was revoked by alpha .*\(stolen\)/, 30_000)
    const status = await meshB('status')
    expect(status.stdout).toMatch(/revoked:\s+this device was revoked by alpha .*\(stolen\)/)
    expect(status.stdout).toMatch(/capabilities: none \(revoked\)/)
    expect(JSON.parse((await meshB('status', '--json')).stdout)).toMatchObject({ revoked: { by: ['alpha'], reason: 'stolen' }, certificate: { writable: false } })
    expect((await meshB('devices')).stdout).toMatch(/^this device was revoked by alpha/)
    const refused = await meshB('session', 'append', 'drive', '--role', 'user', '--text', 'still mine?', '--json')
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'DEVICE_REVOKED', message: expect.stringMatching(/revoked by alpha at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(stolen\)/) })
    // No longer an admin: revoking is a request it can never carry out (exit 2, as a write).
    const notAdmin = await meshB('devices', 'revoke', 'alpha', '--yes', '--json')
    expect(notAdmin.code).toBe(2)
    expect(JSON.parse(notAdmin.stderr).error.code).toBe('NOT_ADMIN')
    // Without --yes too: said before any question (it asked first, then refused).
    const asked = await meshB('devices', 'revoke', 'alpha')
    expect(asked.code).toBe(2)
    expect(asked.stderr).toMatch(/is not an admin: revoke from an admin device, or pass the wallet/)
    expect(asked.stderr).not.toMatch(/pass --yes/)
    expect(pair.b.proc.lines.filter(l => l.startsWith('REVOKED')).length).toBe(1)
  })
})
