/**
 * A `mesh join` that is suspended (Ctrl-Z, SIGSTOP) still takes connections on its socket (the
 * kernel's backlog does), and answers nothing: a command beside it fails within seconds naming
 * its pid and how to resume it, instead of waiting for ever; resumed, it is used again. A call
 * whose caller's AbortSignal.timeout ends that wait for the daemon's first answer says it timed
 * out (`details.reason` 'timeout'), where it said "stopped looking for the daemon" as for a cancel.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DaemonFollower } from '../../src/cli/follow.js'
import type { MeshError } from '../../src/errors.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
const cleanups: Array<() => Promise<unknown> | unknown> = []
const mesh = async (args: string[]): ReturnType<typeof runCli> => await runCli(args, { env, timeoutMs: 30_000 })

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = cliEnv(dir)
  wallet = join(dir, 'wallet.json')
  expect((await mesh(['wallet', 'new', '--out', wallet])).code).toBe(0)
})
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('a suspended daemon', () => {
  it('status, stop and a second join fail naming its pid; once resumed, commands go through it again', async () => {
    const d: Daemon = await startDaemon({ home: join(dir, 'desk'), wallet, label: 'desk', env })
    const pid = d.child.pid as number
    // Resumed before it is killed: a stopped process is killed all the same, but it is left as found.
    cleanups.push(async () => { try { process.kill(pid, 'SIGCONT') } catch { /* gone */ } await d.stop('SIGKILL') })
    const home = ['--home', d.home]
    process.kill(pid, 'SIGSTOP')

    const said = `mesh join (pid ${pid}) accepted the connection but does not answer: suspended (\`kill -CONT ${pid}\` or \`fg\`) or busy`
    const status = await mesh(['status', ...home])
    expect(status.code, status.stderr).toBe(1)
    expect(status.stderr).toContain(said)
    const json = await mesh(['status', ...home, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'DAEMON_RUNNING', details: { pid, answering: false } })

    // As `mesh mcp` calls, with a timeout of its own shorter than the wait for a first answer.
    const follower = new DaemonFollower({ home: d.home, json: true })
    try {
      const err = await follower.call('sessions.list', {}, { signal: AbortSignal.timeout(500) }).then(() => 'answered', (e: unknown) => e as MeshError)
      expect(err).toMatchObject({ code: 'ABORTED', message: 'timed out waiting for the daemon to answer', details: { home: d.home, reason: 'timeout' } })
    } finally {
      await follower.close()
    }

    const stop = await mesh(['stop', ...home])
    expect(stop.code, stop.stderr).toBe(1)
    expect(stop.stderr).toContain(said)

    const again = await mesh(['join', ...home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'])
    expect(again.code, again.stderr).toBe(1)
    expect(again.stderr).toContain(said)

    // Resumed: the same home answers, and mesh stop stops it.
    process.kill(pid, 'SIGCONT')
    const back = await mesh(['status', ...home, '--json'])
    expect(back.code, back.stderr).toBe(0)
    expect(JSON.parse(back.stdout).daemon.pid).toBe(pid)
    const stopped = await mesh(['stop', ...home])
    expect(stopped.code, stopped.stderr).toBe(0)
  })
})
