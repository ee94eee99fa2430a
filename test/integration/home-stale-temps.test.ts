/**
 * Temp files a mesh process killed mid-write leaves in its home (a staged write's
 * `<file>.<pid>.<hex>.tmp`: held.sum's while a command closed, vault.keys' while a revocation
 * rotated the key, a copy of the vault's keys) were never removed. The home's next opener, its
 * lock held, removes those whose process is gone; a live process's stays. A real `mesh status`.
 */
import { spawnSync } from 'node:child_process'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('temp files of killed writes in the home', () => {
  it('are removed by the next command that opens the home, once their process is gone', async () => {
    expect((await h.mesh('init')).code).toBe(0)
    const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    const dead = [join(h.home, `vault.keys.${pid}.0123456789ab.tmp`), join(h.home, 'data', `held.sum.${pid}.abcdef012345.tmp`)]
    const live = join(h.home, 'data', `held.sum.${process.pid}.abcdef012345.tmp`)
    for (const p of [...dead, live]) await writeFile(p, 'half written', { mode: 0o600 })
    const r = await h.mesh('status')
    expect(r.code, r.stderr).toBe(0)
    const names = [...await readdir(h.home), ...await readdir(join(h.home, 'data'))]
    expect(names.filter(n => n.endsWith('.tmp'))).toEqual([`held.sum.${process.pid}.abcdef012345.tmp`])
  }, 60_000)
})
