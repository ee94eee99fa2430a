/**
 * The follower's release of a lease it took (agents/follow/release.ts) that fails for now: here
 * `mesh agent follow` with no daemon, its home held by another command past the wait for it
 * (HOME_IN_USE). Such a lease was forgotten, in memory and in `agent-follow/leases/`, as if it
 * could never be let go, and stayed this device's for as long as it followed. It is kept, the
 * failure said, and let go at a later look once the home is free. Real home, real processes.
 */
import { spawn } from 'node:child_process'
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CursorStore, LeaseReleaser, RELEASE_RECHECK_MS } from '../../src/agents/index.js'
import { DaemonFollower } from '../../src/cli/follow.js'
import { ROOT } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('a lease release that fails for now', () => {
  it('is kept and tried again, not forgotten: let go once the home is free', async () => {
    const key = 'agent:codex:0193a7c2-5e4f-7a10-8b2c-00000000c001'
    const mesh = async (...args: string[]): Promise<string> => { const r = await h.mesh(...args); expect(r.code, r.stderr).toBe(0); return r.stdout }
    await mesh('session', 'new', key)
    const epoch = JSON.parse(await mesh('lease', 'take', key, '--json')).lease.epoch as number
    // The rollout: closed, and quiet for an hour.
    const rollout = join(h.dir, 'rollout.jsonl')
    await writeFile(rollout, '{}\n')
    const hourAgo = new Date(Date.now() - 3_600_000)
    await utimes(rollout, hourAgo, hourAgo)

    const follower = new DaemonFollower({ home: h.home, json: true } as any)
    const leases = join(h.home, 'agent-follow', 'leases')
    const releaser = new LeaseReleaser(async (k, e) => (await follower.call('sessions.releaseLease', { key: k, epoch: e })).released, 1000, new CursorStore(leases))
    const holder = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), h.home], { stdio: ['ignore', 'pipe', 'inherit'] })
    const gone = new Promise(resolve => holder.once('exit', resolve))
    try {
      await releaser.took(key, rollout, epoch)
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve() })
        holder.once('exit', (c) => { reject(new Error(`holder exited ${String(c)}`)) })
      })
      // Another command holds the home past the wait: said, and the lease kept (on disk too).
      expect(await releaser.check().then(r => r, (e: unknown) => e)).toMatchObject({ code: 'HOME_IN_USE' })
      expect(await new CursorStore(leases).ids()).toEqual([key])
      holder.kill('SIGTERM')
      await gone
      // The next look, once the home is free, lets it go.
      expect(await releaser.check(Date.now() + RELEASE_RECHECK_MS)).toEqual([{ key, path: rollout, quietMs: 1000 }])
      expect(JSON.parse(await mesh('session', 'show', key, '--json')).lease).toBeUndefined()
      expect(await new CursorStore(leases).ids()).toEqual([])
    } finally {
      await follower.close()
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGTERM')
      await gone
    }
  }, 90_000)
})
