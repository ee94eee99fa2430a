/**
 * `mesh status`'s disk lines (src/cli/commands/status-disk.ts): nothing while there is room, what
 * is free and what to do when full, one line per snapshot waiting for room, and one for a
 * compaction that does.
 */
import { describe, expect, it } from 'vitest'
import { diskLines } from '../../src/cli/commands/status-disk.js'

const MiB = 1024 * 1024
const disk = { refused: false, freeBytes: 40 * MiB, keepFreeBytes: MiB, snapshotsWaiting: [] }

describe('status disk lines', () => {
  it('say nothing while the disk has room and no snapshot waits', () => {
    expect(diskLines({ diskFull: false, disk })).toEqual([])
  })

  it('say a refused write, or less free than mesh keeps, with what is free', () => {
    expect(diskLines({ diskFull: true, disk: { ...disk, refused: true, freeBytes: 0 } })).toEqual(['disk:         full — writes are refused until space is freed (reads go on); 0.0 MB free'])
    expect(diskLines({ diskFull: true, disk: { ...disk, freeBytes: MiB / 2 } })).toEqual(['disk:         full — 0.5 MB free, less than the 1.0 MB mesh keeps free for writes: free some space before writing (reads go on)'])
  })

  it('say each snapshot waiting for room, even when the disk is not full, and an unknown amount free as such', () => {
    const snapshotsWaiting = [{ doc: 'agent:main:big', needsBytes: 17 * MiB }, { doc: 'memory', needsBytes: 2 * MiB }]
    expect(diskLines({ diskFull: false, disk: { ...disk, freeBytes: 7 * MiB, snapshotsWaiting } })).toEqual([
      'snapshot:     agent:main:big waits for room: it needs at least 18 MB free (7.3 MB is); tried again once there is, at its next close or snapshot, and the log keeps every entry meanwhile',
      'snapshot:     memory waits for room: it needs at least 2.1 MB free (7.3 MB is); tried again once there is, at its next close or snapshot, and the log keeps every entry meanwhile'
    ])
    const { freeBytes: _f, ...unknown } = disk
    expect(diskLines({ diskFull: false, disk: { ...unknown, snapshotsWaiting: snapshotsWaiting.slice(1) } })[0]).toContain('(how much is cannot be told)')
  })

  it('say a compaction waiting for room', () => {
    expect(diskLines({ diskFull: false, disk: { ...disk, freeBytes: 3 * MiB, compactionWaiting: { needsBytes: 5 * MiB } } })).toEqual([
      'compaction:   waits for room: it needs at least 5.2 MB free (3.1 MB is) to copy the log; the next write once there is takes it, and the log keeps what it would drop meanwhile'
    ])
  })
})
