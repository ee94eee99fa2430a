/**
 * A snapshot that found no room is not sealed again until there is as much room as it found it
 * needs (src/node/snapshot-take.ts): on a disk short of room, every close of the session sealed
 * up to half the free space before giving up again.
 */
import { describe, expect, it } from 'vitest'
import { storeSnapshotOf } from '../../src/node/snapshot-take.js'
import type { EntryStore } from '../../src/store/index.js'

const MiB = 1024 * 1024

describe('a snapshot short of room', () => {
  it('is refused before anything is sealed while less is free than an earlier try needed', async () => {
    let scratches = 0
    const store = { dir: '/home/x/data', freeBytes: async () => 4 * MiB, snapshotScratch: () => { scratches++; throw new Error('not reached') } } as unknown as EntryStore
    const err = await storeSnapshotOf(store, {} as any, {} as any, 1n, 12 * MiB).catch((e: unknown) => e) as { code?: string, message?: string, details?: Record<string, unknown> }
    expect(err.code).toBe('STORE_WRITE_FAILED')
    expect(err.details).toMatchObject({ errno: 'ENOSPC', needs: 12 * MiB, path: '/home/x/data' })
    expect(err.message).toMatch(/^no room for a snapshot under \/home\/x\/data: it takes over 12\.0 MiB while it is written \(4\.0 MiB free/)
    expect(scratches).toBe(0)
  })
})
