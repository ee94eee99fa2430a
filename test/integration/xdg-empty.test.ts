/**
 * An XDG base directory variable that is empty (`XDG_CONFIG_HOME=`, as a shell profile or a
 * service file can leave it) or relative is ignored, as the XDG specification says, and the
 * default used. Read as set, an empty XDG_CONFIG_HOME made `mesh init` write its generated
 * wallet to `./mesh/wallet.json` in whatever folder it ran from, and an empty XDG_DATA_HOME put
 * the home there too. Real `mesh` processes, run from a folder of their own.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('empty or relative XDG directories', () => {
  for (const value of ['', 'rel']) {
    it(`XDG_CONFIG_HOME and XDG_DATA_HOME set to ${JSON.stringify(value)} are ignored: the wallet and the home go to their defaults, nothing to the current folder`, async () => {
      const t = await tempDir(); cleanups.push(t.cleanup)
      const cwd = join(t.dir, 'work')
      await mkdir(cwd)
      const env = cliEnv(t.dir, { XDG_CONFIG_HOME: value, XDG_DATA_HOME: value })
      const init = await runCli(['init', '--label', 'desk', '--json'], { env, cwd })
      expect(init.code, init.stderr).toBe(0)
      expect(existsSync(join(t.dir, '.config', 'mesh', 'wallet.json'))).toBe(true)
      const status = await runCli(['status', '--json'], { env, cwd })
      expect(status.code, status.stderr).toBe(0)
      expect(JSON.parse(status.stdout).home).toBe(join(t.dir, '.local', 'share', 'mesh'))
      expect(await readdir(cwd)).toEqual([])
    })
  }
})
