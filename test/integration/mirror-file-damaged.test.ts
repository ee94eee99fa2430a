/**
 * A blind mirror's mirror.json damaged (null, a field gone, a wallet address that is not base58):
 * `mesh join` on it and `mesh init --mirror` said INTERNAL with a decoder's words ("Cannot read
 * properties of null (reading 'wallet')", "Non-base58btc character", "Expected String"), naming
 * no file. Each is HOME_CORRUPT naming the file, exit 1, and the file is left as it is.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let t: { dir: string, cleanup: () => Promise<void> }
let env: NodeJS.ProcessEnv
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env })

beforeAll(async () => { t = await tempDir(); env = cliEnv(join(t.dir, 'user')) })
afterAll(async () => { await t?.cleanup() })

describe('a damaged mirror.json', () => {
  it('is HOME_CORRUPT naming the file, to mesh join and to mesh init --mirror, exit 1', async () => {
    const home = join(t.dir, 'mirror')
    const wallet = join(t.dir, 'w.json')
    expect((await mesh('wallet', 'new', '--out', wallet)).code).toBe(0)
    const init = await mesh('init', '--mirror', '--home', home, '--wallet', wallet)
    expect(init.code, init.stderr).toBe(0)
    const file = join(home, 'mirror.json')
    const good = JSON.parse(await readFile(file, 'utf8'))
    for (const damaged of ['null', JSON.stringify({ ...good, wallet: undefined }), JSON.stringify({ ...good, wallet: '0OIl' })]) {
      await writeFile(file, damaged)
      for (const args of [['join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], ['init', '--mirror', '--wallet', wallet]]) {
        const r = await mesh(...args, '--home', home, '--json')
        expect(r.code, `${args[0]} ${damaged}: ${r.stderr}`).toBe(1)
        const err = JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error
        expect(err, `${args[0]} ${damaged}`).toMatchObject({ code: 'HOME_CORRUPT', message: expect.stringContaining(file) })
      }
      expect(await readFile(file, 'utf8')).toBe(damaged)
    }
  }, 60_000)

  it('with one character of its membership key changed is HOME_CORRUPT naming the file, and init --mirror with the wallet writes the key again', async () => {
    const home = join(t.dir, 'mirror-key')
    const wallet = join(t.dir, 'w2.json')
    expect((await mesh('wallet', 'new', '--out', wallet)).code).toBe(0)
    expect((await mesh('init', '--mirror', '--home', home, '--wallet', wallet)).code).toBe(0)
    const file = join(home, 'mirror.json')
    const good = JSON.parse(await readFile(file, 'utf8'))
    const key: string = good.membershipKey
    const changed = (key[5] === 'A' ? 'B' : 'A')
    const damaged = JSON.stringify({ ...good, membershipKey: key.slice(0, 5) + changed + key.slice(6) })
    expect(Buffer.from(JSON.parse(damaged).membershipKey, 'base64').byteLength).toBe(32)
    await writeFile(file, damaged)
    const r = await mesh('join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--home', home, '--json')
    expect(r.code, r.stderr).toBe(1)
    const err = JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error
    expect(err).toMatchObject({ code: 'HOME_CORRUPT', message: expect.stringContaining(`${file}: its membership key is not the one written there`) })
    expect(await readFile(file, 'utf8')).toBe(damaged)
    // The wallet at hand derives the key again.
    const again = await mesh('init', '--mirror', '--home', home, '--wallet', wallet)
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(await readFile(file, 'utf8')).membershipKey).toBe(key)
    // A file from before the check (none in it) is read as it was.
    await writeFile(file, JSON.stringify({ version: 1, wallet: good.wallet, membershipKey: key }))
    expect((await mesh('init', '--mirror', '--home', home, '--wallet', wallet)).code).toBe(0)
  }, 60_000)
})
