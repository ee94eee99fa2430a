/**
 * A home that lost its certificate (device.cert: the file written last, whose presence marks a
 * home set up) still holds its keys and its data. The real `mesh` command, on a machine with no
 * wallet of its own: every command says which file is gone and what certifies the device again
 * (HOME_CORRUPT, exit 1); `mesh join` and `mesh init` generate no wallet for it and `mesh pair`
 * does not pair into it; another wallet is refused (WALLET_MISMATCH) with vault.keys unchanged;
 * the home's own wallet certifies it again and every session is there.
 */
import { readFile, rm, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
const mesh = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { env })

beforeAll(async () => { ({ dir, cleanup } = await tempDir()); env = cliEnv(join(dir, 'user')) })
afterAll(async () => { await cleanup() })

describe('a home that lost device.cert', () => {
  it('is named as such everywhere, set up again only with its own wallet, and loses nothing', async () => {
    const home = join(dir, 'home')
    const own = join(dir, 'own.json')
    const other = join(dir, 'other.json')
    const ownWallet = await writeNewWallet(own)
    await writeNewWallet(other)
    expect((await mesh('init', '--home', home, '--wallet', own, '--label', 'desk')).code).toBe(0)
    expect((await mesh('session', 'new', 'agent:main:kept', '--home', home)).code).toBe(0)
    expect((await mesh('session', 'append', 'kept', '--role', 'user', '--text', 'still here', '--home', home)).code).toBe(0)
    await rm(join(home, 'device.cert'))
    const keys = await readFile(join(home, 'vault.keys'), 'utf8')

    // Said plainly, naming the file and the wallet it needs.
    const status = await mesh('status', '--home', home, '--json')
    expect(status.code).toBe(1)
    const err = JSON.parse(status.stderr).error
    expect(err.code).toBe('HOME_CORRUPT')
    expect(err.message).toContain('device.cert')
    expect(err.message).toContain(ownWallet.address)

    // This machine has no wallet: neither join nor init generates one for the home.
    for (const cmd of [['init'], ['join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off']]) {
      const r = await mesh(...cmd, '--home', home)
      expect(r.code, `${cmd[0]}: ${r.stderr}`).toBe(1)
      expect(r.stderr).toContain('lost its certificate')
    }
    expect(await readdir(join(dir, 'user')).catch(() => [])).not.toContain('.config')
    const pair = await mesh('pair', '--home', home)
    expect(pair.code).toBe(1)
    expect(pair.stderr).toContain('lost its certificate')

    // Another wallet is refused, and the keys stay as they were.
    const wrong = await mesh('init', '--home', home, '--wallet', other, '--json')
    expect(wrong.code).toBe(2)
    expect(JSON.parse(wrong.stderr).error.code).toBe('WALLET_MISMATCH')
    expect(await readFile(join(home, 'vault.keys'), 'utf8')).toBe(keys)

    // Its own wallet certifies the device again: the session is there.
    expect((await mesh('init', '--home', home, '--wallet', own, '--label', 'desk')).code).toBe(0)
    const show = await mesh('session', 'show', 'kept', '--home', home, '--json')
    expect(show.code, show.stderr).toBe(0)
    expect(JSON.parse(show.stdout).messages.map((m: any) => m.content)).toEqual(['still here'])
  })

  it('a device.key that does not decode is the home\'s damage, named (HOME_CORRUPT, exit 1), not bad input', async () => {
    const home = join(dir, 'garbled')
    const own = join(dir, 'own2.json')
    await writeNewWallet(own)
    expect((await mesh('init', '--home', home, '--wallet', own)).code).toBe(0)
    await writeFile(join(home, 'device.key'), 'not a key')
    const r = await mesh('status', '--home', home, '--json')
    expect(r.code).toBe(1)
    const err = JSON.parse(r.stderr).error
    expect(err.code).toBe('HOME_CORRUPT')
    expect(err.message).toContain(join(home, 'device.key'))
  })

  it('a device.key whose secret half no longer gives its public half is refused, not used to sign entries that never open', async () => {
    const home = join(dir, 'halves')
    const own = join(dir, 'own3.json')
    await writeNewWallet(own)
    expect((await mesh('init', '--home', home, '--wallet', own)).code).toBe(0)
    expect((await mesh('session', 'new', 'kept', '--home', home)).code).toBe(0)
    expect((await mesh('session', 'append', 'kept', '--role', 'user', '--text', 'first', '--home', home)).code).toBe(0)
    // libp2p's encoding: a 4-byte header, then the 32-byte seed and the 32-byte public key.
    const good = await readFile(join(home, 'device.key'))
    const bad = Buffer.from(good)
    bad[20] = (bad[20] as number) ^ 0x55
    await writeFile(join(home, 'device.key'), bad)

    const r = await mesh('session', 'append', 'kept', '--role', 'user', '--text', 'second', '--home', home, '--json')
    expect(r.code, r.stdout).toBe(1)
    const err = JSON.parse(r.stderr).error
    expect(err.code).toBe('HOME_CORRUPT')
    expect(err.message).toContain(join(home, 'device.key'))

    // Put back, the key signs again, and every message it wrote opens.
    await writeFile(join(home, 'device.key'), good)
    expect((await mesh('session', 'append', 'kept', '--role', 'user', '--text', 'third', '--home', home)).code).toBe(0)
    const show = await mesh('session', 'show', 'kept', '--home', home, '--json')
    expect(JSON.parse(show.stdout).messages.map((m: any) => m.content)).toEqual(['first', 'third'])
  })
})
