/**
 * A rewrite of the log (compaction, sealing certificates) renames its copy over the log; from
 * then on the new file is the log, whatever fails next. An append is never acknowledged into the
 * old, unlinked file (it would be gone at the next open), nor before the rename is synced into
 * the directory.
 */
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { RecordLog, type RecordRef } from '../../src/store/log.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const fail = { dirSyncs: 0, reopens: 0 }
const emfile = (): Error => Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })
vi.mock('../../src/durable-dirs.js', async (real) => {
  const m = await real<typeof import('../../src/durable-dirs.js')>()
  return { ...m, fsyncDir: async (dir: string) => { if (fail.dirSyncs > 0) { fail.dirSyncs--; throw emfile() } await m.fsyncDir(dir) } }
})
vi.mock('../../src/store/log-format.js', async (real) => {
  const m = await real<typeof import('../../src/store/log-format.js')>()
  return { ...m, reopen: async (path: string) => { if (fail.reopens > 0) { fail.reopens--; throw emfile() } return await m.reopen(path) } }
})

/** Copies of the log (a rewrite's, a repair's) whose every write takes at most 5 bytes, as a write(2) may. */
const short = { writes: false }
vi.mock('node:fs/promises', async (real) => {
  const m = await real<typeof import('node:fs/promises')>()
  const open: typeof m.open = async (path, ...rest) => {
    const fh = await m.open(path, ...rest)
    if (!short.writes || !/\.(compact|repair)\.tmp$/.test(String(path))) return fh
    const write = fh.write.bind(fh) as (b: Uint8Array, off: number, len: number, pos: number) => Promise<{ bytesWritten: number }>
    return Object.assign(fh, { write: async (b: Uint8Array, off: number, len: number, pos: number) => await write(b, off, Math.min(len, 5), pos) })
  }
  return { ...m, open }
})

const { cleanups } = stopAfterEach()

async function records (path: string): Promise<string[]> {
  const out: string[] = []
  const { log } = await RecordLog.open(path, (p) => { out.push(Buffer.from(p).toString()) }, () => { out.length = 0 })
  await log.close()
  return out
}

describe('log rewrite, after its rename', () => {
  it('a directory that cannot be synced: appends are refused until it is, and every one acknowledged is there at the next open', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const a = await log.append(Buffer.from('A'))
    const b = await log.append(Buffer.from('B'))
    await log.append(Buffer.from('dropped'))
    fail.dirSyncs = 100
    await expect(log.rewrite(() => [a, b])).rejects.toThrow(/EMFILE/)
    await expect(log.append(Buffer.from('C'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    fail.dirSyncs = 1 // one more failure, then tried again
    await log.append(Buffer.from('D'))
    expect(log.bytes).toBe(3 * 9)
    await log.close()
    expect(await records(path)).toEqual(['A', 'B', 'D'])
  })

  it('a log that cannot be opened again takes no more appends, and loses nothing acknowledged', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const a = await log.append(Buffer.from('A'))
    const b = await log.append(Buffer.from('B'))
    fail.reopens = 1
    await expect(log.rewrite(() => [b])).rejects.toThrow(/EMFILE/)
    await expect(log.append(Buffer.from('C'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    await expect(log.rewrite(() => [])).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    // Its reads go on, at the places it had.
    expect(Buffer.from(await log.read(a) as Uint8Array).toString()).toBe('A')
    await log.close()
    expect(await records(path)).toEqual(['B'])
  })
})

describe('log rewrite, its copy', () => {
  it('a record damaged since the open is left out, saved beside the log and reported, never given a fresh checksum', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const a = await log.append(Buffer.from('first-record'))
    const b = await log.append(Buffer.from('good-entry-bytes'))
    const c = await log.append(Buffer.from('third-record'))
    // A bad sector after the open's scan: one byte of b's payload changes.
    const fh = await open(path, 'r+')
    await fh.write(Buffer.from('X'), 0, 1, b.offset + 8 + 3)
    await fh.close()
    const damaged: Array<[RecordRef, string]> = []
    const moved: RecordRef[] = []
    expect(await log.rewrite(() => [a, b, c], { onDamaged: (ref, q) => damaged.push([ref, q]), onMoved: (from) => moved.push(from) })).toBe(true)
    expect(damaged.map(([ref]) => ref)).toEqual([b])
    expect(moved).toEqual([a, c])
    const saved = await readFile(damaged[0]?.[1] as string)
    expect(saved.subarray(8).toString()).toBe('gooX-entry-bytes')
    await log.close()
    const out: string[] = []
    const again = await RecordLog.open(path, (p) => { out.push(Buffer.from(p).toString()) }, () => { out.length = 0 })
    await again.log.close()
    expect(again.recovered).toEqual([])
    expect(out).toEqual(['first-record', 'third-record'])
  })
})

describe('log copies, written in short writes', () => {
  it('a rewrite and the repair at open write every byte', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const refs: RecordRef[] = []
    for (let i = 0; i < 5; i++) refs.push(await log.append(Buffer.from(`record-${i}-`.repeat(3))))
    short.writes = true
    try {
      await log.rewrite(() => refs)
      await log.close()
      // Record 2 damaged: the next open repairs the log by a copy without it.
      const fh = await open(path, 'r+')
      await fh.write(Buffer.from('X'), 0, 1, (refs[2] as RecordRef).offset + 8 + 2)
      await fh.close()
      const out: string[] = []
      const first = await RecordLog.open(path, (p) => { out.push(Buffer.from(p).toString()) }, () => { out.length = 0 })
      await first.log.close()
      expect(first.recovered.map(r => r.kind)).toEqual(['corrupt-record'])
      expect(out).toHaveLength(4)
    } finally {
      short.writes = false
    }
    const out: string[] = []
    const again = await RecordLog.open(path, (p) => { out.push(Buffer.from(p).toString()) }, () => { out.length = 0 })
    await again.log.close()
    expect(again.recovered).toEqual([])
    expect(out).toEqual([0, 1, 3, 4].map(i => `record-${i}-`.repeat(3)))
  })
})
