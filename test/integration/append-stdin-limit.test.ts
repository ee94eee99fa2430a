/**
 * `mesh session append --stdin` reads at most one message's worth: a review found it read stdin
 * without limit (`< /dev/zero` grew the process by ~140 MB/s until it was killed, and 600 MB
 * ended in a V8 string error, exit 1). It now stops past the limit and says it as the API does,
 * exit 2, and nothing is appended. Real `mesh` processes, a real /dev/zero.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

/** `mesh ARGS` with stdin read from `path`: its exit code and stderr. */
async function fromFile (path: string, ...args: string[]): Promise<{ code: number | null, stderr: string }> {
  const fd = openSync(path, 'r')
  try {
    const child = spawn(process.execPath, [BIN, ...args, '--home', h.home], { env: h.env, stdio: [fd, 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    return { code, stderr }
  } finally { closeSync(fd) }
}

describe('mesh session append --stdin', () => {
  it('refuses stdin past one message\'s most (exit 2) without reading it all, and appends nothing', async () => {
    expect((await h.mesh('session', 'new', 'piped')).code).toBe(0)
    const endless = await fromFile('/dev/zero', 'session', 'append', 'piped', '--role', 'user', '--stdin')
    expect(endless.code).toBe(2)
    expect(endless.stderr).toContain('message content exceeds 524288 bytes (stdin holds more): send a longer text as several messages')
    const big = await runCli(['session', 'append', 'piped', '--role', 'user', '--stdin', '--home', h.home], { env: h.env, input: 'x'.repeat(600 * 1024) })
    expect(big.code).toBe(2)
    expect(big.stderr).toContain('message content exceeds 524288 bytes')
    // Just under the limit, with the line end a shell adds: taken.
    const ok = await runCli(['session', 'append', 'piped', '--role', 'user', '--stdin', '--home', h.home], { env: h.env, input: 'y'.repeat(512 * 1024) + '\n' })
    expect(ok.code, ok.stderr).toBe(0)
    const shown = JSON.parse((await h.mesh('session', 'show', 'piped', '--json')).stdout)
    expect(shown.messageCount).toBe(1)
  }, 120_000)
})
