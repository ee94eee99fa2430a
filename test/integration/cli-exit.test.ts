/**
 * A command that has ended ends its process, whatever a library left running: libp2p's address
 * manager keeps a timer for a second after its node stops, so `mesh join` lingered 1-3 s after
 * "stopped; store flushed" and `mesh stop` waited for it. A timer left running (a ref'd interval,
 * preloaded with --import) stands for any such leftover: the command's process must still end,
 * with its exit code and all it said.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  const linger = join(dir, 'linger.mjs')
  await writeFile(linger, 'setInterval(() => {}, 1000)\n')
  env = { ...cliEnv(dir), NODE_OPTIONS: `--import ${pathToFileURL(linger).href}` }
  expect((await runCli(['init', '--label', 'desk'], { env, timeoutMs: 60_000 })).code).toBe(0)
}, 90_000)

afterAll(async () => { await cleanup?.() })

describe('a command that has ended', () => {
  it('ends its process with its exit code and its whole output, a timer left running', async () => {
    const status = await runCli(['status', '--json'], { env, timeoutMs: 20_000 })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).label).toBe('desk')
    const refused = await runCli(['session', 'show', 'nope'], { env, timeoutMs: 20_000 })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/no session/)
  }, 60_000)

  it('mesh join stopped by Ctrl-C ends once its store is flushed', async () => {
    const child = spawn(process.execPath, [BIN, 'join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const ended = new Promise<number | null>(resolve => child.on('close', resolve))
    try {
      for (let i = 0; i < 600 && !out.includes('running (pid'); i++) await new Promise(resolve => setTimeout(resolve, 100))
      expect(out).toContain('running (pid')
      child.kill('SIGINT')
      const code = await Promise.race([ended, new Promise<string>(resolve => setTimeout(() => resolve('still running 15 s after Ctrl-C'), 15_000))])
      expect(code).toBe(0)
      expect(out).toContain('stopped; store flushed')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }, 90_000)
})
