/**
 * A blind mirror asked for what only a member can do (`mesh sessions`, `mesh memory get`) as a
 * newcomer tries it on the VPS: it holds no vault key, so it can never carry that out, which the
 * exit codes call bad input (exit 2), as a read-only device asked to write is. It exited 1, the
 * code a script retries. With the mirror's `mesh join` running and without it, in words and with
 * --json (`MISSING_CAPABILITY`, `details.reason: "mirror"`).
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('a blind mirror asked to read the vault', () => {
  it('refuses with exit 2, with its mesh join running and without it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'vps')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'vps', '--mirror'], { env })).code).toBe(0)

    const tries = async (): Promise<void> => {
      const r = await runCli(['sessions', '--home', home], { env })
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(/blind mirror: it holds no vault key/) })
      const j = await runCli(['memory', 'get', 'editor', '--home', home, '--json'], { env })
      expect(j.code).toBe(2)
      expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'MISSING_CAPABILITY', details: { reason: 'mirror' } })
    }
    await tries()

    const d: Proc = spawnIn(undefined, process.execPath, [BIN, 'join', '--mirror', '--home', home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    cleanups.push(async () => { await d.stop('SIGKILL') })
    await d.waitFor(/^running/, 30_000)
    await tries()
    expect(await d.stop('SIGINT')).toBe(0)
  })
})
