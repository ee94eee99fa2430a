/**
 * `mesh devices revoke` asks at a terminal (through a pseudo-terminal, util-linux `script`), with
 * no daemon running: while the question waits for its answer the home is not held, so another
 * command runs meanwhile instead of waiting on the answer and failing "in use by pid N".
 */
import { spawn, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { startPair, type Pair } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0
let t: { dir: string, cleanup: () => Promise<void> }
let pair: Pair | undefined

beforeAll(async () => {
  t = await tempDir()
  if (hasScript) pair = await startPair(t.dir)
}, 90_000)
afterAll(async () => { await pair?.stop(); await t.cleanup() })

describe('mesh devices revoke at a terminal', () => {
  it.skipIf(!hasScript)('holds no home while it asks: mesh status runs meanwhile, and "n" revokes nothing', async () => {
    const p = pair as Pair
    // alpha's daemon stopped: the command opens the home itself.
    await p.a.proc.stop('SIGINT')
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
    const line = [process.execPath, BIN, 'devices', 'revoke', 'beta', '--home', p.a.home].map(quote).join(' ')
    const asking = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { env: p.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let said = ''
    asking.stdout.on('data', (d: Buffer) => { said += d.toString() })
    asking.stderr.on('data', (d: Buffer) => { said += d.toString() })
    const done = new Promise<number | null>(resolve => asking.on('close', resolve))
    try {
      await until(() => said.includes('[y/N]'), 'mesh devices revoke to ask', 30_000)
      const meanwhile = await runCli(['status', '--home', p.a.home, '--json'], { env: p.env, timeoutMs: 8_000 })
      expect(meanwhile.code, meanwhile.stderr).toBe(0)
      asking.stdin.write('n\r')
      expect(await done).toBe(1)
      expect(said).toContain('nothing revoked')
    } finally {
      if (asking.exitCode === null) asking.kill('SIGKILL')
    }
    const list = await runCli(['devices', '--home', p.a.home, '--json'], { env: p.env })
    expect(JSON.parse(list.stdout).find((d: any) => d.label === 'beta').revoked).toBeUndefined()
  })
})
