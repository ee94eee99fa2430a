/**
 * `mesh sessions` with none yet says where one comes from: on a device that writes, `mesh session
 * new KEY` or a sibling; on one that cannot (read-only), a sibling only: it is not told to run a
 * command it would refuse.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups) await c() })

describe('mesh sessions with no sessions yet', () => {
  it('suggests mesh session new on a device that writes, and only a sibling on a read-only one', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(join(t.dir, 'user'))
    const wallet = join(t.dir, 'wallet.json')
    await writeNewWallet(wallet)
    const rw = join(t.dir, 'rw')
    const ro = join(t.dir, 'ro')
    for (const [home, label, ...more] of [[rw, 'desk'], [ro, 'tablet', '--read-only']] as string[][]) {
      const init = await runCli(['init', '--home', home as string, '--wallet', wallet, '--label', label as string, ...more], { env })
      expect(init.code, init.stderr).toBe(0)
    }

    const w = await runCli(['sessions', '--home', rw], { env })
    expect(w.code, w.stderr).toBe(0)
    expect(w.stdout).toBe('no sessions yet: one appears here once created on this device (`mesh session new KEY`) or on a sibling\n')

    const r = await runCli(['sessions', '--home', ro], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('no sessions yet: this device cannot write, so sessions come from the devices that do, once `mesh join` runs here and a sibling that holds them is online\n')
    expect(r.stdout).not.toContain('mesh session new')
    // What it says is so: the command it is not told of is refused there.
    expect((await runCli(['session', 'new', 'x', '--home', ro], { env })).code).toBe(2)
  }, 60_000)
})
