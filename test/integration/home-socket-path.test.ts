/**
 * A home too long for its daemon's unix socket is refused by every command that sets a home up,
 * before anything is written, in the words `mesh join` says it: `mesh init` (it set the home up
 * and generated a wallet, and only `mesh join` refused it later), `mesh init --mirror`,
 * `mesh pair` (it offered a code) and a short command given --wallet, which sets a home up too.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { longestSocketPath, SOCKET_PATH_MAX } from '../../src/api/socket-path.js'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
let wallet: string
let home: string
const mesh = async (...args: string[]): Promise<RunResult> => await runCli([...args, '--home', home], { env, timeoutMs: 20_000 })
const userWallet = (): string => join(dir, 'user', '.config', 'mesh', 'wallet.json')

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  env = cliEnv(join(dir, 'user'))
  wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  home = join(dir, 'h'.repeat(120))
})
afterAll(async () => { await cleanup() })

describe('a home too long for a unix socket', () => {
  it('is refused by init, init --mirror, pair and a command given --wallet, exit 2, nothing written', async () => {
    const words = `mesh: home path too long for a unix socket (${longestSocketPath(home)} > ${SOCKET_PATH_MAX} bytes): use a shorter --home\n`
    const tried: string[][] = [
      ['init'],
      ['init', '--label', 'desk'],
      ['init', '--wallet', wallet],
      ['init', '--mirror', '--wallet', wallet],
      // Loopback only, no mDNS: had it not been refused, it would wait for an approval (and time out here).
      ['pair', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'],
      ['status', '--wallet', wallet],
      ['join', '--wallet', wallet, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off']
    ]
    for (const args of tried) {
      const r = await mesh(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(words)
      expect(r.stdout, args.join(' ')).toBe('')
      expect(existsSync(home), args.join(' ')).toBe(false)
      // No wallet was generated for it either.
      expect(existsSync(userWallet()), args.join(' ')).toBe(false)
    }
    const j = await mesh('init', '--json')
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stderr).error).toEqual({ code: 'INVALID_INPUT', message: words.slice('mesh: '.length, -1), details: { home, bytes: longestSocketPath(home), max: SOCKET_PATH_MAX } })
    // A command that does not set a home up says it is not set up, as for any other home.
    const status = await mesh('status')
    expect(status.code).toBe(1)
    expect(status.stderr).toMatch(/is not set up: check --home/)
  }, 120_000)
})
