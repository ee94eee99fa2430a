/**
 * A wallet mesh is to write where it cannot (a read-only ~/.config, as in a container or a
 * home-manager setup; see read-only-home.ts): `mesh init` on a machine with no wallet, and
 * `mesh wallet new --out`, say which file could not be written, why, and what to do instead,
 * and make nothing. They said `INTERNAL: ENOENT: no such file or directory, mkdir …` (a recursive
 * mkdir on a read-only mount reports ENOENT) or `EROFS … open '…/w.json.1234.tmp'`, exit 1.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { meshUnder, needsRoot } from '../helpers/read-only-home.js'
import { tempDir } from '../helpers/tmp.js'

let t: { dir: string, cleanup: () => Promise<void> }
let env: NodeJS.ProcessEnv
const lastError = (stderr: string): any => JSON.parse(stderr.trim().split('\n').at(-1) as string).error

beforeAll(async () => {
  needsRoot()
  t = await tempDir()
  await mkdir(join(t.dir, 'user', '.config'), { recursive: true })
  env = cliEnv(join(t.dir, 'user'))
})
afterAll(async () => { await t?.cleanup() })

describe('a wallet that cannot be written where mesh puts it', () => {
  it('mesh init with no wallet anywhere: the wallet\'s path and the reason, exit 2, and no home made', async () => {
    const config = join(t.dir, 'user', '.config')
    const home = join(t.dir, 'home')
    const r = await meshUnder(config, env, 'init', '--home', home, '--json')
    expect(r.code, r.stderr).toBe(2)
    const err = lastError(r.stderr)
    expect(err).toMatchObject({ code: 'INVALID_WALLET', details: { path: join(config, 'mesh', 'wallet.json'), errno: 'EROFS' } })
    expect(err.message).toContain('read-only file system')
    expect(err.message).toContain('mesh wallet new --out')
    await expect(stat(home)).rejects.toMatchObject({ code: 'ENOENT' })
  }, 60_000)

  it('mesh wallet new --out in a read-only folder: the same', async () => {
    const folder = join(t.dir, 'ro')
    await mkdir(folder)
    const r = await meshUnder(folder, env, 'wallet', 'new', '--out', join(folder, 'w.json'), '--json')
    expect(r.code, r.stderr).toBe(2)
    expect(lastError(r.stderr)).toMatchObject({ code: 'INVALID_WALLET', details: { path: join(folder, 'w.json'), errno: 'EROFS' } })
  }, 60_000)

  it('mesh wallet new --out a file that is there, whatever its mode: refused as there, not told to chmod it (/dev/null)', async () => {
    const shared = join(t.dir, 'shared.json')
    await writeFile(shared, 'notes')
    await chmod(shared, 0o666)
    for (const path of [shared, '/dev/null']) {
      const r = await runCli(['wallet', 'new', '--out', path, '--json'], { env })
      expect(r.code, r.stderr).toBe(2)
      const err = lastError(r.stderr)
      expect(err).toMatchObject({ code: 'INVALID_WALLET', details: { path } })
      expect(err.message).toContain('already exists')
      expect(err.message).not.toContain('chmod')
    }
    expect(await readFile(shared, 'utf8')).toBe('notes')
    expect((await stat('/dev/null')).mode & 0o777).toBe(0o666)
  }, 60_000)
})
