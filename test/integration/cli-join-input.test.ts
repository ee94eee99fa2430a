/**
 * What `mesh join` (and `mesh init`) refuse before anything starts, through the real `mesh`: a
 * home too long for the daemon's socket, with the home left as it was.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
const cleanups: Array<() => Promise<unknown> | unknown> = []
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env })
/** What a test's own daemon is given: no discovery, loopback, no HTTP. */
const QUIET = ['--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off']

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = cliEnv(dir)
  wallet = join(dir, 'wallet.json')
  expect((await mesh('wallet', 'new', '--out', wallet)).code).toBe(0)
})
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join refuses before it starts', () => {
  it('a home too long for a unix socket: exit 2 with the length, and the home is not set up', async () => {
    // 100 bytes: neither the socket nor the directory it is bound in first would fit.
    const home = join(dir, 'h'.repeat(Math.max(1, 100 - dir.length - 1)))
    expect(Buffer.byteLength(home)).toBeGreaterThanOrEqual(100)
    const r = await mesh('join', '--home', home, '--wallet', wallet, ...QUIET)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/^mesh: home path too long for a unix socket \(\d+ > 10[37] bytes\): use a shorter --home/)
    expect(await readdir(home).catch(() => [])).toEqual([])
  })
})
