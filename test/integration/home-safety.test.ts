/**
 * A home another user could change is refused before anything in it is read or written: one
 * created beforehand by another uid, one writable by its group, one under a group-writable
 * directory of the user's home; and no symbolic link planted in a home (at the lock, a key file,
 * the log, or a temp file's name) is ever followed: the file it points at is untouched, and the
 * error (HOME_UNSAFE) names the path and the command that fixes it. Runs as root, as CI does.
 */
import { spawn } from 'node:child_process'
import { chmod, chown, mkdir, readFile, readdir, symlink, writeFile, lstat, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hostHome } from '../../src/api/host.js'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { acquireLock, readHomeFile, writeHomeFile } from '../../src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const PRECIOUS = 'precious, outside the home\n'

async function setup (): Promise<{ dir: string, home: string, outside: string }> {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (chown to another uid); CI runs as root')
  const t = await tempDir(); cleanups.push(t.cleanup)
  const outside = join(t.dir, 'outside')
  await writeFile(outside, PRECIOUS)
  return { dir: t.dir, home: join(t.dir, 'home'), outside }
}

describe('an unsafe home is refused', () => {
  it('a home created beforehand by another user: refused, nothing written in it', async () => {
    const { home } = await setup()
    await mkdir(home, { mode: 0o700 })
    await chown(home, 12345, 12345)
    await expect(openVault({ home, wallet: generateWallet() })).rejects.toMatchObject({
      code: 'HOME_UNSAFE',
      message: expect.stringMatching(/is owned by uid 12345, not by you \(uid 0\).*chown -R 0 /)
    })
    expect(await readdir(home)).toEqual([])
  })

  it('a group-writable home, and a group-writable directory above it in the user\'s home: refused with the chmod that fixes it', async () => {
    const { dir, home } = await setup()
    await mkdir(home, { mode: 0o700 })
    await chmod(home, 0o770)
    await expect(openVault({ home, wallet: generateWallet() })).rejects.toMatchObject({
      code: 'HOME_UNSAFE',
      message: expect.stringContaining(`${home} is writable by its group (mode 770)`)
    })
    expect(await readdir(home)).toEqual([])
    await chmod(home, 0o700)
    await (await openVault({ home, wallet: generateWallet() })).close()

    const saved = process.env.HOME
    process.env.HOME = dir
    try {
      const parent = join(dir, '.local')
      await mkdir(join(parent, 'share'), { recursive: true, mode: 0o700 })
      await chmod(parent, 0o777)
      const nested = join(parent, 'share', 'mesh')
      await expect(openVault({ home: nested, wallet: generateWallet() })).rejects.toMatchObject({
        code: 'HOME_UNSAFE',
        message: expect.stringContaining(`${parent} is writable by its group and every other user (mode 777)`)
      })
      await chmod(parent, 0o755)
      await (await openVault({ home: nested, wallet: generateWallet() })).close()
    } finally {
      process.env.HOME = saved
    }
  })
})

/** What another local user (uid 12345) gets trying to list the home and to connect to its control socket. */
async function otherUserTries (home: string): Promise<{ list: unknown, connect: string }> {
  const script = `const fs = require('fs'), net = require('net'), path = require('path')
const home = process.argv[1], out = {}
try { out.list = fs.readdirSync(home) } catch (e) { out.list = e.code }
const s = net.connect(path.join(home, 'control.sock'))
s.on('connect', () => { out.connect = 'connected'; s.destroy(); console.log(JSON.stringify(out)) })
s.on('error', (e) => { out.connect = e.code; console.log(JSON.stringify(out)) })`
  const child = spawn(process.execPath, ['-e', script, home], { uid: 12345, gid: 12345, stdio: ['ignore', 'pipe', 'inherit'] })
  let text = ''
  child.stdout.on('data', (d: Buffer) => { text += d.toString() })
  await new Promise(resolve => child.on('close', resolve))
  return JSON.parse(text)
}

