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
  it('is not tried while less is free than an earlier try needed: nothing sealed, no error', async () => {
    let scratches = 0
    const store = { dir: '/home/x/data', freeBytes: async () => 4 * MiB, snapshotScratch: () => { scratches++; throw new Error('not reached') } } as unknown as EntryStore
    expect(await storeSnapshotOf(store, {} as any, { name: 'doc' } as any, 1n, 12 * MiB)).toBeUndefined()
    expect(scratches).toBe(0)
  })
})
