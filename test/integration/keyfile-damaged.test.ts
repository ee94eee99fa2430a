/**
 * A damaged vault.keys is HOME_CORRUPT (exit 1) naming the file, whatever field is damaged: a
 * wallet address that is not base58 came out as `INTERNAL: Non-base58btc character`, and an
 * epoch named "abc" was read as epoch NaN.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('a damaged vault.keys', () => {
  it('a wallet address or an epoch name that does not decode: HOME_CORRUPT, exit 1, the file named', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const home = join(t.dir, 'home')
    expect((await runCli(['wallet', 'new', '--out', join(t.dir, 'w.json')], { env })).code).toBe(0)
    const init = await runCli(['init', '--home', home, '--wallet', join(t.dir, 'w.json')], { env })
    expect(init.code, init.stderr).toBe(0)
    const file = join(home, 'vault.keys')
    const good = JSON.parse(await readFile(file, 'utf8'))
    const damaged = [
      { ...good, wallet: good.wallet.slice(0, -1) + '0' },
      { ...good, wallet: good.wallet.slice(0, 20) },
      { ...good, epochs: { ...good.epochs, abc: Object.values(good.epochs)[0] } },
      { ...good, epochs: { ...good.epochs, '-1': Object.values(good.epochs)[0] } }
    ]
    for (const d of damaged) {
      await writeFile(file, JSON.stringify(d))
      const r = await runCli(['status', '--json', '--home', home], { env })
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(JSON.parse(r.stdout || r.stderr).error).toMatchObject({ code: 'HOME_CORRUPT', message: expect.stringContaining('vault.keys') })
    }
    await writeFile(file, JSON.stringify(good))
    expect((await runCli(['status', '--json', '--home', home], { env })).code).toBe(0)
  }, 60_000)

  it('a key that still decodes to 32 bytes but is not the one written: HOME_CORRUPT, not a vault that seems empty', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const home = join(t.dir, 'home')
    const mesh = async (...args: string[]): ReturnType<typeof runCli> => await runCli([...args, '--home', home], { env })
    expect((await runCli(['wallet', 'new', '--out', join(t.dir, 'w.json')], { env })).code).toBe(0)
    expect((await mesh('init', '--wallet', join(t.dir, 'w.json'))).code).toBe(0)
    expect((await mesh('session', 'new', 'kept')).code).toBe(0)
    const file = join(home, 'vault.keys')
    const good = await readFile(file, 'utf8')
    const parsed = JSON.parse(good)
    const log = join(home, 'data', 'log')
    const logSize = (await stat(log)).size
    // One base64 character of each key changed, as a flipped bit or a slip in an editor leaves it.
    const flip = (b64: string): string => (b64.startsWith('A') ? 'B' : 'A') + b64.slice(1)
    const damaged = [
      { ...parsed, epochs: { 0: flip(parsed.epochs['0']) } },
      { ...parsed, docIdKey: flip(parsed.docIdKey) },
      { ...parsed, rendezvous: flip(parsed.rendezvous) }
    ]
    for (const d of damaged) {
      await writeFile(file, JSON.stringify(d, null, 2))
      const r = await mesh('sessions', '--json')
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'HOME_CORRUPT', message: expect.stringContaining(file) })
    }
    // Nothing was written under the wrong keys, and the file put back opens everything.
    expect((await stat(log)).size).toBe(logSize)
    await writeFile(file, good)
    const r = await mesh('sessions', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.stringify(JSON.parse(r.stdout))).toContain('agent:main:kept')
  }, 60_000)
})
