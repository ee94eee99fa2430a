/**
 * XDG_CONFIG_HOME and XDG_DATA_HOME set to one folder (X): `mesh init` generates the wallet where
 * XDG puts a program's own files, X/mesh/wallet.json, which is also the default home's folder.
 * Nothing of mesh deletes, copies or mirrors that folder wholesale, but the home's safety check
 * read every entry of it as the home's: a wallet kept as a link there (the file moved to a stick,
 * linked back where mesh looks for it) made every command refuse the home as holding a link, and
 * say to remove it. That one file is the wallet's, judged where it is read; every other link in
 * the home is refused as before, and so is a link named wallet.json in a home that is not the
 * wallet's folder. Real `mesh` processes, the user's HOME a folder of the test's.
 */
import { chmod, mkdir, rename, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('XDG_CONFIG_HOME and XDG_DATA_HOME one folder', () => {
  it('the wallet beside the home, kept as a link to a stick, is the wallet, not a link the home refuses', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const x = join(t.dir, 'xdg')
    const env = cliEnv(t.dir, { XDG_CONFIG_HOME: x, XDG_DATA_HOME: x })
    const mesh = async (...args: string[]): ReturnType<typeof runCli> => await runCli(args, { env })
    const init = await mesh('init', '--label', 'desk', '--json')
    expect(init.code, init.stderr).toBe(0)
    const wallet = join(x, 'mesh', 'wallet.json')
    const address = JSON.parse((await mesh('wallet', 'show', '--json')).stdout).address
    expect(JSON.parse((await mesh('wallet', 'show', '--json')).stdout).path).toBe(wallet)
    // Off the machine's disk, linked back where mesh looks for it.
    const stick = join(t.dir, 'stick')
    await mkdir(stick, { mode: 0o700 })
    await rename(wallet, join(stick, 'wallet.json'))
    await symlink(join(stick, 'wallet.json'), wallet)
    const status = await mesh('status', '--json')
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).home).toBe(join(x, 'mesh'))
    expect((await mesh('session', 'new', 'notes')).code).toBe(0)
    expect(JSON.parse((await mesh('wallet', 'show', '--json')).stdout).address).toBe(address)
    // Any other link in the home is still refused.
    await symlink(join(stick, 'wallet.json'), join(x, 'mesh', 'peers.json'))
    const linked = await mesh('status', '--json')
    expect(linked.code).not.toBe(0)
    expect(JSON.parse(linked.stderr).error).toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining('peers.json is a symbolic link') })
  })

  it('a link named wallet.json in a home that is not the wallet\'s folder is refused as before', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const x = join(t.dir, 'xdg')
    const env = cliEnv(t.dir, { XDG_CONFIG_HOME: x, XDG_DATA_HOME: x })
    const home = join(t.dir, 'other')
    expect((await runCli(['init', '--label', 'desk', '--home', home], { env })).code).toBe(0)
    await chmod(home, 0o700)
    await symlink(join(x, 'mesh', 'wallet.json'), join(home, 'wallet.json'))
    const r = await runCli(['status', '--home', home, '--json'], { env })
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining('wallet.json is a symbolic link') })
  })
})
