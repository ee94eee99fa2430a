/**
 * The follower's records of the leases it took (agent-follow/leases/): one it takes now is marked
 * auto, and its release asks the API for an auto lease only (a person's renewal since keeps it);
 * a record an earlier version wrote has no mark, and is released by its epoch alone, as that
 * version took it (its lease carries no auto mark either). Real files in a temp folder.
 */
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CursorStore, LeaseReleaser } from '../../src/agents/index.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

describe('the follower\'s lease records', () => {
  it('ask an auto release for a lease taken now, and a plain one for a record of an earlier version', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const store = new CursorStore(join(t.dir, 'leases'))
    const old = join(t.dir, 'old.jsonl')
    const now = join(t.dir, 'new.jsonl')
    for (const p of [old, now]) { await writeFile(p, '{}\n'); await utimes(p, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000)) }
    // Written by an earlier version: no mark.
    await store.set('agent:codex:old', { path: old, epoch: 3 })
    const asked: Array<[string, number, boolean]> = []
    const releaser = new LeaseReleaser(async (key, epoch, auto) => { asked.push([key, epoch, auto]); return true }, 1000, store)
    await releaser.load()
    await releaser.took('agent:codex:new', now, 7)
    expect((await releaser.check()).map(r => r.key).sort()).toEqual(['agent:codex:new', 'agent:codex:old'])
    expect(asked.sort()).toEqual([['agent:codex:new', 7, true], ['agent:codex:old', 3, false]])
  })
})
