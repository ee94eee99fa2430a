/**
 * The wallet mesh finds (or generates) at ~/.config/mesh/wallet.json against another local user
 * (uid 65534, a real process writing real files; runs as root, as CI does). The wallet certifies
 * devices and derives the vault key: a wallet planted where mesh looks, in a folder left
 * writable, would make the user's vault the planter's; one others can read is used, with a warning.
 * The real `mesh` is run as the user.
 */
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nacl from 'tweetnacl'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const NOBODY = 65534
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

/** A user folder with ~/.config/mesh made 0777 by mistake. */
async function looseConfig (): Promise<{ user: string, walletDir: string, home: string }> {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (a second uid); CI runs as root')
  const t = await tempDir(); cleanups.push(t.cleanup)
  await chmod(t.dir, 0o755)
  const user = join(t.dir, 'user')
  const walletDir = join(user, '.config', 'mesh')
  await mkdir(walletDir, { recursive: true, mode: 0o755 })
  await chmod(user, 0o755)
  await chmod(walletDir, 0o777)
  return { user, walletDir, home: join(t.dir, 'home') }
}

const json = (text: string): any => JSON.parse(text)

describe('a wallet another user could plant or swap', () => {
  it('one planted in a writable ~/.config/mesh is not used to set a home up', async () => {
    const { user, walletDir, home } = await looseConfig()
    const planted = nacl.sign.keyPair()
    const write = spawnSync(process.execPath, ['-e', `require('node:fs').writeFileSync(process.argv[1], process.argv[2], { mode: 0o600 })`, join(walletDir, 'wallet.json'), JSON.stringify(Array.from(planted.secretKey))], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' })
    expect(write.status, write.stderr).toBe(0)

    const r = await runCli(['init', '--json', '--home', home], { env: cliEnv(user) })
    expect(r.code, 'mesh init used the other user\'s wallet').not.toBe(0)
    expect(json(r.stdout || r.stderr).error).toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining(`owned by uid ${NOBODY}`) })
    expect(await readdir(home).catch(() => [])).not.toContain('device.cert')
  }, 30_000)

  it('a new wallet is not written into a folder others can write to', async () => {
    const { user, walletDir } = await looseConfig()
    const r = await runCli(['wallet', 'new', '--json'], { env: cliEnv(user) })
    expect(r.code, r.stdout).not.toBe(0)
    expect(json(r.stdout || r.stderr).error).toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining(`${walletDir}, which holds the wallet`) })
    expect(await readdir(walletDir)).toEqual([])

    // The same folder made the user's alone: written, 0600.
    await chmod(walletDir, 0o700)
    const ok = await runCli(['wallet', 'new', '--json'], { env: cliEnv(user) })
    expect(ok.code, ok.stderr).toBe(0)
    expect((await stat(join(walletDir, 'wallet.json'))).mode & 0o777).toBe(0o600)
  }, 30_000)

  it('one others can read is used, with a warning that says so and how to fix it', async () => {
    const { user, walletDir, home } = await looseConfig()
    await chmod(walletDir, 0o700)
    const made = await runCli(['wallet', 'new', '--json'], { env: cliEnv(user) })
    expect(made.code, made.stderr).toBe(0)
    const wallet = join(walletDir, 'wallet.json')
    const warning = (who: string): RegExp => new RegExp(`^warning: wallet ${wallet.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} can be read by ${who}: whoever reads it can certify devices as yours and open your vault\\. Run \`chmod 600 .*wallet\\.json\`$`, 'm')
    const quiet = await runCli(['wallet', 'show'], { env: cliEnv(user) })
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).not.toMatch(/warning/)

    await chmod(wallet, 0o644)
    const shown = await runCli(['wallet', 'show'], { env: cliEnv(user) })
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stderr).toMatch(warning('every user of this machine'))
    expect(shown.stdout.trim()).toBe(json(made.stdout).address)

    await chmod(wallet, 0o640)
    const init = await runCli(['init', '--json', '--home', home], { env: cliEnv(user) })
    expect(init.code, init.stderr).toBe(0)
    expect(json(init.stdout).wallet).toBe(json(made.stdout).address)
    expect(init.stderr.match(/^warning: wallet/gm)).toHaveLength(1)
    expect(init.stderr).toMatch(warning('its group'))
  }, 30_000)
})

