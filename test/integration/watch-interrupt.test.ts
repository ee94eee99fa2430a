/**
 * Ctrl-C while `mesh watch` still prints the transcript it read first: its handler was set only
 * after that print, so a SIGINT in between killed the process (no exit code, the home not
 * closed cleanly), which a user meets pressing Ctrl-C at once on a long session, and a script
 * that stops the watch as soon as its first line comes. The watch now takes Ctrl-C from its start
 * and ends with exit 0 whenever it comes.
 *
 * Before that, while the CLI itself still loads (the bundle read and compiled, ~0.1 s), a Ctrl-C
 * was Node's default: the process killed (exit 130 in a shell), where one a moment later ends
 * with 0. It is sent here at that moment exactly: strace delivers it as the bundle is opened.
 * Node's own start, before any of mesh runs, stays as Node makes it.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openMesh } from '../../src/index.js'
import { BIN, ROOT } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

// One home for both tests, as a user sets one up (a wallet, `mesh init`).
const h = cliHome()
const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch and Ctrl-C', () => {
  it('a SIGINT while the first transcript is still being printed ends it with exit 0', async () => {
    const { home, env } = h
    const mesh = await openMesh({ home, node: false })
    try {
      await mesh.sessions.create({ key: 'long' })
      for (let i = 0; i < 20; i++) await mesh.sessions.append({ key: 'long', messages: Array.from({ length: 500 }, (_, j) => ({ role: 'user' as const, content: `line ${i * 500 + j} ${'x'.repeat(200)}` })) })
    } finally {
      await mesh.close()
    }
    for (const json of [false, true]) {
      const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'long', '--tail', '10000', '--home', home, ...(json ? ['--json'] : [])], env)
      cleanups.push(async () => await w.stop('SIGKILL'))
      await w.waitFor(/line 0 /, 30_000)
      // Sent at the first line: the other 9,999 are still being printed.
      expect(await w.stop('SIGINT'), `--json: ${json}`).toBe(0)
    }
  }, 120_000)

  it('a SIGINT while the CLI still loads ends the watch with exit 0, and a command that takes none still ends by it', async () => {
    if (spawnSync('strace', ['-V']).status !== 0) throw new Error('this test needs strace (apt-get install strace)')
    const { home, env } = h
    // Whichever of the two bin/mesh.js loads (the bundle, or dist/src after a plain tsc): the
    // signal comes as it is opened, after bin/mesh.js began and before any command runs.
    const loaded = [join(ROOT, 'dist', 'cli', 'mesh.cjs'), join(ROOT, 'dist', 'src', 'cli', 'main.js')]
    const run = (signal: string, args: string[]): ReturnType<typeof spawnSync> => spawnSync('strace', [
      '-f', '-qq', '-o', join(h.dir, 'strace.log'), ...loaded.flatMap(p => ['-P', p]),
      '-e', `inject=openat:signal=${signal}:when=1`, process.execPath, BIN, ...args, '--home', home
    ], { env, encoding: 'utf8', timeout: 60_000 })
    for (const json of [false, true]) {
      const r = run('SIGINT', ['watch', 'long', ...(json ? ['--json'] : [])])
      expect({ status: r.status, signal: r.signal }, `--json: ${json}\n${String(r.stderr)}`).toEqual({ status: 0, signal: null })
    }
    // SIGTERM too, as later in the watch.
    expect(run('SIGTERM', ['watch', 'long']).status).toBe(0)
    // A command with no handling of its own is ended by the signal, as Node's default ends it.
    expect(run('SIGINT', ['status']).signal).toBe('SIGINT')
  }, 120_000)
})
