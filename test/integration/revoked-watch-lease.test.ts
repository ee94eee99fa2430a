/**
 * A device revoked while it watches a session and drives it, as a newcomer met it: two real
 * daemons of one wallet on loopback. `mesh watch` on the revoked device was never told and, once
 * its `mesh join` ran again, said "appends from every device appear", which no sibling would
 * send any more: it now says the device was revoked, by whom and when, and ends (exit 2), as a
 * watch started afterwards does too. The revoked holder's lease read "expired at" a time still
 * ahead: it is said as ended by the revocation, in `mesh session show`, `mesh sessions
 * --details` and the lease's JSON (`revoked: true`), on both devices.
 */
import { describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'
import { spawnIn } from '../helpers/netns.js'
import { poll } from '../helpers/wait.js'

const pair = pairForFile()

const meshA = async (...args: string[]) => await runCli([...args, '--home', pair.a.home], { env: pair.env })
const meshB = async (...args: string[]) => await runCli([...args, '--home', pair.b.home], { env: pair.env })

describe('a device revoked while it watches and drives a session', () => {
  it('its watch says it was revoked and ends; its lease is said as ended by the revocation', async () => {
    expect((await meshB('session', 'new', 'drive')).code).toBe(0)
    expect((await meshB('resume', 'drive')).code).toBe(0)
    await poll('beta holds the lease, as alpha sees it', async () => {
      const shown = await meshA('session', 'show', 'drive', '--json')
      return shown.code === 0 && JSON.parse(shown.stdout).lease?.label === 'beta'
    })

    const watch = spawnIn(undefined, process.execPath, [BIN, 'watch', 'drive', '--home', pair.b.home], pair.env)
    try {
      await watch.waitFor(/has no messages yet/, 30_000)
      expect((await meshA('devices', 'revoke', 'beta', '--reason', 'stolen', '--yes')).code).toBe(0)
      const said = await watch.waitFor(/revoked/, 30_000)
      expect(said).toMatch(/^\(this device was revoked by alpha at .* \(stolen\): its siblings send it nothing and it can write nothing, so nothing new will appear; what it holds stays readable: mesh session show agent:main:drive --home /)
      expect(await watch.exited).toBe(2)
      expect(watch.lines.filter(l => /appends from every device appear/.test(l))).toEqual([])
    } finally {
      await watch.stop('SIGKILL')
    }

    // A watch started on the revoked device shows what it holds, then says the same and ends.
    const late = await meshB('watch', 'drive', '--json')
    expect(late.code).toBe(2)
    expect(late.stdout.trim().split('\n').map(l => JSON.parse(l)).at(-1)).toMatchObject({ event: 'revoked', key: 'agent:main:drive', by: ['alpha'], reason: 'stolen' })

    // The lease: ended by the revocation, not "expired at" a time still ahead, on both devices.
    for (const [mesh, who] of [[meshA, 'beta was revoked'], [meshB, 'this device was revoked']] as const) {
      const json = JSON.parse((await mesh('session', 'show', 'drive', '--json')).stdout)
      expect(json.lease).toMatchObject({ label: 'beta', expired: true, revoked: true })
      expect(json.lease.expiresAt).toBeGreaterThan(Date.now())
      const show = (await mesh('session', 'show', 'drive')).stdout
      expect(show).toMatch(new RegExp(`status: +running \\(as last written; no device drives it now: ${who}, which ended its lease\\)\\n`))
      expect(show).not.toMatch(/expired at/)
      const listed = (await mesh('sessions', '--details')).stdout
      expect(listed).toContain(`agent:main:drive  [running (as last written; no device drives it now: ${who}, which ended its lease)]`)
    }
  }, 180_000)
})
