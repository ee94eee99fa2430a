/**
 * A home set up as a user sets one up, for a test of its own: a temp folder (removed with the
 * caller's cleanups), a wallet made with `mesh wallet new`, `mesh init --label solo`, and `mesh`
 * run against it, exiting 0, giving its stdout. For tests that need a fresh home per test
 * (cli-home.ts gives one per file).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect } from 'vitest'
import { BIN, cliEnv, runCli } from './cli.js'
import { tempDir } from './tmp.js'

export interface SoloHome { env: NodeJS.ProcessEnv, home: string, wallet: string, mesh: (...args: string[]) => Promise<string> }

export async function soloHome (cleanups: Array<() => unknown>): Promise<SoloHome> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const env = cliEnv(t.dir)
  const home = join(t.dir, 'home')
  const wallet = join(t.dir, 'wallet.json')
  expect(spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env }).status).toBe(0)
  const mesh = async (...args: string[]): Promise<string> => {
    const r = await runCli([...args, '--home', home], { env })
    expect(r.code, r.stderr).toBe(0)
    return r.stdout
  }
  await mesh('init', '--wallet', wallet, '--label', 'solo')
  return { env, home, wallet, mesh }
}
