/**
 * A `mesh watch` suspended (Ctrl-Z: SIGSTOP) while a session grows: the daemon kept every event
 * for it, unread, without end (hundreds of MB for a few hundred big appends). The daemon now cuts
 * off a control client that leaves more than MAX_UNREAD unread and takes none of it for STALL_MS
 * (one reading a long answer is not cut off); the watch, run again (SIGCONT),
 * reconnects, says the daemon closed its connection (not that it stopped), and prints every
 * message all the same. A real `mesh join`, a real `mesh watch`
 * stopped and continued by its pid, appends through the SDK connected to the daemon.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectMesh } from '../../src/index.js'
import { MAX_UNREAD } from '../../src/api/rpc.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const KEY = 'agent:main:suspended'
const SIZE = 200_000
/** Enough to leave well over MAX_UNREAD unread. */
const COUNT = Math.ceil(1.5 * MAX_UNREAD / SIZE)

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let daemon: Daemon
beforeAll(async () => {
  t = await tempDir()
  env = { ...cliEnv(t.dir), DEBUG: 'mesh:api:rpc' }
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  daemon = await startDaemon({ home: join(t.dir, 'home'), wallet, label: 'solo', env })
}, 60_000)
afterAll(async () => { await daemon?.stop('SIGINT'); await t?.cleanup() })

describe('a mesh watch suspended while the session grows', () => {
  it('is cut off by the daemon past MAX_UNREAD, and prints every message once it runs again', async () => {
    expect((await runCli(['session', 'new', KEY, '--home', daemon.home], { env })).code).toBe(0)
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', KEY, '--tail', '0', '--home', daemon.home], env)
    try {
      await w.waitFor(/has no messages yet/, 30_000)
      w.child.kill('SIGSTOP')
      const mesh = await connectMesh({ home: daemon.home })
      try {
        for (let i = 0; i < COUNT; i++) await mesh.sessions.append({ key: KEY, role: 'user', content: `${i}|${'x'.repeat(SIZE)}` })
      } finally { await mesh.close() }
      // The daemon let go of it, rather than keeping what it does not read.
      await daemon.waitFor(/control client left \d+ bytes unread for \d+ ms: cut off/, 60_000)
      w.child.kill('SIGCONT')
      // Every message comes all the same: the watch reconnects and reads what it missed.
      await poll('every message printed', async () => {
        const got = new Set(w.lines.map(l => /(\d+)\|x{10}/.exec(l)?.[1]).filter(x => x !== undefined))
        return got.size === COUNT
      })
      // Said as what it was: the daemon runs on (it closed this connection), not "stopped" and
      // then "runs now".
      await w.waitFor(/mesh join had closed this watch's connection, as it does when a watch reads nothing for a while .*followed again, nothing missed/, 30_000)
      expect(w.lines.filter(l => /mesh join (stopped|runs now)/.test(l))).toEqual([])
    } finally {
      w.child.kill('SIGCONT')
      await w.stop('SIGINT')
    }
  }, 180_000)
})