describe('what is at the wallet\'s path is judged as it is opened, and read from that', () => {
  it('a pipe with no writer, a device or a huge file: refused at once with INVALID_WALLET (a planted pipe used to hang mesh init, /dev/zero was read until Node gave up)', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const fifo = join(t.dir, 'pipe.json')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const big = join(t.dir, 'big.json')
    await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 0x20))
    for (const [path, says] of [[fifo, 'gave nothing: no program wrote the keypair into it'], ['/dev/zero', 'not a regular file or a pipe'], [big, `is ${64 * 1024 * 1024} bytes`]] as const) {
      const r = await runCli(['wallet', 'show', '--json', '--wallet', path], { env: cliEnv(t.dir), timeoutMs: 15_000 })
      expect(r.code, `${path}: ${r.stderr}`).toBe(2)
      expect(json(r.stdout || r.stderr).error).toMatchObject({ code: 'INVALID_WALLET', message: expect.stringContaining(says) })
    }
  }, 60_000)

  it('a wallet given as a pipe (gpg -d w.gpg | mesh … --wallet /dev/stdin) is read', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const w = join(t.dir, 'w.json')
    const made = await runCli(['wallet', 'new', '--json', '--out', w], { env: cliEnv(t.dir) })
    expect(made.code, made.stderr).toBe(0)
    // Through a shell, as a user runs it: its pipes are FIFOs (node's own stdio pipes are sockets).
    for (const line of [`cat "${w}" | "${process.execPath}" "${BIN}" wallet show --json --wallet /dev/stdin`, `"${process.execPath}" "${BIN}" wallet show --json --wallet <(sleep 0.5; cat "${w}")`]) {
      const r = spawnSync('bash', ['-c', line], { env: cliEnv(t.dir), encoding: 'utf8', timeout: 30_000 })
      expect(r.status, `${line}: ${r.stderr}`).toBe(0)
      expect(json(r.stdout).address).toBe(json(made.stdout).address)
    }
  }, 30_000)

  it('a link another user put in a shared sticky folder is not followed, even to a file of the user\'s', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (a second uid); CI runs as root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    await chmod(t.dir, 0o755)
    const shared = join(t.dir, 'shared')
    await mkdir(shared); await chmod(shared, 0o1777)
    const mine = join(t.dir, 'mine.json')
    const made = await runCli(['wallet', 'new', '--json', '--out', mine], { env: cliEnv(t.dir) })
    expect(made.code, made.stderr).toBe(0)
    const at = join(shared, 'wallet.json')
    const plant = spawnSync(process.execPath, ['-e', 'require("node:fs").symlinkSync(process.argv[1], process.argv[2])', mine, at], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' })
    expect(plant.status, plant.stderr).toBe(0)
    const r = await runCli(['wallet', 'show', '--json', '--wallet', at], { env: cliEnv(t.dir) })
    expect(r.code).toBe(2)
    expect(json(r.stdout || r.stderr).error).toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining(`a link owned by uid ${NOBODY}`) })
    // The user's own link to it is fine.
    await symlink(mine, join(shared, 'own.json'))
    const own = await runCli(['wallet', 'show', '--json', '--wallet', join(shared, 'own.json')], { env: cliEnv(t.dir) })
    expect(own.code, own.stderr).toBe(0)
    expect(json(own.stdout).address).toBe(json(made.stdout).address)
  }, 30_000)

  it('`mesh wallet new --out=~/w.json` (quoted, so no shell expanded it) writes to the home, not to ./~/', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const cwd = join(t.dir, 'project')
    await mkdir(cwd)
    const r = await runCli(['wallet', 'new', '--json', '--out=~/w.json'], { env: cliEnv(t.dir), cwd })
    expect(r.code, r.stderr).toBe(0)
    expect(json(r.stdout).path).toBe(join(t.dir, 'w.json'))
    expect(await readdir(cwd)).toEqual([])
    const shown = await runCli(['wallet', 'show', '--json'], { env: cliEnv(t.dir, { MESH_WALLET: '~/w.json' }), cwd })
    expect(json(shown.stdout).address).toBe(json(r.stdout).address)
  }, 30_000)
})
