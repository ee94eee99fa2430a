/**
 * `mesh watch KEY` of a session this device does not hold says, while it waits, what could still
 * bring it, as `mesh session show` says it: here a sibling that writes is not online now. A watch
 * said only "waiting for it to arrive from a peer or be created here", and a person created it
 * here while it was on the other machine (the two then merge). With --json, the waiting event
 * carries `mayCome` as the error's details do. Real daemons of one wallet on loopback.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { startDaemon, startPair, type Daemon } from '../helpers/daemons.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch of a session not here', () => {
  it('says a sibling that may have it is not online, then shows it once that sibling brings it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const pair = await startPair(t.dir); cleanups.push(pair.stop)
    const mesh = async (...args: string[]): Promise<string> => {
      const r = await runCli(args, { env: pair.env })
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    }
    const B = ['--home', pair.b.home]
    // alpha goes away; beta sees it gone.
    expect(await pair.a.proc.stop('SIGINT')).toBe(0)
    await poll('beta to see alpha offline', async () => JSON.parse(await mesh('peers', '--json', ...B)).every((p: { state: string }) => p.state !== 'connected'))

    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'later', ...B], pair.env)
    const j = spawnIn(undefined, process.execPath, [BIN, 'watch', 'later', '--json', ...B], pair.env)
    cleanups.push(async () => { await w.stop('SIGKILL'); await j.stop('SIGKILL') })
    expect(await w.waitFor(/waiting for it/)).toBe('(no session agent:main:later on this device yet: waiting for it to arrive from a peer or be created here; alpha is not online now, and it may have it; Ctrl-C to stop)')
    expect(JSON.parse(await j.waitFor(/"event":"waiting"/))).toEqual({ event: 'waiting', key: 'agent:main:later', mayCome: { reason: 'offline', from: ['alpha'] } })

    // alpha back (its port is new: it dials beta), with the session: both watches show it.
    const a: Daemon = await startDaemon(pair.env, { home: pair.a.home, wallet: pair.wallet, label: 'alpha', bootstrap: pair.b.addr })
    cleanups.push(async () => await a.proc.stop('SIGKILL'))
    await mesh('session', 'new', 'later', '--home', join(t.dir, 'a'))
    await mesh('session', 'append', 'later', '--role', 'user', '--text', 'made on alpha', '--home', join(t.dir, 'a'))
    await w.waitFor(/user \(alpha\): made on alpha$/, 30_000)
    await j.waitFor(/"content":"made on alpha"/, 30_000)
    expect(await w.stop('SIGINT')).toBe(0)
    expect(await j.stop('SIGINT')).toBe(0)
    expect(j.lines.map(l => JSON.parse(l).event ?? 'message')).toEqual(['waiting', 'arrived', 'message'])
  }, 120_000)
})
