/**
 * Ctrl-C while `mesh watch` still prints the transcript it read first: its handler was set only
 * after that print, so a SIGINT in between killed the process (no exit code, the home not
 * closed cleanly), which a user meets pressing Ctrl-C at once on a long session, and a script
 * that stops the watch as soon as its first line comes. The watch now takes Ctrl-C from its start
 * and ends with exit 0 whenever it comes.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openMesh } from '../../src/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch and Ctrl-C', () => {
  it('a SIGINT while the first transcript is still being printed ends it with exit 0', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const home = join(t.dir, 'home')
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'solo'], { env })).code).toBe(0)
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
})
