/**
 * `mesh devices approve` without its code shows the usage `mesh devices approve --help` (and
 * `mesh devices --help`) shows, every option in it: it left out --mirror, --dial, --listen and
 * --no-mdns. A real `mesh` on a home of its own.
 */
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh devices approve without a code', () => {
  it('says the whole usage of approve, as --help does (exit 2)', async () => {
    const help = await h.mesh('devices', 'approve', '--help')
    expect(help.code).toBe(0)
    const usage = (/^Usage: (.*)$/m.exec(help.stdout) as RegExpExecArray)[1] as string
    expect((await h.mesh('devices', '--help')).stdout).toContain(usage)
    const r = await h.mesh('devices', 'approve')
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`mesh: ${usage}: the code the new device shows\n`)
    for (const o of ['--read-only', '--admin', '--mirror', '--yes', '--listen', '--dial', '--no-mdns']) expect(r.stderr).toContain(o)
  }, 60_000)
})