describe('a home others can read or enter', () => {
  it('is made owner-only before anything is written in it: another user neither lists it nor reaches its socket', async () => {
    const { dir, home } = await setup()
    await chmod(dir, 0o755) // a path everyone may walk, as a user's home directory often is
    // As `mkdir -p` with the usual umask leaves it, or a restore from a backup.
    await mkdir(home, { mode: 0o755 })
    await chmod(home, 0o755)
    const host = await hostHome({ home, wallet: generateWallet(), node: false })
    try {
      expect((await stat(home)).mode & 0o777).toBe(0o700)
      expect(await otherUserTries(home)).toEqual({ list: 'EACCES', connect: 'EACCES' })
    } finally {
      await host.close()
    }
  })
})

describe('a symbolic link planted in the home is never followed', () => {
  it('at the lock', async () => {
    const { home, outside } = await setup()
    const wallet = generateWallet()
    await (await openVault({ home, wallet })).close()
    await symlink(outside, join(home, 'lock'))
    await expect(openVault({ home })).rejects.toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining(`${join(home, 'lock')} is a symbolic link`) })
    // The lock itself, past the home check: link(2) never follows, and reading it refuses the link.
    await expect(acquireLock(home)).rejects.toMatchObject({ code: 'HOME_UNSAFE' })
    expect(await readFile(outside, 'utf8')).toBe(PRECIOUS)
  })

  it('at a key file, and at the record log', async () => {
    const { home, outside } = await setup()
    await mkdir(home, { mode: 0o700 })
    await symlink(outside, join(home, 'device.key'))
    await expect(openVault({ home, wallet: generateWallet() })).rejects.toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining('device.key is a symbolic link') })
    await expect(readHomeFile(home, 'deviceKey')).rejects.toMatchObject({ code: 'HOME_UNSAFE' })
    expect(await readFile(outside, 'utf8')).toBe(PRECIOUS)

    const other = join(home, '..', 'home2')
    await (await openVault({ home: other, wallet: generateWallet() })).close()
    await writeFile(join(other, 'data', 'log.moved'), await readFile(join(other, 'data', 'log')))
    const { unlink } = await import('node:fs/promises')
    await unlink(join(other, 'data', 'log'))
    await symlink(outside, join(other, 'data', 'log'))
    await expect(openVault({ home: other })).rejects.toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining('log is a symbolic link') })
    expect(await readFile(outside, 'utf8')).toBe(PRECIOUS)
  })

  it('at a snapshot file', async () => {
    const { home, outside } = await setup()
    const v = await openVault({ home, wallet: generateWallet(), snapshotOnClose: 1 })
    const s = await v.sessions.create('s')
    await s.append({ role: 'user', content: 'hello' })
    await s.close()
    await v.close()
    const snaps = join(home, 'data', 'snapshots')
    const docDir = join(snaps, (await readdir(snaps))[0] as string)
    const file = (await readdir(docDir))[0] as string
    const { unlink } = await import('node:fs/promises')
    await unlink(join(docDir, file))
    await symlink(outside, join(docDir, file))
    await expect(openVault({ home })).rejects.toMatchObject({ code: 'HOME_UNSAFE', message: expect.stringContaining(`${file} is a symbolic link`) })
    expect(await readFile(outside, 'utf8')).toBe(PRECIOUS)
  })

  it('at temp file names and at the target of a whole-file write', async () => {
    const { home, outside } = await setup()
    await mkdir(home, { mode: 0o700 })
    // Every name the old writer would have used in this process (pid and a counter).
    for (let n = 1; n <= 200; n++) await symlink(outside, join(home, `config.json.${process.pid}.${n}.tmp`))
    await symlink(outside, join(home, 'peers.json'))
    await writeHomeFile(home, 'config', '{"port":1}\n')
    await writeHomeFile(home, 'peers', '[]\n')
    expect(await readFile(outside, 'utf8')).toBe(PRECIOUS)
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe('{"port":1}\n')
    // rename(2) replaced the link, it did not write through it.
    expect((await lstat(join(home, 'peers.json'))).isFile()).toBe(true)
    expect(((await lstat(join(home, 'config.json'))).mode & 0o777)).toBe(0o600)
  })
})
