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
})
