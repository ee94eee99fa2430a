/**
 * sessions.wait through the CLI's follower (`mesh mcp`, `mesh watch`) with no daemon running,
 * ended by its caller's signal: said as the same call says it in the process and through a
 * daemon ("sessions.wait timed out", `details.reason` 'timeout'; "sessions.wait was cancelled").
 * It said "stopped waiting for session …" with no reason, and a caller's timeout that came while
 * a look waited for the home (held by another process) was taken for the look's own "not there
 * yet" and waited out one more pause before it was said.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DaemonFollower } from '../../src/cli/follow.js'
import type { MeshError } from '../../src/errors.js'
import { ROOT } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

const KEY = 'agent:main:never'
const timedOut = { code: 'ABORTED', message: 'sessions.wait timed out', details: { method: 'sessions.wait', reason: 'timeout' } }
const shape = (err: unknown): unknown => { const e = err as MeshError; return { code: e.code, message: e.message, details: e.details } }

describe('sessions.wait through the follower, ended by its caller', () => {
  it('between looks at a free home: timed out, or cancelled, as in the process and through a daemon', async () => {
    const follower = new DaemonFollower({ home: h.home, json: true } as any)
    try {
      const err = await follower.call('sessions.wait', { key: KEY }, { signal: AbortSignal.timeout(700) }).then(() => 'answered', (e: unknown) => e)
      expect(shape(err)).toEqual(timedOut)
      const ac = new AbortController()
      const cancelled = follower.call('sessions.wait', { key: KEY }, { signal: ac.signal }).then(() => 'answered', (e: unknown) => e)
      setTimeout(() => { ac.abort() }, 700)
      expect(shape(await cancelled)).toEqual({ code: 'ABORTED', message: 'sessions.wait was cancelled', details: { method: 'sessions.wait' } })
    } finally {
      await follower.close()
    }
  }, 60_000)

  it('while a look waits for the home another process holds: timed out, not taken for "not there yet"', async () => {
    const holder = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), h.home], { stdio: ['ignore', 'pipe', 'inherit'] })
    const gone = new Promise(resolve => holder.once('exit', resolve))
    const follower = new DaemonFollower({ home: h.home, json: true } as any)
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve() })
        holder.once('exit', (c) => { reject(new Error(`holder exited ${String(c)}`)) })
      })
      const err = await follower.call('sessions.wait', { key: KEY }, { signal: AbortSignal.timeout(500) }).then(() => 'answered', (e: unknown) => e)
      expect(shape(err)).toEqual(timedOut)
    } finally {
      await follower.close()
      holder.kill('SIGTERM')
      await gone
    }
  }, 60_000)
})
